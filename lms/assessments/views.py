"""HTML pages of the assessments feature: authoring, taking, results, grading, gradebook."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from lms.assessments import rules, services
from lms.assessments.forms import (
    KIND_LABELS,
    AssessmentForm,
    OverrideForm,
    PlainForm,
    QuestionForm,
    park_to_aware,
)
from lms.core.csvutil import csv_response
from lms.core.db import commit_if_written
from lms.core.errors import Conflict, DomainError, ValidationFailed
from lms.core.forms import apply_errors, perform
from lms.core.permissions import (
    ADMIN,
    FACULTY,
    LEARNER_ROLES,
    PARK_MANAGER,
    STAFF_ROLES,
    STUDENT,
    TRAINER,
    roles_required,
)
from lms.core.timeutil import utcnow
from lms.extensions import db

bp = Blueprint("assessments", __name__)
NAV = [("assessments.grading_queue", "Grading", (TRAINER,)),
       ("assessments.my_grades", "My grades", LEARNER_ROLES)]
# assessments are reached from their course


def _course_staff_or_403(course):
    if not services.is_course_staff(current_user, course):
        abort(403)


# staff: lists and authoring ------------------------------------------------------------------------
@bp.route("/assessments")
@roles_required(*STAFF_ROLES)
def index():
    """Courses the user manages or teaches, and the gradebooks of their cohorts."""
    return render_template("assessments/index.html",
                           courses=services.staff_courses(current_user),
                           cohorts=services.staff_cohorts(current_user))


@bp.route("/courses/<int:course_id>/assessments")
@roles_required(*STAFF_ROLES)
def course_assessments(course_id: int):
    """A course's assessments, for its staff."""
    course = services.get_course(course_id)
    _course_staff_or_403(course)
    return render_template("assessments/course.html", course=course,
                           assessments=services.course_assessments(course.id),
                           can_manage=course.can_manage(current_user),
                           cohorts=services.course_cohorts(course.id))


@bp.route("/courses/<int:course_id>/assessments/new", methods=["GET", "POST"])
@roles_required(TRAINER, ADMIN)
def new_assessment(course_id: int):
    """Create an assessment on a course one manages."""
    course = services.get_course(course_id)
    if not course.can_manage(current_user):
        abort(403)
    form = AssessmentForm()
    status = 200
    if form.validate_on_submit():
        try:
            assessment = services.create_assessment(
                current_user, course, {**form.data_for_service(), "status": "draft"})
        except DomainError as exc:
            db.session.rollback()
            apply_errors(form, exc)
            status = 422
        else:
            db.session.commit()
            flash("Assessment created as a draft; now add its questions, then publish it.",
                  "success")
            return redirect(url_for("assessments.show_assessment", assessment_id=assessment.id))
    elif form.is_submitted():
        status = 422
    return render_template("assessments/form.html", form=form, course=course,
                           assessment=None), status


@bp.route("/assessments/<int:assessment_id>")
@roles_required()
def show_assessment(assessment_id: int):
    """Staff: settings, questions with keys, overrides. Learners: their attempts and a start button."""
    assessment = services.get_assessment(assessment_id)
    if services.is_course_staff(current_user, assessment.course):
        override_form = OverrideForm()
        override_form.cohort_id.choices = [(c.id, c.name) for c in
                                           services.course_cohorts(assessment.course_id)]
        return render_template("assessments/assessment.html", assessment=assessment,
                               can_manage=assessment.can_manage(current_user),
                               overrides=services.overrides_of(assessment),
                               override_form=override_form, kinds=KIND_LABELS,
                               button=PlainForm())
    if not current_user.is_learner:
        abort(403)
    state = services.learner_state(current_user, assessment)  # 404 unless enrolled
    commit_if_written()  # overdue attempts finalised
    return render_template("assessments/assessment_learner.html", assessment=assessment,
                           state=state, button=PlainForm())


@bp.route("/assessments/<int:assessment_id>/publish", methods=["POST"])
@roles_required(TRAINER, ADMIN)
def publish_assessment(assessment_id: int):
    """A draft becomes visible to learners."""
    assessment = services.get_assessment(assessment_id)
    if not assessment.can_manage(current_user):
        abort(403)
    if not PlainForm().validate_on_submit():
        abort(400)
    perform(lambda: services.publish_assessment(current_user, assessment),
            "Assessment published: learners of its cohorts see it now.")
    return redirect(url_for("assessments.show_assessment", assessment_id=assessment.id))


