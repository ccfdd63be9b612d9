"""JSON API of the signed credentials: a certificate's credential, the status lists."""

from flask import Response

from lms.certificates import services as certificates
from lms.core.api import api_blueprint
from lms.core.permissions import require_login
from lms.credentials import rules, services

blp = api_blueprint("credentials_api", __name__, "Credentials")
STATUS_MAX_AGE = 300


def credential_response(cert, attachment: bool = False) -> Response:
    """The certificate's VC-JWT as `application/vc+jwt` text, never cached by others."""
    resp = Response(services.credential_for(cert), mimetype=rules.MEDIA_TYPE)
    if attachment:
        resp.headers["Content-Disposition"] = \
            f'attachment; filename="{services.download_name(cert)}"'
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


@blp.route("/certificates/<code>/credential", methods=["GET"])
@blp.alt_response(200, schema={"type": "string"}, success=True, content_type=rules.MEDIA_TYPE,
                  description="The Open Badges 3.0 credential: a compact JWS (RS256).")
def get_credential(code):
    """The certificate's signed Open Badges 3.0 credential (the holder, staff)."""
    cert = certificates.get_viewable(require_login(), code)
    return credential_response(cert)


@blp.route("/credentials/status/<int:list_id>", methods=["GET"])
@blp.alt_response(200, schema={"type": "string"}, success=True, content_type=rules.MEDIA_TYPE,
                  description="The signed BitstringStatusListCredential.")
def get_status_list(list_id):
    """Public: the signed Bitstring Status List credential of list `list_id` (revocations)."""
    resp = Response(services.status_list_token(list_id), mimetype=rules.MEDIA_TYPE)
    resp.headers["Cache-Control"] = f"public, max-age={STATUS_MAX_AGE}"
    return resp
