"""Assessments, their questions, per-cohort window overrides, attempts and answers."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.timeutil import UTCDateTime, utcnow
from lms.extensions import db

QUESTION_KINDS = ("single", "multiple", "true_false", "short_text", "numeric", "essay",
                  "file_upload")
GRADING_METHODS = ("highest", "latest", "average")
REVIEW_MODES = ("after_submit", "after_close", "never")
ATTEMPT_STATUSES = ("open", "needs_grading", "graded")
ASSESSMENT_STATUSES = ("draft", "published")  # a draft is invisible to learners


class Assessment(db.Model):
    """An assessment of a course: pass mark, attempts, grading method, window, shuffling."""

    __tablename__ = "assessments"
    __table_args__ = (
        sa.CheckConstraint("pass_percent BETWEEN 0 AND 100", name="pass_percent"),
        sa.CheckConstraint("max_attempts >= 1", name="max_attempts"),
        sa.CheckConstraint("grading IN ('highest','latest','average')", name="grading"),
        sa.CheckConstraint("review IN ('after_submit','after_close','never')", name="review"),
        sa.CheckConstraint("status IN ('draft','published')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    required: Mapped[bool] = mapped_column(default=True)
    pass_percent: Mapped[int] = mapped_column(default=50)
    max_attempts: Mapped[int] = mapped_column(default=1)
    grading: Mapped[str] = mapped_column(sa.String(10), default="highest")
    time_limit_minutes: Mapped[int | None]
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    shuffle_questions: Mapped[bool] = mapped_column(default=False)
    shuffle_options: Mapped[bool] = mapped_column(default=False)
    draw_count: Mapped[int | None]  # draw N questions at random from the pool per attempt
    review: Mapped[str] = mapped_column(sa.String(12), default="after_submit")
    status: Mapped[str] = mapped_column(sa.String(10), default="published",
                                        server_default="published")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    course = relationship("Course")
    questions = relationship("Question", back_populates="assessment",
                             order_by="Question.position", cascade="all, delete-orphan")

    @property
    def is_published(self) -> bool:
        return self.status == "published"

    def can_manage(self, user) -> bool:
        """Whoever manages the course manages its assessments."""
        return self.course.can_manage(user)


class AssessmentOverride(db.Model):
    """A cohort's own opening and closing times for an assessment."""

    __tablename__ = "assessment_overrides"

    assessment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("assessments.id", ondelete="CASCADE"), primary_key=True)
    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohorts.id", ondelete="CASCADE"),
                                           primary_key=True)
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Question(db.Model):
    """A question of one of seven kinds; the answer key never leaves the server before review."""

    __tablename__ = "questions"
    __table_args__ = (
        sa.CheckConstraint(
            "kind IN ('single','multiple','true_false','short_text','numeric','essay',"
            "'file_upload')",
            name="kind"),
        sa.CheckConstraint("points >= 0", name="points"),
        sa.Index("ix_questions_assessment_position", "assessment_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("assessments.id", ondelete="CASCADE"))
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(sa.String(12))
    prompt: Mapped[str] = mapped_column(sa.Text)
    points: Mapped[float] = mapped_column(default=1)
    options: Mapped[list] = mapped_column(sa.JSON, default=list)  # [{"id", "text", "correct"}]
    accepted_answers: Mapped[list] = mapped_column(sa.JSON, default=list)
    answer: Mapped[Any] = mapped_column(sa.JSON, nullable=True)  # true_false bool, numeric
    tolerance: Mapped[float | None]
    feedback: Mapped[str | None] = mapped_column(sa.Text)
    upload_rules: Mapped[dict | None] = mapped_column(sa.JSON)  # file_upload: types, max_mb...

    assessment = relationship(Assessment, back_populates="questions")


class Attempt(db.Model):
    """A learner's timed attempt; scored on the server only."""

    __tablename__ = "attempts"
    __table_args__ = (
        sa.UniqueConstraint("assessment_id", "user_id", "number",
                            name="uq_attempts_assessment_user_number"),
        sa.CheckConstraint("status IN ('open','needs_grading','graded')", name="status"),
        sa.Index("uq_attempts_one_open", "assessment_id", "user_id", unique=True,
                 sqlite_where=sa.text("status = 'open'"),
                 postgresql_where=sa.text("status = 'open'")),
        sa.Index("ix_attempts_user_assessment", "user_id", "assessment_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(sa.ForeignKey("assessments.id"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    cohort_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cohorts.id"), index=True)
    number: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(sa.String(14), default="open")
    question_ids: Mapped[list] = mapped_column(sa.JSON, default=list)  # drawn, in shown order
    option_orders: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    score: Mapped[float | None]
    max_score: Mapped[float | None]
    percent: Mapped[float | None]
    passed: Mapped[bool | None]

    assessment = relationship(Assessment)
    user = relationship("User")
    answers = relationship("Answer", back_populates="attempt", cascade="all, delete-orphan")


class Answer(db.Model):
    """A learner's response to one question of an attempt, with its points once graded."""

    __tablename__ = "answers"
    __table_args__ = (
        sa.UniqueConstraint("attempt_id", "question_id", name="uq_answers_attempt_question"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(sa.ForeignKey("attempts.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("questions.id"), index=True)
    response: Mapped[Any] = mapped_column(sa.JSON, nullable=True)
    points: Mapped[float | None]
    comment: Mapped[str | None] = mapped_column(sa.Text)
    graded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    graded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    attempt = relationship(Attempt, back_populates="answers")
    question = relationship(Question)
