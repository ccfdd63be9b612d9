"""HTML and public pages of the signed credentials: the JWKS, the issuer profile, the holder's
download, and the verification page for a pasted or uploaded credential."""

import json

from flask import Blueprint, Response, jsonify, render_template
from flask_login import current_user

from lms.certificates import services as certificates
from lms.certificates.api import verify_limit
from lms.core.permissions import roles_required
from lms.credentials import rules, services
from lms.credentials.api import credential_response
from lms.credentials.forms import VerifyCredentialForm
from lms.extensions import limiter

bp = Blueprint("credentials", __name__)
NAV: list = []
PUBLIC_MAX_AGE = 3600


def _public_json(body: dict, mimetype: str = "application/json") -> Response:
    """Public JSON that caches and proxies may keep for an hour."""
    resp = jsonify(body)
    resp.mimetype = mimetype
    resp.headers["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}"
    resp.headers["Access-Control-Allow-Origin"] = "*"  # wallets and verifiers fetch these
    return resp


@bp.route("/.well-known/jwks.json")
def get_jwks():
    """Public: the issuer's public keys (current and earlier), as a JWKS."""
    return _public_json(services.jwks())


@bp.route("/credentials/issuer")
def show_issuer():
    """Public: the programme as an Open Badges issuer Profile."""
    return _public_json(rules.issuer_profile(services.public_url()), "application/ld+json")


@bp.route("/certificates/<code>/credential")
@roles_required()
def download_credential(code: str):
    """The certificate's signed credential as a .jwt file: its holder and staff."""
    cert = certificates.get_viewable(current_user, code)
    return credential_response(cert, attachment=True)


@bp.route("/verify/credential", methods=["GET", "POST"])
@limiter.limit(verify_limit)
def verify_credential():
    """Public: paste or upload a credential; its signature, dates and status are checked."""
    form = VerifyCredentialForm()
    result = None
    if form.validate_on_submit():
        result = services.verify_token(form.credential_text())
    status = 422 if form.errors else 200
    pretty = json.dumps(result.credential, indent=2, ensure_ascii=False) \
        if result and result.credential else None
    return render_template("credentials/verify.html", form=form, result=result,
                           summary=result.summary() if result else None, pretty=pretty), status
