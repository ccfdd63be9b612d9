"""Account use cases: create, edit, deactivate, log in, tokens, set-password links, import.

Services load, apply the rules, change and flush; the request commits.
"""

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, has_request_context
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from lms.accounts import rules
from lms.accounts.models import (
    ApiToken,
    KnownLogin,
    LoginFailure,
    User,
    check_password_against,
    hash_password,
)
from lms.core import audit
from lms.core.db import is_sqlite, read_phase, release_lock
from lms.core.errors import Conflict, Forbidden, NotFound, Throttled, Unauthorized, ValidationFailed
from lms.core.permissions import PARK_MANAGER
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.notifications import services as notify
from lms.parks.models import Park

USER_FIELDS = ("email", "full_name", "role", "park_id", "institution", "cnic", "active")


def snapshot(user: User) -> dict:
    """The audited fields of a user."""
    return {f: getattr(user, f) for f in USER_FIELDS}


def get_user(user_id: int, actor) -> User:
    """Load a user the actor may see, else NotFound."""
    user = db.session.get(User, user_id)
    if user is None or not user.can_view(actor):
        raise NotFound("No such user.")
    return user


def find_by_email(email: str) -> User | None:
    """The user with this address (case-insensitive), if any."""
    return db.session.scalar(sa.select(User).where(User.email == rules.normalize_email(email)))


def _clean(data: dict, actor, existing: User | None = None) -> dict:
    """Normalise and validate user fields against the rules and the actor's reach."""
    errors: dict[str, list[str]] = {}
    out = dict(data)
    if "email" in data:
        out["email"] = rules.normalize_email(data["email"])
        if msg := rules.email_error(out["email"]):
            errors["email"] = [msg]
    if "full_name" in data:
        out["full_name"] = rules.normalize_name(data["full_name"])
        if msg := rules.name_error(out["full_name"]):
            errors["full_name"] = [msg]
    role = data.get("role", existing.role if existing else None)
    if role is not None or existing is None:
        if msg := rules.role_error(role or "", data.get("track")):
            errors["role"] = [msg]
        elif role not in rules.roles_manageable_by(actor.role):
            errors["role"] = ["You may not give this role."]
    out.pop("track", None)
    if "cnic" in data:
        out["cnic"] = (data["cnic"] or "").strip() or None
        if msg := rules.cnic_error(out["cnic"]):
            errors["cnic"] = [msg]
    if "institution" in data:
        out["institution"] = (data["institution"] or "").strip() or None
    if actor.role == PARK_MANAGER:
        out["park_id"] = actor.park_id  # a park manager works inside their own park
    park_id = out.get("park_id", existing.park_id if existing else None)
    if park_id is not None and db.session.get(Park, park_id) is None:
        errors["park_id"] = ["No such park."]
    if role and rules.needs_park(role) and park_id is None:
        errors["park_id"] = ["A park manager needs a park."]
    if errors:
        raise ValidationFailed("Please correct the marked fields.", fields=errors)
    _check_unique(out, existing)
    return out


def _check_unique(data: dict, existing: User | None) -> None:
    """Refuse an e-mail or CNIC that another user already has (409)."""
    for name in ("email", "cnic"):
        value = data.get(name)
        if not value:
            continue
        col = getattr(User, name)
        other = db.session.scalar(sa.select(User.id).where(col == value))
        if other is not None and (existing is None or other != existing.id):
            label = "e-mail address" if name == "email" else "CNIC"
            raise Conflict(f"Another user already has this {label}.",
                           fields={name: ["Already used by another user."]},
                           code=f"duplicate_{name}")


def create_user(actor, data: dict, password: str | None = None) -> User:
    """Create a user; without a password they get a set-password link instead."""
    clean = _clean({"institution": None, "cnic": None, **data}, actor)
    if password is not None and (msg := rules.password_error(password)):
        raise ValidationFailed(msg, fields={"password": [msg]})
    hashed = None
    if password:
        if has_request_context():
            release_lock()  # scrypt without the write lock, then check again under it
        hashed = hash_password(password)
        clean = _clean({"institution": None, "cnic": None, **data}, actor)
    user = User(**{k: v for k, v in clean.items() if k in USER_FIELDS})
    if hashed:
        user.set_password_hash(hashed)
    db.session.add(user)
    db.session.flush()
    audit.record("user.create", user, after=snapshot(user), actor=actor)
    notify.welcome(user)
    return user


