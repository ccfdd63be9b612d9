"""Marshmallow schemas of the assessments API, and the JSON shapes of its answers.

Learner shapes never carry answer keys or correctness (`correct`, `accepted_answers`, `answer`,
`tolerance`, `feedback`, per-answer points) until review is allowed.
"""

from marshmallow import EXCLUDE, Schema, fields, validate

from lms.assessments.models import (
    ASSESSMENT_STATUSES,
    GRADING_METHODS,
    QUESTION_KINDS,
    REVIEW_MODES,
)


class OptionInSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    id = fields.Integer(strict=True, load_default=None, allow_none=True)
    text = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    correct = fields.Boolean(load_default=False)


class QuestionInSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    kind = fields.String(required=True, validate=validate.OneOf(QUESTION_KINDS))
    prompt = fields.String(required=True, validate=validate.Length(min=1, max=5000))
    points = fields.Float(load_default=1.0, allow_nan=False)
    options = fields.List(fields.Nested(OptionInSchema), load_default=list)
    accepted_answers = fields.List(fields.String(), load_default=list)
    answer = fields.Raw(load_default=None, allow_none=True)
    tolerance = fields.Float(load_default=None, allow_none=True, allow_nan=False)
    feedback = fields.String(load_default=None, allow_none=True)
    upload_rules = fields.Dict(load_default=None, allow_none=True, metadata={
        "description": "file_upload: {types: [extensions], max_mb: 1-100, max_files: 1-10}"})


class AssessmentInSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    required = fields.Boolean(load_default=True)
    pass_percent = fields.Integer(strict=True, load_default=50,
                                  validate=validate.Range(min=0, max=100))
    max_attempts = fields.Integer(strict=True, load_default=1,
                                  validate=validate.Range(min=1, max=100))
    grading = fields.String(load_default="highest", validate=validate.OneOf(GRADING_METHODS))
    time_limit_minutes = fields.Integer(strict=True, load_default=None, allow_none=True,
                                        validate=validate.Range(min=1, max=1440))
    opens_at = fields.AwareDateTime(load_default=None, allow_none=True)
    closes_at = fields.AwareDateTime(load_default=None, allow_none=True)
    shuffle_questions = fields.Boolean(load_default=False)
    shuffle_options = fields.Boolean(load_default=False)
    draw_count = fields.Integer(strict=True, load_default=None, allow_none=True,
                                validate=validate.Range(min=1, max=500))
    review = fields.String(load_default="after_submit", validate=validate.OneOf(REVIEW_MODES))
    questions = fields.List(fields.Nested(QuestionInSchema), load_default=list)
    status = fields.String(load_default="published",
                           validate=validate.OneOf(ASSESSMENT_STATUSES),
                           metadata={"description": "draft: invisible to learners until "
                                                    "POST /assessments/{id}/publish"})


class AnswerInSchema(Schema):
    class Meta:
        unknown = EXCLUDE  # points, correct, score sent by a client are dropped here

    question_id = fields.Integer(strict=True, required=True)
    response = fields.Raw(required=True, allow_none=True)


class AnswersInSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    answers = fields.List(fields.Nested(AnswerInSchema), required=True,
                          validate=validate.Length(max=500))


class GradeInSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    question_id = fields.Integer(strict=True, required=True)
    points = fields.Float(required=True, allow_nan=False)
    comment = fields.String(load_default=None, allow_none=True,
                            validate=validate.Length(max=5000))


class GradesInSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    grades = fields.List(fields.Nested(GradeInSchema), required=True,
                         validate=validate.Length(min=1, max=200))


class ListQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


# output schemas ------------------------------------------------------------------------------------
# They document (OpenAPI) and dump exactly the dicts the builders below produce: every key, no more.
# Times are already ISO 8601 strings (so String, not DateTime), numbers pass through unchanged, and
# a key a builder only sometimes emits is not `required` (dump leaves an absent key absent).
class _Number(fields.Float):
    """A JSON number dumped as it is (no float() re-formatting of the builders' values)."""

    def _serialize(self, value, attr, obj, **kwargs):
        return value


def _when(**kw):
    """An ISO 8601 time as the builders write it (a string), or null."""
    return fields.String(allow_none=True, metadata={"description": "ISO 8601 time"}, **kw)


class OptionLearnerSchema(Schema):
    """An option as a learner sees it while answering."""

    id = fields.Integer(required=True)
    text = fields.String(required=True)


class OptionFullSchema(OptionLearnerSchema):
    """An option with its key."""

    correct = fields.Boolean(required=True)


class QuestionLearnerSchema(Schema):
    """A question as a learner sees it while answering: no key, options in the attempt's order."""

    id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(QUESTION_KINDS))
    prompt = fields.String(required=True)
    points = _Number(required=True)
    options = fields.List(fields.Nested(OptionLearnerSchema), required=True)
    upload_rules = fields.Dict(allow_none=True, metadata={
        "description": "file_upload questions: allowed types, max_mb, max_files"})


