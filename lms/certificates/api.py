"""JSON API of the certificates feature: eligibility, issue, list, download, revoke, verify."""

from flask import Response, current_app

from lms.certificates import services
from lms.certificates.schemas import (
    CertificateListSchema,
    CertificateQuerySchema,
    CertificateSchema,
    EligibilityListSchema,
    IssueArgsSchema,
    IssueResultSchema,
    ReasonSchema,
    VerificationSchema,
)
from lms.core.api import api_blueprint, authorize, roles_only
from lms.core.errors import Forbidden
from lms.core.pagination import Page, page_args, paginate
from lms.core.permissions import ADMIN, PARK_MANAGER, STAFF_ROLES, require_login, require_roles
from lms.extensions import db, limiter

blp = api_blueprint("certificates_api", __name__, "Certificates")


def verify_limit() -> str:
    """The throttle of the public verification routes (setting LMS_VERIFY_RATE_LIMIT)."""
    return current_app.config.get("LMS_VERIFY_RATE_LIMIT", "60 per minute")


def pdf_response(cert) -> Response:
    """The frozen bytes as a download."""
    resp = Response(services.pdf_bytes(cert), mimetype="application/pdf")
    resp.headers["Content-Disposition"] = f'attachment; filename="{services.download_name(cert)}"'
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


@blp.route("/cohorts/<int:cohort_id>/eligibility", methods=["GET"])
@blp.response(200, EligibilityListSchema)
def cohort_eligibility(cohort_id):
    """Every learner of the cohort: eligible or not, and why not (staff of the cohort)."""
    actor = require_roles(*STAFF_ROLES)
    cohort = services.get_cohort(cohort_id)
    services.ensure_cohort_staff(actor, cohort)
    page, per_page = page_args(default_per_page=200)
    rows = services.cohort_eligibility(cohort)
    chunk = rows[(page - 1) * per_page: page * per_page]
    return Page(items=chunk, page=page, per_page=per_page, total=len(rows)).envelope()


def _may_issue(cohort_id):
    services.ensure_cohort_staff(require_roles(*STAFF_ROLES), services.get_cohort(cohort_id))


def _may_reissue(code):
    actor = require_roles(ADMIN, PARK_MANAGER)
    if not services.can_reissue(actor, services.get_certificate(code)):
        raise Forbidden("Only the programme office or the park's manager reissues certificates.")


@blp.route("/cohorts/<int:cohort_id>/certificates", methods=["POST"])
@authorize(_may_issue)
@blp.arguments(IssueArgsSchema)
@blp.response(200, IssueResultSchema)
def issue_certificates(data, cohort_id):
    """Issue to every eligible learner (or those in `user_ids`); idempotent."""
    actor = require_roles(*STAFF_ROLES)
    result = services.issue_certificates(actor, cohort_id, data.get("user_ids"))
    db.session.commit()
    body = {"issued": result.issued, "skipped": result.skipped}
    return body, (201 if result.issued else 200)


@blp.route("/certificates", methods=["GET"])
@blp.arguments(CertificateQuerySchema, location="query")
@blp.response(200, CertificateListSchema)
def list_certificates(args):
    """Staff: every certificate (?user_id=, ?cohort_id=, ?status=); a learner: their own."""
    actor = require_login()
    page, per_page = page_args()
    stmt = services.certificates_query(actor, user_id=args.get("user_id"),
                                       cohort_id=args.get("cohort_id"), status=args.get("status"))
    return paginate(stmt, page, per_page).envelope()


@blp.route("/certificates/<code>", methods=["GET"])
@blp.response(200, CertificateSchema)
def get_certificate(code):
    """One certificate (the holder, staff)."""
    return services.get_viewable(require_login(), code)


@blp.route("/certificates/<code>/pdf", methods=["GET"])
@blp.alt_response(200, schema={"type": "string", "format": "binary"}, success=True,
                  description="The certificate's PDF.", content_type="application/pdf")
def download_pdf(code):
    """The frozen PDF (the holder, staff)."""
    cert = services.get_viewable(require_login(), code)
    return pdf_response(cert)


@blp.route("/certificates/<code>/revoke", methods=["POST"])
@authorize(roles_only(ADMIN))
@blp.arguments(ReasonSchema)
@blp.response(200, CertificateSchema)
def revoke_certificate(data, code):
    """Revoke a valid certificate (admin), with a reason."""
    actor = require_roles(ADMIN)
    cert = services.revoke(actor, code, data["reason"])
    db.session.commit()
    return cert


@blp.route("/certificates/<code>/reissue", methods=["POST"])
@authorize(_may_reissue)
@blp.arguments(ReasonSchema)
@blp.response(201, CertificateSchema)
def reissue_certificate(data, code):
    """Reissue after a correction (admin, the park's manager): a new code, the old superseded."""
    actor = require_roles(ADMIN, PARK_MANAGER)
    cert = services.reissue(actor, code, data["reason"])
    db.session.commit()
    return cert


@blp.route("/verify/<code>", methods=["GET"])
@limiter.limit(verify_limit)
@blp.response(200, VerificationSchema)
def verify_code(code):
    """Public, throttled: the facts of a certificate and whether it is valid; 404 unknown."""
    return services.public_facts(services.verify(code))
