"""Signed credentials end to end: issued with the certificate, signed by joserfc, verified here
with jwcrypto (an independent JOSE implementation) against the published JWKS; the Open Badges
3.0 JSON schema; tampering, a wrong key, revocation in the status list, key rotation, the
verification page, the holder's downloads and the refusal to issue without a key."""

import base64
import io
import json
import shutil
from datetime import timedelta
from pathlib import Path

import jsonschema
import pytest
import sqlalchemy as sa
from jwcrypto import jwk as jc_jwk
from jwcrypto import jws as jc_jws
from jwcrypto.common import JWException

from lms.certificates.models import Certificate
from lms.credentials import keys, rules, services, statuslist
from lms.extensions import db

SCHEMA = Path(__file__).parent / "schemas" / "ob_v3p0_achievementcredential_schema.json"
VC_JWT = "application/vc+jwt"


@pytest.fixture(scope="session")
def _master_key_file(tmp_path_factory) -> Path:
    """One RSA key made per test session (making one takes a moment); copied for each test."""
    path = tmp_path_factory.mktemp("keys") / "signing-keys.json"
    keys.create(path)
    return path


@pytest.fixture
def key_path(tmp_path, _master_key_file) -> Path:
    path = tmp_path / "signing-keys.json"
    shutil.copy(_master_key_file, path)
    return path


@pytest.fixture
def app_overrides(key_path):
    return {"LMS_SIGNING_KEY_FILE": str(key_path), "LMS_PUBLIC_URL": "https://lms.example.pk"}


# --- an independent verifier (jwcrypto) ----------------------------------------------------------

