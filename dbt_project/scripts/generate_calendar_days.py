"""Generate ``seeds/calendar_days.csv``: every day of 2024–2026 with its working-day status.

Public holidays and adjusted working days (调休: weekend days worked in exchange for a holiday)
come from the ``chinese_calendar`` package, which follows the State Council's yearly notices.
Re-run it when a new year's notice is out (and the package updated):

    .venv/bin/python dbt_project/scripts/generate_calendar_days.py [--first 2024 --last 2026]

The business-time models read this seed: a holiday has no business hours, an adjusted working
day has the normal working-day hours.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
from pathlib import Path

import chinese_calendar

SEED = Path(__file__).resolve().parents[1] / "seeds" / "calendar_days.csv"


def day_row(day: dt.date) -> dict[str, object]:
    """One seed row: the day's type, whether it is worked, and the holiday's name."""
    is_holiday, name = chinese_calendar.get_holiday_detail(day)
    weekend = day.isoweekday() >= 6
    if is_holiday and name is not None:
        day_type = "holiday"
    elif is_holiday:
        day_type = "weekend"
    elif weekend:
        day_type = "adjusted_workday"  # a weekend day worked (调休)
    else:
        day_type = "workday"
    return {
        "calendar_date": day.isoformat(),
        "day_type": day_type,
        "is_working_day": str(day_type in ("workday", "adjusted_workday")).lower(),
        "holiday_name": name if day_type in ("holiday", "adjusted_workday") and name else "",
    }


def main() -> None:
    """Write the seed for the years asked (default 2024–2026)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--first", type=int, default=2024)
    parser.add_argument("--last", type=int, default=2026)
    parser.add_argument("--out", type=Path, default=SEED)
    args = parser.parse_args()
    day, end = dt.date(args.first, 1, 1), dt.date(args.last, 12, 31)
    rows = []
    while day <= end:
        rows.append(day_row(day))
        day += dt.timedelta(days=1)
    with args.out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} days to {args.out}")


if __name__ == "__main__":
    main()
