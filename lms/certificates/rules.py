"""Pure certificate rules: eligibility with its reasons, verification codes, track completion."""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

# Crockford's base32: no I, L, O, U (easy to read aloud and to type).
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_PREFIX = "KP"
CODE_CHARS = 16  # 16 x 5 bits = 80 random bits
CODE_BITS = CODE_CHARS * 5
GROUP = 4
_TYPO = str.maketrans({"O": "0", "I": "1", "L": "1"})
EPSILON = 1e-9


def new_code(randbits: Callable[[int], int] = secrets.randbits) -> str:
    """A fresh verification code: 80 random bits in groups of four, `KP-XXXX-XXXX-XXXX-XXXX`."""
    value = randbits(CODE_BITS)
    chars = []
    for _ in range(CODE_CHARS):
        value, digit = divmod(value, 32)
        chars.append(ALPHABET[digit])
    return format_code("".join(reversed(chars)))


def format_code(body: str) -> str:
    """`KP-` and the 16 characters in groups of four."""
    return CODE_PREFIX + "-" + "-".join(body[i:i + GROUP] for i in range(0, len(body), GROUP))


def normalise_code(text: str | None) -> str | None:
    """The canonical code for what someone typed or pasted (case, spaces, dashes, O/I/L), or None."""
    if not text:
        return None
    text = text.strip()
    if "/" in text:  # a pasted verification link
        text = text.rstrip("/").rsplit("/", 1)[-1]
    body = "".join(ch for ch in text.upper() if not ch.isspace() and ch not in "-_.")
    if len(body) == CODE_CHARS + len(CODE_PREFIX) and body.startswith(CODE_PREFIX):
        body = body[len(CODE_PREFIX):]
    body = body.translate(_TYPO)
    if len(body) != CODE_CHARS or any(ch not in ALPHABET for ch in body):
        return None
    return format_code(body)


def format_percent(value: float) -> str:
    """A percentage for a reason: one decimal at most, rounded down (74.96 is never '75')."""
    floored = math.floor(value * 10 + EPSILON) / 10
    return f"{floored:.0f}" if floored == int(floored) else f"{floored:.1f}"


@dataclass(frozen=True)
class RequiredResult:
    """A required assessment and how the learner stands on it (status None: not attempted)."""

    title: str
    passed: bool
    status: str | None = None


@dataclass(frozen=True)
class Eligibility:
    """Whether a learner may have a certificate, and what holds them back."""

    user_id: int
    eligible: bool
    reasons: list[str] = field(default_factory=list)


def cohort_finished(status: str, last_session_end: datetime | None, now: datetime) -> bool:
    """A cohort has ended when staff marked it completed or its last session is over."""
    if status == "completed":
        return True
    if status == "cancelled":
        return False
    return last_session_end is not None and last_session_end <= now


def cohort_reasons(status: str, last_session_end: datetime | None, now: datetime) -> list[str]:
    """What holds back the whole cohort (nothing once it has ended)."""
    if status == "cancelled":
        return ["the cohort was cancelled"]
    if cohort_finished(status, last_session_end, now):
        return []
    if last_session_end is None:
        return ["the cohort has no sessions and is not marked completed"]
    return ["the cohort has not ended yet"]


def learner_reasons(attendance_percent: float | None, min_percent: int,
                    required: Iterable[RequiredResult]) -> list[str]:
    """What holds one learner back: attendance below the threshold, required assessments."""
    reasons: list[str] = []
    if attendance_percent is None:
        if min_percent > 0:
            reasons.append(f"no attendance recorded (needs {min_percent} %)")
    elif attendance_percent + EPSILON < min_percent:
        reasons.append(f"attendance {format_percent(attendance_percent)} % < {min_percent} %")
    for result in required:
        if result.passed:
            continue
        if result.status is None:
            reasons.append(f"{result.title} not passed (not attempted)")
        elif result.status == "needs_grading":
            reasons.append(f"{result.title} not passed (awaiting grading)")
        elif result.status in ("in_progress", "open"):
            reasons.append(f"{result.title} not passed (attempt still open)")
        else:
            reasons.append(f"{result.title} not passed")
    return reasons


def eligibility(user_id: int, cohort_blockers: list[str], attendance_percent: float | None,
                min_percent: int, required: Iterable[RequiredResult]) -> Eligibility:
    """The whole rule: the cohort has ended, attendance is enough, every required test passed."""
    reasons = list(cohort_blockers) + learner_reasons(attendance_percent, min_percent, required)
    return Eligibility(user_id=user_id, eligible=not reasons, reasons=reasons)


def track_complete(track_course_ids: Iterable[int], completed_course_ids: Iterable[int]) -> bool:
    """A track is complete when it has courses and the learner completed every one."""
    needed = set(track_course_ids)
    return bool(needed) and needed <= set(completed_course_ids)


# --- hours printed -----------------------------------------------------------------------------

def taught_minutes(sessions: Iterable[tuple[datetime, datetime]], now: datetime) -> int:
    """Minutes of class the held sessions gave: those (starts_at, ends_at) over by `now`."""
    return sum(int((end - start).total_seconds()) // 60 for start, end in sessions if end <= now)


def certificate_hours(course_hours: int, minutes_taught: int) -> int:
    """The hours a course certificate states: the course's hours when the cohort held them
    all, else the whole hours actually taught (never more than were taught)."""
    return course_hours if minutes_taught >= course_hours * 60 else minutes_taught // 60


def duration_text(hours: int, minutes: int | None = None) -> str:
    """What a certificate prints: '24 hours', '1 hour', or with the minutes taught beyond the
    whole hours ('1 hour 30 minutes', '20 minutes')."""
    extra = 0 if minutes is None else min(59, max(0, minutes - hours * 60))
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if extra or not hours:
        parts.append(f"{extra} minute{'s' if extra != 1 else ''}")
    return " ".join(parts)
