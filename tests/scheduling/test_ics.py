"""The hand-written iCalendar writer."""

from datetime import UTC, datetime, timedelta, timezone

from lms.scheduling import ics


def test_escaping():
    assert ics.escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"


def test_folding_at_75_octets_without_splitting_characters():
    line = "SUMMARY:" + "ز" * 100  # two bytes each
    folded = ics.fold(line)
    parts = folded.split("\r\n")
    assert all(len(p.encode()) <= 75 for p in parts)
    assert all(p.startswith(" ") for p in parts[1:])
    assert "".join(p[1:] if i else p for i, p in enumerate(parts)) == line


def test_calendar_document():
    start = datetime(2026, 1, 5, 10, 0, tzinfo=timezone(timedelta(hours=5)))
    ev = ics.Event(uid="session-1@x", starts_at=start, ends_at=start + timedelta(hours=2),
                   summary="CLD-101 Jan, evening", location="Lab A; Lahore",
                   description="Line one\nLine two", cancelled=False)
    gone = ics.Event(uid="session-2@x", starts_at=start, ends_at=start + timedelta(hours=1),
                     summary="x", cancelled=True)
    text = ics.calendar("Ali's timetable", [ev, gone], datetime(2026, 1, 1, tzinfo=UTC))
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert text.endswith("END:VCALENDAR\r\n")
    assert "\n" not in text.replace("\r\n", "")
    assert "DTSTART:20260105T050000Z\r\n" in text
    assert "DTEND:20260105T070000Z\r\n" in text
    assert "SUMMARY:CLD-101 Jan\\, evening\r\n" in text
    assert "LOCATION:Lab A\\; Lahore\r\n" in text
    assert "DESCRIPTION:Line one\\nLine two\r\n" in text
    assert text.count("BEGIN:VEVENT") == 2
    assert "STATUS:CANCELLED" in text and "STATUS:CONFIRMED" in text
    assert "DTSTAMP:20260101T000000Z" in text
