"""Module-scoped app, world and clients: the security suite builds its world once per module."""

import pytest

from lms.core import cache
from lms.extensions import db, limiter
from lms.parks.services import load_parks
from tests.conftest import _is_sqlite_memory, _reset_schema, empty_tables, make_app
from tests.ops.helpers import stamp
from tests.security.world import Clients, build_world


@pytest.fixture(scope="module")
def app_overrides():
    """Module-scoped here (a module may override it, e.g. to switch CSRF on)."""
    return {}


@pytest.fixture(scope="module")
def sec_app(app_overrides):
    """One app for the whole module; throttling off (the matrix sends many requests)."""
    app = make_app(**{"RATELIMIT_ENABLED": False, **app_overrides})
    with app.app_context():
        _reset_schema(app)
        stamp()  # the schema is the newest migration's: /readyz answers 200
        load_parks()
        db.session.commit()
        if app.config["RATELIMIT_ENABLED"]:
            limiter.reset()
        cache.clear()
        yield app
        db.session.remove()
        if not _is_sqlite_memory(app):
            empty_tables()
        db.engine.dispose()


@pytest.fixture(scope="module")
def world(sec_app):
    return build_world()


@pytest.fixture(scope="module")
def clients(sec_app, world):
    """clients[role]: a test client logged in as that role of the world ("anon": no login)."""
    return Clients(sec_app, world)
