"""HTML pages of the catalogue feature."""

from flask import Blueprint

bp = Blueprint("catalogue", __name__)
NAV: list[tuple[str, str, tuple[str, ...] | None]] = []
