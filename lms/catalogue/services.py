"""Catalogue use cases: courses (create, edit, publish, archive), the catalogue, tracks, progress.

Services load, check permissions, apply the rules, change and flush; they never commit.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from lms.accounts.models import User
from lms.catalogue import rules
from lms.catalogue.models import (
    Course,
    CourseModule,
    CourseSkill,
    Track,
    TrackCourse,
    course_prerequisites,
)
from lms.core import audit
from lms.core import permissions as perm
from lms.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from lms.core.pagination import Page, paginate
from lms.core.timeutil import park_today, utcnow
from lms.extensions import db
from lms.parks.models import Park

COURSE_WRITERS = (perm.ADMIN, perm.TRAINER)
TRACK_WRITERS = (perm.ADMIN, perm.TRAINER)
UPCOMING_COHORT_STATUSES = ("planned", "open")


# --------------------------------------------------------------------------- loading


def _course_options():
    return (selectinload(Course.skill_rows), selectinload(Course.modules),
            selectinload(Course.prerequisites), joinedload(Course.owner))


def get_course(course_id: int) -> Course:
    """A course by id (with its outline, skills and prerequisites), else NotFound."""
    course = db.session.scalar(sa.select(Course).where(Course.id == course_id)
                               .options(*_course_options()))
    if course is None:
        raise NotFound("No such course.")
    return course


def get_course_by_code(code: str) -> Course:
    """A course by code (case-insensitive input), else NotFound."""
    course = db.session.scalar(sa.select(Course).where(Course.code == rules.normalise_code(code))
                               .options(*_course_options()))
    if course is None:
        raise NotFound("No such course.")
    return course


def visible_course(user, course: Course) -> Course:
    """The course if `user` may see it; NotFound for drafts they must not know exist."""
    if not course.can_view(user):
        raise NotFound("No such course.")
    return course


def managed_course(user, course: Course) -> Course:
    """The course if `user` may edit it: NotFound if they may not even see it, else Forbidden."""
    visible_course(user, course)
    if not course.can_manage(user):
        raise Forbidden("Only the course's trainer or an admin may change it.")
    return course


def is_staff(user) -> bool:
    """True for logged-in staff (admin, park manager, trainer): they see drafts."""
    return bool(getattr(user, "is_authenticated", False)) and user.role in perm.STAFF_ROLES


# --------------------------------------------------------------------------- writing courses


def _clean(data: dict) -> dict:
    """Normalise the course fields that are present (codes, tags, partners, modules)."""
    out = dict(data)
    if "code" in out:
        out["code"] = rules.normalise_code(out["code"])
    for key in ("title",):
        if key in out:
            out[key] = " ".join((out[key] or "").split())
    if "summary" in out:
        out["summary"] = (out["summary"] or "").strip()
    if "skills" in out:
        out["skills"] = rules.normalise_skills(out["skills"])
    if "industry_partners" in out:
        out["industry_partners"] = rules.normalise_partners(out["industry_partners"])
    if "modules" in out:
        modules = []
        for m in out["modules"] or []:
            modules.append({"id": m.get("id"), "title": " ".join((m.get("title") or "").split()),
                            "hours": m.get("hours") if m.get("hours") is not None else 0,
                            "description": (m.get("description") or "").strip()})
        out["modules"] = modules
    if "prerequisite_ids" in out:
        ids: list[int] = []
        for i in out["prerequisite_ids"] or []:
            if i not in ids:
                ids.append(i)
        out["prerequisite_ids"] = ids
    return out


def _snapshot(course: Course) -> dict:
    """The fields of a course as plain values, for the audit trail."""
    return {
        "code": course.code, "title": course.title, "summary": course.summary,
        "track": course.track, "level": course.level, "duration_hours": course.duration_hours,
        "skills": course.skills, "industry_partners": list(course.industry_partners or []),
        "min_attendance_percent": course.min_attendance_percent, "status": course.status,
        "modules": [{"title": m.title, "hours": m.hours} for m in course.modules],
        "prerequisite_ids": sorted(p.id for p in course.prerequisites),
    }


def _check_code_free(code: str, course_id: int | None = None) -> None:
    stmt = sa.select(Course.id).where(Course.code == code)
    if course_id is not None:
        stmt = stmt.where(Course.id != course_id)
    if db.session.scalar(stmt) is not None:
        raise _duplicate(code)


def _duplicate(code: str) -> Conflict:
    return Conflict(f"A course with the code {code} already exists.",
                    fields={"code": ["Already used by another course."]}, code="duplicate_code")


def _resolve_prerequisites(course_id: int | None, ids: list[int]) -> list[Course]:
    """The prerequisite courses, refusing unknown ids, the course itself and cycles."""
    if course_id is not None and course_id in ids:
        raise ValidationFailed("A course cannot be its own prerequisite.",
                               fields={"prerequisite_ids": ["A course cannot require itself."]})
    found = list(db.session.scalars(sa.select(Course).where(Course.id.in_(ids)))) if ids else []
    missing = sorted(set(ids) - {c.id for c in found})
    if missing:
        raise ValidationFailed("Unknown prerequisite course(s).",
                               fields={"prerequisite_ids": [f"No course with id {i}." for i in missing]})
    if course_id is not None and ids:
        edges: dict[int, list[int]] = defaultdict(list)
        from lms.catalogue.models import course_prerequisites as cp

        for cid, pid in db.session.execute(sa.select(cp.c.course_id, cp.c.prerequisite_id)):
            edges[cid].append(pid)
        cycle = rules.find_cycle(edges, course_id, ids)
        if cycle:
            codes = dict(db.session.execute(sa.select(Course.id, Course.code)
                                            .where(Course.id.in_(set(cycle)))).all())
            path = " → ".join(codes.get(i, str(i)) for i in cycle)
            raise ValidationFailed(f"These prerequisites would make a cycle: {path}.",
                                   fields={"prerequisite_ids": [f"Cycle: {path}"]},
                                   code="prerequisite_cycle")
    by_id = {c.id: c for c in found}
    return [by_id[i] for i in ids]


def _set_skills(course: Course, skills: list[str]) -> None:
    wanted = set(skills)
    for row in list(course.skill_rows):
        if row.name not in wanted:
            course.skill_rows.remove(row)
    have = {r.name for r in course.skill_rows}
    for name in sorted(wanted - have):
        course.skill_rows.append(CourseSkill(name=name))


def _set_modules(course: Course, modules: list[dict]) -> None:
    existing = {m.id: m for m in course.modules if m.id is not None}
    rows = []
    for position, m in enumerate(modules, start=1):
        row = existing.pop(m.get("id"), None) if m.get("id") else None
        if row is None:
            row = CourseModule()
        row.position, row.title = position, m["title"]
        row.hours, row.description = float(m["hours"]), m["description"]
        rows.append(row)
    course.modules = rows


def _validate(data: dict, partial: bool) -> None:
    errors = rules.validate_course(data, partial=partial)
    if errors:
        raise ValidationFailed("Please correct the marked fields.", fields=errors)


def _flush_course(code: str) -> None:
    """Flush in a savepoint, turning a lost race for the code into a Conflict (never a 500)."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:
        if "code" in str(exc.orig).lower() or "unique" in str(exc.orig).lower():
            raise _duplicate(code) from None
        raise


