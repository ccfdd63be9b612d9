"""Jinja filters and the navigation shown for each role."""

from flask import Flask, request, url_for
from flask_login import current_user

from lms.core.timeutil import PARK_TZ, as_utc


def nav_items():
    """The navigation entries the current user may use: each feature's views.NAV, in order.

    An entry is (endpoint, label, roles): roles None means everyone logged in, "public" visitors
    too, and a tuple those roles ("anonymous" in it: visitors as well).
    """
    import sys

    from lms import FEATURES

    items = []
    for name in FEATURES:
        views = sys.modules.get(f"lms.{name}.views")
        for endpoint, label, roles in getattr(views, "NAV", ()):
            if not current_user.is_authenticated:
                shown = roles == "public" or (roles is not None and "anonymous" in roles)
            else:
                shown = roles in (None, "public") or current_user.role in roles
            if shown:
                items.append((endpoint, label))
    return items


def park_time(value, fmt: str = "%a %d %b %Y, %H:%M") -> str:
    """Show a UTC instant in park time."""
    if value is None:
        return ""
    return as_utc(value).astimezone(PARK_TZ).strftime(fmt)


def init_templating(app: Flask) -> None:
    """Register filters and globals."""
    app.jinja_env.filters["park_time"] = park_time
    app.jinja_env.globals["nav_items"] = nav_items

    @app.context_processor
    def _globals():
        return {"current_endpoint": request.endpoint, "url_for": url_for}