def update_user(actor, user: User, data: dict) -> User:
    """Edit a user the actor manages; deactivation logs them out everywhere."""
    if not user.can_manage(actor):
        raise Forbidden("You may not edit this user.")
    if user.id == actor.id and (data.get("role", user.role) != user.role
                                or data.get("active", True) is False):
        raise ValidationFailed("You cannot change your own role or deactivate yourself.",
                               fields={"role": ["Ask another admin."]})
    before = snapshot(user)
    clean = _clean(data, actor, existing=user)
    for key, value in clean.items():
        if key in USER_FIELDS:
            setattr(user, key, value)
    if before["active"] and not user.active:
        user.bump_session()
        revoke_all_tokens(user)
    db.session.flush()
    b, a = audit.diff(before, snapshot(user))
    if a:
        audit.record("user.update", user, before=b, after=a, actor=actor)
    return user


def set_active(actor, user: User, active: bool) -> User:
    """Activate or deactivate a user."""
    return update_user(actor, user, {"active": active})


def list_users_query(actor, role: str | None = None, park_id: int | None = None,
                     q: str | None = None, active: bool | None = None) -> sa.Select:
    """Users the actor may see, filtered; a park manager sees their own park only."""
    stmt = sa.select(User).order_by(User.full_name, User.id)
    if actor.role == PARK_MANAGER:
        stmt = stmt.where(User.park_id == actor.park_id)
    elif not actor.is_admin:
        raise Forbidden("Only admins and park managers list users.")
    if role:
        stmt = stmt.where(User.role == role)
    if park_id:
        stmt = stmt.where(User.park_id == park_id)
    if active is not None:
        stmt = stmt.where(User.active.is_(active))
    if q:
        like = f"%{q.strip().lower()}%"
        stmt = stmt.where(sa.or_(sa.func.lower(User.full_name).like(like), User.email.like(like)))
    return stmt


# --- login and throttling ---------------------------------------------------------------------

def _failures_since(column, value, since, *, pending: bool = True) -> int:
    """Failed logins (with or without those still being checked) since `since`."""
    stmt = sa.select(sa.func.count()).select_from(LoginFailure).where(column == value,
                                                                      LoginFailure.at >= since)
    if not pending:
        stmt = stmt.where(LoginFailure.pending.is_(False))
    return db.session.scalar(stmt) or 0


def _lock_login_keys(email: str, address: str) -> None:
    """Serialise the count-and-reserve of logins for one account and one address.

    SQLite: the request's write lock does it. PostgreSQL: two transaction advisory locks, always
    taken in the same order (lowest key first), so two logins never deadlock.
    """
    if is_sqlite():
        return
    keys = sorted(int.from_bytes(hashlib.sha256(k.encode()).digest()[:8], "big", signed=True)
                  for k in (f"login-account:{email}", f"login-address:{address}"))
    for key in keys:
        db.session.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})


def _known_place(user_id: int | None, address: str, device_user_ids: frozenset[int]) -> bool:
    """True if this account logged in successfully from this device or address lately."""
    if user_id is None:
        return False
    if user_id in device_user_ids:
        return True
    since = utcnow() - timedelta(days=current_app.config["LOGIN_KNOWN_PLACE_DAYS"])
    return db.session.scalar(sa.select(sa.literal(1)).where(
        KnownLogin.user_id == user_id, KnownLogin.address == address,
        KnownLogin.last_at >= since)) is not None


def _remember_place(user_id: int, address: str) -> None:
    """Note (insert or refresh) the address of a successful login."""
    insert = pg_insert if not is_sqlite() else sqlite_insert
    stmt = insert(KnownLogin).values(user_id=user_id, address=address, last_at=utcnow())
    db.session.execute(stmt.on_conflict_do_update(index_elements=["user_id", "address"],
                                                  set_={"last_at": stmt.excluded.last_at}))


