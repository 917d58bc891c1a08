"""Fixtures of the publish tests (the hand-made marts live beside the gate tests)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# the hand-made marts builder (_handmade.py) is shared with tests/quality: one copy
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "quality"))


@pytest.fixture(scope="module")
def gate_env(fresh_warehouse, tmp_path_factory):
    """A fresh warehouse; reports go to a temporary folder; marts are the build schema's tables."""
    mp = pytest.MonkeyPatch()
    reports = tmp_path_factory.mktemp("reports")
    mp.setenv("SVCWH_REPORTS_DIR", str(reports))
    mp.setenv("SVCWH_DBT_PROJECT_DIR", str(tmp_path_factory.mktemp("no_dbt_project")))
    mp.delenv("SVCWH_DBT_TARGET_DIR", raising=False)  # the target is the project's: none
    yield {"url": fresh_warehouse, "reports": reports}
    mp.undo()
