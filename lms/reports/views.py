"""Dashboards: the programme, a park, a trainer's cohorts, a learner's progress; CSV exports."""

from datetime import date, timedelta

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from lms.core.csvutil import csv_response
from lms.core.errors import ValidationFailed
from lms.core.permissions import ADMIN, FACULTY, PARK_MANAGER, STUDENT, TRAINER, roles_required
from lms.core.timeutil import park_today
from lms.parks.services import get_park_by_slug
from lms.reports import rules, services

bp = Blueprint("reports", __name__, url_prefix="/reports")
NAV = [("reports.show_programme", "Dashboard", (ADMIN, PARK_MANAGER)),
       ("reports.show_trainer", "My cohorts", (TRAINER,)),
       ("reports.show_progress", "My progress", (STUDENT, FACULTY))]


def _charts(programme, series):
    """Bar chart of enrolment against target per park, and the monthly line chart."""
    students = rules.bar_chart([(p.name.removeprefix("Knowledge Park "), p.enrolled_students,
                                 p.student_target) for p in programme.parks])
    faculty = rules.bar_chart([(p.name.removeprefix("Knowledge Park "), p.enrolled_faculty,
                                p.faculty_target) for p in programme.parks])
    monthly = rules.line_chart({"completions": series["completions"],
                                "certificates": series["certificates"]},
                               [label[2:] for label in series["labels"]])
    return {"students_chart": students, "faculty_chart": faculty, "monthly_chart": monthly}


@bp.route("")
@roles_required(ADMIN, PARK_MANAGER)
def show_programme():
    """The programme office's dashboard; a park manager goes to their park's."""
    if current_user.role == PARK_MANAGER:
        return redirect(url_for("reports.show_park", slug=current_user.park.slug))
    programme = services.programme_figures()
    series = services.monthly_series()
    return render_template("reports/programme.html", programme=programme, series=series,
                           pass_rates=services.pass_rates(),
                           at_risk=services.at_risk_learners()[:50],
                           **_charts(programme, series))


@bp.route("/parks/<slug>")
@roles_required(ADMIN, PARK_MANAGER)
def show_park(slug: str):
    """One park against its targets, its cohorts' attendance and its at-risk learners."""
    park = get_park_by_slug(slug)
    park_id = services.scope_park_id(current_user, park.id)
    programme = services.programme_figures(park_id)
    series = services.monthly_series(park_id)
    months = rules.recent_months(park_today(), 6)
    return render_template("reports/park.html", park=park, figures=programme.parks[0],
                           series=series, pass_rates=services.pass_rates(park_id),
                           at_risk=services.at_risk_learners(park_id=park_id),
                           kinds=services.EXPORT_KINDS, months=months,
                           **_charts(programme, series))


@bp.route("/at-risk")
@roles_required(ADMIN, PARK_MANAGER)
def list_at_risk():
    """Every learner at risk in the actor's reach."""
    park_id = services.scope_park_id(current_user, request.args.get("park_id", type=int))
    return render_template("reports/at_risk.html",
                           rows=services.at_risk_learners(park_id=park_id))


@bp.route("/trainer")
@roles_required(TRAINER)
def show_trainer():
    """A trainer's cohorts: attendance, at-risk learners, grading queue."""
    return render_template("reports/trainer.html", rows=services.trainer_dashboard(current_user),
                           at_risk=services.at_risk_learners(trainer_id=current_user.id))


@bp.route("/me")
@roles_required(STUDENT, FACULTY)
def show_progress():
    """A learner's progress in one place: cohorts, attendance, grades, certificates."""
    return render_template("reports/progress.html", **services.learner_progress(current_user))


@bp.route("/parks/<slug>/export/<kind>.csv")
@roles_required(ADMIN, PARK_MANAGER)
def export_park(slug: str, kind: str):
    """One CSV of a park's monthly pack (learners, enrolments, attendance, results, certificates)."""
    park = get_park_by_slug(slug)
    services.scope_park_id(current_user, park.id)
    if kind not in services.EXPORT_KINDS:
        abort(404)
    month = _month_arg()
    header, rows = services.export_rows(kind, park.id, month)
    return csv_response(f"{park.slug}-{month}-{kind}.csv", header, rows)


@bp.route("/attendance-changes.csv")
@roles_required(ADMIN, PARK_MANAGER)
def export_attendance_changes():
    """The attendance change log from the audit trail, for auditors (?since=&until= dates)."""
    park_id = services.scope_park_id(current_user, request.args.get("park_id", type=int))
    until = _date_arg("until", park_today() + timedelta(days=1))
    since = _date_arg("since", until - timedelta(days=31))
    header, rows = services.attendance_changes(park_id, since, until)
    return csv_response(f"attendance-changes-{since}-{until}.csv", header, rows)


def _month_arg() -> str:
    month = request.args.get("month") or park_today().strftime("%Y-%m")
    try:
        services.month_bounds(month)
    except (ValueError, IndexError):
        raise ValidationFailed("month must look like 2026-11.", fields={"month": ["YYYY-MM"]}) \
            from None
    return month


def _date_arg(name: str, default: date) -> date:
    raw = request.args.get(name)
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed(f"{name} must be a date like 2026-11-27.",
                               fields={name: ["YYYY-MM-DD"]}) from None
