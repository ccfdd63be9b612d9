"""HTML pages of the scheduling feature."""

from flask import Blueprint

bp = Blueprint("scheduling", __name__)
NAV: list[tuple[str, str, tuple[str, ...] | None]] = []
