"""``svcwh simulate``: runs, continues, and refuses bad options with a clear message."""

from __future__ import annotations

import pytest

from service_warehouse.cli import main


@pytest.mark.integration
def test_simulate_command_runs_continues_and_summarises(fresh_warehouse, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SVCWH_LANDING_DIR", str(tmp_path))
    main(["simulate", "--days", "2", "--preset", "tiny", "--start", "2026-08-03", "--seed", "5"])
    out = capsys.readouterr().out
    assert "simulated 2 day(s) 2026-08-03 … 2026-08-04 (preset tiny, seed 5)" in out
    main(["simulate", "--days", "1"])  # continues where it stopped, with the same preset and seed
    assert "2026-08-05 … 2026-08-05 (preset tiny, seed 5)" in capsys.readouterr().out
    assert sorted(p.name for p in (tmp_path / "_done").iterdir()) == ["2026-08-03", "2026-08-04", "2026-08-05"]
    with pytest.raises(SystemExit) as exc:
        main(["simulate", "--days", "1", "--preset", "demo"])
    assert exc.value.code == 2
    assert "simulated with preset 'tiny' and seed 5" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--days", "1", "--start", "2026-13-01"], "'2026-13-01' is not a date: use YYYY-MM-DD"),
        (["--days", "1", "--preset", "huge"], "unknown preset 'huge'"),
        (["--days", "0"], "--days"),
    ],
)
def test_simulate_command_bad_options_are_clear_errors(args, message, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["simulate", *args])
    assert exc.value.code == 2
    assert message in capsys.readouterr().err
