"""``svcwh run | runs | demo``: argument checks and what they read (the DAG runs are tested in tests/dags)."""

from __future__ import annotations

import pytest

from service_warehouse.cli import main


def _run(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    out = capsys.readouterr()
    return exc.value.code, out.out + out.err


def test_run_needs_a_date_or_a_range(capsys):
    code, out = _run(["run"], capsys)
    assert code == 2 and "give --date D, or --from D1 --to D2" in out


def test_run_rejects_date_and_range_together(capsys):
    code, out = _run(["run", "--date", "2026-10-01", "--from", "2026-10-01", "--to", "2026-10-02"], capsys)
    assert code == 2 and "either --date or --from/--to" in out


def test_run_rejects_a_bad_date_naming_it(capsys):
    code, out = _run(["run", "--date", "2026-02-30"], capsys)
    assert code != 0 and "'2026-02-30' is not a date of the form YYYY-MM-DD" in out


def test_run_rejects_a_range_that_ends_before_it_starts(capsys):
    code, out = _run(["run", "--from", "2026-10-02", "--to", "2026-10-01"], capsys)
    assert code == 2 and "is before --from" in out


def test_run_rejects_an_unknown_source(capsys):
    code, out = _run(["run", "--date", "2026-10-01", "--sources", "crm,billing"], capsys)
    assert code != 0 and "unknown source(s) billing" in out


def test_missing_parts_is_empty_when_every_part_is_built():
    from service_warehouse.cli._pipeline import missing_parts

    assert missing_parts() == {}
