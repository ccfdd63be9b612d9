"""JSON API of the certificates feature."""

from lms.core.api import api_blueprint

blp = api_blueprint("certificates_api", __name__, "Certificates")
