"""Helpers shared by the suite families: named expectations with a severity and a reason."""

from __future__ import annotations

import warnings
from typing import Any

SEVERITIES = ("critical", "warning")


def import_gx():
    """Great Expectations and its expectations module, imported on first use (3–5 s).

    GX's import touches the deprecated ``sre_constants`` module; the warning is GX's, not ours,
    and must not turn into an error where warnings are errors (the test suite).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import great_expectations as gx
        import great_expectations.expectations as gxe
    return gx, gxe


def expectation(kind: str, name: str, why: str, severity: str, thresholds: dict[str, Any], **kwargs: Any):
    """One GX expectation of class ``kind`` named ``name`` (stable, shown in audit and reports).

    The severity is the suite's choice unless ``severity_overrides`` in thresholds.yml names it;
    ``why`` says why the expectation exists and is kept in its ``meta``.
    """
    _, gxe = import_gx()
    severity = (thresholds.get("severity_overrides") or {}).get(name, severity)
    if severity not in SEVERITIES:
        raise ValueError(f"expectation {name}: severity must be one of {SEVERITIES}, not {severity!r}")
    if kind == "UnexpectedRowsExpectation":  # GX's runs the query twice: ours counts once
        from dq_suites._counted import UnexpectedRowsCountedExpectation as cls
    else:
        cls = getattr(gxe, kind)
    return cls(severity=severity, meta={"name": name, "why": why}, **kwargs)


def suite(name: str, expectations: list, *, why: str):
    """An ExpectationSuite holding ``expectations`` (GX copies them in)."""
    gx, _ = import_gx()
    # built in one go: add_expectation() would need an active data context
    return gx.ExpectationSuite(name=name, expectations=list(expectations), meta={"why": why})


def sql_literal(value: str) -> str:
    """A SQL string literal (for the few values formatted into a suite's SQL)."""
    return "'" + value.replace("'", "''") + "'"
