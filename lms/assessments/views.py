"""HTML pages of the assessments feature."""

from flask import Blueprint

bp = Blueprint("assessments", __name__)
NAV: list[tuple[str, str, tuple[str, ...] | None]] = []
