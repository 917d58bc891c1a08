"""An unexpected-rows expectation that runs its query once: a count, no fetch of the rows.

GX's ``UnexpectedRowsExpectation`` resolves two metrics, the rows' count and the rows themselves
(which only its COMPLETE result format returns), so every query ran twice: the reconciliation of
``call_kpis_daily`` with ``fct_calls`` took 3.1 s each time at a year of the ``large`` preset.
The audit keeps a sample of the rows of a failed check, fetched by the gate afterwards
(``service_warehouse.quality._gx``). Imported after GX (``_common.import_gx``); defining the
class registers it with GX under ``unexpected_rows_counted_expectation``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from great_expectations.expectations import UnexpectedRowsExpectation


class UnexpectedRowsCountedExpectation(UnexpectedRowsExpectation):
    """No row of ``unexpected_rows_query`` may exist; the observed value is how many do."""

    metric_dependencies: ClassVar[tuple[str, ...]] = ("unexpected_rows_query.row_count",)

    def _validate(self, metrics: dict, runtime_configuration: dict | None = None,
                  execution_engine: Any = None) -> dict:
        count = metrics["unexpected_rows_query.row_count"]
        return {"success": count == 0, "result": {"observed_value": count}}
