"""Attendance: registers, rotating-code self check-in, excused absences, at-risk learners."""
