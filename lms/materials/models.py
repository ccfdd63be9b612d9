"""Stored files (blobs, by SHA-256), course materials and files handed in for assessments."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.timeutil import UTCDateTime, utcnow
from lms.extensions import db
from lms.materials.rules import human_size


class Blob(db.Model):
    """The facts of one stored file; the bytes live in the storage backend under the hash."""

    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    size: Mapped[int] = mapped_column(sa.BigInteger)
    content_type: Mapped[str] = mapped_column(sa.String(120))
    active: Mapped[bool] = mapped_column(default=False)  # markup: only ever sent as bytes
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Material(db.Model):
    """A file or a link of a course, optionally of one module or of one cohort's session."""

    __tablename__ = "materials"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('file','link')", name="kind"),
        sa.CheckConstraint("status IN ('draft','published')", name="status"),
        sa.CheckConstraint("(kind = 'file' AND blob_sha256 IS NOT NULL) OR "
                           "(kind = 'link' AND url IS NOT NULL)", name="content"),
        sa.CheckConstraint("module_id IS NULL OR session_id IS NULL", name="one_place"),
        sa.Index("ix_materials_course_position", "course_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"))
    module_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("course_modules.id", ondelete="SET NULL"), index=True)
    session_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("class_sessions.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(4))
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.String(1000), default="")
    position: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(sa.String(10), default="published")
    blob_sha256: Mapped[str | None] = mapped_column(sa.ForeignKey("blobs.sha256"), index=True)
    filename: Mapped[str | None] = mapped_column(sa.String(200))
    url: Mapped[str | None] = mapped_column(sa.String(2000))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    blob = relationship(Blob, lazy="joined")
    course = relationship("Course")
    module = relationship("CourseModule")
    session = relationship("ClassSession")

    @property
    def size(self) -> int | None:
        return self.blob.size if self.blob is not None else None

    @property
    def size_label(self) -> str:
        return human_size(self.size)


class AttemptUpload(db.Model):
    """A file a learner handed in for a file_upload question of an attempt."""

    __tablename__ = "attempt_uploads"
    __table_args__ = (sa.Index("ix_attempt_uploads_attempt_question", "attempt_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(sa.ForeignKey("attempts.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("questions.id", ondelete="CASCADE"),
                                             index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    blob_sha256: Mapped[str] = mapped_column(sa.ForeignKey("blobs.sha256"), index=True)
    filename: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    blob = relationship(Blob, lazy="joined")

    @property
    def size(self) -> int:
        return self.blob.size

    @property
    def size_label(self) -> str:
        return human_size(self.size)
