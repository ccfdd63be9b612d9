"""Pure scheduling rules: session generation, overlaps, seats and waitlist, cohort status.

No Flask and no database here: everything takes plain values and is unit-tested on its own.
"""

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

PARK_TZ = ZoneInfo("Asia/Karachi")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_LABELS = {"mon": "Monday", "tue": "Tuesday", "wed": "Wednesday", "thu": "Thursday",
              "fri": "Friday", "sat": "Saturday", "sun": "Sunday"}
MAX_PROGRAMME_DAYS = 2 * 366  # a cohort runs for at most two years
MAX_SESSIONS = 500
MAX_SESSION_LENGTH = timedelta(days=1)  # a session starts and ends on one park day
COHORT_STATUSES = ("planned", "open", "running", "completed", "cancelled")
# the status changes staff may make by hand
STATUS_TRANSITIONS = {
    "planned": ("open", "cancelled"),
    "open": ("planned", "running", "cancelled"),
    "running": ("completed", "cancelled"),
    "completed": (),
    "cancelled": (),
}
FULL_NAMES = {v.lower(): k for k, v in DAY_LABELS.items()}
HOLDING_STATUSES = ("enrolled", "waitlisted")  # a learner "holds" a cohort in these
SEATED_STATUSES = ("enrolled", "completed")
CLOSED_COHORT_STATUSES = ("completed", "cancelled")  # their sessions no longer change


# --- patterns and session generation -----------------------------------------------------------

def normalize_days(days: Iterable[str] | str | None) -> list[str]:
    """Meeting days as a sorted list of unique lower-case three-letter names (unknown kept)."""
    if days is None:
        return []
    if isinstance(days, str):
        days = days.split(",")
    seen = []
    for d in days:
        d = str(d).strip().lower()
        d = FULL_NAMES.get(d, d)
        if d and d not in seen:
            seen.append(d)
    return sorted(seen, key=lambda d: WEEKDAYS.index(d) if d in WEEKDAYS else 99)


def pattern_errors(start_date: date | None, end_date: date | None, days: list[str],
                   start_time: time | None, end_time: time | None) -> dict[str, list[str]]:
    """Field errors of a weekly pattern (empty when it is valid)."""
    errors: dict[str, list[str]] = {}
    if start_date is None:
        errors["start_date"] = ["A start date is required."]
    if end_date is None:
        errors["end_date"] = ["An end date is required."]
    if start_date and end_date:
        if end_date < start_date:
            errors["end_date"] = ["The end date must not be before the start date."]
        elif (end_date - start_date).days > MAX_PROGRAMME_DAYS:
            errors["end_date"] = ["A cohort runs for at most two years."]
    bad = [d for d in days if d not in WEEKDAYS]
    if not days:
        errors["meeting_days"] = ["Choose at least one meeting day."]
    elif bad:
        errors["meeting_days"] = [f"Unknown day(s): {', '.join(bad)}; use mon, tue, ... sun."]
    if start_time is None:
        errors["start_time"] = ["A start time is required."]
    if end_time is None:
        errors["end_time"] = ["An end time is required."]
    if start_time and end_time and end_time <= start_time:
        errors["end_time"] = ["The end time must be after the start time."]
    return errors


def park_instant(day: date, at: time) -> datetime:
    """A park-time date and time of day as an aware UTC instant."""
    return datetime.combine(day, at, tzinfo=PARK_TZ).astimezone(UTC)


def meeting_dates(start_date: date, end_date: date, days: Iterable[str],
                  holidays: Iterable[date] = ()) -> list[date]:
    """The dates from start to end (both inclusive) on the meeting days, minus holidays."""
    wanted = {WEEKDAYS.index(d) for d in days if d in WEEKDAYS}
    skip = set(holidays)
    out = []
    day = start_date
    while day <= end_date:
        if day.weekday() in wanted and day not in skip:
            out.append(day)
        day += timedelta(days=1)
    return out


def generate_sessions(start_date: date, end_date: date, days: Iterable[str], start_time: time,
                      end_time: time, holidays: Iterable[date] = ()) -> list[tuple[datetime, datetime]]:
    """The (starts_at, ends_at) UTC pairs of a weekly pattern in park time, skipping holidays."""
    return [(park_instant(d, start_time), park_instant(d, end_time))
            for d in meeting_dates(start_date, end_date, days, holidays)]


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """True if two half-open intervals overlap; back-to-back (a_end == b_start) is no overlap."""
    return a_start < b_end and a_end > b_start


