"""JSON API of the attendance feature."""

from lms.core.api import api_blueprint

blp = api_blueprint("attendance_api", __name__, "Attendance")
