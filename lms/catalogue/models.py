"""Courses (with modules, skills, prerequisites) and learning tracks."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core import permissions as perm
from lms.core.timeutil import UTCDateTime, utcnow
from lms.extensions import db

COURSE_TRACKS = ("student", "faculty", "both")
LEVELS = ("beginner", "intermediate", "advanced")
COURSE_STATUSES = ("draft", "published", "archived")

course_prerequisites = sa.Table(
    "course_prerequisites",
    db.metadata,
    sa.Column("course_id", sa.ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("prerequisite_id", sa.ForeignKey("courses.id", ondelete="CASCADE"),
              primary_key=True),
    sa.CheckConstraint("course_id <> prerequisite_id", name="not_self"),
)


class Course(db.Model):
    """An industry-recommended course; draft -> published -> archived."""

    __tablename__ = "courses"
    __table_args__ = (
        sa.CheckConstraint("track IN ('student','faculty','both')", name="track"),
        sa.CheckConstraint("status IN ('draft','published','archived')", name="status"),
        sa.CheckConstraint("min_attendance_percent BETWEEN 0 AND 100", name="min_attendance"),
        sa.Index("ix_courses_status_track", "status", "track"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    track: Mapped[str] = mapped_column(sa.String(10))
    level: Mapped[str] = mapped_column(sa.String(20), default="beginner")
    duration_hours: Mapped[int]
    industry_partners: Mapped[list] = mapped_column(sa.JSON, default=list)
    min_attendance_percent: Mapped[int] = mapped_column(default=75)
    status: Mapped[str] = mapped_column(sa.String(10), default="draft")
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    owner = relationship("User")
    modules = relationship("CourseModule", back_populates="course", order_by="CourseModule.position",
                           cascade="all, delete-orphan")
    skill_rows = relationship("CourseSkill", back_populates="course", order_by="CourseSkill.name",
                              cascade="all, delete-orphan")
    prerequisites = relationship("Course", secondary=course_prerequisites,
                                 primaryjoin=id == course_prerequisites.c.course_id,
                                 secondaryjoin=id == course_prerequisites.c.prerequisite_id,
                                 order_by="Course.code")

    @property
    def skills(self) -> list[str]:
        return [s.name for s in self.skill_rows]

    @property
    def summary_excerpt(self) -> str:
        """The summary as a short plain-text excerpt, for lists."""
        from lms.catalogue.rules import excerpt

        return excerpt(self.summary)

    @property
    def summary_html(self):
        """The summary's Markdown, rendered and sanitised (safe to show)."""
        from lms.catalogue.markdown import render_markdown

        return render_markdown(self.summary)

    @property
    def prerequisite_ids(self) -> list[int]:
        return [p.id for p in self.prerequisites]

    @property
    def module_hours(self) -> float:
        """The hours of the outline's modules added up."""
        return sum(m.hours or 0 for m in self.modules)

    def serves(self, learner_track: str | None) -> bool:
        """True if a learner of this track may take the course."""
        return learner_track is not None and self.track in (learner_track, "both")

    def can_manage(self, user) -> bool:
        """The owner trainer and admins edit a course."""
        return user.is_authenticated and (user.is_admin or user.id == self.owner_id)

    def can_view(self, user) -> bool:
        """Published and archived courses are public; drafts only for staff."""
        if self.status != "draft":
            return True
        return user.is_authenticated and (self.can_manage(user) or user.role in (
            perm.ADMIN, perm.PARK_MANAGER, perm.TRAINER))

    def __repr__(self) -> str:
        return f"<Course {self.code}>"


class CourseSkill(db.Model):
    """A skill tag of a course (lower-case), indexed for the catalogue filter."""

    __tablename__ = "course_skills"

    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"),
                                           primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(60), primary_key=True, index=True)

    course = relationship(Course, back_populates="skill_rows")


class CourseModule(db.Model):
    """One entry of a course's ordered outline."""

    __tablename__ = "course_modules"
    __table_args__ = (sa.Index("ix_course_modules_course_position", "course_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"))
    position: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(200))
    hours: Mapped[float] = mapped_column(default=0)
    description: Mapped[str] = mapped_column(sa.Text, default="")

    course = relationship(Course, back_populates="modules")

    @property
    def description_html(self):
        """The description's Markdown, rendered and sanitised (safe to show)."""
        from lms.catalogue.markdown import render_markdown

        return render_markdown(self.description, shift=3)  # shown under the module's h3


class Track(db.Model):
    """A learning path: an ordered list of courses for one audience."""

    __tablename__ = "tracks"
    __table_args__ = (sa.CheckConstraint("audience IN ('student','faculty')", name="audience"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    audience: Mapped[str] = mapped_column(sa.String(10))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    items = relationship("TrackCourse", back_populates="track", order_by="TrackCourse.position",
                         cascade="all, delete-orphan")

    @property
    def courses(self) -> list[Course]:
        return [i.course for i in self.items]

    @property
    def course_ids(self) -> list[int]:
        return [i.course_id for i in self.items]

    @property
    def total_hours(self) -> int:
        return sum(i.course.duration_hours for i in self.items)

    @property
    def description_html(self):
        """The description's Markdown, rendered and sanitised (safe to show)."""
        from lms.catalogue.markdown import render_markdown

        return render_markdown(self.description)

    def can_manage(self, user) -> bool:
        """Admins and the trainer who built it edit a track."""
        return user.is_authenticated and (user.is_admin or user.id == self.created_by_id)


class TrackCourse(db.Model):
    """A course's place in a track."""

    __tablename__ = "track_courses"

    track_id: Mapped[int] = mapped_column(sa.ForeignKey("tracks.id", ondelete="CASCADE"),
                                          primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id"), primary_key=True,
                                           index=True)
    position: Mapped[int]

    track = relationship(Track, back_populates="items")
    course = relationship(Course)