def drop_overlapping(pairs: list[tuple[datetime, datetime]],
                     kept: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """The pairs that overlap none of `kept` (used when regenerating around kept sessions)."""
    return [p for p in pairs if not any(overlaps(p[0], p[1], k[0], k[1]) for k in kept)]


def park_day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC instants at which a park-time day begins and ends."""
    return park_instant(day, time(0, 0)), park_instant(day + timedelta(days=1), time(0, 0))


def week_start(day: date) -> date:
    """The Monday of the week containing `day`."""
    return day - timedelta(days=day.weekday())


# --- clash messages ----------------------------------------------------------------------------

SHORT_DAYS = {d: label[:3] for d, label in DAY_LABELS.items()}


def days_text(days: Iterable[str]) -> str:
    """Meeting days for a sentence: 'Mon', 'Mon and Wed', 'Mon, Wed and Fri'."""
    names = [SHORT_DAYS.get(d, d) for d in days]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def dates_text(dates: Iterable[date]) -> str:
    """The dates a clash falls on: 'on Mon 14 Dec' or 'on 22 dates from 14 Dec to 25 Jan'."""
    days = sorted(set(dates))
    if len(days) == 1:
        return f"on {days[0]:%a} {days[0].day} {days[0]:%b %Y}"
    span = days[0].year != days[-1].year

    def short(d: date) -> str:
        return f"{d.day} {d:%b}" + (f" {d.year}" if span else "")

    return f"on {len(days)} dates from {short(days[0])} to {short(days[-1])}"


def clash_line(subject: str, verb: str, other_name: str, other_days: Iterable[str],
               other_start: time, other_end: time, dates: Iterable[date]) -> str:
    """One line per conflicting cohort, naming it with its own days and times: 'Lab 1 is taken
    by Cloud A, Mon and Wed 17:00-19:00, on 22 dates from 14 Dec to 25 Jan'."""
    return (f"{subject} {verb} {other_name}, {days_text(other_days)} "
            f"{other_start:%H:%M}-{other_end:%H:%M}, {dates_text(dates)}.")


# --- seats, waitlist, enrolment ---------------------------------------------------------------

def seat_decision(enrolled_count: int, capacity: int) -> str:
    """'enrolled' while a seat is free, else 'waitlisted'."""
    return "enrolled" if enrolled_count < capacity else "waitlisted"


def seats_left(enrolled_count: int, capacity: int) -> int:
    """Free seats (never negative)."""
    return max(0, capacity - enrolled_count)


def waitlist_position(my_key: tuple, waiting_keys: Iterable[tuple]) -> int:
    """1-based place in the waitlist, ordered by (queued_at, id)."""
    return 1 + sum(1 for k in waiting_keys if k < my_key)


def enrol_window_error(today: date, opens_on: date | None, closes_on: date | None) -> str | None:
    """Why self-enrolment is closed today (None when it is open)."""
    if opens_on and today < opens_on:
        return f"Enrolment opens on {opens_on:%d %b %Y}."
    if closes_on and today > closes_on:
        return f"Enrolment closed on {closes_on:%d %b %Y}."
    return None


def self_enrolment_error(status: str, today: date, opens_on: date | None,
                         closes_on: date | None) -> str | None:
    """Why a learner may not join a cohort by themselves today (None when they may): an open
    cohort inside its window, or a running one until its enrolment closes (a running cohort
    without a closing date takes no one once it started)."""
    if status == "running":
        if closes_on is None or today > closes_on:
            return "This cohort has started and its enrolment has closed."
    elif status != "open":
        return "This cohort is not open for enrolment."
    return enrol_window_error(today, opens_on, closes_on)


def missing_prerequisites(required: dict[int, str], completed: set[int]) -> list[str]:
    """The codes of required courses (id -> code) not in the completed set, sorted."""
    return sorted(code for cid, code in required.items() if cid not in completed)


# --- cohort status ---------------------------------------------------------------------------

def initial_status(start_date: date, end_date: date, today: date,
                   enrol_opens_on: date | None = None) -> str:
    """The status a new cohort starts in: current ones and past runs running (a past run is
    being recorded from paper: staff enrol, enter registers and results, issue certificates,
    then mark it completed), future ones open (or planned until enrolment opens)."""
    if start_date <= today:
        return "running"
    if enrol_opens_on and enrol_opens_on > today:
        return "planned"
    return "open"


def status_change_error(current: str, new: str) -> str | None:
    """Why a cohort may not go from `current` to `new` (None when it may)."""
    if new not in COHORT_STATUSES:
        return f"Unknown status {new!r}."
    if new == current:
        return None
    if new not in STATUS_TRANSITIONS.get(current, ()):
        return f"A {current} cohort cannot become {new}."
    return None


def enrol_dates_errors(start_date: date | None, end_date: date | None, opens_on: date | None,
                       closes_on: date | None) -> dict[str, list[str]]:
    """Field errors of the enrolment window."""
    errors: dict[str, list[str]] = {}
    if opens_on and closes_on and closes_on < opens_on:
        errors["enrol_closes_on"] = ["Enrolment must close after it opens."]
    if closes_on and end_date and closes_on > end_date:
        errors["enrol_closes_on"] = ["Enrolment must close by the cohort's end date."]
    return errors
