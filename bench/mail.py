"""E-mail figures for `make bench`: queueing 6,000 welcome messages and the send rate to a local
SMTP sink (aiosmtpd, a dev dependency), both on a SQLite file (or BENCH_DATABASE_URL's kind)."""

import os
import socket
import tempfile
import time
from pathlib import Path

WELCOMES = 6000
SENDS = 2000


def _port() -> int:
    """BENCH_SMTP_PORT, else a free loopback port."""
    if os.environ.get("BENCH_SMTP_PORT"):
        return int(os.environ["BENCH_SMTP_PORT"])
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Sink:
    def __init__(self):
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        return "250 OK"


def _app(tmp: str, **overrides):
    from flask_migrate import upgrade

    from lms import create_app

    app = create_app("development", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(tmp) / 'mail.db'}",
                                     "LMS_PUBLIC_URL": "https://lms.example.pk", **overrides})
    with app.app_context():
        upgrade()
    return app


def measure() -> dict:
    """{figure: value}: seconds to import 6,000 learners with their welcome messages, of which
    queueing the messages, and messages per second sent to a local SMTP sink."""
    from aiosmtpd.controller import Controller

    from lms.accounts.services import import_users
    from lms.core.permissions import SYSTEM
    from lms.extensions import db
    from lms.notifications import services, worker
    from lms.parks.services import load_parks

    rows = ["email,full_name,role,track,park,institution"]
    rows += [f"learner{i}@mail.pk,Learner {i},student,,lahore,UET" for i in range(WELCOMES)]
    sink, port = _Sink(), _port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            app = _app(tmp, MAIL_SERVER="127.0.0.1", MAIL_PORT=port,
                       MAIL_MAX_PER_MINUTE=10**9)
            with app.app_context():
                load_parks()
                db.session.commit()
                queued = {}
                real = services.welcome_imported

                def timed(emails):
                    started = time.perf_counter()
                    n = real(emails)
                    queued["s"], queued["n"] = time.perf_counter() - started, n
                    return n

                services.welcome_imported = timed
                try:
                    started = time.perf_counter()
                    import_users(SYSTEM, "\n".join(rows))
                    db.session.commit()
                    total = time.perf_counter() - started
                finally:
                    services.welcome_imported = real
                assert queued["n"] == WELCOMES
                # send the first SENDS of them
                from sqlalchemy import update

                from lms.notifications.models import OutboxMessage as M
                db.session.execute(update(M).where(M.id > SENDS).values(status="failed"))
                db.session.commit()
                started = time.perf_counter()
                with worker.SmtpMailer(app.config) as mailer:
                    result = worker.drain("bench", mailer)
                elapsed = time.perf_counter() - started
                assert result.sent == SENDS and sink.count == SENDS, (result, sink.count)
                db.engine.dispose()
    finally:
        controller.stop()
    return {
        "import 6,000 learners with their welcome messages (s)": round(total, 2),
        "of which: queue 6,000 welcome messages (s)": round(queued["s"], 2),
        "send rate to a local SMTP sink (messages/s)": round(SENDS / elapsed),
    }
