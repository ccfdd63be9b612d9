"""Pure attendance rules: percentages, at-risk, the check-in window, rotating codes, edit window.

No Flask and no database here: everything takes plain values, so it is unit-testable.
"""

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

CHECK_IN_OPENS_BEFORE = timedelta(minutes=15)
LATE_AFTER = timedelta(minutes=15)
CODE_STEP_SECONDS = 30
CODE_DIGITS = 6
TRAINER_EDIT_DAYS = 7
ATTENDED = ("present", "late")
WRONG_CODES_PER_WINDOW = 10  # wrong check-in codes a learner may send for one session ...
WRONG_CODES_WINDOW = timedelta(minutes=1)  # ... in a minute counted from the first of them


# --- percentages ------------------------------------------------------------------------------

def attendance_percent(present: int, late: int, excused: int, held: int) -> float | None:
    """(present + late) / (held - excused) in percent; None when nothing counts yet."""
    denominator = held - excused
    if denominator <= 0:
        return None
    return (present + late) * 100 / denominator


def best_possible_percent(present: int, late: int, excused: int, held: int, upcoming: int,
                          excused_upcoming: int = 0) -> float | None:
    """The percentage if every session still to come (not excused in advance) is attended."""
    to_come = max(upcoming - excused_upcoming, 0)
    denominator = held - excused + to_come
    if denominator <= 0:
        return None
    return (present + late + to_come) * 100 / denominator


def _below(attended: int, denominator: int, threshold: float) -> bool:
    """attended / denominator < threshold % (exact for whole-number thresholds)."""
    return denominator > 0 and attended * 100 < threshold * denominator


def is_at_risk(present: int, late: int, excused: int, held: int, upcoming: int,
               threshold: float, excused_upcoming: int = 0) -> bool:
    """At risk: the best possible is below the threshold, or the current one is after a quarter."""
    attended = present + late
    to_come = max(upcoming - excused_upcoming, 0)
    if _below(attended + to_come, held - excused + to_come, threshold):
        return True
    total = held + upcoming
    quarter_held = total > 0 and held * 4 >= total
    return quarter_held and _below(attended, held - excused, threshold)


ACTIVE_COHORT_STATUSES = ("planned", "open", "running")


def flagged_at_risk(enrolment_status: str, cohort_status: str, present: int, late: int,
                    excused: int, held: int, upcoming: int, threshold: float,
                    excused_upcoming: int = 0) -> bool:
    """THE at-risk flag of every page, export and report: a learner still enrolled in a cohort
    that is still running (not completed, not cancelled) whose figures are at risk."""
    return (enrolment_status == "enrolled" and cohort_status in ACTIVE_COHORT_STATUSES
            and is_at_risk(present, late, excused, held, upcoming, threshold, excused_upcoming))


def rounded(value: float | None, places: int = 1) -> float | None:
    """A percentage for display and the API (one decimal)."""
    return None if value is None else round(value, places)


# --- check-in window --------------------------------------------------------------------------

def check_in_opens_at(starts_at: datetime) -> datetime:
    """Check-in opens 15 minutes before the start."""
    return starts_at - CHECK_IN_OPENS_BEFORE


def in_check_in_window(now: datetime, starts_at: datetime, ends_at: datetime) -> bool:
    """True from 15 minutes before the start until the end (inclusive)."""
    return check_in_opens_at(starts_at) <= now <= ends_at


def check_in_status(now: datetime, starts_at: datetime) -> str:
    """present until start + 15 minutes, late after that."""
    return "late" if now > starts_at + LATE_AFTER else "present"


# --- rotating code ----------------------------------------------------------------------------

def time_step(now: datetime) -> int:
    """The 30-second step an instant falls in."""
    return int(now.timestamp()) // CODE_STEP_SECONDS


def step_expires_at(step: int) -> datetime:
    """When a step's code stops being the current one."""
    return datetime.fromtimestamp((step + 1) * CODE_STEP_SECONDS, tz=UTC)


def rotating_code(secret: str | bytes, session_id: int, step: int) -> str:
    """HMAC-SHA256(secret, "session:step") truncated (as in TOTP) to six digits."""
    key = secret.encode() if isinstance(secret, str) else secret
    digest = hmac.new(key, f"check-in:{session_id}:{step}".encode(), hashlib.sha256).digest()
    offset = digest[-1] & 0x0F
    number = int.from_bytes(digest[offset:offset + 4], "big") & 0x7FFFFFFF
    return f"{number % 10 ** CODE_DIGITS:0{CODE_DIGITS}d}"


def code_is_valid(secret: str | bytes, session_id: int, code: str, now: datetime) -> bool:
    """Accept the current step's code or the previous one's, compared in constant time."""
    code = (code or "").strip().replace(" ", "")
    if len(code) != CODE_DIGITS or not code.isdigit():
        return False
    step = time_step(now)
    matches = [hmac.compare_digest(code, rotating_code(secret, session_id, s))
               for s in (step, step - 1)]
    return any(matches)


# --- edit window ------------------------------------------------------------------------------

def trainer_edit_deadline(ends_at: datetime) -> datetime:
    """The trainer may change a register until 7 days after the session ends."""
    return ends_at + timedelta(days=TRAINER_EDIT_DAYS)


def within_trainer_window(now: datetime, ends_at: datetime) -> bool:
    """True while the trainer may still change the register."""
    return now <= trainer_edit_deadline(ends_at)


def edit_decision(*, now: datetime, ends_at: datetime, is_trainer: bool, is_manager: bool,
                  reason: str | None) -> str:
    """'ok', 'reason_needed' or 'forbidden' for a register change.

    Inside the window the trainer and managers (park manager, admin) may change it; after it,
    only managers, and only with a reason.
    """
    if within_trainer_window(now, ends_at):
        return "ok" if (is_trainer or is_manager) else "forbidden"
    if not is_manager:
        return "forbidden"
    return "ok" if (reason or "").strip() else "reason_needed"
