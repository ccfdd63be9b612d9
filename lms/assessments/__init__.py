"""Assessments: question bank, timed attempts graded on the server, essay grading, gradebook."""