def create_course(actor, data: dict) -> Course:
    """A trainer (or admin) adds a draft course; modules, skills and prerequisites optional."""
    if not actor.is_authenticated or actor.role not in COURSE_WRITERS:
        raise Forbidden("Only trainers and admins add courses.")
    data = _clean({"summary": "", "level": "beginner", "skills": [], "industry_partners": [],
                   "min_attendance_percent": rules.DEFAULT_MIN_ATTENDANCE, "modules": [],
                   "prerequisite_ids": [], **{k: v for k, v in data.items() if v is not None}})
    _validate(data, partial=False)
    owner_id = actor.id
    if actor.is_admin and data.get("owner_id"):
        owner = db.session.get(User, data["owner_id"])
        if owner is None or owner.role not in COURSE_WRITERS:
            raise ValidationFailed("The owner must be a trainer or an admin.",
                                   fields={"owner_id": ["Not a trainer."]})
        owner_id = owner.id
    _check_code_free(data["code"])
    prerequisites = _resolve_prerequisites(None, data["prerequisite_ids"])
    course = Course(code=data["code"], title=data["title"], summary=data["summary"],
                    track=data["track"], level=data["level"],
                    duration_hours=data["duration_hours"],
                    industry_partners=data["industry_partners"],
                    min_attendance_percent=data["min_attendance_percent"], status="draft",
                    owner_id=owner_id)
    course.prerequisites = prerequisites
    _set_skills(course, data["skills"])
    _set_modules(course, data["modules"])
    db.session.add(course)
    _flush_course(data["code"])
    audit.record("course.create", course, after=_snapshot(course), actor=actor)
    return course


