"""Browser journeys: the real app on loopback, a Chromium driven by Playwright, the people.

One server and one browser for the session: a fresh SQLite file (migrated, parks loaded), the app
in testing mode with CSRF on (the browser goes through the real forms) served by werkzeug in a
thread on a free 127.0.0.1 port. Data a journey needs but is not about is seeded through the
services or the models (`world`), so each journey can run and fail on its own.
"""

from __future__ import annotations

import logging
import shutil
import threading

import pytest

from tests.conftest import PASSWORD
from tests.e2e.support import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, LAPTOP, PHONE, SKIP_REASON


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The app served on loopback for the whole session: an object with .url and .app."""
    if SKIP_REASON:
        pytest.skip(SKIP_REASON)
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from lms import create_app
    from lms.extensions import db
    from lms.parks.services import load_parks

    path = tmp_path_factory.mktemp("e2e") / "lms.sqlite3"
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
                                 "WTF_CSRF_ENABLED": True})
    with app.app_context():
        upgrade()
        load_parks()
        db.session.commit()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["LMS_PUBLIC_URL"] = url  # the certificates' QR codes point here
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()

    class Live:
        pass

    live = Live()
    live.url, live.app = url, app
    yield live
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium through Playwright (never a downloaded browser)."""
    if SKIP_REASON:
        pytest.skip(SKIP_REASON)
    from playwright.sync_api import sync_playwright

    shutil.rmtree(ARTIFACTS, ignore_errors=True)  # this run's screenshots only

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def world(live_server):
    """The people and the seeding helpers shared by the journeys."""
    from tests.e2e.world import World

    return World(live_server.app)


@pytest.fixture
def open_as(browser, live_server):
    """Factory: a new browser context logged in (through the login form) as `user`.

    open_as(user, phone=False) -> page; contexts close at the end of the test.
    """
    contexts = []

    def _open(user=None, *, phone: bool = False):
        ctx = browser.new_context(base_url=live_server.url, **(PHONE if phone else LAPTOP))
        ctx.set_default_timeout(10_000)
        contexts.append(ctx)
        page = ctx.new_page()
        if user is not None:
            login(page, user.email)
        return page

    yield _open
    for ctx in contexts:
        ctx.close()


def login(page, email: str, password: str = PASSWORD) -> None:
    """Log in through the form and land on the home page."""
    page.goto("/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda u: "/login" not in u)
