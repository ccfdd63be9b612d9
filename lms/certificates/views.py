"""HTML pages of the certificates feature: eligibility and issue, lists, detail with revoke and
reissue, downloads, and the public verification pages."""

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from lms.certificates import rules, services
from lms.certificates.api import pdf_response, verify_limit
from lms.certificates.forms import IssueForm, ReissueForm, RevokeForm, VerifyFileForm
from lms.core.errors import DomainError, NotFound
from lms.core.forms import apply_errors, perform
from lms.core.pagination import page_args, paginate
from lms.core.permissions import ADMIN, LEARNER_ROLES, PARK_MANAGER, STAFF_ROLES, roles_required
from lms.core.streaming import stream_download
from lms.extensions import db, limiter
from lms.scheduling.models import Cohort

bp = Blueprint("certificates", __name__)
NAV: list = [
    ("certificates.my_certificates", "My certificates", LEARNER_ROLES),
    ("certificates.list_certificates", "Certificates", (ADMIN, PARK_MANAGER)),
    ("certificates.verify_form", "Verify a certificate", ("anonymous",)),
]


def _cohorts_in_reach(user, limit: int = 50) -> list[Cohort]:
    """The cohorts whose certificates the user handles, latest first."""
    stmt = sa.select(Cohort).where(Cohort.status != "cancelled")
    if user.role == PARK_MANAGER:
        stmt = stmt.where(Cohort.park_id == user.park_id)
    elif user.role != ADMIN:
        stmt = stmt.where(Cohort.trainer_id == user.id)
    return list(db.session.scalars(stmt.order_by(Cohort.end_date.desc(), Cohort.id.desc())
                                   .limit(limit)))


@bp.route("/certificates")
@roles_required(*STAFF_ROLES)
def list_certificates():
    """Every certificate, with filters; and the cohorts the user issues for."""
    page, per_page = page_args()
    status = request.args.get("status") or None
    q = (request.args.get("q") or "").strip() or None
    try:
        user_id = int(request.args["user_id"]) if request.args.get("user_id") else None
    except ValueError:
        user_id = None
    stmt = services.certificates_query(current_user, user_id=user_id, status=status, q=q)
    return render_template("certificates/list.html", page=paginate(stmt, page, per_page),
                           status=status, q=q or "", cohorts=_cohorts_in_reach(current_user))


@bp.route("/my/certificates")
@roles_required()
def my_certificates():
    """The learner's own certificates with download links."""
    stmt = services.certificates_query(current_user, user_id=current_user.id)
    return render_template("certificates/mine.html", certificates=db.session.scalars(stmt).all())


@bp.route("/cohorts/<int:cohort_id>/eligibility")
@roles_required(*STAFF_ROLES)
def cohort_eligibility(cohort_id: int):
    """Every learner of a cohort with what holds them back; the issue button."""
    cohort = services.get_cohort(cohort_id)
    services.ensure_cohort_staff(current_user, cohort)
    rows = services.cohort_eligibility(cohort)
    return render_template("certificates/eligibility.html", cohort=cohort, rows=rows,
                           form=IssueForm(),
                           ready=sum(1 for r in rows if r.eligible and not r.certificate))


def _issued(result) -> tuple[str, str]:
    """The flash message after issuing: how many issued and skipped."""
    n, skipped = len(result.issued), len(result.skipped)
    return (f"{n} certificate{'s' if n != 1 else ''} issued; "
            f"{skipped} learner{'s' if skipped != 1 else ''} skipped.", "success" if n else "info")


@bp.route("/cohorts/<int:cohort_id>/certificates", methods=["POST"])
@roles_required(*STAFF_ROLES)
def issue_certificates(cohort_id: int):
    """Issue to every eligible learner of the cohort (idempotent)."""
    form = IssueForm()
    if not form.validate_on_submit():
        flash("The form expired; reload the page and try again.", "error")
        return redirect(url_for("certificates.cohort_eligibility", cohort_id=cohort_id))
    user_id = request.form.get("user_id", type=int)
    perform(lambda: services.issue_certificates(current_user, cohort_id,
                                                [user_id] if user_id else None), _issued)
    return redirect(url_for("certificates.cohort_eligibility", cohort_id=cohort_id))


@bp.route("/cohorts/<int:cohort_id>/certificates.zip")
@roles_required(*STAFF_ROLES)
def download_cohort_zip(cohort_id: int):
    """The cohort's valid certificates as one ZIP, streamed."""
    cohort, entries = services.cohort_zip_entries(current_user, cohort_id)
    resp = stream_download(services.stream_zip(entries), f"certificates-cohort-{cohort.id}.zip",
                           "application/zip")
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


