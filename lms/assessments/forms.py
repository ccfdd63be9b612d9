"""Assessment forms (field validation only; the services check the rules)."""

from datetime import UTC

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    FloatField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from lms.assessments.models import QUESTION_KINDS
from lms.core.timeutil import PARK_TZ, to_park

KIND_LABELS = {"single": "Single choice", "multiple": "Multiple choice",
               "true_false": "True / false", "short_text": "Short text",
               "numeric": "Numeric (with tolerance)", "essay": "Essay (graded by a trainer)",
               "file_upload": "File upload (graded by a trainer)"}
GRADING_LABELS = [("highest", "Highest attempt"), ("latest", "Latest attempt"),
                  ("average", "Average of attempts")]
REVIEW_LABELS = [("after_submit", "After submitting"), ("after_close", "After the close"),
                 ("never", "Never")]


def park_to_aware(value):
    """A naive park-time datetime from a form as an aware UTC instant."""
    return value.replace(tzinfo=PARK_TZ).astimezone(UTC) if value else None


def aware_to_park(value):
    """An aware instant as the naive park time a datetime-local input shows."""
    return to_park(value).replace(tzinfo=None) if value else None


class AssessmentForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    required = BooleanField("Required to complete the course", default=True)
    pass_percent = IntegerField("Pass mark (%)", default=50,
                                validators=[InputRequired(message="Give a pass mark."),
                                            NumberRange(min=0, max=100)])
    max_attempts = IntegerField("Attempts allowed", default=1,
                                validators=[InputRequired(), NumberRange(min=1, max=100)])
    grading = SelectField("Result from", choices=GRADING_LABELS, default="highest")
    time_limit_minutes = IntegerField("Time limit (minutes)", validators=[
        Optional(), NumberRange(min=1, max=1440)], description="Leave empty for no limit.")
    opens_at = DateTimeLocalField("Opens (park time)", validators=[Optional()],
                                  format="%Y-%m-%dT%H:%M")
    closes_at = DateTimeLocalField("Closes (park time)", validators=[Optional()],
                                   format="%Y-%m-%dT%H:%M")
    shuffle_questions = BooleanField("Shuffle the questions")
    shuffle_options = BooleanField("Shuffle the options of choice questions")
    draw_count = IntegerField("Draw this many questions per attempt", validators=[
        Optional(), NumberRange(min=1, max=500)],
        description="Leave empty to use every question of the pool.")
    review = SelectField("Learners see the answers", choices=REVIEW_LABELS,
                         default="after_submit")

    def data_for_service(self) -> dict:
        """The settings as the service takes them."""
        return {"title": self.title.data, "required": self.required.data,
                "pass_percent": self.pass_percent.data, "max_attempts": self.max_attempts.data,
                "grading": self.grading.data, "time_limit_minutes": self.time_limit_minutes.data,
                "opens_at": park_to_aware(self.opens_at.data),
                "closes_at": park_to_aware(self.closes_at.data),
                "shuffle_questions": self.shuffle_questions.data,
                "shuffle_options": self.shuffle_options.data,
                "draw_count": self.draw_count.data, "review": self.review.data}

    def fill_from(self, assessment) -> None:
        """Show an assessment's settings."""
        for name in ("title", "required", "pass_percent", "max_attempts", "grading",
                     "time_limit_minutes", "shuffle_questions", "shuffle_options", "draw_count",
                     "review"):
            getattr(self, name).data = getattr(assessment, name)
        self.opens_at.data = aware_to_park(assessment.opens_at)
        self.closes_at.data = aware_to_park(assessment.closes_at)


