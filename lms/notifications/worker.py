"""The outbox worker: claim due messages under a lease, send them, record the outcome.

Claiming is one short transaction: PostgreSQL `SELECT ... FOR UPDATE SKIP LOCKED`, SQLite
`BEGIN IMMEDIATE`; each claimed row gets `status='sending'`, this worker's id and a lease. A worker
killed mid-batch leaves its rows `sending` with a lease that runs out; the next claim takes them
again, so nothing is lost. Every outcome is written only while this worker still holds the row.
"""

import logging
import os
import socket
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from lms.core.db import IMMEDIATE, is_sqlite
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.notifications import rules
from lms.notifications.mailer import MailError, SmtpMailer, build_message
from lms.notifications.models import OutboxMessage

log = logging.getLogger("lms.worker")
BATCH = 20
LEASE = timedelta(minutes=10)
M = OutboxMessage


def new_worker_id() -> str:
    """host:pid:random, unique per worker."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class Pass:
    """What one pass over the outbox did."""

    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    throttled: bool = False
    errors: list[str] = field(default_factory=list)


def _claimable(now):
    return sa.or_(sa.and_(M.status == "queued", M.next_attempt_at <= now),
                  sa.and_(M.status == "sending", M.lease_until < now))


def _begin_write() -> None:
    """A fresh transaction that writes: on SQLite it takes the write lock first (BEGIN
    IMMEDIATE), so it waits its turn instead of failing to upgrade a read snapshot."""
    db.session.rollback()
    if is_sqlite():
        db.session.connection(execution_options={IMMEDIATE: True})


def claim(worker: str, batch: int = BATCH) -> tuple[list[int], bool]:
    """Claim up to `batch` due messages for this worker; (ids, throttled). Commits."""
    session = db.session
    _begin_write()
    now = utcnow()
    sent_last_minute, in_flight = session.execute(sa.select(
        sa.func.count().filter(M.status == "sent", M.sent_at >= now - timedelta(minutes=1)),
        sa.func.count().filter(M.status == "sending", M.lease_until >= now),
    ).where(sa.or_(M.status == "sending",
                   sa.and_(M.status == "sent", M.sent_at >= now - timedelta(minutes=1))))).one()
    limit = rules.claim_capacity(current_app.config["MAIL_MAX_PER_MINUTE"], sent_last_minute,
                                 in_flight, batch)
    if limit == 0:
        session.commit()
        return [], True
    stmt = sa.select(M.id).where(_claimable(now)).order_by(M.next_attempt_at, M.id).limit(limit)
    if not is_sqlite():
        stmt = stmt.with_for_update(skip_locked=True)
    ids = list(session.scalars(stmt))
    if ids:
        session.execute(sa.update(M).where(M.id.in_(ids)).values(
            status="sending", claimed_by=worker, lease_until=now + LEASE,
            attempts=M.attempts + 1).execution_options(synchronize_session=False))
    session.commit()
    return ids, False


def _finish(message_id: int, worker: str, **values) -> bool:
    """Write a message's outcome if this worker still holds it; commit."""
    _begin_write()
    done = db.session.execute(sa.update(M).where(
        M.id == message_id, M.claimed_by == worker, M.status == "sending").values(
        lease_until=None, **values).execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return bool(done)


def send_pass(worker: str, mailer, batch: int = BATCH) -> Pass:
    """Claim one batch and send it, recording each message's outcome as soon as it is known."""
    cfg = current_app.config
    result = Pass()
    ids, result.throttled = claim(worker, batch)
    result.claimed = len(ids)
    for message_id in ids:
        msg = db.session.get(M, message_id, populate_existing=True)
        if msg is None or msg.claimed_by != worker:
            continue
        attempts, to_addr = msg.attempts, msg.to_addr
        try:
            email = build_message(msg, cfg["MAIL_DEFAULT_SENDER"], cfg["LMS_PUBLIC_URL"])
        except (ValueError, TypeError) as exc:  # a header the e-mail library refuses
            email, problem = None, MailError(f"cannot build the message: {exc}")
        db.session.commit()  # end the read: no transaction stays open while SMTP talks
        try:
            if email is None:
                raise problem
            mailer.send(email)
        except MailError as exc:
            now = utcnow()
            status, next_at = rules.after_failure(attempts, cfg["MAIL_MAX_ATTEMPTS"], now)
            _finish(message_id, worker, status=status, next_attempt_at=next_at,
                    last_error=rules.clip_error(str(exc)), claimed_by=None)
            result.errors.append(str(exc))
            if status == "failed":
                result.failed += 1
                log.warning("outbox %s to %s failed for good: %s", message_id, to_addr, exc)
            else:
                result.retried += 1
            continue
        if _finish(message_id, worker, status="sent", sent_at=utcnow(), last_error=None):
            result.sent += 1
    return result


def drain(worker: str, mailer, *, wait_when_throttled: bool = True,
          sleep=time.sleep) -> Pass:
    """Send until nothing is due (waiting out the rate limit if asked); the total."""
    total = Pass()
    while True:
        one = send_pass(worker, mailer)
        for name in ("claimed", "sent", "retried", "failed"):
            setattr(total, name, getattr(total, name) + getattr(one, name))
        total.errors += one.errors
        if one.throttled:
            total.throttled = True
            if not wait_when_throttled:
                return total
            sleep(1)
            continue
        if one.claimed == 0:
            return total


def run(*, once: bool, poll_seconds: float = 5.0, sleep=time.sleep, mailer_factory=None,
        worker: str | None = None, with_jobs: bool = True) -> Pass:
    """The worker loop: scheduled jobs, then the outbox; `once` drains and returns."""
    from lms.notifications import jobs

    worker = worker or new_worker_id()
    cfg = current_app.config
    mailer_factory = mailer_factory or (lambda: SmtpMailer(cfg))
    total = Pass()
    while True:
        if with_jobs:
            jobs.run_due(worker)
        if not cfg["MAIL_SERVER"]:
            waiting = db.session.scalar(sa.select(sa.func.count()).select_from(M).where(
                M.status == "queued"))
            db.session.commit()
            log.info("MAIL_SERVER is not set: %s message(s) stay in the outbox", waiting)
        else:
            with mailer_factory() as mailer:
                one = drain(worker, mailer, wait_when_throttled=once, sleep=sleep)
            total.sent += one.sent
            total.retried += one.retried
            total.failed += one.failed
            total.claimed += one.claimed
            total.errors += one.errors
        if once:
            return total
        sleep(poll_seconds)
