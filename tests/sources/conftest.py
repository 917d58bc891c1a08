"""Helpers for the parser tests: run a parser over bytes and split its output."""

from __future__ import annotations

import io
from datetime import date
from zoneinfo import ZoneInfo

import pytest

from service_warehouse.sources import ParseContext, Rejected, Row


def run(parser, data: bytes, *, day: date = date(2026, 8, 3), cdr_tz: str = "UTC", path: str = "f"):
    """(rows, rejected, ctx) of ``parser`` over ``data``."""
    ctx = ParseContext(path=path, logical_date=day, centre_tz=ZoneInfo("Asia/Shanghai"), cdr_tz=ZoneInfo(cdr_tz))
    out = list(parser(io.BytesIO(data), ctx))
    rows = [o for o in out if isinstance(o, Row)]
    rejected = [o for o in out if isinstance(o, Rejected)]
    assert len(rows) + len(rejected) == len(out)
    return rows, rejected, ctx


@pytest.fixture
def parse():
    return run
