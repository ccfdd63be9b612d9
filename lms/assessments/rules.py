"""Pure assessment rules: grading of every question kind, responses, results, windows, drawing.

No Flask, no database: everything here works on plain values so it can be unit-tested.

Partial credit for multiple choice (the rule, stated once):
    points x max(0, (right options chosen - wrong options chosen) / number of right options)
so choosing every right option and no wrong one gives full points, each wrong choice cancels a
right one, and the score never goes below zero. Choosing every option therefore earns nothing
unless all options are right.

Essays: a blank (or missing) essay scores 0 at once; a written one waits for a trainer (None).
File uploads alike: no file handed in scores 0; files wait for a trainer. Their response is the
list of the upload ids (`option_ids` then names the uploads made for that question).
"""

import hashlib
import hmac
import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

KINDS = ("single", "multiple", "true_false", "short_text", "numeric", "essay", "file_upload")
MANUAL_KINDS = ("essay", "file_upload")  # graded by a trainer
OBJECTIVE_KINDS = ("single", "multiple", "true_false", "short_text", "numeric")
CHOICE_KINDS = ("single", "multiple")
MAX_TEXT = 2000
MAX_ESSAY = 20000
NUMERIC_EPSILON = 1e-9  # float noise allowance so that the tolerance edges are inclusive


# responses -------------------------------------------------------------------------------------
def normalise_text(text: str) -> str:
    """Strip, case-fold and collapse inner whitespace, for comparing short answers."""
    return " ".join(str(text).split()).casefold()


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def clean_response(kind: str, response, option_ids: Iterable[int] = ()):
    """The response in its canonical form for `kind`, or raise ValueError when it is invalid.

    None means "no answer". single: an option id; multiple: a list of option ids (deduplicated,
    sorted); true_false: a boolean; short_text and essay: a string; numeric: a finite number.
    """
    if response is None:
        return None
    ids = set(option_ids)
    if kind == "single":
        if not isinstance(response, int) or isinstance(response, bool) or response not in ids:
            raise ValueError("Choose one of the options.")
        return response
    if kind == "multiple":
        if not isinstance(response, list) or any(
                not isinstance(r, int) or isinstance(r, bool) or r not in ids for r in response):
            raise ValueError("Choose from the options.")
        return sorted(set(response))
    if kind == "true_false":
        if not isinstance(response, bool):
            raise ValueError("Answer true or false.")
        return response
    if kind == "numeric":
        if not _is_number(response):
            raise ValueError("Give a number.")
        return response
    if kind == "file_upload":
        if not isinstance(response, list) or any(
                not isinstance(r, int) or isinstance(r, bool) or r not in ids for r in response):
            raise ValueError("Choose among the files you handed in for this question.")
        return sorted(set(response)) or None
    if kind in ("short_text", "essay"):
        limit = MAX_ESSAY if kind == "essay" else MAX_TEXT
        if not isinstance(response, str) or len(response) > limit:
            raise ValueError(f"Give a text of at most {limit} characters.")
        return response if response.strip() else None
    raise ValueError("Unknown question kind.")


def response_from_form(kind: str, values: Sequence[str]):
    """Turn the strings of a plain HTML form into a response (ValueError when they make none)."""
    values = [v for v in values if v is not None]
    if kind in ("multiple", "file_upload"):
        try:
            return [int(v) for v in values if v.strip()] or None
        except ValueError:
            raise ValueError("Choose from the options.") from None
    raw = values[0] if values else ""
    if kind in ("short_text", "essay"):
        return raw if raw.strip() else None
    raw = raw.strip()
    if not raw:
        return None
    if kind == "single":
        try:
            return int(raw)
        except ValueError:
            raise ValueError("Choose one of the options.") from None
    if kind == "true_false":
        if raw not in ("true", "false"):
            raise ValueError("Answer true or false.")
        return raw == "true"
    if kind == "numeric":
        try:
            number = float(raw.replace(",", ""))
        except ValueError:
            raise ValueError("Give a number, like 12.5.") from None
        if not math.isfinite(number):
            raise ValueError("Give a number, like 12.5.")
        return int(number) if number.is_integer() and "." not in raw else number
    raise ValueError("Unknown question kind.")


# grading ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Key:
    """What grading needs to know of a question."""

    kind: str
    points: float
    options: tuple = ()  # ({"id", "text", "correct"}, ...)
    accepted_answers: tuple = ()
    answer: object = None
    tolerance: float | None = None

    @classmethod
    def of(cls, q) -> "Key":
        """The key of any object with the Question attributes."""
        return cls(q.kind, float(q.points or 0), tuple(q.options or ()),
                   tuple(q.accepted_answers or ()), q.answer, q.tolerance)


