"""Use cases of the signed credentials: keys, the credential of a certificate, the status list,
and verification of a pasted credential. Services flush, never commit."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from joserfc import jws
from joserfc.errors import JoseError

from lms.certificates.models import STATUS_INDEX_SEQUENCE, Certificate
from lms.core.db import is_sqlite
from lms.core.errors import DomainError, NotFound
from lms.core.timeutil import utcnow
from lms.credentials import keys, rules, statuslist
from lms.extensions import db

AUTO_KEY_ENVS = ("development", "testing")
AUTO_KEY_FILE = "signing-keys.json"
MAX_TOKEN_CHARS = 64 * 1024
DEAD_STATUSES = ("revoked", "superseded")  # their bit is set: the credential no longer holds


class SigningUnavailable(DomainError):
    """No signing key: certificates (and their credentials) cannot be issued."""

    status = 503
    code = "signing_unavailable"


# --- keys --------------------------------------------------------------------------------------

def public_url() -> str:
    """The site's public base URL (LMS_PUBLIC_URL)."""
    return current_app.config["LMS_PUBLIC_URL"].rstrip("/")


def key_file() -> Path | None:
    """LMS_SIGNING_KEY_FILE; in development and tests, instance/signing-keys.json by default."""
    configured = current_app.config.get("LMS_SIGNING_KEY_FILE")
    if configured:
        return Path(configured)
    if current_app.config.get("ENV_NAME") in AUTO_KEY_ENVS:
        return Path(current_app.instance_path) / AUTO_KEY_FILE
    return None


def _auto_keys() -> bool:
    """Whether a missing key file may be made on first need (development, tests)."""
    return (not current_app.config.get("LMS_SIGNING_KEY_FILE")
            and current_app.config.get("ENV_NAME") in AUTO_KEY_ENVS)


def signing_keyring() -> keys.Keyring:
    """The keyring with a current private key; SigningUnavailable (with what to do) if none."""
    path = key_file()
    if path is None:
        raise SigningUnavailable(
            "Certificates cannot be issued: no signing key. Set LMS_SIGNING_KEY_FILE to a key "
            "file made with `flask --app wsgi lms keys create`.")
    try:
        ring = keys.ensure(path) if _auto_keys() else keys.load(path)
    except keys.KeyringError as exc:
        raise SigningUnavailable(f"Certificates cannot be issued: {exc}. Create the key file "
                                 f"with `flask --app wsgi lms keys create`.") from None
    if ring.current is None:
        raise SigningUnavailable(f"Certificates cannot be issued: {path} has no private key.")
    return ring


def published_keyring() -> keys.Keyring:
    """The keys the issuer publishes (empty when there is no key file yet)."""
    path = key_file()
    if path is None:
        return keys.Keyring(current=None, public=())
    try:
        return keys.ensure(path) if _auto_keys() else keys.load(path)
    except keys.KeyringError:
        return keys.Keyring(current=None, public=())


def jwks() -> dict:
    """The published JWKS: every public key, current and earlier."""
    return published_keyring().jwks()


def sign(document: dict) -> str:
    """A credential as a VC-JWT: compact JWS, RS256, header kid naming the published key."""
    ring = signing_keyring()
    header = {"alg": rules.ALGORITHM, "typ": rules.JWT_TYP,
              "kid": rules.key_id(public_url(), ring.current_kid)}
    payload = json.dumps(rules.jwt_payload(document), ensure_ascii=False,
                         separators=(",", ":")).encode("utf-8")
    return jws.serialize_compact(header, payload, ring.current, algorithms=[rules.ALGORITHM])


# --- the credential of a certificate -----------------------------------------------------------

def credential_url(code: str) -> str:
    """The credential's id and download address, printed on the certificate."""
    return rules.credential_url(public_url(), code)


def next_status_index():
    """The value of a new certificate's status index, as SQL run inside its INSERT: the
    sequence on PostgreSQL; on SQLite the next free index, taken under its one-writer lock."""
    if is_sqlite():
        return (sa.select(sa.func.coalesce(sa.func.max(Certificate.status_index), -1) + 1)
                .scalar_subquery())
    return STATUS_INDEX_SEQUENCE.next_value()