def update_course(actor, course: Course, data: dict) -> Course:
    """The owner trainer or an admin edits the fields given, as the course's status allows."""
    managed_course(actor, course)
    data = _clean({k: v for k, v in data.items() if k in rules.ALL_FIELDS})
    for key in ("title", "track", "level", "duration_hours", "min_attendance_percent", "code"):
        if key in data and data[key] is None:
            data.pop(key)
    _validate(data, partial=True)
    before = _snapshot(course)
    changed = [k for k, v in data.items()
               if k != "modules" and before.get(k) != (sorted(v) if k == "prerequisite_ids" else v)]
    if "modules" in data and [
            {"title": m["title"], "hours": float(m["hours"]), "description": m["description"]}
            for m in data["modules"]] != [
            {"title": m.title, "hours": m.hours, "description": m.description}
            for m in course.modules]:
        changed.append("modules")
    refused = rules.refused_edits(course.status, changed)
    if refused:
        why = ("An archived course is read-only." if course.status == "archived" else
               "These fields are fixed once a course is published.")
        raise Conflict(why, fields={f: [why] for f in refused}, code="not_editable")
    if not changed:
        return course
    if "code" in changed:
        _check_code_free(data["code"], course.id)
        course.code = data["code"]
    if "prerequisite_ids" in changed:
        course.prerequisites = _resolve_prerequisites(course.id, data["prerequisite_ids"])
    for key in ("title", "summary", "track", "level", "duration_hours", "industry_partners",
                "min_attendance_percent"):
        if key in changed:
            setattr(course, key, data[key])
    if "skills" in changed:
        _set_skills(course, data["skills"])
    if "modules" in changed:
        _set_modules(course, data["modules"])
    course.updated_at = utcnow()
    _flush_course(course.code)
    old, new = audit.diff(before, _snapshot(course))
    audit.record("course.update", course, before=old, after=new, actor=actor)
    return course


def publish_course(actor, course: Course) -> Course:
    """Draft -> published, by the owner trainer or an admin; prerequisites must be published."""
    managed_course(actor, course)
    if not rules.can_transition(course.status, "published"):
        raise Conflict(f"A {course.status} course cannot be published.", code="invalid_status")
    drafts = [p.code for p in course.prerequisites if p.status == "draft"]
    if drafts:
        raise ValidationFailed(
            f"Publish the prerequisite course(s) first: {', '.join(drafts)}.",
            fields={"prerequisite_ids": [f"{c} is still a draft." for c in drafts]})
    course.status = "published"
    course.published_at = utcnow()
    db.session.flush()
    audit.record("course.publish", course, before={"status": "draft"},
                 after={"status": "published"}, actor=actor)
    return course


def archive_course(actor, course: Course) -> Course:
    """Published -> archived: no new cohorts; the course and its history stay readable."""
    managed_course(actor, course)
    if not rules.can_transition(course.status, "archived"):
        raise Conflict(f"A {course.status} course cannot be archived.", code="invalid_status")
    course.status = "archived"
    db.session.flush()
    audit.record("course.archive", course, before={"status": "published"},
                 after={"status": "archived"}, actor=actor)
    return course


# --------------------------------------------------------------------------- the catalogue


@dataclass
class CatalogueFilters:
    """What the catalogue is filtered by; every field optional."""

    q: str | None = None
    track: str | None = None
    level: str | None = None
    skill: str | None = None
    park_id: int | None = None
    status: str | None = None
    owner_id: int | None = None
    track_id: int | None = None
    errors: dict = field(default_factory=dict)