def grade(key: Key, response) -> float | None:
    """Points earned by `response` (None: an essay waiting for a trainer)."""
    option_ids = [o["id"] for o in key.options]
    if key.kind == "file_upload":  # the upload ids were checked when saved
        return None if isinstance(response, list) and response else 0.0
    if key.kind == "multiple" and isinstance(response, list):
        response = [r for r in response if r in option_ids]  # options removed since: ignored
    try:
        response = clean_response(key.kind, response, option_ids)
    except ValueError:
        response = None  # an invalid stored response counts as no answer
    if key.kind in MANUAL_KINDS:
        return 0.0 if response is None else None
    if response is None:
        return 0.0
    if key.kind == "single":
        right = {o["id"] for o in key.options if o.get("correct")}
        return key.points if response in right else 0.0
    if key.kind == "multiple":
        right = {o["id"] for o in key.options if o.get("correct")}
        if not right:
            return 0.0
        chosen = set(response)
        share = (len(chosen & right) - len(chosen - right)) / len(right)
        return round(key.points * max(0.0, share), 4)
    if key.kind == "true_false":
        return key.points if response is key.answer else 0.0
    if key.kind == "short_text":
        given = normalise_text(response)
        return key.points if any(given == normalise_text(a) for a in key.accepted_answers) else 0.0
    if key.kind == "numeric":
        if not _is_number(key.answer):
            return 0.0
        tolerance = abs(key.tolerance or 0.0)
        margin = NUMERIC_EPSILON * max(1.0, abs(key.answer))
        return key.points if abs(response - key.answer) <= tolerance + margin else 0.0
    return 0.0


def is_full_marks(points: float | None, max_points: float) -> bool:
    """True when an answer earned all of its question's points."""
    return points is not None and points >= max_points - 1e-9


def totals(points: Iterable[float | None], max_points: Iterable[float]) -> tuple[float, float, float | None]:
    """(score, max_score, percent) of an attempt; percent None while any answer is ungraded."""
    points = list(points)
    score = round(sum(p for p in points if p is not None), 4)
    max_score = round(sum(max_points), 4)
    if any(p is None for p in points):
        return score, max_score, None
    percent = round(100.0 * score / max_score, 2) if max_score > 0 else 100.0
    return score, max_score, percent


def passed(percent: float | None, pass_percent: int) -> bool:
    """Passed when graded at or above the pass percentage."""
    return percent is not None and percent >= pass_percent - 1e-9


# results across attempts --------------------------------------------------------------------------
@dataclass(frozen=True)
class AttemptFacts:
    """An attempt as the result rule sees it."""

    number: int
    status: str  # open | needs_grading | graded
    percent: float | None


def result_percent(attempts: Iterable[AttemptFacts], method: str) -> float | None:
    """The learner's result by grading method, over graded attempts only (None: none graded)."""
    graded = sorted((a for a in attempts if a.status == "graded" and a.percent is not None),
                    key=lambda a: a.number)
    if not graded:
        return None
    if method == "highest":
        return max(a.percent for a in graded)
    if method == "latest":
        return graded[-1].percent
    if method == "average":
        return round(sum(a.percent for a in graded) / len(graded), 2)
    raise ValueError(f"unknown grading method {method!r}")


def result_status(attempts: Iterable[AttemptFacts]) -> str:
    """not_attempted, in_progress (only an open attempt), needs_grading or graded."""
    statuses = {a.status for a in attempts}
    if "needs_grading" in statuses:
        return "needs_grading"
    if "graded" in statuses:
        return "graded"
    if "open" in statuses:
        return "in_progress"
    return "not_attempted"


# windows and deadlines --------------------------------------------------------------------------
def effective_window(opens_at, closes_at, override_opens=None, override_closes=None):
    """The (opens, closes) pair for a cohort: its override's times win where set."""
    return (override_opens if override_opens is not None else opens_at,
            override_closes if override_closes is not None else closes_at)


def window_state(now: datetime, opens_at: datetime | None, closes_at: datetime | None) -> str:
    """'not_yet', 'open' or 'closed' at `now` (the close instant itself is closed)."""
    if opens_at is not None and now < opens_at:
        return "not_yet"
    if closes_at is not None and now >= closes_at:
        return "closed"
    return "open"


def deadline(started_at: datetime, time_limit_minutes: int | None,
             closes_at: datetime | None) -> datetime | None:
    """An attempt's deadline: start plus the time limit, never after the close."""
    candidates = [c for c in (
        started_at + timedelta(minutes=time_limit_minutes) if time_limit_minutes else None,
        closes_at) if c is not None]
    return min(candidates) if candidates else None


def is_overdue(now: datetime, deadline_at: datetime | None) -> bool:
    """True once the deadline has passed (answers at the deadline instant are late)."""
    return deadline_at is not None and now >= deadline_at


