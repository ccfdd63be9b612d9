"""Pure rules of the signed credentials: the Open Badges 3.0 credential of a certificate, the
issuer profile, the status list credential, and the checks of a credential's claims and dates.

No Flask and no database: the services pass in the facts and the public base URL.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from lms.credentials import statuslist

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_SCHEMA = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
CREDENTIAL_TYPES = ["VerifiableCredential", "OpenBadgeCredential"]
STATUS_PURPOSE = "revocation"
ALGORITHM = "RS256"  # Open Badges 3.0, VC-JWT: RS256 is the algorithm every verifier supports
JWT_TYP = "JWT"  # the specification: "If present, MUST be set to 'JWT'"
MEDIA_TYPE = "application/vc+jwt"
JWT_CLAIMS = ("iss", "jti", "nbf", "sub", "exp")
PROGRAMME = "Knowledge Park IT Training Programme"
PROGRAMME_DESCRIPTION = ("Industry-recommended IT courses for university students and graduates, "
                         "and upskilling tracks for university faculty, run at twelve Knowledge "
                         "Parks across Pakistan.")


@dataclass(frozen=True)
class CredentialFacts:
    """What a certificate's credential says, frozen at issue."""

    code: str
    kind: str  # course | track
    holder_name: str
    email: str
    title: str
    description: str
    hours: int
    issued_at: datetime
    status_index: int
    subject_uuid: str
    salt: str
    park_name: str | None = None
    park_slug: str | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    achievement_key: str = ""  # the course code or the track id: names the achievement
    min_attendance_percent: int | None = None
    required_assessments: list[str] = field(default_factory=list)
    courses: list[str] = field(default_factory=list)  # a track's courses
    skills: list[str] = field(default_factory=list)


# --- addresses ---------------------------------------------------------------------------------

def _base(public_url: str) -> str:
    """The public base URL without a trailing slash."""
    return public_url.rstrip("/")


def issuer_id(public_url: str) -> str:
    """The issuer profile's URL (also its id)."""
    return f"{_base(public_url)}/credentials/issuer"


def jwks_url(public_url: str) -> str:
    """Where the issuer publishes its public keys."""
    return f"{_base(public_url)}/.well-known/jwks.json"


def key_id(public_url: str, thumbprint: str) -> str:
    """The header `kid`: a URL that dereferences to the public JWK (the JWKS and its key)."""
    return f"{jwks_url(public_url)}#{thumbprint}"


def thumbprint_of(kid: str) -> str:
    """The key's thumbprint in a header `kid` (a URL with a fragment, or a bare thumbprint)."""
    return kid.rsplit("#", 1)[-1]


def credential_url(public_url: str, code: str) -> str:
    """The credential's id: where its holder downloads it."""
    return f"{_base(public_url)}/certificates/{code}/credential"


def status_list_url(public_url: str, list_id: int) -> str:
    """The status list credential of list `list_id`."""
    return f"{_base(public_url)}/api/v1/credentials/status/{list_id}"


# --- documents ---------------------------------------------------------------------------------

def iso(moment: datetime) -> str:
    """A UTC date-time to the second, as credentials write it (`2026-03-03T05:00:00Z`)."""
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def numeric_date(moment: datetime) -> int:
    """A JWT NumericDate (seconds since the epoch)."""
    return int(moment.astimezone(UTC).replace(microsecond=0).timestamp())


def issuer_profile(public_url: str) -> dict:
    """The programme as an Open Badges Profile."""
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": issuer_id(public_url),
        "type": ["Profile"],
        "name": PROGRAMME,
        "url": _base(public_url),
        "description": PROGRAMME_DESCRIPTION,
    }


def identity_hash(email: str, salt: str) -> str:
    """`sha256$` and the hex SHA-256 of the normalised e-mail address followed by the salt."""
    digest = hashlib.sha256((email.strip().lower() + salt).encode("utf-8")).hexdigest()
    return f"sha256${digest}"


