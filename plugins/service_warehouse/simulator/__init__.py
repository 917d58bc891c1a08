"""The source simulator: plays the CRM, the call centre and field service, one day at a time.

``simulate(days, …)`` writes, for each simulated day D (a local date in the centre's time zone):

- CRM changes into schema ``crm`` of the CRM database (``crm_url()``), each row's ``updated_at``
  the simulated time of the change: customers join, move, close; complaints move through
  open → acknowledged → investigating → resolved → closed (some are reopened: status
  ``reopened``, resolved_at/closed_at cleared, reopen_count + 1) with a
  ``complaint_status_history`` row per stage; surveys (回访); invoices issued then paid.
- ``<landing>/calls/D/Master.csv`` (Asterisk cdr_csv, 18 columns, no header, CDR time zone),
  ``queue_log`` (UTC epochs), ``qa_evaluations.csv`` (UTF-8, UTF-8 with BOM or GBK; CRLF when
  exported from the spreadsheet) and ``hotline.csv`` (cdr_csv's per-account-code copy: not to be
  loaded);
- ``<landing>/repairs/D/work_orders.jsonl`` (full current state of each order changed that day);
- ``<landing>/_done/D`` last; with defects, ``<landing>/_manifest/defects.jsonl``.

Queues are named ``hotline`` (24 h, a night member), ``repair``, ``billing``, … (``queue07`` on);
repair categories are plumbing, electrical, hvac, appliance, elevator, network, general.
QA ``evaluated_at`` is local time without offset (``YYYY-MM-DD HH:MM:SS``, as a spreadsheet
exports it); work-order times are ISO-8601 with ``+08:00`` or ``+00:00`` (per line).

Every day is generated from ``(seed, date)`` and the state the previous day left in schema
``simulator`` of the CRM database, so a history generated in pieces equals one generated in one
go. ``defects=True`` injects every kind of bad input at 1 % of rows (each kind at least once per
file) on every day and a file-level fault every 7th day; pass a :class:`DefectConfig` to choose
(e.g. ``DefectConfig(days=frozenset({date(2026, 8, 5)}), file_fault_every=0)``).
"""

from __future__ import annotations

from service_warehouse.simulator._core import DEFAULT_START, DaySummary, SimulationSummary, simulate
from service_warehouse.simulator._defects import DefectConfig
from service_warehouse.simulator._presets import PRESETS, Preset, SimulatorError, resolve_preset

__all__ = [
    "DEFAULT_START",
    "PRESETS",
    "DaySummary",
    "DefectConfig",
    "Preset",
    "SimulationSummary",
    "SimulatorError",
    "resolve_preset",
    "simulate",
]