@bp.route("/certificates/<code>")
@roles_required()
def show_certificate(code: str):
    """A certificate's facts; revoke (admins) and reissue (admins, park manager) forms."""
    cert = services.get_viewable(current_user, code)
    if cert.code != code:
        return redirect(url_for("certificates.show_certificate", code=cert.code))
    return _detail(cert)


def _detail(cert, revoke_form=None, reissue_form=None, status: int = 200):
    revoke_form = revoke_form or (RevokeForm(prefix="revoke") if current_user.role == ADMIN else None)
    if reissue_form is None and services.can_reissue(current_user, cert):
        reissue_form = ReissueForm(prefix="reissue")
    successor = db.session.get(type(cert), cert.superseded_by_id) if cert.superseded_by_id else None
    return render_template("certificates/detail.html", cert=cert, facts=services.public_facts(cert),
                           revoke_form=revoke_form if cert.status == "valid" else None,
                           reissue_form=reissue_form if cert.status == "valid" else None,
                           successor=successor,
                           verify_url=services.verify_url(cert.code)), status


@bp.route("/certificates/<code>/revoke", methods=["POST"])
@roles_required(ADMIN)
def revoke_certificate(code: str):
    """An admin revokes a certificate with a reason."""
    cert = services.get_viewable(current_user, code)
    form = RevokeForm(prefix="revoke")
    if form.validate_on_submit():
        try:
            services.revoke(current_user, cert.code, form.reason.data)
        except DomainError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(f"Certificate {cert.code} revoked.", "success")
            return redirect(url_for("certificates.show_certificate", code=cert.code))
    cert = services.get_viewable(current_user, code)
    return _detail(cert, revoke_form=form, status=422)


@bp.route("/certificates/<code>/reissue", methods=["POST"])
@roles_required(ADMIN, PARK_MANAGER)
def reissue_certificate(code: str):
    """Reissue after a correction: a new code; the old certificate becomes superseded."""
    cert = services.get_viewable(current_user, code)
    if not services.can_reissue(current_user, cert):
        abort(403)
    form = ReissueForm(prefix="reissue")
    if form.validate_on_submit():
        try:
            new = services.reissue(current_user, cert.code, form.reason.data)
        except DomainError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(f"Certificate reissued as {new.code}; {code} is now superseded.", "success")
            return redirect(url_for("certificates.show_certificate", code=new.code))
    cert = services.get_viewable(current_user, code)
    return _detail(cert, reissue_form=form, status=422)


@bp.route("/certificates/<code>/pdf")
@roles_required()
def download_pdf(code: str):
    """The frozen PDF: its holder and staff."""
    return pdf_response(services.get_viewable(current_user, code))


# --- public verification -----------------------------------------------------------------------

@bp.route("/verify")
@limiter.limit(verify_limit)
def verify_form():
    """Type a code (or arrive with ?code=): on to its verification page."""
    typed = (request.args.get("code") or "").strip()
    error = None
    if typed:
        code = rules.normalise_code(typed)
        if code:
            return redirect(url_for("certificates.verify_certificate", code=code))
        error = "That is not a certificate code; it looks like KP-XXXX-XXXX-XXXX-XXXX."
    return render_template("certificates/verify_form.html", typed=typed, error=error,
                           file_form=VerifyFileForm()), (422 if error else 200)


@bp.route("/verify/<code>")
@limiter.limit(verify_limit)
def verify_certificate(code: str):
    """Public: the certificate's facts and status; unknown codes are a plain 404."""
    try:
        cert = services.verify(code)
    except NotFound:
        return render_template("certificates/verify_unknown.html"), 404
    if cert.code != code:
        return redirect(url_for("certificates.verify_certificate", code=cert.code))
    return render_template("certificates/verify.html", facts=services.public_facts(cert))


@bp.route("/verify/file", methods=["GET", "POST"])
@limiter.limit(verify_limit)
def verify_file():
    """Public: upload a PDF; is it byte for byte a certificate that was issued?"""
    form = VerifyFileForm()
    checked = False
    match = None
    if form.validate_on_submit():
        data = form.file.data.read()
        checked = True
        match = services.match_file(data)
    return render_template("certificates/verify_file.html", form=form, checked=checked,
                           facts=services.public_facts(match) if match else None)