def criteria_narrative(facts: CredentialFacts) -> str:
    """What the holder did to earn it, in words (Markdown is allowed; plain text is used)."""
    if facts.kind == "track":
        listed = "; ".join(facts.courses) if facts.courses else "every course of the track"
        return f"Completed every course of the track ({listed}), {facts.hours} hours in all."
    parts = [f"Completed the {facts.hours}-hour course"]
    if facts.min_attendance_percent:
        parts.append(f"attended at least {facts.min_attendance_percent} % of its sessions "
                     f"(present or late; excused sessions not counted)")
    if facts.required_assessments:
        parts.append("passed the required assessments: " + "; ".join(facts.required_assessments))
    else:
        parts.append("no assessment was required")
    return ", ".join(parts) + "."


def achievement(facts: CredentialFacts, public_url: str) -> dict:
    """The Achievement: the course or track, its criteria, hours, skills as tags."""
    where = f" at {facts.park_name}" if facts.park_name else ""
    description = (facts.description or facts.title).strip()
    body = {
        "id": f"{_base(public_url)}/credentials/achievements/{facts.kind}/{facts.achievement_key}",
        "type": ["Achievement"],
        "achievementType": "CertificateOfCompletion",
        "name": facts.title,
        "description": f"{description}\n\n{facts.hours} hours{where}.",
        "criteria": {"narrative": criteria_narrative(facts)},
        "creator": {"id": issuer_id(public_url), "type": ["Profile"], "name": PROGRAMME},
    }
    if facts.kind == "course" and facts.achievement_key:
        body["humanCode"] = facts.achievement_key
    if facts.skills:
        body["tag"] = list(facts.skills)
    return body


def credential(facts: CredentialFacts, public_url: str) -> dict:
    """The OpenBadgeCredential of a certificate (without the JWT claims)."""
    list_id, index = statuslist.locate(facts.status_index)
    status_url = status_list_url(public_url, list_id)
    subject = {
        "id": f"urn:uuid:{facts.subject_uuid}",
        "type": ["AchievementSubject"],
        "identifier": [
            {"type": "IdentityObject", "identityType": "emailAddress", "hashed": True,
             "identityHash": identity_hash(facts.email, facts.salt), "salt": facts.salt},
            {"type": "IdentityObject", "identityType": "name", "hashed": False,
             "identityHash": facts.holder_name},
        ],
        "achievement": achievement(facts, public_url),
    }
    if facts.starts_on:
        subject["activityStartDate"] = iso(datetime.combine(facts.starts_on, datetime.min.time(),
                                                            tzinfo=UTC))
    if facts.ends_on:
        subject["activityEndDate"] = iso(datetime.combine(facts.ends_on, datetime.min.time(),
                                                          tzinfo=UTC))
    if facts.park_name:
        subject["source"] = {"id": f"{issuer_id(public_url)}#park-{facts.park_slug or 'park'}",
                             "type": ["Profile"], "name": facts.park_name}
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": credential_url(public_url, facts.code),
        "type": list(CREDENTIAL_TYPES),
        "name": facts.title,
        "description": f"Certificate {facts.code} of the {PROGRAMME}.",
        "issuer": {"id": issuer_id(public_url), "type": ["Profile"], "name": PROGRAMME,
                   "url": _base(public_url)},
        "validFrom": iso(facts.issued_at),
        "awardedDate": iso(facts.issued_at),
        "credentialSubject": subject,
        "credentialStatus": {
            "id": f"{status_url}#{index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": STATUS_PURPOSE,
            "statusListIndex": str(index),
            "statusListCredential": status_url,
        },
        "credentialSchema": [{"id": OB_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}],
    }