@bp.route("/assessments/<int:assessment_id>/edit", methods=["GET", "POST"])
@roles_required(TRAINER, ADMIN)
def edit_assessment(assessment_id: int):
    """Change an assessment's settings."""
    assessment = services.get_assessment(assessment_id)
    if not assessment.can_manage(current_user):
        abort(403)
    form = AssessmentForm()
    status = 200
    if request.method == "GET":
        form.fill_from(assessment)
    elif form.validate_on_submit():
        try:
            services.update_assessment(current_user, assessment, form.data_for_service())
        except DomainError as exc:
            db.session.rollback()
            apply_errors(form, exc)
            status = 422
        else:
            db.session.commit()
            flash("Settings saved.", "success")
            return redirect(url_for("assessments.show_assessment", assessment_id=assessment.id))
    else:
        status = 422
    return render_template("assessments/form.html", form=form, course=assessment.course,
                           assessment=assessment), status


def _question_errors(form: QuestionForm, exc: DomainError) -> None:
    """Place the service's question errors on the form's fields."""
    fields = dict(exc.fields)
    if "answer" in fields:
        target = "answer_tf" if form.kind.data == "true_false" else "answer_number"
        fields[target] = fields.pop("answer")
    apply_errors(form, DomainError(exc.message, fields=fields))


def _save_question(form: QuestionForm, save) -> bool:
    data, errors = form.data_for_service()
    try:
        if errors:
            raise ValidationFailed("Please correct the marked fields.", fields=errors)
        save(data)
    except DomainError as exc:
        db.session.rollback()
        _question_errors(form, exc)
        return False
    db.session.commit()
    return True


@bp.route("/assessments/<int:assessment_id>/questions/new", methods=["GET", "POST"])
@roles_required(TRAINER, ADMIN)
def new_question(assessment_id: int):
    """Add a question to the pool."""
    assessment = services.get_assessment(assessment_id)
    if not assessment.can_manage(current_user):
        abort(403)
    form = QuestionForm()
    if request.method == "GET" and request.args.get("kind") in KIND_LABELS:
        form.kind.data = request.args["kind"]
    status = 200
    if form.validate_on_submit():
        if _save_question(form, lambda d: services.add_question(current_user, assessment, d)):
            flash("Question added.", "success")
            return redirect(url_for("assessments.show_assessment", assessment_id=assessment.id))
        status = 422
    elif form.is_submitted():
        status = 422
    return render_template("assessments/question_form.html", form=form, assessment=assessment,
                           question=None), status


@bp.route("/questions/<int:question_id>/edit", methods=["GET", "POST"])
@roles_required(TRAINER, ADMIN)
def edit_question(question_id: int):
    """Edit a question; a changed key regrades submitted attempts."""
    question = services.get_question(question_id)
    assessment = question.assessment
    if not assessment.can_manage(current_user):
        abort(403)
    form = QuestionForm()
    status = 200
    if request.method == "GET":
        form.fill_from(question)
    elif form.validate_on_submit():
        if _save_question(form, lambda d: services.update_question(current_user, question, d)):
            flash("Question saved; submitted attempts were regraded if its key changed.",
                  "success")
            return redirect(url_for("assessments.show_assessment", assessment_id=assessment.id))
        status = 422
    else:
        status = 422
    return render_template("assessments/question_form.html", form=form, assessment=assessment,
                           question=question), status


@bp.route("/questions/<int:question_id>/delete", methods=["POST"])
@roles_required(TRAINER, ADMIN)
def delete_question(question_id: int):
    """Delete a question no attempt has drawn."""
    question = services.get_question(question_id)
    assessment_id = question.assessment_id
    if not question.assessment.can_manage(current_user):
        abort(403)
    if PlainForm().validate_on_submit():
        perform(lambda: services.delete_question(current_user, question), "Question deleted.")
    return redirect(url_for("assessments.show_assessment", assessment_id=assessment_id))


@bp.route("/questions/<int:question_id>/move", methods=["POST"])
@roles_required(TRAINER, ADMIN)
def move_question(question_id: int):
    """Move a question up or down (a plain form button; no JavaScript needed)."""
    question = services.get_question(question_id)
    assessment_id = question.assessment_id
    if not question.assessment.can_manage(current_user):
        abort(403)
    if PlainForm().validate_on_submit():
        perform(lambda: services.move_question(current_user, question,
                                               request.form.get("direction", "")))
    return redirect(url_for("assessments.show_assessment", assessment_id=assessment_id,
                            _anchor=f"q{question_id}"))


