"""Notification pages: the admin outbox, one's e-mail settings, forgot and reset password."""

import re

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from markupsafe import Markup, escape

from lms.accounts.forms import ConfirmForm
from lms.core.errors import DomainError
from lms.core.forms import apply_errors, perform
from lms.core.pagination import page_args, paginate
from lms.core.permissions import ADMIN, roles_required
from lms.extensions import db, limiter
from lms.notifications import rules, services
from lms.notifications.forms import ForgotPasswordForm, PreferencesForm, ResetPasswordForm
from lms.notifications.models import STATUSES
from lms.ops.metrics import add_scrape_gauge

bp = Blueprint("notifications", __name__)
NAV = [("notifications.list_outbox", "Outbox", (ADMIN,))]
PREVIEW_CSP = ("default-src 'none'; script-src 'none'; style-src 'unsafe-inline'; img-src data:; "
               "form-action 'none'; base-uri 'none'; frame-ancestors 'none'; sandbox allow-popups "
               "allow-popups-to-escape-sandbox")


def reset_limit() -> str:
    """Throttle of forgot-password requests per address (PASSWORD_RESET_RATE_LIMIT)."""
    return current_app.config["PASSWORD_RESET_RATE_LIMIT"]


@bp.route("/admin/outbox")
@roles_required(ADMIN)
def list_outbox():
    """The outbox, newest first, filtered by status and kind."""
    status = request.args.get("status") if request.args.get("status") in STATUSES else None
    kind = request.args.get("kind") if request.args.get("kind") in rules.KINDS else None
    page, per_page = page_args(50)
    result = paginate(services.outbox_query(current_user, status=status, kind=kind), page,
                      per_page)
    return render_template("notifications/outbox.html", page=result, status=status, kind=kind,
                           statuses=STATUSES, kinds=rules.KINDS, counts=services.outbox_counts(),
                           mail_server=bool(current_app.config["MAIL_SERVER"]))


@bp.route("/admin/outbox/<int:message_id>")
@roles_required(ADMIN)
def show_message(message_id: int):
    """One message: headers, the plain-text part with clickable links, and a retry button."""
    msg = services.get_message(current_user, message_id)
    return render_template("notifications/message.html", msg=msg, form=ConfirmForm())


@bp.route("/admin/outbox/<int:message_id>/html")
@roles_required(ADMIN)
def message_html(message_id: int):
    """The HTML part as the recipient sees it, in a sandbox (no script, no forms)."""
    msg = services.get_message(current_user, message_id)
    resp = make_response(msg.body_html)
    resp.headers["Content-Type"] = "text/html; charset=utf-8"
    resp.headers["Content-Security-Policy"] = PREVIEW_CSP
    return resp


@bp.route("/admin/outbox/<int:message_id>/retry", methods=["POST"])
@roles_required(ADMIN)
def retry_message(message_id: int):
    """Queue a failed message again."""
    services.get_message(current_user, message_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        perform(lambda: services.retry(current_user, message_id), "The message is queued again.")
    return redirect(url_for("notifications.show_message", message_id=message_id))


@bp.route("/account/notifications", methods=["GET", "POST"])
@roles_required()
def edit_preferences():
    """Choose which optional e-mails one gets."""
    user = current_user._get_current_object()
    form = PreferencesForm(data=services.preferences(user))
    if form.validate_on_submit():
        services.set_preferences(user, {n: bool(getattr(form, n).data)
                                        for n in rules.PREFERENCES})
        db.session.commit()
        flash("Your e-mail settings are saved.", "success")
        return redirect(url_for("notifications.edit_preferences"))
    return render_template("notifications/preferences.html", form=form)


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(reset_limit, methods=["POST"])
def forgot_password():
    """Ask for a reset link; the answer is the same whether or not the address has an account."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        flash("If an account has this address, a link to choose a new password is on its way. "
              "It works once, within an hour.", "info")
        return redirect(url_for("accounts.login"))
    return render_template("notifications/forgot_password.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password through an e-mailed link; other sessions end."""
    user = services.user_for_reset(token)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data)
        except DomainError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash("Your new password is set; you are logged out everywhere. Log in with it now.",
                  "success")
            return redirect(url_for("accounts.login"))
    return render_template("notifications/reset_password.html", form=form, user=user)


URL_RE = re.compile(r"https?://[^\s<>\"']+")


@bp.app_template_filter("linkify")
def linkify(text: str) -> Markup:
    """Escape plain text and make its http(s) links clickable."""
    escaped = str(escape(text or ""))
    linked = URL_RE.sub(lambda m: f'<a href="{m.group(0)}" rel="noopener noreferrer">'
                                  f"{m.group(0)}</a>", escaped)
    return Markup(linked)  # noqa: S704  (escaped above; only our own <a> tags added)


@bp.app_template_global("welcome_counts")
def welcome_counts() -> dict[str, int]:
    """Welcome messages queued, being sent, sent and failed (the import page shows them)."""
    return services.outbox_counts("welcome")


def _outbox_count(status: str):
    return lambda: services.outbox_counts()[status]


# /metrics (lms/ops): how many messages wait, and how many failed after their last try
add_scrape_gauge("lms_outbox_queued", "Outbox messages waiting to be sent", _outbox_count("queued"))
add_scrape_gauge("lms_outbox_failed", "Outbox messages that failed after their last try",
                 _outbox_count("failed"))