def catalogue_query(user, f: CatalogueFilters) -> sa.Select:
    """Courses matching the filters that `user` may see, by code.

    status: published by default; archived for anyone; draft (or "any") for staff only, others
    never see drafts. track: student or faculty = courses serving that audience; both = only
    courses for both. park: courses with an open cohort there that has not ended.
    """
    from lms.scheduling.models import Cohort

    stmt = sa.select(Course)
    status = f.status or ("any" if f.owner_id else "published")
    if status == "any":
        if not is_staff(user):
            stmt = stmt.where(Course.status != "draft")
    elif status == "draft" and not is_staff(user):
        stmt = stmt.where(sa.false())
    else:
        stmt = stmt.where(Course.status == status)
    if f.track == "both":
        stmt = stmt.where(Course.track == "both")
    elif f.track in rules.AUDIENCES:
        stmt = stmt.where(Course.track.in_((f.track, "both")))
    if f.level:
        stmt = stmt.where(Course.level == f.level)
    if f.skill:
        skill = rules.normalise_skill(f.skill)
        stmt = stmt.where(sa.exists().where(CourseSkill.course_id == Course.id,
                                            CourseSkill.name == skill))
    if f.park_id:
        stmt = stmt.where(sa.exists().where(
            Cohort.course_id == Course.id, Cohort.park_id == f.park_id,
            Cohort.joinable(park_today()), Cohort.end_date >= park_today()))
    if f.owner_id:
        stmt = stmt.where(Course.owner_id == f.owner_id)
    if f.track_id:
        stmt = stmt.where(sa.exists().where(TrackCourse.course_id == Course.id,
                                            TrackCourse.track_id == f.track_id))
    for word in (f.q or "").split()[:8]:
        word = word[:60]
        stmt = stmt.where(sa.or_(
            Course.code.icontains(word, autoescape=True),
            Course.title.icontains(word, autoescape=True),
            Course.summary.icontains(word, autoescape=True),
            sa.exists().where(CourseSkill.course_id == Course.id,
                              CourseSkill.name.icontains(word, autoescape=True)),
        ))
    return stmt.order_by(Course.code)


def catalogue_page(user, f: CatalogueFilters, page: int, per_page: int) -> Page:
    """One page of the catalogue (courses with their skills): a fixed number of queries."""
    return paginate(catalogue_query(user, f).options(selectinload(Course.skill_rows)), page,
                    per_page)


# The columns of a course in the API list (CourseListItemSchema less skills, prerequisite_ids).
_LIST_COLUMNS = (
    Course.id, Course.code, Course.title, Course.summary, Course.track, Course.level,
    Course.duration_hours, Course.industry_partners, Course.min_attendance_percent,
    Course.status, Course.owner_id, Course.created_at, Course.updated_at, Course.published_at,
)


def catalogue_rows(user, f: CatalogueFilters, page: int, per_page: int) -> Page:
    """One page of the catalogue as plain dicts with skills and prerequisite_ids (four queries)."""
    result = paginate(catalogue_query(user, f).with_only_columns(*_LIST_COLUMNS), page, per_page,
                      scalars=False)
    items = [row._asdict() for row in result.items]
    skills: dict[int, list[str]] = defaultdict(list)
    prerequisites: dict[int, list[int]] = defaultdict(list)
    ids = [item["id"] for item in items]
    if ids:  # the orders of Course.skill_rows (by name) and Course.prerequisites (by code)
        for course_id, name in db.session.execute(
                sa.select(CourseSkill.course_id, CourseSkill.name)
                .where(CourseSkill.course_id.in_(ids)).order_by(CourseSkill.name)):
            skills[course_id].append(name)
        cp = course_prerequisites
        for course_id, prerequisite_id in db.session.execute(
                sa.select(cp.c.course_id, cp.c.prerequisite_id)
                .join(Course, Course.id == cp.c.prerequisite_id)
                .where(cp.c.course_id.in_(ids)).order_by(Course.code)):
            prerequisites[course_id].append(prerequisite_id)
    for item in items:
        item["skills"] = skills.get(item["id"], [])
        item["prerequisite_ids"] = prerequisites.get(item["id"], [])
    result.items = items
    return result


def filter_choices() -> dict:
    """The parks and skill tags the catalogue filters offer (two queries)."""
    parks = list(db.session.scalars(sa.select(Park).order_by(Park.phase, Park.name)))
    skills = list(db.session.scalars(
        sa.select(CourseSkill.name).join(Course).where(Course.status == "published")
        .distinct().order_by(CourseSkill.name)))
    return {"parks": parks, "skills": skills}


@dataclass
class ParkCohorts:
    """The upcoming cohorts of a course at one park."""

    park: Park
    cohorts: list


def upcoming_cohorts(course: Course) -> list[ParkCohorts]:
    """Planned or open cohorts of the course, and running ones learners may still join, that
    have not ended, grouped by park (one query).

    Each cohort gets `seats_left` = capacity - enrolled_count (never below 0).
    """
    from lms.scheduling.models import Cohort

    cohorts = db.session.scalars(
        sa.select(Cohort).options(joinedload(Cohort.park))
        .where(Cohort.course_id == course.id,
               sa.or_(Cohort.status.in_(UPCOMING_COHORT_STATUSES),
                      Cohort.joinable(park_today())),
               Cohort.end_date >= park_today())
        .order_by(Cohort.start_date, Cohort.id)).all()
    groups: dict[int, ParkCohorts] = {}
    for c in cohorts:
        c.seats_left = max(0, c.capacity - (c.enrolled_count or 0))
        groups.setdefault(c.park_id, ParkCohorts(c.park, [])).cohorts.append(c)
    return sorted(groups.values(), key=lambda g: (g.park.phase, g.park.name))


