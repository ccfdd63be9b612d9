"""Account forms (field validation only; the rules live in services)."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from lms.accounts.rules import MIN_PASSWORD
from lms.core.permissions import ROLE_LABELS


class LoginForm(FlaskForm):
    email = EmailField("E-mail address", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    remember = BooleanField("Keep me logged in on this device (30 days)")
    next = HiddenField()


class SetPasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired(), Length(min=MIN_PASSWORD, max=200)],
                             description=f"At least {MIN_PASSWORD} characters.")
    confirm = PasswordField("New password again", validators=[
        DataRequired(), EqualTo("password", message="The two passwords differ: type them again.")])


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired()])
    new_password = PasswordField("New password", validators=[DataRequired(), Length(min=MIN_PASSWORD, max=200)],
                                 description=f"At least {MIN_PASSWORD} characters.")


class UserForm(FlaskForm):
    email = EmailField("E-mail address", validators=[DataRequired(), Length(max=254)])
    full_name = StringField("Full name", validators=[DataRequired(), Length(max=200)])
    role = SelectField("Role", choices=list(ROLE_LABELS.items()))
    park_id = SelectField("Home park", coerce=lambda v: int(v) if v else None,
                          validators=[Optional()])
    institution = StringField("Institution", validators=[Optional(), Length(max=200)])
    cnic = StringField("CNIC (optional)", validators=[Optional(), Length(max=15)],
                       description="00000-0000000-0; seen by staff only.")


class ImportForm(FlaskForm):
    file = FileField("CSV file", validators=[FileRequired()],
                     description="Columns: email,full_name,role,track,park,institution (UTF-8).")
    dry_run = BooleanField("Dry run: check every row, change nothing", default=True)


class ConfirmForm(FlaskForm):
    """An empty form that carries the CSRF token of a one-button action."""
