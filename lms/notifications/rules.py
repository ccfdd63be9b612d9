"""Pure notification rules: who may be sent what, retry backoff, throttling, at-risk wording."""

from datetime import date, datetime, timedelta

# optional kinds and the preference that switches them off (the rest are always sent)
PREFERENCE_OF = {
    "session_reminder": "reminders",
    "at_risk": "at_risk",
    "at_risk_trainer": "at_risk",
    "digest": "digest",
}
PREFERENCES = ("reminders", "at_risk", "digest")
# account-security messages: no settings link, never switched off
SECURITY_KINDS = frozenset({"welcome", "password_reset"})
KINDS = (
    "welcome", "password_reset", "session_reminder", "session_moved", "session_cancelled",
    "waitlist_promoted", "excuse_decided", "essay_graded", "certificate_issued", "at_risk",
    "at_risk_trainer", "digest",
)
BACKOFF_BASE_SECONDS = 60
BACKOFF_MAX_SECONDS = 6 * 3600
MAX_ERROR = 500


def is_optional(kind: str) -> bool:
    """True for messages a user may switch off (reminders, at-risk warnings, digests)."""
    return kind in PREFERENCE_OF


def wants(kind: str, prefs: dict[str, bool] | None) -> bool:
    """Whether a user with these preferences (None: the defaults, all on) gets this kind."""
    name = PREFERENCE_OF.get(kind)
    if name is None or prefs is None:
        return True
    return bool(prefs.get(name, True))


def backoff(attempts: int) -> timedelta:
    """Delay before the next try after `attempts` failed ones: 1, 2, 4 ... minutes, at most 6 h."""
    seconds = BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, BACKOFF_MAX_SECONDS))


def after_failure(attempts: int, max_attempts: int, now: datetime) -> tuple[str, datetime]:
    """(new status, next attempt time) after a failed try: queued again, or failed at the last."""
    if attempts >= max_attempts:
        return "failed", now
    return "queued", now + backoff(attempts)


def claim_capacity(max_per_minute: int, sent_last_minute: int, in_flight: int,
                   batch: int) -> int:
    """How many messages a worker may claim now without exceeding the per-minute rate."""
    return max(0, min(batch, max_per_minute - sent_last_minute - in_flight))


def clip_error(text: str) -> str:
    """An error kept short enough for the outbox column (one line)."""
    return " ".join(str(text).split())[:MAX_ERROR]


def sessions_needed(attended: int, counted: int, to_come: int, threshold: float) -> int | None:
    """The fewest of the next sessions a learner must attend to be at `threshold` % again.

    `attended` = present + late, `counted` = held - excused. 0 when already there; None when
    even attending every session still to come (`to_come`) is not enough.
    """
    for n in range(0, to_come + 1):
        denominator = counted + n
        if denominator > 0 and (attended + n) * 100 >= threshold * denominator:
            return n
    return None


def reach_sentence(needed: int | None, threshold: float) -> str:
    """What is still possible, in words, for the at-risk warning."""
    t = f"{threshold:g} %"
    if needed is None:
        return (f"You can no longer reach {t} in this cohort; please talk to your trainer "
                "about what you can still do.")
    if needed == 0:
        return f"You are at {t} now; attend every session to stay there."
    plural = "session" if needed == 1 else f"{needed} sessions"
    what = "the next session" if needed == 1 else f"the next {plural}"
    return f"You can still reach {t} if you attend {what}."


def week_key(day: date) -> str:
    """The ISO week of a day, e.g. 2026-W10 (at-risk warnings and digests: once a week)."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def reset_allowed(recent_for_account: int, per_account: int) -> bool:
    """Whether another reset message may be queued for an account (per hour)."""
    return recent_for_account < per_account
