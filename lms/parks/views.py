"""Park pages: the parks, a park with its rooms, targets, holidays."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from lms.core.errors import DomainError
from lms.core.forms import apply_errors
from lms.core.permissions import ADMIN, PARK_MANAGER, roles_required
from lms.extensions import db
from lms.parks import services
from lms.parks.forms import HolidayForm, RoomForm, TargetsForm

bp = Blueprint("parks", __name__)
MANAGERS = (ADMIN, PARK_MANAGER)
NAV = [("parks.list_parks", "Parks", MANAGERS), ("parks.list_holidays", "Holidays", (ADMIN,))]


@bp.route("/parks")
@roles_required(*MANAGERS)
def list_parks():
    """The twelve parks with their targets."""
    return render_template("parks/parks.html", parks=services.all_parks())


@bp.route("/parks/<slug>", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def show_park(slug: str):
    """A park: its rooms (with a form to add one) and targets."""
    park = services.get_park_by_slug(slug)
    if not park.can_manage(current_user):
        abort(403)
    form = RoomForm()
    if form.validate_on_submit():
        try:
            room = services.add_room(current_user, park, form.name.data, form.capacity.data)
        except DomainError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(f"Room {room.name} added.", "success")
            return redirect(url_for("parks.show_park", slug=park.slug))
    targets = TargetsForm(obj=park) if current_user.is_admin else None
    return render_template("parks/park.html", park=park, form=form, targets=targets)


@bp.route("/parks/<slug>/targets", methods=["POST"])
@roles_required(ADMIN)
def update_targets(slug: str):
    """Admins change a park's targets."""
    park = services.get_park_by_slug(slug)
    form = TargetsForm()
    if form.validate_on_submit():
        services.update_targets(current_user, park, form.student_target.data,
                                form.faculty_target.data)
        db.session.commit()
        flash("Targets saved.", "success")
    else:
        flash("Targets must be whole numbers from 0 to 100,000.", "error")
    return redirect(url_for("parks.show_park", slug=park.slug))


@bp.route("/holidays", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def list_holidays():
    """Holidays in reach, with a form to add one."""
    form = HolidayForm()
    parks = services.all_parks()
    if current_user.role == PARK_MANAGER:
        parks = [p for p in parks if p.id == current_user.park_id]
        form.park_id.choices = [(p.id, p.name) for p in parks]
    else:
        form.park_id.choices = [("", "Whole programme")] + [(p.id, p.name) for p in parks]
    if form.validate_on_submit():
        try:
            holiday = services.add_holiday(current_user, form.day.data, form.name.data,
                                           form.park_id.data)
        except DomainError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(f"Holiday {holiday.name} on {holiday.day:%d %b %Y} added.", "success")
            for note in holiday.effects:
                flash(note, "info")
            return redirect(url_for("parks.list_holidays"))
    holidays = db.session.scalars(services.holidays_query(current_user)).all()
    return render_template("parks/holidays.html", form=form, holidays=holidays)
