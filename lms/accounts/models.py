"""Users, API tokens and the login-failure log."""

import secrets
from datetime import datetime
from functools import lru_cache

import sqlalchemy as sa
from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from lms.core import permissions as perm
from lms.core.timeutil import UTCDateTime, utcnow
from lms.extensions import db


def _hash_method() -> dict:
    method = current_app.config.get("PASSWORD_HASH_METHOD") if has_app_context() else None
    return {"method": method} if method else {}


def hash_password(password: str) -> str:
    """Werkzeug's default hash (scrypt; tests may configure a faster one). Slow on purpose: call
    it while the request holds no write lock."""
    return generate_password_hash(password, **_hash_method())


@lru_cache(maxsize=4)
def _dummy_hash(method: str | None) -> str:
    return generate_password_hash(secrets.token_urlsafe(16), **({"method": method} if method else {}))


def check_password_against(hashed: str | None, password: str) -> bool:
    """True if `password` matches `hashed`. Without a hash (an unknown e-mail, a user who never
    set a password) a dummy hash of the same method is checked, so the answer takes as long."""
    if not hashed:
        check_password_hash(_dummy_hash(_hash_method().get("method")), password)
        return False
    return check_password_hash(hashed, password)


class User(UserMixin, db.Model):
    """A person with exactly one role; learners (student, faculty) have a track."""

    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint(
            "role IN ('admin','park_manager','trainer','student','faculty')", name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)  # stored lower-cased
    full_name: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[str] = mapped_column(sa.String(20), index=True)
    park_id: Mapped[int | None] = mapped_column(sa.ForeignKey("parks.id"), index=True)
    institution: Mapped[str | None] = mapped_column(sa.String(200))
    cnic: Mapped[str | None] = mapped_column(sa.String(15), unique=True)
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ics_token: Mapped[str | None] = mapped_column(sa.String(64), unique=True)

    park = relationship("Park", lazy="joined")

    # Flask-Login ---------------------------------------------------------------
    def get_id(self) -> str:
        """The session and remember-me identity; it changes when session_version does."""
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.active

    # passwords -----------------------------------------------------------------
    def set_password(self, password: str) -> None:
        """Hash with Werkzeug's default (scrypt) and invalidate every other session."""
        self.set_password_hash(hash_password(password))

    def set_password_hash(self, hashed: str) -> None:
        """Store a hash made earlier by hash_password (outside any lock) and end other sessions."""
        self.password_hash = hashed
        self.bump_session()

    def check_password(self, password: str) -> bool:
        """True if `password` matches; False for users who never set one (after the same work)."""
        return check_password_against(self.password_hash, password)

    def bump_session(self) -> None:
        """Invalidate copied session and remember-me cookies and open links."""
        self.session_version = (self.session_version or 1) + 1

    # roles ---------------------------------------------------------------------
    @property
    def is_admin(self) -> bool:
        return self.role == perm.ADMIN

    @property
    def is_staff(self) -> bool:
        return self.role in perm.STAFF_ROLES

    @property
    def is_learner(self) -> bool:
        return self.role in perm.LEARNER_ROLES

    @property
    def track(self) -> str | None:
        """The learner's track (student or faculty); None for staff."""
        return self.role if self.is_learner else None

    @property
    def role_label(self) -> str:
        return perm.ROLE_LABELS[self.role]

    def can_manage(self, user) -> bool:
        """Admins manage everyone; a park manager the learners and trainers of their park."""
        if not user.is_authenticated:
            return False
        if user.is_admin:
            return True
        return (user.role == perm.PARK_MANAGER and user.park_id is not None
                and self.park_id == user.park_id
                and self.role in (perm.TRAINER, *perm.LEARNER_ROLES))

    def can_view(self, user) -> bool:
        """Users see themselves; managers see whom they manage."""
        return user.is_authenticated and (user.id == self.id or self.can_manage(user))

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class ApiToken(db.Model):
    """A bearer token for the API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user = relationship(User, lazy="joined")

    def is_usable(self, now: datetime) -> bool:
        """Not revoked, not expired, and its user still active."""
        return self.revoked_at is None and self.expires_at > now and self.user.active


class LoginFailure(db.Model):
    """A failed login, counted per account and per address to throttle guessing."""

    __tablename__ = "login_failures"
    __table_args__ = (
        sa.Index("ix_login_failures_email_at", "email", "at"),
        sa.Index("ix_login_failures_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    address: Mapped[str] = mapped_column(sa.String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # an attempt whose password is being checked: it counts against the account (so no more than
    # its limit are ever tried at once) but not yet against the address (a lab behind one NAT
    # address logging in together is not throttled by its own right passwords)
    pending: Mapped[bool] = mapped_column(default=False, server_default=sa.false())


class KnownLogin(db.Model):
    """An address from which a user logged in successfully: failed logins of that account from
    there are not held against the account's own limit (its owner is not locked out by others)."""

    __tablename__ = "known_logins"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    address: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
