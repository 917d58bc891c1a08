"""Field-service work orders: JSON Lines, one full work-order state a line.

Each good line becomes typed raw.work_orders columns plus the original document (jsonb).
Timestamps must carry a UTC offset (the API writes ISO-8601 with offset). The same
work_order_id twice in one file is a ``duplicate_id`` (the first is kept); on different days
it is not — one order changes over several days.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, BinaryIO

from service_warehouse.sources._common import (
    ParseContext,
    Rejected,
    Row,
    RowFault,
    check_not_future,
    check_order,
    parse_instant,
    physical_lines,
    raw_text,
)

#: raw.work_orders columns the parser fills, in order.
COLUMNS = (
    "work_order_id", "customer_id", "reported_at", "source_channel", "category", "urgency",
    "description", "address", "appointment_start", "appointment_end", "dispatched_at",
    "technician_id", "arrived_at", "completed_at", "status", "inspection_result", "inspected_at",
    "fee_amount", "fee_currency", "fee_paid", "customer_signed", "parts", "callback_called_at",
    "callback_satisfied", "callback_score", "safety_incident", "updated_at", "document",
)  # fmt: skip
URGENCIES = frozenset({"routine", "emergency"})
STATUSES = frozenset({"reported", "dispatched", "in_progress", "completed", "cancelled"})
INSPECTION_RESULTS = frozenset({"pass", "fail"})
#: JSON that Python reads but PostgreSQL's jsonb refuses: the NUL escape and lone surrogates.
_PG_REFUSES = re.compile(r"\\u(0000|d[89a-f][0-9a-f]{2})", re.I)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_work_orders(stream: BinaryIO, ctx: ParseContext) -> Iterator[Row | Rejected]:
    """Parse a work_orders.jsonl stream into raw.work_orders rows and rejections."""
    seen: set[str] = set()
    blank = 0
    for number, data in physical_lines(stream, ctx.path):
        if not data.strip():
            blank += 1
            continue
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield Rejected(number, "bad_encoding", f"not UTF-8: {exc.reason} at byte {exc.start}", raw_text(data))
            continue
        try:
            doc = json.loads(text, parse_constant=_reject_constant)
        except ValueError as exc:
            yield Rejected(number, "invalid_json", f"invalid JSON: {exc}", raw_text(data))
            continue
        if not isinstance(doc, dict):
            yield Rejected(number, "invalid_json", f"a JSON {type(doc).__name__}, not an object", raw_text(data))
            continue
        if "\\u" in text and _PG_REFUSES.search(text):
            yield Rejected(number, "invalid_json", "contains \\u0000 or a lone surrogate escape", raw_text(data))
            continue
        if "\x00" in text:
            yield Rejected(number, "invalid_json", "contains a NUL byte", raw_text(data))
            continue
        try:
            values = _typed(doc, ctx)
        except RowFault as fault:
            yield Rejected(number, fault.reason, fault.detail, raw_text(data))
            continue
        if values[0] in seen:
            yield Rejected(number, "duplicate_id", f"work_order_id {values[0]} appears earlier in the file", raw_text(data))
            continue
        seen.add(values[0])
        yield Row(number, (*values, text))
    ctx.stats["blank_lines"] = ctx.stats.get("blank_lines", 0) + blank


def _obj(doc: dict, key: str) -> dict:
    value = doc.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise RowFault("invalid_json", f"{key} is a {type(value).__name__}, not an object")
    return value


def _text(value: Any, column: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise RowFault("invalid_json", f"{column} is a {type(value).__name__}, not text")


def _enum(value: Any, column: str, allowed: frozenset[str]) -> str | None:
    if value is None:
        return None
    if value not in allowed:
        raise RowFault("unknown_enum", f"{column} {value!r} is not one of {sorted(allowed)}")
    return value


def _bool(value: Any, column: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise RowFault("unknown_enum", f"{column} {value!r} is not true or false")


def _number(value: Any, column: str, *, integer: bool = False, minimum: float | None = None, maximum: float | None = None):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or (integer and not isinstance(value, int)):
        raise RowFault("bad_number", f"{column} {value!r} is not {'an integer' if integer else 'a number'}")
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise RowFault("bad_number", f"{column} {value!r} is outside {minimum}..{maximum}")
    return value


def _typed(doc: dict, ctx: ParseContext) -> tuple:
    work_order_id = _text(doc.get("work_order_id"), "work_order_id")
    if not work_order_id:
        raise RowFault("missing_required", "work_order_id is missing")
    if doc.get("updated_at") in (None, ""):
        raise RowFault("missing_required", "updated_at is missing")
    appointment, inspection = _obj(doc, "appointment"), _obj(doc, "inspection")
    fee, callback = _obj(doc, "fee"), _obj(doc, "callback")
    times = {
        name: parse_instant(value, name)
        for name, value in (
            ("reported_at", doc.get("reported_at")),
            ("appointment.start", appointment.get("start")),
            ("appointment.end", appointment.get("end")),
            ("dispatched_at", doc.get("dispatched_at")),
            ("arrived_at", doc.get("arrived_at")),
            ("completed_at", doc.get("completed_at")),
            ("inspection.inspected_at", inspection.get("inspected_at")),
            ("callback.called_at", callback.get("called_at")),
            ("updated_at", doc.get("updated_at")),
        )
    }
    for name, value in times.items():
        if not name.startswith("appointment."):  # appointments are planned: they may lie ahead
            check_not_future(value, name, ctx)
    check_order(times["appointment.start"], times["appointment.end"], "appointment.start", "appointment.end")
    check_order(times["reported_at"], times["completed_at"], "reported_at", "completed_at")
    check_order(times["arrived_at"], times["completed_at"], "arrived_at", "completed_at")
    check_order(times["reported_at"], times["dispatched_at"], "reported_at", "dispatched_at")
    parts = doc.get("parts")
    if parts is not None:
        if not isinstance(parts, list) or not all(isinstance(p, dict) for p in parts):
            raise RowFault("invalid_json", "parts is not a list of objects")
        for i, part in enumerate(parts):
            _number(part.get("qty"), f"parts[{i}].qty", minimum=0)
            _number(part.get("unit_price"), f"parts[{i}].unit_price", minimum=0)
    return (
        work_order_id,
        _text(doc.get("customer_id"), "customer_id"),
        times["reported_at"],
        _text(doc.get("source_channel"), "source_channel"),
        _text(doc.get("category"), "category"),
        _enum(doc.get("urgency"), "urgency", URGENCIES),
        _text(doc.get("description"), "description"),
        _text(doc.get("address"), "address"),
        times["appointment.start"],
        times["appointment.end"],
        times["dispatched_at"],
        _text(doc.get("technician_id"), "technician_id"),
        times["arrived_at"],
        times["completed_at"],
        _enum(doc.get("status"), "status", STATUSES),
        _enum(inspection.get("result"), "inspection.result", INSPECTION_RESULTS),
        times["inspection.inspected_at"],
        _number(fee.get("amount"), "fee.amount", minimum=0),
        _text(fee.get("currency"), "fee.currency"),
        _bool(fee.get("paid"), "fee.paid"),
        _bool(doc.get("customer_signed"), "customer_signed"),
        json.dumps(parts, ensure_ascii=False) if parts is not None else None,
        times["callback.called_at"],
        _bool(callback.get("satisfied"), "callback.satisfied"),
        _number(callback.get("score"), "callback.score", integer=True, minimum=1, maximum=5),
        _bool(doc.get("safety_incident"), "safety_incident"),
        times["updated_at"],
    )