def course_page(user, code: str) -> dict:
    """What the course page shows: the course, its cohorts by park, tracks, dependants."""
    course = visible_course(user, get_course_by_code(code))
    tracks = list(db.session.scalars(
        sa.select(Track).join(TrackCourse).where(TrackCourse.course_id == course.id)
        .order_by(Track.name)))
    required_by = list(db.session.scalars(_required_by_stmt(course)))
    return {"course": course, "parks": upcoming_cohorts(course), "tracks": tracks,
            "required_by": required_by}


def _required_by_stmt(course: Course) -> sa.Select:
    from lms.catalogue.models import course_prerequisites as cp

    return (sa.select(Course).join(cp, cp.c.course_id == Course.id)
            .where(cp.c.prerequisite_id == course.id, Course.status != "draft")
            .order_by(Course.code))


def course_choices(exclude_id: int | None = None) -> list[tuple[int, str]]:
    """(id, "CODE title") of every course, for the prerequisites picker."""
    stmt = sa.select(Course.id, Course.code, Course.title, Course.status).order_by(Course.code)
    if exclude_id is not None:
        stmt = stmt.where(Course.id != exclude_id)
    return [(i, f"{code} {title}" + ("" if status == "published" else f" ({status})"))
            for i, code, title, status in db.session.execute(stmt)]


# --------------------------------------------------------------------------- tracks


def tracks_query(audience: str | None = None) -> sa.Select:
    """Every track (optionally for one audience) with its courses loaded."""
    stmt = (sa.select(Track).options(selectinload(Track.items).joinedload(TrackCourse.course))
            .order_by(Track.audience, Track.name))
    if audience in rules.AUDIENCES:
        stmt = stmt.where(Track.audience == audience)
    return stmt


def get_track(track_id: int) -> Track:
    """A track with its courses in order, else NotFound."""
    track = db.session.scalar(
        sa.select(Track).where(Track.id == track_id)
        .options(selectinload(Track.items).joinedload(TrackCourse.course)
                 .selectinload(Course.skill_rows)))
    if track is None:
        raise NotFound("No such track.")
    return track


def course_ids_for_codes(codes: list[str]) -> list[int]:
    """Course ids for codes typed in a form, in order; unknown codes are a field error."""
    wanted = [rules.normalise_code(c) for c in codes if c.strip()]
    found = dict(db.session.execute(sa.select(Course.code, Course.id)
                                    .where(Course.code.in_(wanted))).all()) if wanted else {}
    unknown = [c for c in wanted if c not in found]
    if unknown:
        raise ValidationFailed("Unknown course code(s).",
                               fields={"course_ids": [f"No course {c}." for c in unknown]})
    return [found[c] for c in wanted]


def _check_track(data: dict, track_id: int | None) -> tuple[str, str, list[Course]]:
    name = " ".join((data.get("name") or "").split())
    audience = data.get("audience")
    ids = list(data.get("course_ids") or [])
    errors: dict[str, list[str]] = {}
    if not name or len(name) > 200:
        errors["name"] = ["A name of 1 to 200 characters is required."]
    if audience not in rules.AUDIENCES:
        errors["audience"] = ["Choose student or faculty."]
    if not ids:
        errors.setdefault("course_ids", []).append("A track needs at least one course.")
    if len(set(ids)) != len(ids):
        errors.setdefault("course_ids", []).append("A course is listed twice.")
    courses = list(db.session.scalars(sa.select(Course).where(Course.id.in_(ids)))) if ids else []
    by_id = {c.id: c for c in courses}
    for i in dict.fromkeys(ids):
        c = by_id.get(i)
        if c is None:
            errors.setdefault("course_ids", []).append(f"No course with id {i}.")
        elif c.status == "draft":
            errors.setdefault("course_ids", []).append(f"{c.code} is a draft; publish it first.")
        elif audience in rules.AUDIENCES and not rules.serves(c.track, audience):
            errors.setdefault("course_ids", []).append(
                f"{c.code} is a {c.track}-track course; it does not serve {audience} learners.")
    if errors:
        raise ValidationFailed("Please correct the marked fields.", fields=errors)
    stmt = sa.select(Track.id).where(sa.func.lower(Track.name) == name.lower())
    if track_id is not None:
        stmt = stmt.where(Track.id != track_id)
    if db.session.scalar(stmt) is not None:
        raise Conflict("A track with that name already exists.",
                       fields={"name": ["Already used by another track."]},
                       code="duplicate_track")
    return name, audience, [by_id[i] for i in ids]


