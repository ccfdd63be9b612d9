"""JSON API of the catalogue feature."""

from lms.core.api import api_blueprint

blp = api_blueprint("catalogue_api", __name__, "Catalogue")
