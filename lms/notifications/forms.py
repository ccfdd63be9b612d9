"""Notification forms (field validation only)."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField
from wtforms.validators import DataRequired, Length

from lms.accounts.forms import SetPasswordForm


class PreferencesForm(FlaskForm):
    reminders = BooleanField("Session reminders the day before")
    at_risk = BooleanField("Warnings when my attendance (or a learner's) is at risk")
    digest = BooleanField("The weekly digest (park managers and the programme office)")


class ForgotPasswordForm(FlaskForm):
    email = EmailField("E-mail address", validators=[DataRequired(), Length(max=254)])


class ResetPasswordForm(SetPasswordForm):
    """The new password, typed twice (as when setting it the first time)."""
