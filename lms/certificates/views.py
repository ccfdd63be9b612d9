"""HTML pages of the certificates feature."""

from flask import Blueprint

bp = Blueprint("certificates", __name__)
NAV: list[tuple[str, str, tuple[str, ...] | None]] = []
