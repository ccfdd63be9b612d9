"""HTML pages of the reports feature."""

from flask import Blueprint

bp = Blueprint("reports", __name__)
NAV: list[tuple[str, str, tuple[str, ...] | None]] = []