def b64json(segment: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def jwcrypto_verify(token: str, jwks: dict) -> tuple[dict, dict]:
    """Verify a compact JWS with jwcrypto and the published JWKS; return (header, payload)."""
    header = b64json(token.split(".")[0])
    keyset = jc_jwk.JWKSet.from_json(json.dumps(jwks))
    key = keyset.get_key(header["kid"].rsplit("#", 1)[-1])
    assert key is not None, "the kid names no published key"
    obj = jc_jws.JWS()
    obj.deserialize(token)
    obj.verify(key, alg="RS256")
    return header, json.loads(obj.payload)


def published_jwks(client) -> dict:
    resp = client.get("/.well-known/jwks.json")
    assert resp.status_code == 200
    assert "public" in resp.headers["Cache-Control"]
    return resp.get_json()


def fetch_credential(app, cert, headers) -> str:
    resp = app.test_client().get(f"/api/v1/certificates/{cert.code}/credential", headers=headers)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    assert resp.mimetype == VC_JWT
    assert resp.headers["Cache-Control"] == "private, no-store"
    return resp.get_data(as_text=True)


def status_bit(client, payload: dict, jwks: dict) -> bool:
    """Follow the credential's status entry like an outside verifier and read its bit."""
    entry = payload["credentialStatus"]
    path = entry["statusListCredential"].replace("https://lms.example.pk", "")
    resp = client.get(path)
    assert resp.status_code == 200 and resp.mimetype == VC_JWT
    assert "public" in resp.headers["Cache-Control"]
    _header, status_doc = jwcrypto_verify(resp.get_data(as_text=True), jwks)
    assert status_doc["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    subject = status_doc["credentialSubject"]
    assert subject["type"] == "BitstringStatusList" and subject["statusPurpose"] == "revocation"
    bits = statuslist.decode(subject["encodedList"])
    assert len(bits) * 8 >= 131_072
    return statuslist.is_set(bits, int(entry["statusListIndex"]))


# --- round trip ----------------------------------------------------------------------------------

def test_issue_then_verify_with_jwcrypto(app, client, issued, token_for):
    cohort, [learner], [cert] = issued(1)
    token = fetch_credential(app, cert, token_for(learner))
    assert token.count(".") == 2
    header, payload = jwcrypto_verify(token, published_jwks(client))
    assert header["alg"] == "RS256" and header["typ"] == "JWT"
    assert header["kid"].startswith("https://lms.example.pk/.well-known/jwks.json#")
    assert payload["iss"] == payload["issuer"]["id"] == "https://lms.example.pk/credentials/issuer"
    assert payload["jti"] == payload["id"] == \
        f"https://lms.example.pk/certificates/{cert.code}/credential"
    assert payload["sub"] == payload["credentialSubject"]["id"]
    assert payload["nbf"] == rules.numeric_date(cert.issued_at)
    ach = payload["credentialSubject"]["achievement"]
    assert ach["name"] == "Cloud Foundations with AWS"
    assert "8 hours" in ach["description"]  # hours taught: 4 sessions of 2 h
    assert learner.email not in token and learner.email not in json.dumps(payload)
    assert status_bit(client, payload, published_jwks(client)) is False
    # frozen: the same bytes every time, and the stored column holds them
    assert fetch_credential(app, cert, token_for(learner)) == token
    assert db.session.scalar(sa.select(Certificate.credential).where(
        Certificate.id == cert.id)) == token


def test_the_credential_matches_the_open_badges_schema(app, issued, token_for):
    _cohort, [learner], [cert] = issued(1)
    token = fetch_credential(app, cert, token_for(learner))
    payload = b64json(token.split(".")[1])
    schema = json.loads(SCHEMA.read_text())
    validator = jsonschema.Draft201909Validator(schema)
    errors = [e.message for e in validator.iter_errors(rules.strip_claims(payload))]
    assert errors == []
    # and the schema does bite: a credential without its achievement criteria is refused
    broken = rules.strip_claims(payload)
    del broken["credentialSubject"]["achievement"]["criteria"]
    assert list(validator.iter_errors(broken))


def test_track_certificate_credential_matches_the_schema(app, programme_with_track):
    cert = programme_with_track
    payload = b64json(services.credential_for(cert).split(".")[1])
    validator = jsonschema.Draft201909Validator(json.loads(SCHEMA.read_text()))
    assert [e.message for e in validator.iter_errors(rules.strip_claims(payload))] == []
    assert "Completed every course of the track" in \
        payload["credentialSubject"]["achievement"]["criteria"]["narrative"]


@pytest.fixture
def programme_with_track(app, graduates, make_user):
    """A learner who completed a one-course track: the track certificate."""
    from lms.catalogue.models import Track, TrackCourse
    from lms.certificates import services as certificates

    cohort, [learner] = graduates(1)
    admin = make_user("admin")
    track = Track(name="Cloud path", audience="student", description="Cloud, end to end.",
                  created_by_id=admin.id)
    track.items.append(TrackCourse(course_id=cohort.course_id, position=1))
    db.session.add(track)
    db.session.commit()
    result = certificates.issue_certificates(admin, cohort.id)
    db.session.commit()
    [cert] = [c for c in result.issued if c.kind == "track"]
    return cert


# --- tampering, wrong keys -------------------------------------------------------------------

def _flip_one_byte(token: str) -> str:
    head, body, sig = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    at = raw.index(b"Cloud")
    raw[at] = ord("K")  # "Kloud Foundations"
    return ".".join([head, base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode(), sig])


def test_one_altered_byte_is_refused(app, client, issued, token_for):
    _cohort, [learner], [cert] = issued(1)
    token = fetch_credential(app, cert, token_for(learner))
    forged = _flip_one_byte(token)
    with pytest.raises(JWException):
        jwcrypto_verify(forged, published_jwks(client))
    verdict = services.verify_token(forged)
    assert verdict.status == "invalid"
    assert "signature does not match" in verdict.problems[0]
    page = client.post("/verify/credential", data={"token": forged})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Not valid" in html and "Kloud" not in html


def test_a_credential_signed_with_another_key_is_refused(app, client, issued, token_for):
    _cohort, [learner], [cert] = issued(1)
    token = fetch_credential(app, cert, token_for(learner))
    header, payload = b64json(token.split(".")[0]), b64json(token.split(".")[1])
    stranger = jc_jwk.JWK.generate(kty="RSA", size=2048)
    forged = jc_jws.JWS(json.dumps(payload).encode())
    forged.add_signature(stranger, alg="RS256", protected=json.dumps(header))  # same kid
    forged_token = forged.serialize(compact=True)
    with pytest.raises(JWException):
        jwcrypto_verify(forged_token, published_jwks(client))
    verdict = services.verify_token(forged_token)
    assert verdict.status == "invalid" and "signature does not match" in verdict.problems[0]
    # and with its own kid, the key is simply not one of ours
    header["kid"] = "https://lms.example.pk/.well-known/jwks.json#" + stranger.thumbprint()
    other = jc_jws.JWS(json.dumps(payload).encode())
    other.add_signature(stranger, alg="RS256", protected=json.dumps(header))
    verdict = services.verify_token(other.serialize(compact=True))
    assert verdict.status == "invalid" and "does not publish" in verdict.problems[0]


def test_alg_none_and_hmac_are_refused(app, issued, token_for):
    _cohort, [learner], [cert] = issued(1)
    token = fetch_credential(app, cert, token_for(learner))
    _head, body, _sig = token.split(".")
    for alg in ("none", "HS256"):
        head = base64.urlsafe_b64encode(json.dumps({"alg": alg, "typ": "JWT"}).encode()).rstrip(
            b"=").decode()
        verdict = services.verify_token(f"{head}.{body}.")
        assert verdict.status == "invalid" and "not RS256" in verdict.problems[0]


@pytest.mark.parametrize("junk", ["", "   ", "not a credential", "a.b.c", "x" * 70_000,
                                  "eyJhbGciOiJSUzI1NiJ9.e30.AAAA"])
def test_junk_gets_a_plain_verdict_never_an_error(app, client, junk):
    verdict = services.verify_token(junk)
    assert verdict.status == "invalid" and verdict.problems
    resp = client.post("/verify/credential", data={"token": junk})
    assert resp.status_code in (200, 422)


# --- dates ----------------------------------------------------------------------------------------

def test_a_credential_is_not_valid_before_it_was_issued(app, issued, token_for):
    _cohort, [learner], [cert] = issued(1)
    token = fetch_credential(app, cert, token_for(learner))
    assert services.verify_token(token).status == "valid"
    earlier = services.verify_token(token, now=cert.issued_at - timedelta(minutes=5))
    assert earlier.status == "invalid" and "not valid before" in earlier.problems[0]


# --- revocation and reissue ----------------------------------------------------------------------

def test_revocation_sets_the_bit_and_verification_says_revoked(app, client, issued, token_for,
                                                                make_user):
    _cohort, learners, certs = issued(2)
    tokens = [fetch_credential(app, c, token_for(u)) for c, u in zip(certs, learners, strict=True)]
    jwks = published_jwks(client)
    payloads = [jwcrypto_verify(t, jwks)[1] for t in tokens]
    assert [status_bit(client, p, jwks) for p in payloads] == [False, False]
    resp = app.test_client().post(f"/api/v1/certificates/{certs[0].code}/revoke",
                                  json={"reason": "Issued by mistake"},
                                  headers=token_for(make_user("admin")))
    assert resp.status_code == 200
    assert [status_bit(client, p, jwks) for p in payloads] == [True, False]
    assert services.verify_token(tokens[0]).status == "revoked"
    assert services.verify_token(tokens[1]).status == "valid"
    page = client.post("/verify/credential", data={"token": tokens[0]})
    assert "Revoked" in page.get_data(as_text=True)
    # the revoked holder can still download it (it says what it said); it just is not valid
    assert fetch_credential(app, certs[0], token_for(learners[0])) == tokens[0]


def test_reissue_gives_a_new_credential_and_retires_the_old(app, client, issued, token_for,
                                                             make_user):
    _cohort, [learner], [cert] = issued(1)
    old = fetch_credential(app, cert, token_for(learner))
    resp = app.test_client().post(f"/api/v1/certificates/{cert.code}/reissue",
                                  json={"reason": "Name corrected"},
                                  headers=token_for(make_user("admin")))
    assert resp.status_code == 201
    new_code = resp.get_json()["code"]
    new_cert = db.session.scalar(sa.select(Certificate).where(Certificate.code == new_code))
    new = fetch_credential(app, new_cert, token_for(learner))
    assert new != old and new_cert.status_index != cert.status_index
    assert services.verify_token(new).status == "valid"
    assert services.verify_token(old).status == "revoked"


# --- keys ----------------------------------------------------------------------------------------

def test_rotation_keeps_earlier_credentials_verifiable(app, client, graduates, make_user,
                                                       token_for, key_path):
    from lms.certificates import services as certificates

    cohort, (first, second) = graduates(2)
    admin = make_user("admin")
    certificates.issue_certificates(admin, cohort.id, [first.id])
    db.session.commit()
    old_cert = db.session.scalar(sa.select(Certificate).where(Certificate.user_id == first.id))
    old_token = fetch_credential(app, old_cert, token_for(first))
    result = app.test_cli_runner().invoke(args=["lms", "keys", "rotate"])
    assert result.exit_code == 0, result.output
    assert "1 earlier public key(s) still published" in result.output
    certificates.issue_certificates(admin, cohort.id, [second.id])
    db.session.commit()
    new_cert = db.session.scalar(sa.select(Certificate).where(Certificate.user_id == second.id))
    new_token = fetch_credential(app, new_cert, token_for(second))
    jwks = published_jwks(client)
    assert len(jwks["keys"]) == 2 and all("d" not in k and "p" not in k for k in jwks["keys"])
    old_header, _ = jwcrypto_verify(old_token, jwks)
    new_header, _ = jwcrypto_verify(new_token, jwks)
    assert old_header["kid"] != new_header["kid"]
    assert new_header["kid"].endswith("#" + jwks["keys"][0]["kid"])  # the current key first
    assert services.verify_token(old_token).status == "valid"
    assert services.verify_token(new_token).status == "valid"
    # the key file kept only the public part of the old key
    stored = json.loads(key_path.read_text())["keys"]
    assert ["d" in k for k in stored] == [True, False]
    assert oct(key_path.stat().st_mode & 0o777) == "0o600"


def test_keys_create_never_overwrites(app, key_path, tmp_path):
    runner = app.test_cli_runner()
    before = key_path.read_text()
    again = runner.invoke(args=["lms", "keys", "create"])
    assert again.exit_code != 0 and "exists already" in again.output
    assert key_path.read_text() == before
    fresh = tmp_path / "elsewhere" / "keys.json"
    made = runner.invoke(args=["lms", "keys", "create", "--file", str(fresh)])
    assert made.exit_code == 0 and fresh.exists(), made.output


class TestWithoutAKey:
    """Production with no key file: issuing is refused and says why; nothing is written."""

    @pytest.fixture
    def app_overrides(self, tmp_path):
        return {"ENV_NAME": "production", "LMS_SIGNING_KEY_FILE": "",
                "LMS_PUBLIC_URL": "https://lms.example.pk", "LMS_SINGLE_PROCESS": True}

    def test_issue_refused_with_the_reason(self, app, graduates, make_user, token_for):
        cohort, _learners = graduates(1)
        resp = app.test_client().post(f"/api/v1/cohorts/{cohort.id}/certificates", json={},
                                      headers=token_for(make_user("admin")))
        assert resp.status_code == 503
        error = resp.get_json()["error"]
        assert error["code"] == "signing_unavailable"
        assert "LMS_SIGNING_KEY_FILE" in error["message"] and "keys create" in error["message"]
        assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 0

    def test_html_issue_flashes_the_reason(self, app, graduates, login_as):
        cohort, _learners = graduates(1)
        client, _admin = login_as("admin")
        resp = client.post(f"/cohorts/{cohort.id}/certificates", follow_redirects=True)
        assert "no signing key" in resp.get_data(as_text=True)
        assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 0

    def test_jwks_is_empty_not_an_error(self, app, client):
        assert client.get("/.well-known/jwks.json").get_json() == {"keys": []}


class TestMissingKeyFile:
    @pytest.fixture
    def app_overrides(self, tmp_path):
        return {"ENV_NAME": "production", "LMS_SIGNING_KEY_FILE": str(tmp_path / "none.json"),
                "LMS_PUBLIC_URL": "https://lms.example.pk", "LMS_SINGLE_PROCESS": True}

    def test_names_the_missing_file(self, app, graduates, make_user, token_for, tmp_path):
        cohort, _learners = graduates(1)
        resp = app.test_client().post(f"/api/v1/cohorts/{cohort.id}/certificates", json={},
                                      headers=token_for(make_user("admin")))
        assert resp.status_code == 503
        assert "none.json" in resp.get_json()["error"]["message"]


# --- publishing and pages --------------------------------------------------------------------------

def test_issuer_profile_is_public_and_cacheable(client):
    resp = client.get("/credentials/issuer")
    assert resp.status_code == 200 and "public" in resp.headers["Cache-Control"]
    body = json.loads(resp.get_data())
    assert body["id"] == "https://lms.example.pk/credentials/issuer"
    assert body["type"] == ["Profile"] and body["name"]


def test_status_list_beyond_the_last_is_404(app, client, issued):
    issued(1)
    assert client.get("/api/v1/credentials/status/1").status_code == 200
    assert client.get("/api/v1/credentials/status/2").status_code == 404
    assert client.get("/api/v1/credentials/status/0").status_code == 404


def test_verify_page_accepts_an_uploaded_file_and_shows_the_claims(app, client, issued,
                                                                   token_for):
    _cohort, [learner], [cert] = issued(1, names=["Ayesha <b>Siddiqui</b>"])
    token = fetch_credential(app, cert, token_for(learner))
    resp = client.post("/verify/credential", data={"file": (io.BytesIO(token.encode()),
                                                              "certificate.jwt")},
                       content_type="multipart/form-data")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Valid:" in html
    assert "Cloud Foundations with AWS" in html and "Knowledge Park" in html
    assert "Ayesha &lt;b&gt;Siddiqui&lt;/b&gt;" in html and "<b>Siddiqui" not in html
    assert learner.email not in html


def test_verify_page_needs_something(client):
    resp = client.post("/verify/credential", data={})
    assert resp.status_code == 422 and "Paste a credential" in resp.get_data(as_text=True)
    assert client.get("/verify/credential").status_code == 200


def test_holder_downloads_from_my_certificates(app, issued, login_as):
    _cohort, [learner], [cert] = issued(1)
    client, _ = login_as("student", user=learner)
    page = client.get("/my/certificates").get_data(as_text=True)
    link = f"/certificates/{cert.code}/credential"
    assert link in page
    resp = client.get(link)
    assert resp.status_code == 200 and resp.mimetype == VC_JWT
    assert f'filename="certificate-{cert.code}.jwt"' in resp.headers["Content-Disposition"]
    assert services.verify_token(resp.get_data(as_text=True)).status == "valid"


def test_others_cannot_fetch_a_credential(app, issued, make_user, token_for, login_as):
    _cohort, [learner], [cert] = issued(1)
    stranger = make_user("student")
    url = f"/api/v1/certificates/{cert.code}/credential"
    assert app.test_client().get(url, headers=token_for(stranger)).status_code == 404
    assert app.test_client().get(url).status_code == 401
    client, _ = login_as("student", user=stranger)
    assert client.get(f"/certificates/{cert.code}/credential").status_code == 404
    anon = app.test_client().get(f"/certificates/{cert.code}/credential")
    assert anon.status_code == 302 and "/login" in anon.headers["Location"]
    assert app.test_client().get(url, headers=token_for(make_user("trainer"))).status_code == 200


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils (pdftotext)")
def test_the_pdf_names_the_credential(app, issued, tmp_path):
    import subprocess

    _cohort, _learners, [cert] = issued(1)
    path = tmp_path / "c.pdf"
    path.write_bytes(cert.pdf)
    text = subprocess.run([shutil.which("pdftotext"), str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert f"https://lms.example.pk/certificates/{cert.code}/credential" in text
    assert "Open Badges 3.0" in text


def test_certificates_from_before_credentials_get_one_on_demand(app, issued, token_for):
    """A certificate issued before the migration has no stored credential: signed on request."""
    _cohort, [learner], [cert] = issued(1)
    stored = cert.credential
    cert.credential = None
    db.session.commit()
    again = fetch_credential(app, cert, token_for(learner))
    assert again == stored  # RS256 is deterministic and the facts are frozen
    assert db.session.scalar(sa.select(Certificate.credential).where(
        Certificate.id == cert.id)) is None  # a GET writes nothing
