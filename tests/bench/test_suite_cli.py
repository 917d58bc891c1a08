"""`svcwh bench` reaches bench/suite.py; bad arguments get a clear error naming what is wrong."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _svcwh(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "service_warehouse", *args], capture_output=True, text=True,
                          cwd=REPO, timeout=120, check=False)


def test_help_lists_the_suite_options():
    out = _svcwh("bench", "--", "--help")
    assert out.returncode == 0, out.stderr
    for option in ("--days", "--short", "--preset", "--parts", "--fresh"):
        assert option in out.stdout


def test_unknown_part_is_named():
    out = _svcwh("bench", "--", "--parts", "nightly,speed")
    assert out.returncode == 2
    assert "unknown part(s) speed" in out.stderr


def test_short_history_must_be_shorter_than_the_long_one():
    out = _svcwh("bench", "--", "--days", "90", "--short", "90")
    assert out.returncode == 2
    assert "--short 90 must be at least 3 and below --days − 1 (89)" in out.stderr