def authenticate(email: str, password: str, address: str,
                 device_user_ids: frozenset[int] = frozenset()) -> User:
    """Check credentials, counting failures per account and per address (shared in the DB).

    Three short steps, so that concurrent logins neither fail nor slip past the throttle:
    1. under a lock per account and address, check the throttle and record this attempt as a
       pending failure, and commit it (an attempt counts against its account before its
       password is tried, so exactly LOGIN_MAX_FAILURES wrong passwords get through however
       many arrive at once);
    2. with no lock held, check the password (scrypt, ~90 ms), against a dummy hash when the
       address is unknown, so both answers take the same time;
    3. on failure, the failure counts against the address too (committed here);
       on success, take the recorded failure back, note the login and its address.
    The per-account limit does not hold at an address or device (`device_user_ids`, from a
    signed cookie) this account logged in from before: a stranger who knows an e-mail address
    cannot lock its owner out; the per-address limit still throttles the stranger.
    Commits steps 1 and 3's failure itself (the one service that does): a failure must count
    even if the request dies while the password is checked.
    """
    cfg = current_app.config
    email = rules.normalize_email(email)[:254]
    address = address[:64]
    since = utcnow() - cfg["LOGIN_FAILURE_WINDOW"]
    release_lock()
    _lock_login_keys(email, address)
    user_id = db.session.scalar(sa.select(User.id).where(User.email == email))
    if rules.throttled(_failures_since(LoginFailure.email, email, since),
                       _failures_since(LoginFailure.address, address, since, pending=False),
                       cfg["LOGIN_MAX_FAILURES"], cfg["LOGIN_MAX_FAILURES_PER_ADDRESS"],
                       known_place=_known_place(user_id, address, device_user_ids)):
        db.session.rollback()
        raise Throttled("Too many failed logins. Wait 15 minutes and try again, or ask your "
                        "park manager for a set-password link.")
    attempt = LoginFailure(email=email, address=address, pending=True)
    db.session.add(attempt)
    db.session.flush()
    attempt_id = attempt.id
    db.session.commit()
    with read_phase():
        user = find_by_email(email)
        ok = check_password_against(user.password_hash if user else None, password)
        ok = ok and user is not None and user.active
        user_id = user.id if user is not None else None
    if not ok:
        db.session.execute(sa.update(LoginFailure).where(LoginFailure.id == attempt_id)
                           .values(pending=False))
        db.session.commit()
        raise Unauthorized("Wrong e-mail address or password, or the account is inactive.")
    db.session.execute(sa.delete(LoginFailure).where(LoginFailure.id == attempt_id))
    user = db.session.get(User, user_id)
    user.last_login_at = utcnow()
    _remember_place(user_id, address)
    return user


def _device_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="known-device")


def device_cookie(previous: str | None, user: User) -> str:
    """The signed "known device" cookie value after `user` logged in on it (the last 5 users)."""
    ids = [i for i in known_device_users(previous) if i != user.id][-4:]
    return _device_serializer().dumps([*ids, user.id])


def known_device_users(cookie: str | None) -> frozenset[int] | list[int]:
    """The user ids a signed device cookie names (nothing if it is missing or forged)."""
    if not cookie:
        return []
    try:
        ids = _device_serializer().loads(cookie)
    except BadSignature:
        return []
    return [i for i in ids if isinstance(i, int)] if isinstance(ids, list) else []


def change_password(user: User, current: str, new: str) -> None:
    """Change one's own password; every other session and token stops working (both hashes are
    computed while no write lock is held)."""
    with read_phase():
        right = user.check_password(current)
        if right and not (msg := rules.password_error(new)):
            hashed = hash_password(new)
    if not right:
        raise ValidationFailed("The current password is wrong.",
                               fields={"current_password": ["Wrong password."]})
    if msg:
        raise ValidationFailed(msg, fields={"new_password": [msg]})
    user.set_password_hash(hashed)
    revoke_all_tokens(user)
    audit.record("user.password_change", user, actor=user)


def prune_login_failures() -> int:
    """Delete failures older than the window (kept short; called at each login)."""
    since = utcnow() - current_app.config["LOGIN_FAILURE_WINDOW"]
    return db.session.execute(sa.delete(LoginFailure).where(LoginFailure.at < since)).rowcount


# --- set-password links -----------------------------------------------------------------------

def _link_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="set-password")


def set_password_token(user: User) -> str:
    """A one-time token: it dies when the password is set (the session version changes)."""
    return _link_serializer().dumps({"uid": user.id, "sv": user.session_version})


def user_for_set_password(token: str) -> User:
    """The user a set-password token is for, if it is fresh and unused."""
    max_age = int(current_app.config["SET_PASSWORD_LINK_MAX_AGE"].total_seconds())
    try:
        data = _link_serializer().loads(token, max_age=max_age)
    except SignatureExpired:
        raise ValidationFailed("This link has expired; ask for a new one.") from None
    except BadSignature:
        raise NotFound("This link is not valid.") from None
    user = db.session.get(User, data.get("uid"))
    if user is None or user.session_version != data.get("sv") or not user.active:
        raise ValidationFailed("This link was already used or withdrawn; ask for a new one.")
    return user


def set_password_with_token(token: str, password: str) -> User:
    """Set a password through a set-password link (which then stops working)."""
    user_for_set_password(token)
    if msg := rules.password_error(password):
        raise ValidationFailed(msg, fields={"password": [msg]})
    release_lock()
    hashed = hash_password(password)
    user = user_for_set_password(token)  # again, under the write lock: still unused
    user.set_password_hash(hashed)
    audit.record("user.password_set", user, actor=user)
    return user


# --- API tokens -------------------------------------------------------------------------------

def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(user: User) -> tuple[str, ApiToken]:
    """Create a bearer token; only its hash is stored, the raw value is returned once."""
    raw = secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, token_hash=_hash_token(raw),
                     expires_at=utcnow() + current_app.config["API_TOKEN_LIFETIME"])
    db.session.add(token)
    db.session.flush()
    return raw, token


