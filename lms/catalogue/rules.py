"""Pure catalogue rules: code format, skill tags, field checks, status changes, prerequisite cycles.

No Flask and no database here: everything takes and returns plain values.
"""

import re
from collections.abc import Iterable, Mapping

COURSE_TRACKS = ("student", "faculty", "both")
LEVELS = ("beginner", "intermediate", "advanced")
STATUSES = ("draft", "published", "archived")
AUDIENCES = ("student", "faculty")

CODE_RE = re.compile(r"[A-Z]{2,5}-[0-9]{3}")
MAX_SKILLS = 20
MAX_SKILL_LEN = 60
MAX_PARTNERS = 20
MAX_PARTNER_LEN = 100
MAX_MODULES = 60
MAX_TEXT = 20000
DEFAULT_MIN_ATTENDANCE = 75

# The allowed status changes: draft -> published -> archived, never back.
TRANSITIONS = {"draft": ("published",), "published": ("archived",), "archived": ()}

# What may be edited in each status. A published course runs cohorts and issues certificates,
# so its identity (code), its audience (track) and its attendance threshold are frozen; an
# archived course is read-only (it stays readable and keeps its history).
ALL_FIELDS = frozenset({
    "code", "title", "summary", "track", "level", "duration_hours", "skills",
    "industry_partners", "min_attendance_percent", "modules", "prerequisite_ids",
})
FROZEN_WHEN_PUBLISHED = frozenset({"code", "track", "min_attendance_percent"})
EDITABLE = {
    "draft": ALL_FIELDS,
    "published": ALL_FIELDS - FROZEN_WHEN_PUBLISHED,
    "archived": frozenset(),
}


def normalise_code(raw: str | None) -> str:
    """Trim and upper-case a course code as typed (" cld-201 " -> "CLD-201")."""
    return (raw or "").strip().upper()


def valid_code(code: str) -> bool:
    """True for codes like CLD-201: 2 to 5 capital letters, a dash, 3 digits."""
    return bool(CODE_RE.fullmatch(code or ""))


def normalise_skill(raw: str) -> str:
    """A skill tag in its stored form: lower-case, single spaces, no leading '#'."""
    text = " ".join((raw or "").split()).lower()
    return text.lstrip("#").strip()


def split_list(raw: str | Iterable[str] | None) -> list[str]:
    """A comma- or newline-separated string (or a list) as a list of trimmed, non-empty items."""
    if raw is None:
        return []
    items = re.split(r"[,\n;]", raw) if isinstance(raw, str) else list(raw)
    return [" ".join(str(i).split()) for i in items if str(i).strip()]


def normalise_skills(raw: str | Iterable[str] | None) -> list[str]:
    """Skill tags normalised, de-duplicated and sorted."""
    return sorted({s for s in (normalise_skill(x) for x in split_list(raw)) if s})


def normalise_partners(raw: str | Iterable[str] | None) -> list[str]:
    """Partner names trimmed and de-duplicated (case-insensitively), first spelling kept."""
    seen: set[str] = set()
    out: list[str] = []
    for name in split_list(raw):
        if name.casefold() not in seen:
            seen.add(name.casefold())
            out.append(name)
    return out


