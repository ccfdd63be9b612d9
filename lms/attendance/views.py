"""HTML pages of the attendance feature."""

from flask import Blueprint

bp = Blueprint("attendance", __name__)
NAV: list[tuple[str, str, tuple[str, ...] | None]] = []
