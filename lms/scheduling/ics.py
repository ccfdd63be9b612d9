"""A hand-written iCalendar (RFC 5545) writer: escaping, line folding, CRLF, UTC times (pure)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

CRLF = "\r\n"


@dataclass(frozen=True)
class Event:
    """One VEVENT."""

    uid: str
    starts_at: datetime
    ends_at: datetime
    summary: str
    location: str = ""
    description: str = ""
    cancelled: bool = False


def escape_text(value: str) -> str:
    """Escape a TEXT value: backslash, semicolon, comma and newlines (RFC 5545 3.3.11)."""
    return (str(value).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n"))


def fold(line: str) -> str:
    """Fold a content line at 75 octets (UTF-8, never inside a character), CRLF + space."""
    out: list[str] = []
    current = b""
    limit = 75
    for ch in line:
        enc = ch.encode("utf-8")
        if len(current) + len(enc) > limit:
            out.append(current.decode("utf-8"))
            current = b""
            limit = 74  # continuation lines begin with a space
        current += enc
    out.append(current.decode("utf-8"))
    return (CRLF + " ").join(out)


def utc_stamp(dt: datetime) -> str:
    """A DATE-TIME in UTC form: 20260105T050000Z."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar(name: str, events: Iterable[Event], stamp: datetime) -> str:
    """A VCALENDAR document with the events, CRLF line ends."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Knowledge Park LMS//Timetable//EN",
             "CALSCALE:GREGORIAN", "METHOD:PUBLISH", f"X-WR-CALNAME:{escape_text(name)}",
             "X-WR-TIMEZONE:Asia/Karachi"]
    for ev in events:
        lines += ["BEGIN:VEVENT", f"UID:{ev.uid}", f"DTSTAMP:{utc_stamp(stamp)}",
                  f"DTSTART:{utc_stamp(ev.starts_at)}", f"DTEND:{utc_stamp(ev.ends_at)}",
                  f"SUMMARY:{escape_text(ev.summary)}"]
        if ev.location:
            lines.append(f"LOCATION:{escape_text(ev.location)}")
        if ev.description:
            lines.append(f"DESCRIPTION:{escape_text(ev.description)}")
        lines.append("STATUS:CANCELLED" if ev.cancelled else "STATUS:CONFIRMED")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + CRLF for line in lines)