def validate_course(data: Mapping, partial: bool = False) -> dict[str, list[str]]:
    """Field errors of course data (already normalised); `partial` checks only the keys given."""
    errors: dict[str, list[str]] = {}

    def has(key: str) -> bool:
        return key in data or not partial

    def add(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    if has("code") and not valid_code(data.get("code") or ""):
        add("code", "Use 2 to 5 capital letters, a dash and 3 digits, e.g. CLD-201.")
    if has("title"):
        title = data.get("title") or ""
        if not title.strip() or len(title) > 200:
            add("title", "A title of 1 to 200 characters is required.")
    if has("summary") and len(data.get("summary") or "") > MAX_TEXT:
        add("summary", f"At most {MAX_TEXT} characters.")
    if has("track") and data.get("track") not in COURSE_TRACKS:
        add("track", "Choose student, faculty or both.")
    if has("level") and data.get("level") not in LEVELS:
        add("level", "Choose beginner, intermediate or advanced.")
    if has("duration_hours"):
        hours = data.get("duration_hours")
        if not _is_int(hours) or not 1 <= hours <= 2000:
            add("duration_hours", "A whole number of hours from 1 to 2,000.")
    if has("min_attendance_percent"):
        pct = data.get("min_attendance_percent")
        if not _is_int(pct) or not 0 <= pct <= 100:
            add("min_attendance_percent", "A whole percentage from 0 to 100.")
    if "skills" in data:
        skills = data.get("skills") or []
        if len(skills) > MAX_SKILLS:
            add("skills", f"At most {MAX_SKILLS} skills.")
        if any(len(s) > MAX_SKILL_LEN for s in skills):
            add("skills", f"A skill has at most {MAX_SKILL_LEN} characters.")
    if "industry_partners" in data:
        partners = data.get("industry_partners") or []
        if len(partners) > MAX_PARTNERS:
            add("industry_partners", f"At most {MAX_PARTNERS} partners.")
        if any(len(p) > MAX_PARTNER_LEN for p in partners):
            add("industry_partners", f"A partner name has at most {MAX_PARTNER_LEN} characters.")
    if "modules" in data:
        for message in validate_modules(data.get("modules") or []):
            add("modules", message)
    return errors


def validate_modules(modules: list[Mapping]) -> list[str]:
    """Problems with an ordered list of modules ({title, hours, description})."""
    problems = []
    if len(modules) > MAX_MODULES:
        problems.append(f"At most {MAX_MODULES} modules.")
    for n, m in enumerate(modules, start=1):
        title = (m.get("title") or "").strip()
        if not title or len(title) > 200:
            problems.append(f"Module {n}: a title of 1 to 200 characters is required.")
        hours = m.get("hours")
        if not isinstance(hours, int | float) or isinstance(hours, bool) or not 0 <= hours <= 500:
            problems.append(f"Module {n}: hours must be a number from 0 to 500.")
        if len(m.get("description") or "") > MAX_TEXT:
            problems.append(f"Module {n}: the description has at most {MAX_TEXT} characters.")
    return problems


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def can_transition(current: str, new: str) -> bool:
    """True if a course may go from status `current` to `new`."""
    return new in TRANSITIONS.get(current, ())


def refused_edits(status: str, changed: Iterable[str]) -> list[str]:
    """The fields among `changed` that a course in `status` does not let anyone edit."""
    allowed = EDITABLE.get(status, frozenset())
    return sorted(f for f in changed if f not in allowed)


def find_cycle(edges: Mapping[int, Iterable[int]], course_id: int,
               new_prerequisites: Iterable[int]) -> list[int] | None:
    """The cycle that giving `course_id` these prerequisites would make, else None.

    `edges` maps each course to its current prerequisites; the course's own entry is replaced by
    `new_prerequisites`. The answer is a path [course_id, ..., course_id].
    """
    graph = {k: list(v) for k, v in edges.items()}
    graph[course_id] = list(new_prerequisites)
    # depth-first search from the course's prerequisites back to the course
    stack: list[tuple[int, list[int]]] = [(p, [course_id, p]) for p in graph[course_id]]
    seen: set[int] = set()
    while stack:
        node, path = stack.pop()
        if node == course_id:
            return path
        if node in seen:
            continue
        seen.add(node)
        for nxt in graph.get(node, ()):
            stack.append((nxt, [*path, nxt]))
    return None


def serves(course_track: str, audience: str) -> bool:
    """True if a course of this track serves learners of this audience (student or faculty)."""
    return course_track in (audience, "both")


def track_progress(course_ids: list[int], done_ids: Iterable[int]) -> tuple[int, int, int]:
    """(done, total, percent) of a track's courses."""
    done = set(done_ids)
    n_done = sum(1 for c in course_ids if c in done)
    total = len(course_ids)
    return n_done, total, (round(100 * n_done / total) if total else 0)


_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_BLOCK_MARKS = re.compile(r"(?m)^\s{0,3}(?:#{1,6}\s+|>+\s?|[-*+]\s+)")
_MARKUP = re.compile(r"\*\*|\*|`|~~")


def excerpt(markdown: str | None, limit: int = 180) -> str:
    """A plain-text excerpt of Markdown for lists: markup dropped, not rendered (cheap)."""
    text = _BLOCK_MARKS.sub("", _LINK.sub(r"\1", markdown or ""))
    text = " ".join(_MARKUP.sub("", text).split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "…"
