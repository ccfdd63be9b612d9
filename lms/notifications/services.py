"""Notification use cases: queue messages in the caller's transaction, the events other features
announce, the outbox for admins, preferences and the password-reset flow.

Services flush and never commit: a message is written with the change it announces, so a
rolled-back change sends nothing.
"""

import hashlib
from collections.abc import Callable, Iterable
from datetime import timedelta
from types import SimpleNamespace

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from markupsafe import escape

from lms.accounts.models import User
from lms.core import audit
from lms.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from lms.core.timeutil import to_park, utcnow
from lms.extensions import db
from lms.notifications import rules
from lms.notifications.models import NotificationPreference, OutboxMessage

SETTINGS_PATH = "/account/notifications"


# --- links and rendering ----------------------------------------------------------------------

def public_url(path: str) -> str:
    """An absolute link for other people, built from LMS_PUBLIC_URL (never the request's host)."""
    return current_app.config["LMS_PUBLIC_URL"].rstrip("/") + "/" + path.lstrip("/")


def render(kind: str, **context) -> tuple[str, str, str]:
    """(subject, plain text, HTML) of one message; the text template's first line is the
    subject."""
    context = {"site_name": current_app.config["LMS_SITE_NAME"],
               "settings_url": None if kind in rules.SECURITY_KINDS else public_url(SETTINGS_PATH),
               "home_url": public_url("/"), "park_time": _park_time,
               "clock": lambda dt: f"{to_park(dt):%H:%M}", **context}
    env = current_app.jinja_env  # no request needed: the worker and the CLI render too
    text = env.get_template(f"notifications/email/{kind}.txt").render(context)
    first, _, body = text.partition("\n")
    subject = " ".join(first.split())[:300]  # one header line, whatever the names held
    html = env.get_template(f"notifications/email/{kind}.html").render(subject=subject,
                                                                      **context)
    return subject, body.lstrip("\n"), html


def _park_time(dt) -> str:
    """An instant in park time, as messages print it."""
    return f"{to_park(dt):%a %d %b %Y, %H:%M} (PKT)"


# --- queueing ---------------------------------------------------------------------------------

def preferences_of(user_ids: Iterable[int]) -> dict[int, dict[str, bool]]:
    """The stored choices of these users (users without a row get every optional message)."""
    ids = list(set(user_ids))
    if not ids:
        return {}
    rows = db.session.scalars(sa.select(NotificationPreference)
                              .where(NotificationPreference.user_id.in_(ids)))
    return {p.user_id: {n: getattr(p, n) for n in rules.PREFERENCES} for p in rows}


def _insert(rows: list[dict]) -> int:
    """Insert outbox rows in one statement; rows whose dedupe_key exists are skipped."""
    if not rows:
        return 0
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(OutboxMessage.__table__).on_conflict_do_nothing(index_elements=["dedupe_key"])
    db.session.execute(stmt, rows)
    return len(rows)


def queue_many(kind: str, users: Iterable, context_for: Callable[[object], dict] | None = None,
               dedupe_for: Callable[[object], str] | None = None, **context) -> int:
    """Queue one message of `kind` to each user (objects with id, email, full_name), skipping
    those who switched this kind off; returns how many were written."""
    users = [u for u in users if u is not None and getattr(u, "email", None)]
    prefs = preferences_of(u.id for u in users) if rules.is_optional(kind) else {}
    now = utcnow()
    unsubscribe = f"<{public_url(SETTINGS_PATH)}>" if rules.is_optional(kind) else None
    rows = []
    for user in users:
        if not rules.wants(kind, prefs.get(user.id)):
            continue
        extra = context_for(user) if context_for else {}
        subject, text, html = render(kind, user=user, **context, **extra)
        rows.append({"user_id": user.id, "to_addr": user.email, "kind": kind,
                     "subject": subject[:300], "body_text": text, "body_html": html,
                     "list_unsubscribe": unsubscribe,
                     "dedupe_key": dedupe_for(user) if dedupe_for else None,
                     "status": "queued", "attempts": 0, "created_at": now,
                     "next_attempt_at": now})
    return _insert(rows)


def queue(kind: str, user, *, dedupe_key: str | None = None, **context) -> int:
    """Queue one message of `kind` to one user (unless they switched it off)."""
    return queue_many(kind, [user], dedupe_for=(lambda _u: dedupe_key) if dedupe_key else None,
                      **context)


# --- events announced by other features (one-line calls from their services) ------------------

def _set_password_link(user) -> str:
    from lms.accounts.services import set_password_token

    return public_url(f"/set-password/{set_password_token(user)}")


def welcome(user) -> int:
    """Welcome a user created by staff without a password: the one-time set-password link."""
    if user.password_hash:
        return 0
    return queue("welcome", user, link=_set_password_link(user))


