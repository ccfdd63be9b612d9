"""JSON API of the assessments feature."""

from lms.core.api import api_blueprint

blp = api_blueprint("assessments_api", __name__, "Assessments")