def prepare(cert: Certificate) -> None:
    """Before a certificate is inserted: a signing key exists, and it gets a status index."""
    signing_keyring()
    cert.status_index = next_status_index()


def _salt(cert: Certificate) -> str:
    """The e-mail hash's salt: derived from the certificate (so a credential can be re-made)."""
    return hashlib.sha256(f"salt:{cert.code}:{cert.sha256}".encode()).hexdigest()[:32]


def facts_for(cert: Certificate) -> rules.CredentialFacts:
    """What the certificate's credential says, from the certificate and its course or track."""
    from lms.assessments.services import required_assessments

    if cert.status_index is None:
        raise NotFound("This certificate has no signed credential.")
    common = {
        "code": cert.code, "kind": cert.kind, "holder_name": cert.holder_name,
        "email": cert.user.email, "title": cert.title, "hours": cert.hours,
        "issued_at": cert.issued_at, "status_index": cert.status_index,
        "subject_uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, credential_url(cert.code))),
        "salt": _salt(cert), "park_name": cert.park.name if cert.park else None,
        "park_slug": cert.park.slug if cert.park else None, "starts_on": cert.starts_on,
        "ends_on": cert.ends_on,
    }
    if cert.kind == "course" and cert.cohort is not None:
        course = cert.cohort.course
        return rules.CredentialFacts(
            **common, description=course.summary_excerpt, achievement_key=course.code,
            min_attendance_percent=course.min_attendance_percent,
            required_assessments=[a.title for a in required_assessments(course.id)],
            skills=course.skills)
    track = cert.track
    courses = [item.course for item in track.items] if track is not None else []
    skills = sorted({s for c in courses for s in c.skills})
    return rules.CredentialFacts(
        **common, description=(track.description if track is not None else "") or "",
        achievement_key=str(cert.track_id or ""), courses=[c.title for c in courses],
        skills=skills)


def build_document(cert: Certificate) -> dict:
    """The certificate's OpenBadgeCredential (unsigned)."""
    return rules.credential(facts_for(cert), public_url())


def attach_credential(cert: Certificate) -> str:
    """After the certificate's row exists: sign its credential and keep it (frozen like the PDF)."""
    db.session.flush()
    token = sign(build_document(cert))
    cert.credential = token
    return token


def credential_for(cert: Certificate) -> str:
    """The certificate's signed credential: the one made at issue; for a certificate issued
    before credentials existed, one signed now from its frozen facts (not stored)."""
    if cert.credential:
        return cert.credential
    return sign(build_document(cert))


def download_name(cert: Certificate) -> str:
    """The file name of a credential download (.jwt, as Open Badges 3.0 suggests)."""
    return f"certificate-{cert.code}.jwt"


# --- the status list ---------------------------------------------------------------------------

def _list_exists(list_id: int) -> bool:
    """List 1 always; a later list once some certificate's index falls in it."""
    if list_id == 1:
        return True
    top = db.session.scalar(sa.select(sa.func.max(Certificate.status_index)))
    return top is not None and list_id <= statuslist.locate(top)[0]


def set_positions(list_id: int) -> list[int]:
    """Positions set in list `list_id`: its revoked and superseded certificates."""
    low = (list_id - 1) * statuslist.LIST_SIZE
    rows = db.session.scalars(sa.select(Certificate.status_index).where(
        Certificate.status.in_(DEAD_STATUSES), Certificate.status_index >= low,
        Certificate.status_index < low + statuslist.LIST_SIZE))
    return [i - low for i in rows]


def status_list_document(list_id: int) -> dict:
    """The BitstringStatusListCredential of list `list_id` (unsigned); NotFound if no such list."""
    if list_id < 1 or not _list_exists(list_id):
        raise NotFound("No such status list.")
    encoded = statuslist.encode(set_positions(list_id))
    return rules.status_list_credential(public_url(), list_id, encoded, utcnow())


def status_list_token(list_id: int) -> str:
    """The signed status list credential, as served."""
    return sign(status_list_document(list_id))


# --- verification ------------------------------------------------------------------------------

