"""Pure rules of the signed credentials (no app): the status list encoding, the credential's
claims and their checks."""

import base64
import gzip
from datetime import UTC, date, datetime, timedelta

import pytest

from lms.credentials import rules, statuslist

ISSUED = datetime(2026, 3, 3, 5, 0, 12, 345000, tzinfo=UTC)
BASE = "https://lms.knowledgepark.pk/"


def facts(**over):
    values = {
        "code": "KP-7K3M-Q9XA-2BHD-WR5T", "kind": "course", "holder_name": "Ayesha Siddiqui",
        "email": "Ayesha@Example.pk", "title": "Cloud Foundations with AWS",
        "description": "Compute, storage and networking on AWS.", "hours": 40,
        "issued_at": ISSUED, "status_index": 131_075, "subject_uuid": "0b5b2f0e-0000-5000-8000-000000000001",
        "salt": "abc123", "park_name": "Knowledge Park Lahore", "park_slug": "lahore",
        "starts_on": date(2026, 1, 5), "ends_on": date(2026, 3, 2), "achievement_key": "CLD-201",
        "min_attendance_percent": 75, "required_assessments": ["Final exam"],
        "skills": ["AWS", "Linux"]}
    values.update(over)
    return rules.CredentialFacts(**values)


def test_status_list_is_gzip_then_base64url_with_the_multibase_prefix():
    encoded = statuslist.encode([0, 9, 131_071])
    assert encoded.startswith("u") and "=" not in encoded
    assert set(encoded[1:]) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    text = encoded[1:]
    raw = gzip.decompress(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    assert len(raw) * 8 == statuslist.LIST_SIZE >= 131_072
    assert raw[0] == 0x80  # index 0 is the left-most bit of the first byte
    assert raw[1] == 0x40  # index 9: second bit of the second byte
    assert raw[-1] == 0x01
    assert sum(bin(b).count("1") for b in raw) == 3


def test_status_list_round_trip_and_bounds():
    bits = statuslist.decode(statuslist.encode([5, 77]))
    assert [i for i in range(100) if statuslist.is_set(bits, i)] == [5, 77]
    with pytest.raises(IndexError):
        statuslist.is_set(bits, statuslist.LIST_SIZE)
    with pytest.raises(ValueError):
        statuslist.decode("u!!not-base64")
    with pytest.raises(ValueError):
        statuslist.decode("u" + base64.urlsafe_b64encode(b"plain, not gzip").decode())


def test_locate_splits_a_programme_index_into_lists():
    assert statuslist.locate(0) == (1, 0)
    assert statuslist.locate(131_071) == (1, 131_071)
    assert statuslist.locate(131_072) == (2, 0)
    with pytest.raises(ValueError):
        statuslist.locate(-1)


def test_credential_has_the_open_badges_shape():
    doc = rules.credential(facts(), BASE)
    assert doc["@context"] == ["https://www.w3.org/ns/credentials/v2",
                               "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    assert doc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert doc["id"] == "https://lms.knowledgepark.pk/certificates/KP-7K3M-Q9XA-2BHD-WR5T/credential"
    assert doc["issuer"]["type"] == ["Profile"]
    assert doc["issuer"]["id"] == "https://lms.knowledgepark.pk/credentials/issuer"
    assert doc["validFrom"] == "2026-03-03T05:00:12Z"
    subject = doc["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["source"]["name"] == "Knowledge Park Lahore"
    ach = subject["achievement"]
    assert ach["type"] == ["Achievement"] and ach["name"] == "Cloud Foundations with AWS"
    assert "75 %" in ach["criteria"]["narrative"] and "Final exam" in ach["criteria"]["narrative"]
    assert "40 hours" in ach["description"] and ach["tag"] == ["AWS", "Linux"]
    status = doc["credentialStatus"]
    assert status == {
        "id": "https://lms.knowledgepark.pk/api/v1/credentials/status/2#3",
        "type": "BitstringStatusListEntry", "statusPurpose": "revocation",
        "statusListIndex": "3",
        "statusListCredential": "https://lms.knowledgepark.pk/api/v1/credentials/status/2"}


def test_the_email_address_is_only_there_as_a_salted_hash():
    doc = rules.credential(facts(), BASE)
    flat = repr(doc).lower()
    assert "ayesha@example.pk" not in flat
    [email] = [i for i in doc["credentialSubject"]["identifier"]
               if i["identityType"] == "emailAddress"]
    assert email["hashed"] is True and email["salt"] == "abc123"
    import hashlib
    assert email["identityHash"] == "sha256$" + hashlib.sha256(
        b"ayesha@example.pkabc123").hexdigest()


def test_track_criteria_list_the_courses():
    doc = rules.credential(facts(kind="track", courses=["A", "B"], required_assessments=[],
                                 achievement_key="7"), BASE)
    ach = doc["credentialSubject"]["achievement"]
    assert "A; B" in ach["criteria"]["narrative"] and "humanCode" not in ach


def test_jwt_claims_mirror_the_credential_and_check_clean():
    doc = rules.credential(facts(), BASE)
    payload = rules.jwt_payload(doc)
    assert payload["iss"] == doc["issuer"]["id"] and payload["jti"] == doc["id"]
    assert payload["sub"] == doc["credentialSubject"]["id"]
    assert payload["nbf"] == int(ISSUED.replace(microsecond=0).timestamp())
    assert rules.strip_claims(payload) == doc
    later = ISSUED + timedelta(days=1)
    assert rules.claim_problems(payload, later, rules.issuer_id(BASE)) == []


@pytest.mark.parametrize(("change", "words"), [
    ({"iss": "https://evil.example/issuer"}, "iss claim"),
    ({"jti": "urn:uuid:other"}, "jti claim"),
    ({"sub": "urn:uuid:other"}, "sub claim"),
    ({"nbf": 1}, "nbf claim"),
    ({"type": ["VerifiableCredential"]}, "not an OpenBadgeCredential"),
    ({"validUntil": "2026-03-04T00:00:00Z", "exp": 1772582400}, "expired"),
])
def test_claim_problems_name_each_mismatch(change, words):
    payload = rules.jwt_payload(rules.credential(facts(), BASE))
    payload.update(change)
    problems = rules.claim_problems(payload, datetime(2026, 6, 1, tzinfo=UTC),
                                    rules.issuer_id(BASE))
    assert any(words in p for p in problems), problems


def test_a_credential_is_not_valid_before_its_valid_from():
    payload = rules.jwt_payload(rules.credential(facts(), BASE))
    problems = rules.claim_problems(payload, ISSUED - timedelta(hours=1), rules.issuer_id(BASE))
    assert problems == ["it is not valid before 2026-03-03T05:00:12Z"]


def test_another_issuer_is_refused():
    payload = rules.jwt_payload(rules.credential(facts(), "https://other.example"))
    problems = rules.claim_problems(payload, datetime(2026, 6, 1, tzinfo=UTC),
                                    rules.issuer_id(BASE))
    assert problems == ["it was not issued by this programme"]