@bp.route("/assessments/<int:assessment_id>/overrides", methods=["POST"])
@roles_required(TRAINER, ADMIN)
def set_override(assessment_id: int):
    """Set or remove a cohort's own opening and closing times."""
    assessment = services.get_assessment(assessment_id)
    form = OverrideForm()
    form.cohort_id.choices = [(c.id, c.name) for c in services.course_cohorts(assessment.course_id)]
    if form.validate_on_submit():
        try:
            services.set_override(current_user, assessment, form.cohort_id.data,
                                  park_to_aware(form.opens_at.data),
                                  park_to_aware(form.closes_at.data))
        except DomainError as exc:
            db.session.rollback()
            if exc.status == 403:
                raise
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash("Cohort window saved.", "success")
    else:
        flash("Choose a cohort and give valid times.", "error")
    return redirect(url_for("assessments.show_assessment", assessment_id=assessment.id))


@bp.route("/assessments/<int:assessment_id>/statistics")
@roles_required(*STAFF_ROLES)
def statistics(assessment_id: int):
    """Per-question statistics for the course's staff."""
    assessment = services.get_assessment(assessment_id)
    stats = services.question_statistics(current_user, assessment)
    return render_template("assessments/stats.html", assessment=assessment, stats=stats,
                           kinds=KIND_LABELS)


# learners: taking ----------------------------------------------------------------------------------
@bp.route("/assessments/<int:assessment_id>/start", methods=["POST"])
@roles_required(STUDENT, FACULTY)
def start_attempt(assessment_id: int):
    """Start (or continue) an attempt."""
    assessment = services.get_assessment(assessment_id)
    if not PlainForm().validate_on_submit():
        abort(400)
    try:
        attempt = services.start_attempt(current_user, assessment)
    except Conflict as exc:
        db.session.rollback()
        if exc.code == "attempt_open":
            return redirect(url_for("assessments.take_attempt",
                                    attempt_id=exc.extra["attempt_id"]))
        flash(exc.message, "error")
        return redirect(url_for("assessments.show_assessment", assessment_id=assessment.id))
    db.session.commit()
    return redirect(url_for("assessments.take_attempt", attempt_id=attempt.id))


def _form_answers(questions) -> tuple[list[dict], dict[int, str]]:
    answers, errors = [], {}
    for q in questions:
        try:
            response = rules.response_from_form(q.kind, request.form.getlist(f"q{q.id}"))
        except ValueError as exc:
            errors[q.id] = str(exc)
            continue
        answers.append({"question_id": q.id, "response": response})
    return answers, errors


@bp.route("/attempts/<int:attempt_id>/take", methods=["GET", "POST"])
@roles_required(STUDENT, FACULTY)
def take_attempt(attempt_id: int):
    """Answer an open attempt: a plain form (Save / Submit), saved as one goes with JavaScript."""
    attempt = services.own_open_attempt(current_user, attempt_id)
    services.finalise_if_overdue(attempt)
    if attempt.status != "open":
        db.session.commit()
        flash("This attempt is closed.", "info")
        return redirect(url_for("assessments.show_attempt", attempt_id=attempt.id))
    questions = services.questions_of(attempt)
    form = PlainForm()
    errors: dict[int, str] = {}
    status = 200
    if request.method == "POST" and form.validate_on_submit():
        submit = request.form.get("action") == "submit"
        answers, errors = _form_answers(questions)
        try:
            services.save_answers(current_user, attempt.id, answers,
                                  submit=submit and not errors)
        except Conflict as exc:
            db.session.rollback()
            if exc.code == "deadline_passed":
                services.submit_attempt(current_user, attempt_id)
                db.session.commit()
                flash("Time was up: the answers saved before the deadline were submitted.",
                      "warning")
            else:
                flash(exc.message, "error")
            return redirect(url_for("assessments.show_attempt", attempt_id=attempt_id))
        except ValidationFailed as exc:
            db.session.rollback()
            flash(exc.message, "error")
            status = 422
        else:
            db.session.commit()
            if errors:
                status = 422
                flash("Some answers could not be saved; see the marked questions.", "error")
            elif submit:
                flash("Your attempt was submitted.", "success")
                return redirect(url_for("assessments.show_attempt", attempt_id=attempt_id))
            else:
                flash("Your answers were saved.", "success")
                return redirect(url_for("assessments.take_attempt", attempt_id=attempt_id))
        attempt = services.get_attempt(attempt_id)
    elif request.method == "POST":
        abort(400)
    by_id = {q.id: q for q in questions}
    saved = {a.question_id: services.shown_response(attempt, by_id[a.question_id], a.response)
             for a in attempt.answers if a.question_id in by_id}
    remaining = None
    if attempt.deadline_at:
        remaining = max(0, int((attempt.deadline_at - utcnow()).total_seconds()))
    return render_template("assessments/take.html", attempt=attempt, questions=questions,
                           options_of=lambda q: services.ordered_options(attempt, q),
                           saved=saved, errors=errors, form=form, remaining=remaining,
                           assessment=attempt.assessment), status


