"""Account pages: login, logout, home, passwords, user administration, CSV import."""

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user

from lms.accounts import auth, services  # noqa: F401  (auth registers the loaders)
from lms.accounts.forms import (
    ChangePasswordForm,
    ConfirmForm,
    ImportForm,
    LoginForm,
    SetPasswordForm,
    UserForm,
)
from lms.core.csvutil import decode_upload
from lms.core.errors import DomainError, Throttled, Unauthorized
from lms.core.forms import apply_errors
from lms.core.pagination import page_args, paginate
from lms.core.permissions import ADMIN, PARK_MANAGER, ROLE_LABELS, roles_required
from lms.core.security import is_safe_next
from lms.core.urls import public_url
from lms.extensions import db
from lms.parks.models import Park

bp = Blueprint("accounts", __name__)
MANAGERS = (ADMIN, PARK_MANAGER)
DEVICE_COOKIE = "lms_device"  # signed ids of the accounts that logged in on this browser
NAV = [("accounts.home", "Home", None), ("accounts.list_users", "Users", MANAGERS)]


@bp.route("/")
def home():
    """The home page of the logged-in user's role; visitors see what the programme is."""
    if not current_user.is_authenticated:
        from lms.parks.services import all_parks

        return render_template("accounts/landing.html", parks=all_parks())
    from lms.accounts.home import home_context

    # the user object itself, not the proxy: the panels and templates read it many times
    return render_template("accounts/home.html",
                           **home_context(current_user._get_current_object()))


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in; the session is renewed and `next` only ever leads on-site."""
    form = LoginForm(next=request.args.get("next", ""))
    status = 200
    if form.validate_on_submit():
        device = request.cookies.get(DEVICE_COOKIE)
        try:
            user = services.authenticate(form.email.data, form.password.data,
                                         request.remote_addr or "-",
                                         frozenset(services.known_device_users(device)))
        except Throttled as exc:
            form.email.errors.append(exc.message)
            status = 429
        except Unauthorized as exc:  # the failure is already recorded and counted
            form.password.errors.append(exc.message)
            status = 401
        else:
            services.prune_login_failures()
            db.session.commit()
            session.clear()  # a fresh session: no fixation
            login_user(user, remember=form.remember.data,
                       duration=current_app.config["REMEMBER_COOKIE_DURATION"])
            target = form.next.data
            resp = redirect(target if is_safe_next(target) else url_for("accounts.home"))
            resp.set_cookie(DEVICE_COOKIE, services.device_cookie(device, user),
                            max_age=current_app.config["LOGIN_KNOWN_PLACE_DAYS"] * 86400,
                            httponly=True, samesite="Lax",
                            secure=current_app.config["SESSION_COOKIE_SECURE"])
            return resp
    return render_template("accounts/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Log out everywhere: copied session and remember-me cookies stop working."""
    current_user.bump_session()
    db.session.commit()
    logout_user()
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("accounts.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's own password (other sessions and API tokens end)."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            services.change_password(user, form.current_password.data, form.new_password.data)
        except DomainError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            login_user(user)  # this session goes on with the new version
            flash("Your password was changed; other devices are logged out.", "success")
            return redirect(url_for("accounts.home"))
    return render_template("accounts/password.html", form=form)


@bp.route("/set-password/<token>", methods=["GET", "POST"])
def set_password(token: str):
    """Choose a password through a one-time link from staff."""
    user = services.user_for_set_password(token)
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            services.set_password_with_token(token, form.password.data)
        except DomainError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash("Your password is set. Log in with it now.", "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/set_password.html", form=form, user=user), (
        422 if form.is_submitted() else 200)


# --- user administration ----------------------------------------------------------------------

def _user_form(actor, obj=None) -> UserForm:
    form = UserForm(obj=obj)
    parks = db.session.scalars(sa.select(Park).order_by(Park.name)).all()
    if actor.role == PARK_MANAGER:
        parks = [p for p in parks if p.id == actor.park_id]
        form.role.choices = [(r, ROLE_LABELS[r]) for r in ("trainer", "student", "faculty")]
    form.park_id.choices = [("", "(none)")] + [(p.id, p.name) for p in parks]
    return form


def _form_data(form: UserForm) -> dict:
    return {"email": form.email.data, "full_name": form.full_name.data, "role": form.role.data,
            "park_id": form.park_id.data, "institution": form.institution.data,
            "cnic": form.cnic.data}


@bp.route("/users")
@roles_required(*MANAGERS)
def list_users():
    """Users the admin or park manager may manage, filtered and paginated."""
    page, per_page = page_args(50)
    role = request.args.get("role") or None
    q = request.args.get("q") or None
    park_id = request.args.get("park_id", type=int)
    stmt = services.list_users_query(current_user, role=role, park_id=park_id, q=q)
    result = paginate(stmt, page, per_page)
    parks = db.session.scalars(sa.select(Park).order_by(Park.name)).all()
    return render_template("accounts/users.html", page=result, role=role, q=q or "",
                           park_id=park_id, parks=parks, roles=ROLE_LABELS)


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def new_user():
    """Create a user, who then gets a set-password link to pass on."""
    form = _user_form(current_user)
    if form.validate_on_submit():
        try:
            user = services.create_user(current_user, _form_data(form))
        except DomainError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash(f"{user.full_name} was created. Pass on the set-password link below.", "success")
            return redirect(url_for("accounts.show_user", user_id=user.id))
    return render_template("accounts/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>")
@roles_required(*MANAGERS)
def show_user(user_id: int):
    """A user's details with a fresh set-password link for staff to copy."""
    user = services.get_user(user_id, current_user)
    link = None
    if user.can_manage(current_user) and user.active:
        link = public_url("accounts.set_password", token=services.set_password_token(user))
    return render_template("accounts/user.html", user=user, link=link, form=ConfirmForm())


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def edit_user(user_id: int):
    """Edit a user the actor manages."""
    user = services.get_user(user_id, current_user)
    if not user.can_manage(current_user):
        abort(403)
    form = _user_form(current_user, obj=user)
    if form.validate_on_submit():
        try:
            services.update_user(current_user, user, _form_data(form))
        except DomainError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            db.session.commit()
            flash("Saved.", "success")
            return redirect(url_for("accounts.show_user", user_id=user.id))
    return render_template("accounts/user_form.html", form=form, user=user)


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@roles_required(*MANAGERS)
def toggle_active(user_id: int):
    """Deactivate (logging them out everywhere) or reactivate a user."""
    user = services.get_user(user_id, current_user)
    form = ConfirmForm()
    if form.validate_on_submit():
        services.set_active(current_user, user, not user.active)
        db.session.commit()
        flash(f"{user.full_name} is now {'active' if user.active else 'deactivated'}.", "success")
    return redirect(url_for("accounts.show_user", user_id=user.id))


@bp.route("/users/import", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def import_users():
    """Import users from CSV: a dry run lists every bad row; a real run is all or nothing."""
    form = ImportForm()
    result = None
    if form.validate_on_submit():
        try:
            text = decode_upload(form.file.data.read())
            result = services.import_users(current_user, text, dry_run=form.dry_run.data)
        except DomainError as exc:
            db.session.rollback()
            apply_errors(form, exc)
        else:
            if result.errors or form.dry_run.data:
                db.session.rollback()
            else:
                db.session.commit()
                flash(f"Imported: {result.created} created, {result.updated} updated, "
                      f"{result.unchanged} unchanged.", "success")
    return render_template("accounts/import.html", form=form, result=result)