def may_review(mode: str, status: str, now: datetime, closes_at: datetime | None) -> bool:
    """Whether a learner may see the answer key and per-question marks of a submitted attempt."""
    if status == "open":
        return False
    if mode == "after_submit":
        return True
    if mode == "after_close":
        return closes_at is not None and now >= closes_at
    return False


# drawing and shuffling ------------------------------------------------------------------------
def attempt_seed(assessment_id: int, user_id: int, number: int) -> str:
    """The seed of an attempt's draw and shuffles: stable for the same attempt."""
    return f"assessment:{assessment_id}:user:{user_id}:attempt:{number}"


def draw_questions(question_ids: Sequence[int], draw_count: int | None, shuffle: bool,
                   seed: str) -> list[int]:
    """The question ids of an attempt: N drawn at random (or all), shuffled or in pool order."""
    rng = random.Random(seed)
    ids = list(question_ids)
    if draw_count and draw_count < len(ids):
        chosen = set(rng.sample(ids, draw_count))
        ids = [i for i in ids if i in chosen]
    if shuffle:
        rng.shuffle(ids)
    return ids


def option_order(option_ids: Sequence[int], seed: str) -> list[int]:
    """A stable shuffled order of a question's options for one attempt."""
    ids = list(option_ids)
    random.Random(seed).shuffle(ids)
    return ids


def private_seed(secret: str, seed: str) -> str:
    """A seed learners cannot recompute (attempt_seed is made of numbers they know)."""
    return hmac.new(secret.encode(), seed.encode(), hashlib.sha256).hexdigest()


PUBLIC_ID_FLOOR = 1_000_000  # above any authoring id: an authoring id is never a public one
PUBLIC_ID_CEILING = 2**31 - 1


def public_option_ids(secret: str, scope: str, option_ids: Sequence[int]) -> dict[int, int]:
    """The ids a learner sees for a question's options inside one attempt (`scope`): keyed
    hashes, so they say nothing about authoring order or which option is right; unique within
    the question, stable for the attempt. Maps authoring id -> public id."""
    out: dict[int, int] = {}
    taken: set[int] = set()
    span = PUBLIC_ID_CEILING - PUBLIC_ID_FLOOR
    for oid in option_ids:
        salt = 0
        while True:
            digest = hmac.new(secret.encode(), f"{scope}:{oid}:{salt}".encode(),
                              hashlib.sha256).digest()
            value = PUBLIC_ID_FLOOR + int.from_bytes(digest[:8], "big") % span
            if value not in taken:
                break
            salt += 1
        out[oid] = value
        taken.add(value)
    return out


def translate_response(kind: str, response, ids: dict[int, int]):
    """A choice response with its option ids mapped through `ids`; an id not in `ids` becomes
    0 (no option has it, so clean_response refuses it); other kinds and shapes are unchanged."""

    def one(value):
        if isinstance(value, int) and not isinstance(value, bool):
            return ids.get(value, 0)
        return value

    if kind == "single":
        return one(response)
    if kind == "multiple" and isinstance(response, list):
        return [one(v) for v in response]
    return response


def assign_option_ids(new_options: Sequence[dict], old_options: Sequence[dict]) -> list[dict]:
    """Give options stable ids: a known id is kept, else an unchanged text keeps its id, else new."""
    old_ids = {o["id"] for o in old_options}
    by_text = {}
    for o in old_options:
        by_text.setdefault(normalise_text(o["text"]), o["id"])
    used: set[int] = set()
    next_id = max(old_ids | {0}) + 1
    out = []
    for o in new_options:
        oid = o.get("id")
        if not (isinstance(oid, int) and oid in old_ids and oid not in used):
            oid = by_text.get(normalise_text(o["text"]))
            if oid is None or oid in used:
                oid = None
        if oid is None:
            oid = next_id
            next_id += 1
        used.add(oid)
        out.append({"id": oid, "text": o["text"], "correct": bool(o.get("correct"))})
    return out