@bp.route("/attempts/<int:attempt_id>")
@roles_required()
def show_attempt(attempt_id: int):
    """An attempt's result; its review (answer key) when allowed; everything for staff."""
    attempt = services.visible_attempt(current_user, attempt_id)
    services.finalise_if_overdue(attempt)
    commit_if_written()  # overdue attempts finalised
    own = attempt.user_id == current_user.id
    review = not own or services.review_allowed(attempt)
    return render_template("assessments/attempt.html", attempt=attempt, own=own, review=review,
                           questions=services.questions_of(attempt),
                           answers={a.question_id: a for a in attempt.answers},
                           options_of=lambda q: services.ordered_options(attempt, q),
                           can_grade=services.can_grade(current_user, attempt),
                           assessment=attempt.assessment)


@bp.route("/my/grades")
@roles_required(*LEARNER_ROLES)
def my_grades():
    """The learner's own grades across their courses."""
    items = services.my_grades(current_user)
    commit_if_written()  # overdue attempts finalised
    return render_template("assessments/my_grades.html", items=items)


# staff: grading and gradebook --------------------------------------------------------------------
@bp.route("/grading")
@roles_required(TRAINER, ADMIN)
def grading_queue():
    """Attempts with essays waiting for the user's grading."""
    attempts = db.session.scalars(services.grading_queue_stmt(current_user).limit(200)).all()
    return render_template("assessments/queue.html", attempts=attempts)


@bp.route("/attempts/<int:attempt_id>/grade", methods=["GET", "POST"])
@roles_required(TRAINER, ADMIN)
def grade_attempt(attempt_id: int):
    """Grade an attempt's essays: points within the question's points and a comment."""
    attempt = services.visible_attempt(current_user, attempt_id)
    if not services.can_grade(current_user, attempt):
        abort(403)
    form = PlainForm()
    essays = [q for q in services.questions_of(attempt) if q.kind in rules.MANUAL_KINDS]
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        grades = []
        for q in essays:
            raw = (request.form.get(f"points_{q.id}") or "").strip()
            if not raw:
                continue
            try:
                points = float(raw)
            except ValueError:
                errors[f"points_{q.id}"] = ["Give a number."]
                continue
            grades.append({"question_id": q.id, "points": points,
                           "comment": request.form.get(f"comment_{q.id}") or None})
        try:
            if errors:
                raise ValidationFailed("Please correct the marked points.", fields=errors)
            services.grade_answers(current_user, attempt.id, grades)
        except DomainError as exc:
            db.session.rollback()
            if exc.status in (403, 404):
                raise
            errors = errors or exc.fields
            flash(exc.message, "error")
            status = 422
            attempt = services.get_attempt(attempt_id)
        else:
            db.session.commit()
            flash("Grades saved.", "success")
            return redirect(url_for("assessments.grading_queue"))
    return render_template("assessments/grade.html", attempt=attempt, essays=essays,
                           answers={a.question_id: a for a in attempt.answers}, form=form,
                           errors=errors, assessment=attempt.assessment), status


@bp.route("/cohorts/<int:cohort_id>/gradebook")
@roles_required(ADMIN, PARK_MANAGER, TRAINER)
def gradebook(cohort_id: int):
    """Learners by assessments of a cohort, with each result by grading method."""
    cohort = services.get_cohort(cohort_id)
    assessments, rows = services.gradebook(current_user, cohort)
    commit_if_written()  # overdue attempts finalised
    return render_template("assessments/gradebook.html", cohort=cohort,
                           assessments=assessments, rows=rows)


@bp.route("/cohorts/<int:cohort_id>/gradebook.csv")
@roles_required(ADMIN, PARK_MANAGER, TRAINER)
def export_gradebook(cohort_id: int):
    """The gradebook as CSV (formula-safe)."""
    cohort = services.get_cohort(cohort_id)
    assessments, rows = services.gradebook(current_user, cohort)
    commit_if_written()  # overdue attempts finalised
    header = ["learner", "email"]
    for a in assessments:
        header += [f"{a.title} (%)", f"{a.title} passed", f"{a.title} status"]
    return csv_response(f"gradebook-cohort-{cohort.id}.csv", header,
                        list(services.gradebook_rows(assessments, rows)))
