"""Fixtures of the gate tests: a fresh warehouse with its own reports folder and no dbt manifest."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def gate_env(fresh_warehouse, tmp_path_factory):
    """A fresh warehouse; reports go to a temporary folder; marts are the build schema's tables.

    The dbt project dir points at an empty folder so that the real manifest (the real marts,
    built by other tests or not at all) does not decide which hand-made tables are marts.
    """
    mp = pytest.MonkeyPatch()
    reports = tmp_path_factory.mktemp("reports")
    mp.setenv("SVCWH_REPORTS_DIR", str(reports))
    mp.setenv("SVCWH_DBT_PROJECT_DIR", str(tmp_path_factory.mktemp("no_dbt_project")))
    mp.delenv("SVCWH_DBT_TARGET_DIR", raising=False)  # the target is the project's: none
    yield {"url": fresh_warehouse, "reports": reports}
    mp.undo()
