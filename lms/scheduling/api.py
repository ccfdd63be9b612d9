"""JSON API of the scheduling feature."""

from lms.core.api import api_blueprint

blp = api_blueprint("scheduling_api", __name__, "Scheduling")
