"""JSON API of the reports feature."""

from lms.core.api import api_blueprint

blp = api_blueprint("reports_api", __name__, "Reports")