def _set_track_courses(track: Track, courses: list[Course]) -> None:
    existing = {i.course_id: i for i in track.items}
    items = []
    for position, c in enumerate(courses, start=1):
        item = existing.pop(c.id, None) or TrackCourse(course_id=c.id, course=c)
        item.position = position
        items.append(item)
    track.items = items


def _track_snapshot(track: Track) -> dict:
    return {"name": track.name, "audience": track.audience, "description": track.description,
            "course_ids": [i.course_id for i in track.items]}


def _flush_track() -> None:
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Conflict("A track with that name already exists.",
                       fields={"name": ["Already used by another track."]},
                       code="duplicate_track") from None


def create_track(actor, data: dict) -> Track:
    """An admin or trainer builds a track: an ordered list of courses serving one audience."""
    if not actor.is_authenticated or actor.role not in TRACK_WRITERS:
        raise Forbidden("Only trainers and admins build tracks.")
    name, audience, courses = _check_track(data, None)
    track = Track(name=name, audience=audience,
                  description=(data.get("description") or "").strip(), created_by_id=actor.id)
    db.session.add(track)
    _set_track_courses(track, courses)
    _flush_track()
    audit.record("track.create", track, after=_track_snapshot(track), actor=actor)
    return track


def update_track(actor, track: Track, data: dict) -> Track:
    """The track's builder or an admin renames it, changes its audience or reorders its courses."""
    if not track.can_manage(actor):
        raise Forbidden("Only the track's builder or an admin may change it.")
    before = _track_snapshot(track)
    merged = {**before, **{k: v for k, v in data.items() if v is not None}}
    name, audience, courses = _check_track(merged, track.id)
    track.name, track.audience = name, audience
    track.description = (merged.get("description") or "").strip()
    _set_track_courses(track, courses)
    _flush_track()
    old, new = audit.diff(before, _track_snapshot(track))
    if new:
        audit.record("track.update", track, before=old, after=new, actor=actor)
    return track


def done_course_ids(user, course_ids: list[int]) -> set[int]:
    """The courses (among these) that the learner completed in some cohort (one query)."""
    from lms.scheduling.models import Cohort, Enrollment

    if not getattr(user, "is_authenticated", False) or not course_ids:
        return set()
    return set(db.session.scalars(
        sa.select(Cohort.course_id).join(Enrollment, Enrollment.cohort_id == Cohort.id)
        .where(Enrollment.user_id == user.id, Enrollment.status == "completed",
               Cohort.course_id.in_(course_ids)).distinct()))


@cache
def _track_summary_stmt(one_audience: bool) -> sa.Select:
    """Tracks with done and total courses for a bound learner (and audience), built once."""
    from lms.scheduling.models import Cohort, Enrollment

    completed = (sa.select(Cohort.course_id).join(Enrollment, Enrollment.cohort_id == Cohort.id)
                 .where(Enrollment.user_id == sa.bindparam("user_id"),
                        Enrollment.status == "completed"))
    done = sa.func.count(sa.distinct(sa.case(
        (TrackCourse.course_id.in_(completed), TrackCourse.course_id))))
    stmt = (sa.select(Track.id, Track.name, done.label("done"),
                      sa.func.count(TrackCourse.course_id).label("total"))
            .outerjoin(TrackCourse, TrackCourse.track_id == Track.id)
            .group_by(Track.id, Track.name, Track.audience).order_by(Track.audience, Track.name))
    return stmt.where(Track.audience == sa.bindparam("audience")) if one_audience else stmt


def learner_track_summary(user) -> list[sa.Row]:
    """The tracks of the learner's audience with (id, name, done, total) courses (one query)."""
    one_audience = user.track in rules.AUDIENCES
    return db.session.execute(_track_summary_stmt(one_audience), {
        "user_id": user.id, **({"audience": user.track} if one_audience else {})}).all()


def track_progress(user, track: Track) -> dict:
    """A learner's progress on a track: which courses are done, and how many."""
    ids = [i.course_id for i in track.items]
    done = done_course_ids(user, ids)
    n_done, total, percent = rules.track_progress(ids, done)
    return {"done_ids": done, "done": n_done, "total": total, "percent": percent,
            "complete": total > 0 and n_done == total}