# question validation ---------------------------------------------------------------------------
def validate_question(data: dict) -> tuple[dict, dict[str, list[str]]]:
    """Check a question's fields for its kind; return (clean fields, errors by field name)."""
    errors: dict[str, list[str]] = {}
    kind = data.get("kind")
    if kind not in KINDS:
        return {}, {"kind": [f"One of: {', '.join(KINDS)}."]}
    prompt = data.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip() or len(prompt) > 5000:
        errors["prompt"] = ["A prompt of 1 to 5,000 characters is required."]
    points = data.get("points", 1)
    if not _is_number(points) or not 0 <= points <= 1000:
        errors["points"] = ["Points must be a number from 0 to 1,000."]
    feedback = data.get("feedback")
    if feedback is not None and (not isinstance(feedback, str) or len(feedback) > 5000):
        errors["feedback"] = ["At most 5,000 characters."]
    clean = {"kind": kind, "prompt": (prompt or "").strip() if isinstance(prompt, str) else "",
             "points": float(points) if _is_number(points) else 0.0,
             "options": [], "accepted_answers": [], "answer": None, "tolerance": None,
             "feedback": (feedback or "").strip() or None if isinstance(feedback, str) else None,
             "upload_rules": None}
    if kind in CHOICE_KINDS:
        options = data.get("options") or []
        bad = not isinstance(options, list) or any(
            not isinstance(o, dict) or not isinstance(o.get("text"), str) or not o["text"].strip()
            or len(o["text"]) > 1000 for o in options)
        if bad:
            errors["options"] = ["Every option needs a text of 1 to 1,000 characters."]
        elif not 2 <= len(options) <= 20:
            errors["options"] = ["Give from 2 to 20 options."]
        else:
            right = sum(1 for o in options if o.get("correct") is True)
            if kind == "single" and right != 1:
                errors["options"] = ["Mark exactly one option as correct."]
            elif kind == "multiple" and right < 1:
                errors["options"] = ["Mark at least one option as correct."]
            texts = [normalise_text(o["text"]) for o in options]
            if len(set(texts)) != len(texts):
                errors.setdefault("options", []).append("Two options have the same text.")
            clean["options"] = [{"id": o.get("id"), "text": o["text"].strip(),
                                 "correct": o.get("correct") is True} for o in options]
    elif kind == "true_false":
        if not isinstance(data.get("answer"), bool):
            errors["answer"] = ["Say whether the statement is true or false."]
        clean["answer"] = data.get("answer")
    elif kind == "short_text":
        accepted = data.get("accepted_answers") or []
        if not isinstance(accepted, list) or any(not isinstance(a, str) for a in accepted):
            errors["accepted_answers"] = ["Accepted answers must be texts."]
        else:
            accepted = [" ".join(a.split()) for a in accepted if a.strip()]
            if not accepted:
                errors["accepted_answers"] = ["Give at least one accepted answer."]
            elif any(len(a) > 500 for a in accepted) or len(accepted) > 50:
                errors["accepted_answers"] = ["At most 50 answers of 500 characters each."]
            clean["accepted_answers"] = accepted
    elif kind == "file_upload":
        try:
            clean["upload_rules"] = upload_settings(data.get("upload_rules"), strict=True)
        except ValueError as exc:
            errors["upload_rules"] = [str(exc)]
    elif kind == "numeric":
        answer, tolerance = data.get("answer"), data.get("tolerance")
        if not _is_number(answer):
            errors["answer"] = ["The answer must be a number."]
        if tolerance is None:
            tolerance = 0.0
        if not _is_number(tolerance) or tolerance < 0:
            errors["tolerance"] = ["The tolerance must be a number of 0 or more."]
        clean["answer"] = answer
        clean["tolerance"] = float(tolerance) if _is_number(tolerance) else None
    return clean, errors


def key_fields(clean: dict) -> dict:
    """The parts of a question that decide its grading (a change means regrading)."""
    return {"points": clean.get("points"),
            "options": [{"id": o["id"], "correct": o["correct"]} for o in clean.get("options") or []],
            "accepted_answers": list(clean.get("accepted_answers") or []),
            "answer": clean.get("answer"), "tolerance": clean.get("tolerance")}


# file uploads ----------------------------------------------------------------------------------
UPLOAD_DEFAULTS = {"types": [], "max_mb": 20, "max_files": 3}


def upload_settings(value, strict: bool = False) -> dict:
    """A file_upload question's settings: allowed extensions (empty: any document type), size
    limit in MB (1 to 100) and number of files (1 to 10); invalid parts raise when `strict`."""
    from lms.materials.rules import UPLOAD_TYPES

    value = value if isinstance(value, dict) else {}
    out = dict(UPLOAD_DEFAULTS)
    types = value.get("types", [])
    if not isinstance(types, list) or any(
            not isinstance(t, str) or t.lower().lstrip(".") not in UPLOAD_TYPES for t in types):
        if strict:
            raise ValueError(f"File types from: {', '.join(UPLOAD_TYPES)}.")
    else:
        out["types"] = sorted({t.lower().lstrip(".") for t in types})
    for name, low, high in (("max_mb", 1, 100), ("max_files", 1, 10)):
        raw = value.get(name, out[name])
        if not _is_number(raw) or not low <= raw <= high:
            if strict:
                raise ValueError(f"{name} must be from {low} to {high}.")
        else:
            out[name] = int(raw) if name == "max_files" else float(raw)
    return out
