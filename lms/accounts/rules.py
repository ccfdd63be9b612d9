"""Pure account rules: no Flask, no database."""

import re
import unicodedata

from lms.core.permissions import ADMIN, LEARNER_ROLES, PARK_MANAGER, ROLES, TRAINER

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CNIC_RE = re.compile(r"^\d{5}-\d{7}-\d$")
MIN_PASSWORD = 10
TRACKS = ("student", "faculty")


def normalize_email(email: str) -> str:
    """Trim and lower-case an address, so addresses compare case-insensitively."""
    return (email or "").strip().lower()


def email_error(email: str) -> str | None:
    """Why an e-mail address is unusable, or None."""
    if not email:
        return "An e-mail address is required."
    if len(email) > 254 or not EMAIL_RE.match(email):
        return "Not a valid e-mail address."
    return None


def normalize_name(name: str) -> str:
    """NFC-normalise a name (Urdu included) and fold runs of spaces."""
    return " ".join(unicodedata.normalize("NFC", name or "").split())


def name_error(name: str) -> str | None:
    """Why a full name is unusable, or None."""
    if not name:
        return "A full name is required."
    if len(name) > 200:
        return "At most 200 characters."
    if any(unicodedata.category(c) == "Cc" for c in name):
        return "Control characters are not allowed."
    return None


def cnic_error(cnic: str | None) -> str | None:
    """Why a CNIC is malformed (it must read 00000-0000000-0), or None when blank or fine."""
    if cnic and not CNIC_RE.match(cnic):
        return "CNIC must look like 00000-0000000-0."
    return None


def password_error(password: str) -> str | None:
    """Why a password is too weak, or None."""
    if len(password or "") < MIN_PASSWORD:
        return f"Use at least {MIN_PASSWORD} characters."
    if len(password) > 200:
        return "At most 200 characters."
    return None


def role_error(role: str, track: str | None) -> str | None:
    """Why a role/track pair is inconsistent, or None (a learner's track is their role)."""
    if role not in ROLES:
        return f"Role must be one of {', '.join(ROLES)}."
    if track and role in LEARNER_ROLES and track != role:
        return f"A {role} is on the {role} track."
    if track and role not in LEARNER_ROLES:
        return "Only students and faculty have a track."
    return None


def needs_park(role: str) -> bool:
    """Park managers must have a home park."""
    return role == PARK_MANAGER


def roles_manageable_by(role: str) -> tuple[str, ...]:
    """Which roles a user of `role` may create or edit."""
    if role == ADMIN:
        return ROLES
    if role == PARK_MANAGER:
        return (TRAINER, *LEARNER_ROLES)
    return ()


def throttled(account_failures: int, address_failures: int, max_account: int,
              max_address: int, known_place: bool = False) -> bool:
    """True when the next login attempt must be refused (after max failures in the window); the
    account's limit does not hold at a place (address or device) it logged in from before."""
    return (account_failures >= max_account and not known_place) or address_failures >= max_address
