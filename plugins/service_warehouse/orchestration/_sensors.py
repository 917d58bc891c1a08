"""The landing sensor: waits (in reschedule mode) for the ``_done/<D>`` marker of day D."""

from __future__ import annotations

from typing import Any

from airflow.sdk import BaseSensorOperator


class LandingSensor(BaseSensorOperator):
    """Succeeds once ``<landing>/_done/<day>`` exists: the day's files have fully landed.

    ``day`` is templated (the ``prepare`` task's plan). Between pokes the worker slot is
    released (``mode="reschedule"``); after ``timeout`` the task fails with a sensor timeout
    (not retried): the day did not land in time.
    """

    template_fields = ("day",)
    ui_color = "#e8f4d9"

    def __init__(self, *, day: str, **kwargs: Any) -> None:
        kwargs.setdefault("mode", "reschedule")
        super().__init__(**kwargs)
        self.day = day

    def poke(self, context: Any) -> bool:
        from service_warehouse.config import get_settings
        from service_warehouse.orchestration._calendar import parse_day
        from service_warehouse.orchestration._tasks import is_landed

        day = parse_day(self.day, "landing day")
        if is_landed(day):
            return True
        self.log.info("day %s has not fully landed yet: waiting for %s", day,
                      get_settings().landing_dir / "_done" / day.isoformat())
        return False