def welcome_imported(emails: Iterable[str]) -> int:
    """Welcome the users an import just created (one SELECT, one multi-row INSERT)."""
    emails = list(emails)
    users = []
    for i in range(0, len(emails), 5000):  # stay under the bound-parameter limits
        users += db.session.execute(
            sa.select(User.id, User.email, User.full_name, User.session_version)
            .where(User.email.in_(emails[i:i + 5000]), User.password_hash.is_(None))).all()
    return queue_stamped("welcome", users, lambda u: {"link": _set_password_link(u)})


def queue_stamped(kind: str, users: list, values_for: Callable[[object], dict[str, str]]) -> int:
    """queue_many for thousands of one kind whose templates use only the user's name and
    e-mail and the plain strings of `values_for(user)` as they are: rendered once with markers,
    each message is then the markers replaced (escaped in the HTML part). Not for optional
    kinds (no preferences are read)."""
    if not users:
        return 0
    names = ["full_name", "email", *values_for(users[0])]
    marks = {name: f"\x00{i}\x00" for i, name in enumerate(names)}
    stencil = SimpleNamespace(id=0, full_name=marks["full_name"], email=marks["email"])
    subject, text, html = render(kind, user=stencil, **{n: marks[n] for n in names[2:]})
    now = utcnow()
    rows = []
    for user in users:
        values = {"full_name": user.full_name, "email": user.email, **values_for(user)}
        s, t, h = subject, text, html
        for name, mark in marks.items():
            value = str(values[name])
            s, t, h = s.replace(mark, value), t.replace(mark, value), h.replace(mark, escape(value))
        rows.append({"user_id": user.id, "to_addr": user.email, "kind": kind,
                     "subject": " ".join(s.split())[:300], "body_text": t, "body_html": h,
                     "list_unsubscribe": None, "dedupe_key": None, "status": "queued",
                     "attempts": 0, "created_at": now, "next_attempt_at": now})
    return _insert(rows)


def _cohort_people(cohort, *, trainer: bool = True) -> list:
    """The seated learners of a cohort, and its trainer."""
    from lms.scheduling.models import Enrollment

    stmt = sa.select(User).join(Enrollment, Enrollment.user_id == User.id).where(
        Enrollment.cohort_id == cohort.id, Enrollment.status == "enrolled", User.active.is_(True))
    people = list(db.session.scalars(stmt))
    if trainer and cohort.trainer is not None and cohort.trainer.active:
        people.append(cohort.trainer)
    return people


def session_moved(session, before_starts_at) -> int:
    """Tell a session's learners and trainer that it moved (old and new time, room)."""
    cohort = session.cohort
    return queue_many("session_moved", _cohort_people(cohort), cohort=cohort, session=session,
                      before=before_starts_at, url=public_url(f"/cohorts/{cohort.id}"))


def session_cancelled(session, reason: str | None = None) -> int:
    """Tell a session's learners and trainer that it was cancelled (and why)."""
    cohort = session.cohort
    return queue_many("session_cancelled", _cohort_people(cohort), cohort=cohort,
                      session=session, reason=reason or session.note,
                      url=public_url(f"/cohorts/{cohort.id}"))


def waitlist_promoted(enrollment) -> int:
    """Tell a waitlisted learner they now have a seat."""
    cohort = enrollment.cohort
    return queue("waitlist_promoted", enrollment.user, cohort=cohort,
                 url=public_url(f"/cohorts/{cohort.id}"))


def excuse_decided(excuse) -> int:
    """Tell a learner their excuse request was approved or declined."""
    return queue("excuse_decided", excuse.user, excuse=excuse, session=excuse.session,
                 cohort=excuse.session.cohort, url=public_url("/attendance/me"))


def essay_graded(attempt) -> int:
    """Tell a learner their attempt is fully graded (once its last essay has points)."""
    if attempt.status != "graded":
        return 0
    return queue("essay_graded", attempt.user, attempt=attempt,
                 assessment=attempt.assessment, url=public_url(f"/attempts/{attempt.id}"))


def certificate_issued(cert) -> int:
    """Tell a learner their certificate was issued, with its verification link."""
    from lms.certificates.services import verify_url

    return queue("certificate_issued", cert.user, cert=cert, verify_url=verify_url(cert.code),
                 url=public_url("/my/certificates"))


# --- the outbox for admins --------------------------------------------------------------------

def outbox_query(actor, status: str | None = None, kind: str | None = None) -> sa.Select:
    """Outbox messages, newest first; admins only."""
    _ensure_admin(actor)
    stmt = sa.select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if status:
        stmt = stmt.where(OutboxMessage.status == status)
    if kind:
        stmt = stmt.where(OutboxMessage.kind == kind)
    return stmt


def outbox_counts(kind: str | None = None) -> dict[str, int]:
    """How many messages are in each status (of one kind, or all)."""
    stmt = sa.select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status)
    if kind:
        stmt = stmt.where(OutboxMessage.kind == kind)
    counts = dict.fromkeys(("queued", "sending", "sent", "failed"), 0)
    counts.update({s: n for s, n in db.session.execute(stmt)})
    return counts