def user_for_token(raw: str) -> tuple[User, ApiToken] | None:
    """The user of a usable bearer token, else None."""
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == _hash_token(raw)))
    if token is None or not token.is_usable(utcnow()):
        return None
    return token.user, token


def revoke_token(raw: str) -> None:
    """Revoke one bearer token."""
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == _hash_token(raw)))
    if token is not None and token.revoked_at is None:
        token.revoked_at = utcnow()


def revoke_all_tokens(user: User) -> None:
    """Revoke every bearer token of a user."""
    db.session.execute(sa.update(ApiToken).where(ApiToken.user_id == user.id,
                                                 ApiToken.revoked_at.is_(None))
                       .values(revoked_at=utcnow()))


# --- CSV import -------------------------------------------------------------------------------

IMPORT_COLUMNS = ["email", "full_name", "role", "track", "park", "institution"]


@dataclass
class ImportResult:
    """What an import did, or would do (dry run)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "errors": self.errors}


def import_users(actor, text: str, dry_run: bool = False) -> ImportResult:
    """Import users from CSV text: every row checked, then all rows written or none.

    Existing users (same e-mail) are updated in place; nobody's password is hashed here:
    new users get a set-password link. Re-importing the same file changes nothing.
    """
    from lms.core.csvutil import read_rows

    rows = read_rows(text, ["email", "full_name", "role"])
    result = ImportResult()
    parks = {p.slug: p.id for p in db.session.scalars(sa.select(Park))}
    emails = [rules.normalize_email(r.get("email", "")) for r in rows]
    existing = {u.email: u for u in db.session.scalars(
        sa.select(User).where(User.email.in_(set(emails))))} if emails else {}
    allowed = rules.roles_manageable_by(actor.role)
    seen: dict[str, int] = {}
    plans: list[tuple[User | None, dict]] = []
    for number, (row, email) in enumerate(zip(rows, emails, strict=True), start=2):
        errs = _import_row_errors(row, email, parks, allowed, actor, seen, number)
        for fname, msg in errs:
            result.errors.append({"row": number, "field": fname, "message": msg})
        if errs:
            continue
        data = {"email": email, "full_name": rules.normalize_name(row["full_name"]),
                "role": row["role"].strip().lower(),
                "park_id": parks.get(row.get("park", "").strip().lower()),
                "institution": row.get("institution", "").strip() or None}
        if actor.role == PARK_MANAGER:
            data["park_id"] = actor.park_id
        user = existing.get(email)
        if user is not None and not user.can_manage(actor):
            result.errors.append({"row": number, "field": "email",
                                  "message": "This user exists and is not yours to change."})
            continue
        plans.append((user, data))
    if result.errors:
        result.created = result.updated = 0
        return result
    new_rows = []
    for user, data in plans:
        if user is None:
            new_rows.append(data)
            result.created += 1
        elif any(getattr(user, k) != v for k, v in data.items()):
            result.updated += 1
            if not dry_run:
                before = snapshot(user)
                for k, v in data.items():
                    setattr(user, k, v)
                b, a = audit.diff(before, snapshot(user))
                audit.record("user.update", user, before=b, after=a, actor=actor,
                             reason="CSV import")
        else:
            result.unchanged += 1
    if not dry_run and new_rows:
        now = utcnow()
        db.session.execute(sa.insert(User), [
            {**r, "active": True, "session_version": 1, "created_at": now, "cnic": None}
            for r in new_rows])
        audit.record("user.import", None, object_type="users", actor=actor,
                     after={"created": result.created, "updated": result.updated})
        notify.welcome_imported(r["email"] for r in new_rows)
    db.session.flush()
    return result


def _import_row_errors(row, email, parks, allowed, actor, seen, number) -> list[tuple[str, str]]:
    """Every problem of one import row as (field, message) pairs."""
    errs = []
    if msg := rules.email_error(email):
        errs.append(("email", msg))
    elif email in seen:
        errs.append(("email", f"Duplicate of row {seen[email]}."))
    else:
        seen[email] = number
    if msg := rules.name_error(rules.normalize_name(row.get("full_name", ""))):
        errs.append(("full_name", msg))
    role = row.get("role", "").strip().lower()
    track = row.get("track", "").strip().lower() or None
    if msg := rules.role_error(role, track):
        errs.append(("role", msg))
    elif role not in allowed:
        errs.append(("role", "You may not give this role."))
    park = row.get("park", "").strip().lower()
    if park and park not in parks:
        errs.append(("park", f"No park with slug {park!r}."))
    elif not park and rules.needs_park(role) and actor.role != PARK_MANAGER:
        errs.append(("park", "A park manager needs a park."))
    if len(row.get("institution", "")) > 200:
        errs.append(("institution", "At most 200 characters."))
    return errs
