"""Attendance forms (field validation only; the rules live in the services)."""

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp


class RegisterForm(FlaskForm):
    """The register's reason; the statuses come as radio groups named status-<user id>."""

    reason = TextAreaField("Reason for the change", validators=[Optional(), Length(max=1000)],
                           description="Needed more than 7 days after the session.")


class CheckInForm(FlaskForm):
    code = StringField("Code on the screen", validators=[
        DataRequired(message="Enter the six-digit code."),
        Regexp(r"^\s*\d{3}\s?\d{3}\s*$", message="The code is six digits.")],
        render_kw={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": 7})


class ExcuseForm(FlaskForm):
    reason = TextAreaField("Why you cannot attend (or could not)", validators=[
        DataRequired(message="Give a reason."), Length(max=1000)])


class DecisionForm(FlaskForm):
    note = TextAreaField("Note (optional; needed more than 7 days after the session)",
                         validators=[Optional(), Length(max=1000)])