def _ensure_admin(actor) -> None:
    if not getattr(actor, "is_admin", False):
        raise Forbidden("Only the programme office sees the outbox.")


def get_message(actor, message_id: int) -> OutboxMessage:
    """One outbox message (admins only)."""
    _ensure_admin(actor)
    msg = db.session.get(OutboxMessage, message_id)
    if msg is None:
        raise NotFound("No such message.")
    return msg


def retry(actor, message_id: int) -> OutboxMessage:
    """Queue a failed message again, with a fresh count of tries."""
    msg = get_message(actor, message_id)
    if msg.status != "failed":
        raise Conflict("Only a failed message can be sent again.", code="not_failed")
    msg.status, msg.attempts, msg.next_attempt_at = "queued", 0, utcnow()
    msg.lease_until = msg.claimed_by = None
    db.session.flush()
    audit.record("outbox.retry", msg, actor=actor, before={"status": "failed"},
                 after={"status": "queued"})
    return msg


# --- preferences ------------------------------------------------------------------------------

def preferences(user) -> dict[str, bool]:
    """A user's choices of optional messages (all on until they change them)."""
    return preferences_of([user.id]).get(user.id) or dict.fromkeys(rules.PREFERENCES, True)


def set_preferences(user, changes: dict) -> dict[str, bool]:
    """Change some of a user's choices (reminders, at_risk, digest); returns all of them."""
    unknown = set(changes) - set(rules.PREFERENCES)
    bad = {k: ["Must be true or false."] for k, v in changes.items() if not isinstance(v, bool)}
    if unknown or bad:
        raise ValidationFailed("Please correct the notification settings.",
                               fields={**{k: ["Unknown setting."] for k in unknown}, **bad})
    row = db.session.get(NotificationPreference, user.id)
    if row is None and all(changes.values()):
        return dict.fromkeys(rules.PREFERENCES, True)  # the defaults: no row needed
    if row is None:
        row = NotificationPreference(user_id=user.id, reminders=True, at_risk=True, digest=True)
        db.session.add(row)
    for key, value in changes.items():
        setattr(row, key, value)
    db.session.flush()
    return {n: getattr(row, n) for n in rules.PREFERENCES}


# --- password reset ---------------------------------------------------------------------------

def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def _password_stamp(user) -> str:
    """Changes whenever the password does, so a used link is dead."""
    return hashlib.sha256((user.password_hash or "-").encode()).hexdigest()[:16]


def reset_token(user) -> str:
    """A signed token for one password reset (expires; dies once the password changes)."""
    return _reset_serializer().dumps({"uid": user.id, "ps": _password_stamp(user)})


def request_password_reset(email: str) -> None:
    """Queue a reset link if an active account has this address; say nothing either way.

    At most PASSWORD_RESET_PER_ACCOUNT links per account per hour (counted in the outbox, so
    shared by every worker); the caller answers the same whatever happens here.
    """
    from lms.accounts.services import find_by_email

    user = find_by_email(email or "")
    if user is None or not user.active:
        return
    since = utcnow() - timedelta(hours=1)
    recent = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
        OutboxMessage.kind == "password_reset", OutboxMessage.user_id == user.id,
        OutboxMessage.created_at >= since)) or 0
    if not rules.reset_allowed(recent, current_app.config["PASSWORD_RESET_PER_ACCOUNT"]):
        return
    minutes = int(current_app.config["PASSWORD_RESET_MAX_AGE"].total_seconds() // 60)
    queue("password_reset", user, link=public_url(f"/reset-password/{reset_token(user)}"),
          minutes=minutes)


def user_for_reset(token: str) -> User:
    """The user a reset token is for, if it is fresh and unused."""
    max_age = int(current_app.config["PASSWORD_RESET_MAX_AGE"].total_seconds())
    try:
        data = _reset_serializer().loads(token, max_age=max_age)
    except SignatureExpired:
        raise ValidationFailed("This link has expired; ask for a new one.") from None
    except BadSignature:
        raise NotFound("This link is not valid.") from None
    user = db.session.get(User, data.get("uid")) if isinstance(data, dict) else None
    if user is None or not user.active or data.get("ps") != _password_stamp(user):
        raise ValidationFailed("This link was already used; ask for a new one.")
    return user


def reset_password(token: str, password: str) -> User:
    """Set a new password through a reset link: the link dies, every session and token ends."""
    from lms.accounts import rules as account_rules
    from lms.accounts.services import revoke_all_tokens

    user = user_for_reset(token)
    if msg := account_rules.password_error(password):
        raise ValidationFailed(msg, fields={"password": [msg]})
    user.set_password(password)  # bumps the session version: other sessions end
    revoke_all_tokens(user)
    db.session.flush()
    audit.record("user.password_reset", user, actor=user)
    return user
