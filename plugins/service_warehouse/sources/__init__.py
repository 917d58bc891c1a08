"""Parsers for what the source systems deliver: pure functions, bytes in, records out.

Each parser takes a binary stream and a :class:`ParseContext` (file name, logical day, time
zones) and yields :class:`Row` (typed values in the raw table's column order, plus flags) or
:class:`Rejected` (a quarantine record with a reason code). A fault of the whole file raises
:class:`~service_warehouse.errors.SourceFileError` naming the file, line and fault. No
database is touched here; :mod:`service_warehouse.loaders` writes what they yield.
"""

from __future__ import annotations

from service_warehouse.sources import _cdr as cdr
from service_warehouse.sources import _qa as qa
from service_warehouse.sources import _queue_log as queue_log
from service_warehouse.sources import _work_orders as work_orders
from service_warehouse.sources._cdr import parse_cdr
from service_warehouse.sources._common import FILE_FAULTS, REASONS, ParseContext, Rejected, Row
from service_warehouse.sources._qa import detect_encoding, parse_qa
from service_warehouse.sources._queue_log import parse_queue_log
from service_warehouse.sources._work_orders import parse_work_orders

__all__ = [
    "FILE_FAULTS",
    "REASONS",
    "ParseContext",
    "Rejected",
    "Row",
    "cdr",
    "detect_encoding",
    "parse_cdr",
    "parse_qa",
    "parse_queue_log",
    "parse_work_orders",
    "qa",
    "queue_log",
    "work_orders",
]
