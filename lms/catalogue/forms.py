"""Catalogue forms (field validation only; the rules live in rules.py and services.py)."""

from flask_wtf import FlaskForm
from wtforms import (
    FieldList,
    FloatField,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from lms.catalogue.rules import AUDIENCES, COURSE_TRACKS, LEVELS

TRACK_LABELS = {"student": "Student track", "faculty": "Faculty track", "both": "Both tracks"}
BLANK_MODULE_ROWS = 3


class ModuleRowForm(Form):
    """One row of the outline; a row with an empty title is dropped."""

    id = HiddenField()
    position = IntegerField("Order", validators=[Optional(), NumberRange(min=1, max=999)])
    title = StringField("Module title", validators=[Optional(), Length(max=200)])
    hours = FloatField("Hours", validators=[Optional(), NumberRange(min=0, max=500)])
    description = TextAreaField("Description (Markdown)", validators=[Optional(), Length(max=20000)])


class CourseForm(FlaskForm):
    code = StringField("Course code", validators=[DataRequired(), Length(max=20)],
                       description="2 to 5 capital letters, a dash and 3 digits, e.g. CLD-201.")
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    summary = TextAreaField("Summary (Markdown)", validators=[Optional(), Length(max=20000)],
                            description="Markdown: **bold**, *italic*, lists, links. No HTML.")
    track = SelectField("Track", choices=[(t, TRACK_LABELS[t]) for t in COURSE_TRACKS])
    level = SelectField("Level", choices=[(lv, lv.title()) for lv in LEVELS])
    duration_hours = IntegerField("Duration (hours)",
                                  validators=[InputRequired(), NumberRange(min=1, max=2000)])
    min_attendance_percent = IntegerField(
        "Minimum attendance (%)", default=75,
        validators=[InputRequired(message="A percentage from 0 to 100."),
                    NumberRange(min=0, max=100)])
    skills = StringField("Skills", validators=[Optional(), Length(max=2000)],
                         description="Comma-separated, e.g. aws, docker, linux.")
    industry_partners = StringField("Recommending industry partners",
                                    validators=[Optional(), Length(max=2000)],
                                    description="Comma-separated, e.g. Systems Ltd, NetSol.")
    prerequisite_ids = SelectMultipleField("Prerequisites", coerce=int, validators=[Optional()],
                                           description="Courses a learner must complete first.")
    modules = FieldList(FormField(ModuleRowForm), min_entries=BLANK_MODULE_ROWS)


class TrackForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    audience = SelectField("Audience", choices=[(a, a.title()) for a in AUDIENCES])
    description = TextAreaField("Description (Markdown)", validators=[Optional(), Length(max=20000)])
    course_ids = TextAreaField("Courses, in order", validators=[DataRequired()],
                               description="One course code per line, in the order to take them.")


class ConfirmForm(FlaskForm):
    """An empty form carrying the CSRF token of a one-button action."""