class QuestionFullSchema(QuestionLearnerSchema):
    """A question with its answer key (staff, or a learner in review)."""

    position = fields.Integer(required=True)
    options = fields.List(fields.Nested(OptionFullSchema), required=True)
    accepted_answers = fields.List(fields.String(), required=True)
    answer = fields.Raw(required=True, allow_none=True,
                        metadata={"description": "true_false: a boolean; numeric: a number"})
    tolerance = _Number(required=True, allow_none=True)
    feedback = fields.String(required=True, allow_none=True)


class AttemptOptionSchema(OptionLearnerSchema):
    """An option inside an attempt: `correct` only when the attempt shows the key."""

    correct = fields.Boolean()


class AttemptQuestionSchema(QuestionLearnerSchema):
    """A question inside an attempt: the key fields only when the attempt shows the key."""

    position = fields.Integer()
    options = fields.List(fields.Nested(AttemptOptionSchema), required=True)
    accepted_answers = fields.List(fields.String())
    answer = fields.Raw(allow_none=True)
    tolerance = _Number(allow_none=True)
    feedback = fields.String(allow_none=True)


class AssessmentSettingsSchema(Schema):
    """An assessment's settings (an item of the course's list)."""

    id = fields.Integer(required=True)
    course_id = fields.Integer(required=True)
    title = fields.String(required=True)
    required = fields.Boolean(required=True)
    pass_percent = fields.Integer(required=True)
    max_attempts = fields.Integer(required=True)
    grading = fields.String(required=True, validate=validate.OneOf(GRADING_METHODS))
    time_limit_minutes = fields.Integer(required=True, allow_none=True)
    opens_at = _when(required=True)
    closes_at = _when(required=True)
    shuffle_questions = fields.Boolean(required=True)
    shuffle_options = fields.Boolean(required=True)
    draw_count = fields.Integer(required=True, allow_none=True)
    review = fields.String(required=True, validate=validate.OneOf(REVIEW_MODES))
    status = fields.String(required=True, validate=validate.OneOf(ASSESSMENT_STATUSES))


class AssessmentFullSchema(AssessmentSettingsSchema):
    """An assessment for its staff: settings and every question with its key."""

    questions = fields.List(fields.Nested(QuestionFullSchema), required=True)


class AssessmentPageSchema(Schema):
    """A page of a course's assessments (settings only)."""

    items = fields.List(fields.Nested(AssessmentSettingsSchema), required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)


class AttemptSummarySchema(Schema):
    """An attempt's totals, without per-question detail."""

    id = fields.Integer(required=True)
    number = fields.Integer(required=True)
    status = fields.String(required=True)
    started_at = _when(required=True)
    deadline_at = _when(required=True)
    submitted_at = _when(required=True)
    score = _Number(required=True, allow_none=True)
    max_score = _Number(required=True, allow_none=True)
    percent = _Number(required=True, allow_none=True)
    passed = fields.Boolean(required=True, allow_none=True)


class AssessmentResultSchema(Schema):
    """A learner's result in an assessment, by its grading method."""

    percent = _Number(required=True, allow_none=True)
    passed = fields.Boolean(required=True)
    status = fields.String(required=True)


class AssessmentSchema(AssessmentSettingsSchema):
    """An assessment: staff get `questions` (with keys); an enrolled learner gets, instead,
    their window (opens_at/closes_at are theirs), question_count, attempts and result."""

    questions = fields.List(fields.Nested(QuestionFullSchema))
    question_count = fields.Integer()
    window = fields.String()
    attempts = fields.List(fields.Nested(AttemptSummarySchema))
    attempts_left = fields.Integer()
    result = fields.Nested(AssessmentResultSchema)


class AttemptStartedSchema(Schema):
    """A started attempt and its questions (no keys)."""

    id = fields.Integer(required=True)
    number = fields.Integer(required=True)
    status = fields.String(required=True)
    started_at = _when(required=True)
    deadline_at = _when(required=True)
    questions = fields.List(fields.Nested(QuestionLearnerSchema), required=True)


class AnswersSavedSchema(Schema):
    """How many answers were saved, and the attempt's deadline."""

    id = fields.Integer(required=True)
    saved = fields.Integer(required=True)
    deadline_at = _when(required=True)


class SubmitResultSchema(Schema):
    """The body of a submit or a grading: status, score, max_score, percent, passed."""

    id = fields.Integer(required=True)
    status = fields.String(required=True)
    score = _Number(required=True, allow_none=True)
    max_score = _Number(required=True, allow_none=True)
    percent = _Number(required=True, allow_none=True)
    passed = fields.Boolean(required=True, allow_none=True)


class AttemptAnswerSchema(Schema):
    """A saved answer: points and comment only with the key or once a trainer graded it."""

    question_id = fields.Integer(required=True)
    response = fields.Raw(required=True, allow_none=True)
    points = _Number(allow_none=True)
    comment = fields.String(allow_none=True)


