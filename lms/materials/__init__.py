"""Course materials (files and links per module and session) and files handed in for assessments."""
