"""Scheduling forms (field validation only; the rules live in services)."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    EmailField,
    IntegerField,
    SelectField,
    StringField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from lms.core.forms import CheckboxListField
from lms.scheduling.rules import DAY_LABELS, WEEKDAYS


def _int_or_none(value):
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


class CohortForm(FlaskForm):
    course_id = SelectField("Course", coerce=_int_or_none, validators=[DataRequired()])
    name = StringField("Cohort name", validators=[DataRequired(), Length(max=120)],
                       description="For example “Spring 2026 evening batch”.")
    trainer_id = SelectField("Trainer", coerce=_int_or_none, validators=[DataRequired()])
    room_id = SelectField("Room", coerce=_int_or_none, validators=[DataRequired()])
    capacity = IntegerField("Seats", validators=[InputRequired(), NumberRange(min=1, max=500)],
                            description="At most the room's seats.")
    start_date = DateField("First day", validators=[DataRequired()])
    end_date = DateField("Last day", validators=[DataRequired()],
                         description="Sessions on this day are included.")
    meeting_days = CheckboxListField("Meeting days",
                                     choices=[(d, DAY_LABELS[d]) for d in WEEKDAYS],
                                     validators=[DataRequired(message="Choose at least one day.")])
    start_time = TimeField("Starts at (park time)", validators=[DataRequired()])
    end_time = TimeField("Ends at (park time)", validators=[DataRequired()])
    enrol_opens_on = DateField("Enrolment opens on", validators=[Optional()])
    enrol_closes_on = DateField("Enrolment closes on", validators=[Optional()])
    reason = StringField("Why it starts in the past", validators=[Optional(), Length(max=500)],
                         description="Programme office only: a past run recorded from paper "
                                     "records (goes to the audit trail).")

    def data_for_service(self) -> dict:
        """The form's values as the service takes them."""
        keys = ("course_id", "name", "trainer_id", "room_id", "capacity", "start_date",
                "end_date", "meeting_days", "start_time", "end_time", "enrol_opens_on",
                "enrol_closes_on", "reason")
        return {k: getattr(self, k).data for k in keys if getattr(self, k, None) is not None}


class CohortEditForm(CohortForm):
    course_id = None
    reason = None


class StatusForm(FlaskForm):
    status = SelectField("New status", choices=[])


class MoveSessionForm(FlaskForm):
    day = DateField("Date", validators=[DataRequired()])
    start_time = TimeField("Starts at (park time)", validators=[DataRequired()])
    end_time = TimeField("Ends at (park time)", validators=[DataRequired()])
    room_id = SelectField("Room", coerce=_int_or_none, validators=[DataRequired()])


class CancelSessionForm(FlaskForm):
    reason = StringField("Reason", validators=[Optional(), Length(max=200)])


class EnrolByEmailForm(FlaskForm):
    email = EmailField("Learner's e-mail address",
                       validators=[DataRequired(), Length(max=254)])


class BulkEnrolForm(FlaskForm):
    file = FileField("CSV file", validators=[FileRequired()],
                     description="One column headed email, one learner per row (UTF-8).")


class ConfirmForm(FlaskForm):
    """An empty form that carries the CSRF token of a one-button action."""