class QuestionForm(FlaskForm):
    kind = SelectField("Kind", choices=[(k, KIND_LABELS[k]) for k in QUESTION_KINDS])
    prompt = TextAreaField("Question", validators=[DataRequired(), Length(max=5000)])
    points = FloatField("Points", default=1, validators=[
        InputRequired(message="Give the points."), NumberRange(min=0, max=1000)])
    options = TextAreaField(
        "Options (choice questions)",
        description="One option per line; start each correct option with * "
                    "(exactly one for single choice).")
    accepted_answers = TextAreaField(
        "Accepted answers (short text)",
        description="One per line; case and spacing are ignored when comparing.")
    answer_tf = SelectField("The statement is (true / false)",
                            choices=[("", "—"), ("true", "True"), ("false", "False")],
                            validate_choice=False)
    answer_number = StringField("Answer (numeric)")
    tolerance = StringField("Tolerance (numeric)", description="Answers within ± this count.")
    upload_types = StringField("Allowed file types (file upload)",
                               description="Extensions separated by commas, like pdf, docx, zip; "
                                           "empty: any document, image or archive.")
    upload_max_mb = StringField("Largest file in MB (file upload)", default="20")
    upload_max_files = StringField("Files per learner (file upload)", default="3")
    feedback = TextAreaField("Feedback shown in review", validators=[Length(max=5000)])

    def data_for_service(self) -> tuple[dict, dict[str, list[str]]]:
        """The question as the service takes it, and errors of numbers that did not parse."""
        errors: dict[str, list[str]] = {}
        options = []
        for line in (self.options.data or "").splitlines():
            text = line.strip()
            if not text:
                continue
            correct = text.startswith("*")
            options.append({"text": text.lstrip("*").strip() or text, "correct": correct})

        def number(field):
            raw = (field.data or "").strip().replace(",", "")
            if not raw:
                return None
            try:
                return float(raw)
            except ValueError:
                errors[field.name] = ["Give a number, like 12.5."]
                return None

        kind = self.kind.data
        answer = None
        if kind == "true_false":
            answer = {"true": True, "false": False}.get(self.answer_tf.data)
        elif kind == "numeric":
            answer = number(self.answer_number)
        data = {"kind": kind, "prompt": self.prompt.data, "points": self.points.data,
                "options": options,
                "accepted_answers": [a for a in (self.accepted_answers.data or "").splitlines()],
                "answer": answer, "tolerance": number(self.tolerance),
                "feedback": self.feedback.data or None}
        if kind == "file_upload":
            data["upload_rules"] = {
                "types": [t.strip() for t in (self.upload_types.data or "").split(",")
                          if t.strip()],
                "max_mb": number(self.upload_max_mb), "max_files": number(self.upload_max_files)}
        return data, errors

    def fill_from(self, q) -> None:
        """Show a question."""
        self.kind.data, self.prompt.data, self.points.data = q.kind, q.prompt, q.points
        self.options.data = "\n".join(("*" if o.get("correct") else "") + o["text"]
                                      for o in q.options or [])
        self.accepted_answers.data = "\n".join(q.accepted_answers or [])
        if q.kind == "true_false":
            self.answer_tf.data = "true" if q.answer else "false"
        if q.kind == "numeric":
            self.answer_number.data = f"{q.answer:g}" if q.answer is not None else ""
            self.tolerance.data = f"{q.tolerance:g}" if q.tolerance is not None else ""
        self.feedback.data = q.feedback or ""
        if q.kind == "file_upload" and q.upload_rules:
            self.upload_types.data = ", ".join(q.upload_rules.get("types") or [])
            self.upload_max_mb.data = f"{q.upload_rules.get('max_mb', 20):g}"
            self.upload_max_files.data = str(q.upload_rules.get("max_files", 3))


class OverrideForm(FlaskForm):
    cohort_id = SelectField("Cohort", coerce=int)
    opens_at = DateTimeLocalField("Opens (park time)", validators=[Optional()],
                                  format="%Y-%m-%dT%H:%M")
    closes_at = DateTimeLocalField("Closes (park time)", validators=[Optional()],
                                   format="%Y-%m-%dT%H:%M",
                                   description="Leave both empty to remove the cohort's override.")


class PlainForm(FlaskForm):
    """A form with only its CSRF token (buttons, and pages that read request.form)."""
