"""Time helpers: UTC storage, park time (Asia/Karachi) for display and input."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator

PARK_TZ = ZoneInfo("Asia/Karachi")


def utcnow() -> datetime:
    """The current instant, timezone-aware in UTC (time-machine can move it)."""
    return datetime.now(UTC)


def to_park(dt: datetime) -> datetime:
    """Convert an aware instant to park time."""
    return as_utc(dt).astimezone(PARK_TZ)


def park_today() -> date:
    """Today's date in park time."""
    return to_park(utcnow()).date()


def park_to_utc(day: date, at: time) -> datetime:
    """A park-time date and time of day as a UTC instant."""
    return datetime.combine(day, at, tzinfo=PARK_TZ).astimezone(UTC)


def as_utc(dt: datetime) -> datetime:
    """Treat a naive datetime as UTC (SQLite returns naive), convert aware ones to UTC."""
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always returned timezone-aware."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        return None if value is None else as_utc(value)
