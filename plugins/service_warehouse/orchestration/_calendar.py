"""What "day D" means for a run: the centre's local day that a DAG run processes.

The nightly run whose ``logical_date`` is D 02:00 local (a data-interval timetable) runs at
D+1 02:00 and processes day D; "as of" for the marts is the local midnight after D.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from service_warehouse.config import get_settings

#: Local time of day of the nightly run (and of its logical date).
NIGHTLY_HOUR = 2
#: The marts must be published by this local hour of the morning after the run starts.
PUBLISH_DEADLINE_HOUR = 7


def local_day(logical_date: datetime) -> date:
    """The centre's local day a run with this (tz-aware) logical date processes."""
    if logical_date.tzinfo is None:
        raise ValueError(f"logical date {logical_date!r} has no time zone")
    return logical_date.astimezone(get_settings().centre_tz).date()


def logical_datetime(day: date) -> datetime:
    """The logical date (D 02:00 in the centre's time zone) of the run that processes ``day``."""
    return datetime.combine(day, time(NIGHTLY_HOUR), tzinfo=get_settings().centre_tz)


def as_of(day: date) -> datetime:
    """"As of" of the marts built for ``day``: the local midnight after it."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=get_settings().centre_tz)


def parse_day(text: str, what: str = "date") -> date:
    """A ``YYYY-MM-DD`` text as a date, with an error that names the bad value."""
    try:
        return date.fromisoformat(str(text).strip())
    except ValueError:
        raise ValueError(f"{what} {text!r} is not a date of the form YYYY-MM-DD") from None
