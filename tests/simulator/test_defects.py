"""--defects: every injected fault is in the manifest, at a real line, and nothing else changed."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from datetime import date

import psycopg
import pytest

from service_warehouse.simulator import DefectConfig, simulate
from service_warehouse.simulator._defects import ROW_KINDS

START = date(2026, 8, 3)
ROW_DAY = date(2026, 8, 4)
FILE_DAY = date(2026, 8, 5)


@pytest.fixture(scope="module")
def runs(new_crm, tmp_path_factory):
    """Three tiny days clean, and the same with row faults on day 2 and file faults on day 3."""
    clean = (new_crm("clean"), tmp_path_factory.mktemp("clean"))
    bad = (new_crm("bad"), tmp_path_factory.mktemp("bad"))
    config = DefectConfig(rate=0.05, days=frozenset({ROW_DAY}), file_faults={
        FILE_DAY: ("calls/Master.csv:wrong_format", "repairs/work_orders.jsonl:truncated_file"),
    })
    simulate(3, START, preset="tiny", customers=1000, calls_per_day=200, crm_url=clean[0], landing_dir=clean[1])
    simulate(3, START, preset="tiny", customers=1000, calls_per_day=200, defects=config, crm_url=bad[0], landing_dir=bad[1])
    manifest = [json.loads(l) for l in (bad[1] / "_manifest" / "defects.jsonl").read_text().splitlines()]
    return clean, bad, manifest


@pytest.mark.integration
def test_defects_manifest_lines_are_exactly_the_changed_lines(runs):
    (_, clean_root), (_, bad_root), manifest = runs
    row_entries = [e for e in manifest if e["line"] is not None]
    assert {e["date"] for e in row_entries} == {ROW_DAY.isoformat()}
    for name in ("Master.csv", "queue_log", "qa_evaluations.csv", "work_orders.jsonl"):
        source = "repairs" if name.endswith("jsonl") else "calls"
        rel = f"{source}/{ROW_DAY}/{name}"
        clean = (clean_root / rel).read_bytes().split(b"\n")
        bad = (bad_root / rel).read_bytes().split(b"\n")
        entries = {e["line"]: e for e in row_entries if e["file"] == rel}
        kinds = {e["defect"] for e in entries.values()}
        data_rows = len([line for line in clean if line.strip()]) - (1 if name.startswith("qa") else 0)
        assert kinds <= set(ROW_KINDS[name])
        # each kind at least once where the file has rows enough (bad_encoding only in UTF-8 files)
        assert len(kinds) >= min(len(ROW_KINDS[name]) - 1, data_rows), (name, set(ROW_KINDS[name]) - kinds)
        changed = {i + 1 for i, (a, b) in enumerate(zip(clean, bad)) if a != b}
        appended = set(range(len(clean), len(bad))) if len(bad) > len(clean) else set()
        assert changed | appended == set(entries), name
        for line_no, entry in entries.items():
            raw = bad[line_no - 1]
            assert entry["expect"] in ("quarantine", "flag")
            if entry["defect"] == "duplicate_id":
                assert raw in bad[: len(clean) - 1]
            if entry["defect"] == "invalid_json":
                with pytest.raises(json.JSONDecodeError):
                    json.loads(raw)
            if entry["defect"] in ("bad_encoding", "bad_bytes_replaced"):
                with pytest.raises(UnicodeDecodeError):
                    raw.decode("utf-8")
            if entry["defect"] == "wrong_column_count" and name == "Master.csv":
                assert len(next(csv.reader([raw.decode("utf-8", "replace")]))) == 14
            if entry["defect"] == "bad_quoting" and name == "Master.csv":
                with pytest.raises(csv.Error):
                    next(csv.reader([raw.decode("utf-8", "replace")], strict=True))


@pytest.mark.integration
def test_defects_file_level_faults_break_the_named_files(runs):
    (_, clean_root), (_, bad_root), manifest = runs
    file_entries = [e for e in manifest if e["expect"] == "file_error"]
    assert {(e["file"], e["defect"]) for e in file_entries} == {
        (f"calls/{FILE_DAY}/Master.csv", "wrong_format"),
        (f"repairs/{FILE_DAY}/work_orders.jsonl", "truncated_file"),
    }
    custom = (bad_root / f"calls/{FILE_DAY}/Master.csv").read_bytes()
    rows = list(csv.reader(io.StringIO(custom.decode("utf-8", "replace"))))
    assert all(len(r) == 19 for r in rows) and b',"",' in custom or b'",""' in custom  # cdr_custom: all quoted
    truncated = (bad_root / f"repairs/{FILE_DAY}/work_orders.jsonl").read_bytes()
    whole = (clean_root / f"repairs/{FILE_DAY}/work_orders.jsonl").read_bytes()
    assert whole.startswith(truncated) and len(truncated) < len(whole) and not truncated.endswith(b"\n")
    # the other files of that day are untouched, and the day is marked done
    for name in ("queue_log", "qa_evaluations.csv"):
        assert (bad_root / f"calls/{FILE_DAY}/{name}").read_bytes() == (clean_root / f"calls/{FILE_DAY}/{name}").read_bytes()
    assert (bad_root / "_done" / FILE_DAY.isoformat()).is_file()


@pytest.mark.integration
def test_defects_crm_entries_point_at_real_rows(runs):
    _, (bad_url, _), manifest = runs
    crm = [e for e in manifest if e["source"] == "crm"]
    assert {e["defect"] for e in crm} >= {"unknown_enum", "future_timestamp", "unknown_customer", "end_before_start"}
    with psycopg.connect(bad_url) as conn:
        for e in crm:
            table = e["file"].split(".", 1)[1]
            key = {"complaint_status_history": "complaint_id", "surveys": "survey_id", "invoices": "invoice_id",
                   "complaints": "complaint_id"}[table]
            n = conn.execute(f"select count(*) from crm.{table} where {key} = %s", (e["key"],)).fetchone()[0]
            assert n >= 1, e
        # exactly the rows the manifest names carry the injected values (the count follows the rate)
        injected = Counter((e["file"], e["defect"]) for e in crm)
        pending = conn.execute("select count(*) from crm.complaint_status_history where status = 'pending'").fetchone()[0]
        assert pending == injected[("crm.complaint_status_history", "unknown_enum")] >= 1
        fax = conn.execute("select count(*) from crm.surveys where channel = 'fax'").fetchone()[0]
        assert fax == injected[("crm.surveys", "unknown_enum")] >= 1
        unknown = [e["key"] for e in crm if e["file"] == "crm.complaints"]
        assert conn.execute("select count(*) from crm.complaints where complaint_id = any(%s) "
                            "and customer_id = 'C9999997'", (unknown,)).fetchone()[0] == len(unknown) == 1
        paid_early = [e["key"] for e in crm if e["file"] == "crm.invoices"]
        assert conn.execute("select count(*) from crm.invoices where invoice_id = any(%s) and paid_at < invoiced_at",
                            (paid_early,)).fetchone()[0] == 1
