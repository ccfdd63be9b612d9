"""A real SMTP server (aiosmtpd) on loopback for the notification tests, and helpers."""

import socket
import threading
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from lms.extensions import db
from lms.notifications.models import OutboxMessage

PUBLIC = "https://lms.example.test"
PORTS = range(11900, 12000)


def free_port() -> int:
    """A free loopback port of this test run's range."""
    for port in PORTS:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 11900-11999")


class Sink:
    """An SMTP handler keeping what it received; it can refuse the next N messages (451)."""

    def __init__(self):
        self.messages = []
        self.refuse = 0
        self.refuse_code = "451 4.3.0 Try again later"
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.refuse > 0:
                self.refuse -= 1
                return self.refuse_code
            self.messages.append(message_from_bytes(envelope.content, policy=default_policy))
        return "250 2.0.0 OK"

    def reset(self):
        with self.lock:
            self.messages.clear()
            self.refuse = 0

    def to(self, address: str) -> list:
        return [m for m in self.messages if m["To"] == address]


@pytest.fixture(scope="session")
def smtp_server():
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    yield sink, port
    controller.stop()


@pytest.fixture
def smtp(smtp_server):
    """The test SMTP server's sink, emptied for this test."""
    sink, _port = smtp_server
    sink.reset()
    return sink


@pytest.fixture
def mail_settings(smtp_server):
    _sink, port = smtp_server
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "MAIL_MAX_PER_MINUTE": 100000,
            "MAIL_TIMEOUT": 5, "LMS_PUBLIC_URL": PUBLIC,
            "MAIL_DEFAULT_SENDER": "Knowledge Park LMS <lms@example.test>"}


@pytest.fixture
def app_overrides(mail_settings):
    return mail_settings


def run_worker(once: bool = True, with_jobs: bool = False):
    """One `lms worker --once` pass in this app context (the scheduled jobs only if asked)."""
    from lms.notifications.worker import run

    return run(once=once, sleep=lambda _s: None, with_jobs=with_jobs)


def outbox(**filters) -> list[OutboxMessage]:
    db.session.rollback()
    stmt = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    for name, value in filters.items():
        stmt = stmt.where(getattr(OutboxMessage, name) == value)
    return list(db.session.scalars(stmt))


def parts(message) -> tuple[str, str]:
    """(plain text, HTML) of a received message."""
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return text, html