def jwt_payload(document: dict) -> dict:
    """The VC-JWT payload: the credential with `iss`, `jti`, `nbf`, `sub` (and `exp`) beside it."""
    payload = dict(document)
    payload["iss"] = _issuer_of(document)
    payload["jti"] = document["id"]
    payload["nbf"] = numeric_date(parse_time(document["validFrom"]))
    subject_id = (document.get("credentialSubject") or {}).get("id")
    if subject_id:
        payload["sub"] = subject_id
    if document.get("validUntil"):
        payload["exp"] = numeric_date(parse_time(document["validUntil"]))
    return payload


def strip_claims(payload: dict) -> dict:
    """The credential inside a VC-JWT payload (the JWT claims removed)."""
    return {k: v for k, v in payload.items() if k not in JWT_CLAIMS}


def status_list_credential(public_url: str, list_id: int, encoded_list: str,
                           valid_from: datetime) -> dict:
    """The BitstringStatusListCredential of one list."""
    url = status_list_url(public_url, list_id)
    return {
        "@context": [VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_id(public_url),
        "validFrom": iso(valid_from),
        "credentialSubject": {"id": f"{url}#list", "type": "BitstringStatusList",
                              "statusPurpose": STATUS_PURPOSE, "encodedList": encoded_list},
    }


# --- checks ------------------------------------------------------------------------------------

def parse_time(text) -> datetime:
    """An ISO 8601 date-time (with `Z` or an offset) as an aware datetime; ValueError if not."""
    if not isinstance(text, str):
        raise ValueError("not a date-time")
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError("a date-time without a time zone")
    return moment


def _issuer_of(document: dict) -> str | None:
    """The issuer id of a credential (its `issuer` is an id or a Profile)."""
    issuer = document.get("issuer")
    return issuer.get("id") if isinstance(issuer, dict) else issuer


def claim_problems(payload: dict, now: datetime, expected_issuer: str) -> list[str]:
    """What is wrong with a verified VC-JWT payload: types, the JWT claims against the credential
    (Open Badges 3.0, "Verify a Credential"), the issuer, and the dates. Empty: all good."""
    problems: list[str] = []
    types = payload.get("type") or []
    if not isinstance(types, list) or not {"VerifiableCredential", "OpenBadgeCredential"} <= set(
            types):
        problems.append("it is not an OpenBadgeCredential")
    if payload.get("iss") is None or payload.get("iss") != _issuer_of(payload):
        problems.append("the iss claim does not match the issuer")
    if _issuer_of(payload) != expected_issuer:
        problems.append("it was not issued by this programme")
    if payload.get("jti") is None or payload.get("jti") != payload.get("id"):
        problems.append("the jti claim does not match the credential id")
    subject = payload.get("credentialSubject")
    if not isinstance(subject, dict) or payload.get("sub") != subject.get("id"):
        problems.append("the sub claim does not match the credential subject")
    try:
        valid_from = parse_time(payload.get("validFrom"))
    except ValueError:
        problems.append("validFrom is missing or not a date-time")
    else:
        if payload.get("nbf") != numeric_date(valid_from):
            problems.append("the nbf claim does not match validFrom")
        if valid_from > now:
            problems.append(f"it is not valid before {iso(valid_from)}")
    if "validUntil" in payload or "exp" in payload:
        try:
            valid_until = parse_time(payload.get("validUntil"))
        except ValueError:
            problems.append("validUntil is not a date-time")
        else:
            if payload.get("exp") != numeric_date(valid_until):
                problems.append("the exp claim does not match validUntil")
            if valid_until <= now:
                problems.append(f"it expired on {iso(valid_until)}")
    return problems


def status_entry(payload: dict) -> tuple[str, int] | None:
    """(status list URL, index) of the credential's BitstringStatusListEntry, if well formed."""
    entry = payload.get("credentialStatus")
    if not isinstance(entry, dict) or entry.get("type") != "BitstringStatusListEntry":
        return None
    if entry.get("statusPurpose") != STATUS_PURPOSE:
        return None
    url = entry.get("statusListCredential")
    try:
        index = int(str(entry.get("statusListIndex")))
    except ValueError:
        return None
    if not isinstance(url, str) or index < 0:
        return None
    return url, index