class AttemptSchema(AttemptSummarySchema):
    """An attempt: its questions and answers; keys, points and comments only when `review`."""

    assessment_id = fields.Integer(required=True)
    user_id = fields.Integer(required=True)
    review = fields.Boolean(required=True)
    questions = fields.List(fields.Nested(AttemptQuestionSchema), required=True)
    answers = fields.List(fields.Nested(AttemptAnswerSchema), required=True)


# output shapes --------------------------------------------------------------------------------------
def _iso(value):
    return value.isoformat() if value is not None else None


def question_full(q, options: list[dict] | None = None) -> dict:
    """A question with its answer key (staff, or a learner in review); `options` inside an
    attempt (its order and ids), else the question's own."""
    return {"id": q.id, "position": q.position, "kind": q.kind, "prompt": q.prompt,
            "points": q.points,
            "options": [{"id": o["id"], "text": o["text"], "correct": bool(o.get("correct"))}
                        for o in (q.options or [] if options is None else options)],
            "accepted_answers": list(q.accepted_answers or []), "answer": q.answer,
            "tolerance": q.tolerance, "feedback": q.feedback, "upload_rules": q.upload_rules}


def question_learner(q, options: list[dict]) -> dict:
    """A question as a learner sees it while answering: no key, options in the attempt's order."""
    body = {"id": q.id, "kind": q.kind, "prompt": q.prompt, "points": q.points,
            "options": [{"id": o["id"], "text": o["text"]} for o in options]}
    if q.kind == "file_upload":
        body["upload_rules"] = q.upload_rules
    return body


def _settings(a) -> dict:
    return {"id": a.id, "course_id": a.course_id, "title": a.title, "required": a.required,
            "pass_percent": a.pass_percent, "max_attempts": a.max_attempts,
            "grading": a.grading, "time_limit_minutes": a.time_limit_minutes,
            "opens_at": _iso(a.opens_at), "closes_at": _iso(a.closes_at),
            "shuffle_questions": a.shuffle_questions, "shuffle_options": a.shuffle_options,
            "draw_count": a.draw_count, "review": a.review, "status": a.status}


def assessment_full(a) -> dict:
    """An assessment for its staff: settings and every question with its key."""
    body = _settings(a)
    body["questions"] = [question_full(q) for q in a.questions]
    return body


def result_body(r) -> dict:
    """An AssessmentResult as JSON."""
    return {"percent": r.percent, "passed": r.passed, "status": r.status}


def attempt_summary(t) -> dict:
    """An attempt's totals, without per-question detail."""
    return {"id": t.id, "number": t.number, "status": t.status,
            "started_at": _iso(t.started_at), "deadline_at": _iso(t.deadline_at),
            "submitted_at": _iso(t.submitted_at), "score": t.score, "max_score": t.max_score,
            "percent": t.percent, "passed": t.passed}


def assessment_learner(a, state: dict) -> dict:
    """An assessment for an enrolled learner: settings (their window), their attempts, no keys.

    The questions themselves are only handed out inside an attempt.
    """
    body = _settings(a)
    body["opens_at"], body["closes_at"] = _iso(state["opens_at"]), _iso(state["closes_at"])
    body["question_count"] = min(a.draw_count or len(a.questions), len(a.questions))
    body["window"] = state["window"]
    body["attempts"] = [attempt_summary(t) for t in state["attempts"]]
    body["attempts_left"] = state["attempts_left"]
    body["result"] = result_body(state["result"])
    return body


def submit_result(t) -> dict:
    """The body of a submit: status, score, max_score, percent, passed."""
    return {"id": t.id, "status": t.status, "score": t.score, "max_score": t.max_score,
            "percent": t.percent, "passed": t.passed}


def attempt_body(t, questions: list, options_of, *, with_key: bool, response_of=None) -> dict:
    """An attempt: its questions and answers; points, comments and keys only `with_key`.
    `options_of(q)` and `response_of(q, response)` give options and responses as the attempt
    shows them (its order and option ids)."""
    body = attempt_summary(t)
    body.update({"assessment_id": t.assessment_id, "user_id": t.user_id, "review": with_key})
    body["questions"] = [question_full(q, options_of(q)) if with_key
                         else question_learner(q, options_of(q)) for q in questions]
    by_id = {q.id: q for q in questions}
    answers = []
    for a in sorted(t.answers, key=lambda a: a.question_id):
        response = a.response
        if response_of is not None and a.question_id in by_id:
            response = response_of(by_id[a.question_id], response)
        item = {"question_id": a.question_id, "response": response}
        if with_key or a.graded_at is not None:  # a trainer's essay mark is no answer key
            item.update({"points": a.points, "comment": a.comment})
        answers.append(item)
    body["answers"] = answers
    return body