@dataclass
class Verification:
    """The verdict on a pasted credential: valid, revoked or invalid, why, and what it says."""

    status: str  # valid | revoked | invalid
    problems: list[str] = field(default_factory=list)
    credential: dict | None = None
    header: dict | None = None

    @property
    def valid(self) -> bool:
        return self.status == "valid"

    def summary(self) -> dict:
        """The claims a reader wants first: holder, achievement, issuer, dates, park."""
        doc = self.credential or {}
        subject = doc.get("credentialSubject") or {}
        ach = subject.get("achievement") or {}
        names = [i.get("identityHash") for i in subject.get("identifier") or []
                 if isinstance(i, dict) and i.get("identityType") == "name"]
        issuer = doc.get("issuer")
        return {
            "holder_name": names[0] if names else None,
            "achievement": ach.get("name"),
            "description": ach.get("description"),
            "criteria": (ach.get("criteria") or {}).get("narrative"),
            "skills": ach.get("tag") or [],
            "issuer": issuer.get("name") if isinstance(issuer, dict) else issuer,
            "park": (subject.get("source") or {}).get("name"),
            "valid_from": doc.get("validFrom"),
            "valid_until": doc.get("validUntil"),
            "starts": subject.get("activityStartDate"),
            "ends": subject.get("activityEndDate"),
            "id": doc.get("id"),
        }


def _verified_payload(token: str, ring: keys.Keyring) -> tuple[dict, dict]:
    """(header, payload) of a compact JWS signed by one of `ring`'s keys; ValueError saying why."""
    try:
        extracted = jws.extract_compact(token.encode("ascii"))
    except (JoseError, ValueError, UnicodeError):
        raise ValueError("this is not a signed credential (a compact JWS: three parts "
                         "separated by dots)") from None
    header = extracted.headers()
    if header.get("alg") != rules.ALGORITHM:
        raise ValueError(f"it is signed with {header.get('alg')!r}, not RS256")
    key = ring.find(rules.thumbprint_of(str(header.get("kid") or "")))
    if key is None:
        raise ValueError("it names a signing key this programme does not publish")
    try:
        verified = jws.deserialize_compact(token, key, algorithms=[rules.ALGORITHM])
    except (JoseError, ValueError):
        raise ValueError("the signature does not match: the credential was altered or was "
                         "not signed by this programme") from None
    try:
        payload = json.loads(verified.payload)
    except ValueError:
        raise ValueError("the signed content is not JSON") from None
    if not isinstance(payload, dict):
        raise ValueError("the signed content is not a credential")
    return header, payload


def _revoked(payload: dict, ring: keys.Keyring) -> tuple[bool | None, str | None]:
    """Whether the status list says revoked (None: could not tell, with the reason)."""
    entry = rules.status_entry(payload)
    if entry is None:
        return None, "it has no revocation status entry"
    url, index = entry
    prefix = rules.status_list_url(public_url(), 0)[:-1]
    tail = url[len(prefix):] if url.startswith(prefix) else ""
    if not tail.isdigit():
        return None, "its status list is not one of this programme's"
    try:
        _header, status_doc = _verified_payload(status_list_token(int(tail)), ring)
        bits = statuslist.decode(status_doc["credentialSubject"]["encodedList"])
        return statuslist.is_set(bits, index), None
    except (NotFound, ValueError, KeyError, IndexError, TypeError):
        return None, "its status list entry is not valid"


def verify_token(token: str, now: datetime | None = None) -> Verification:
    """Check a pasted credential: the signature against the published keys, the claims and
    dates, and the status list. Never raises for bad input; the verdict says what is wrong."""
    token = "".join((token or "").split())
    if not token:
        return Verification("invalid", ["nothing was given"])
    if len(token) > MAX_TOKEN_CHARS:
        return Verification("invalid", ["this is far too long to be a credential"])
    ring = published_keyring()
    try:
        header, payload = _verified_payload(token, ring)
    except ValueError as exc:
        return Verification("invalid", [str(exc)])
    problems = rules.claim_problems(payload, now or utcnow(), rules.issuer_id(public_url()))
    document = rules.strip_claims(payload)
    revoked, why = _revoked(payload, ring)
    if why:
        problems.append(why)
    if problems:
        return Verification("invalid", problems, document, header)
    if revoked:
        return Verification("revoked", ["the issuer has revoked this credential"], document,
                            header)
    return Verification("valid", [], document, header)
