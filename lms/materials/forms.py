"""Forms of the materials pages (field validation only; the services check the rules)."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

STATUS_CHOICES = [("published", "Published (learners see it)"), ("draft", "Draft (only you)")]


class MaterialForm(FlaskForm):
    """A file or a link, with where it goes (the course, a module or a session)."""

    kind = SelectField("Kind", choices=[("file", "File"), ("link", "Link")], default="file")
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    description = TextAreaField("Short description", validators=[Optional(), Length(max=1000)])
    place = SelectField("Attach to", choices=[("", "The whole course")], default="",
                        validate_choice=False)
    status = SelectField("Status", choices=STATUS_CHOICES, default="published")
    file = FileField("File")
    url = StringField("Web address (for a link)", validators=[Optional(), Length(max=2000)])


class StatusForm(FlaskForm):
    """Publish or take back a material."""

    status = SelectField("Status", choices=STATUS_CHOICES)


class ConfirmForm(FlaskForm):
    """A button with its CSRF token."""


class UploadForm(FlaskForm):
    """A file handed in for a file_upload question."""

    question_id = StringField("Question", validators=[DataRequired()])
    file = FileField("File")
