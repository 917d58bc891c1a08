"""simulate(): determinism, continuation, CRM rows that really change, options."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import psycopg
import pytest

from service_warehouse.simulator import SimulatorError, simulate

START = date(2026, 9, 28)
DAYS = 8
TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def histories(new_crm, tmp_path_factory):
    """The same 8 tiny days three ways: in one go, as 3 + 5 days, and with another seed."""
    one = (new_crm("one"), tmp_path_factory.mktemp("one"))
    split = (new_crm("split"), tmp_path_factory.mktemp("split"))
    other = (new_crm("other"), tmp_path_factory.mktemp("other"))
    summary = simulate(DAYS, START, preset="tiny", seed=7, crm_url=one[0], landing_dir=one[1])
    simulate(3, START, preset="tiny", seed=7, crm_url=split[0], landing_dir=split[1])
    simulate(DAYS - 3, preset="tiny", seed=7, crm_url=split[0], landing_dir=split[1])  # continues
    simulate(DAYS, START, preset="tiny", seed=8, crm_url=other[0], landing_dir=other[1])
    return {"one": one, "split": split, "other": other, "summary": summary}


@pytest.mark.integration
def test_simulate_same_seed_same_bytes_and_continuation_equivalent(histories, landing_files, dump_crm):
    one_url, one_dir = histories["one"]
    split_url, split_dir = histories["split"]
    files_one, files_split = landing_files(one_dir), landing_files(split_dir)
    assert len(files_one) >= DAYS * 6
    assert files_one.keys() == files_split.keys()
    differing = [name for name in files_one if files_one[name] != files_split[name]]
    assert differing == []
    assert dump_crm(one_url) == dump_crm(split_url)


@pytest.mark.integration
def test_simulate_other_seed_other_data(histories, landing_files, dump_crm):
    files_one, files_other = landing_files(histories["one"][1]), landing_files(histories["other"][1])
    name = f"calls/{START}/queue_log"
    assert files_one[name] != files_other[name]
    assert dump_crm(histories["one"][0])["customers"] != dump_crm(histories["other"][0])["customers"]


@pytest.mark.integration
def test_simulate_summary_counts_match_files(histories):
    summary = histories["summary"]
    assert [d.day for d in summary.days] == [START + timedelta(days=i) for i in range(DAYS)]
    root = histories["one"][1]
    for d in summary.days:
        assert (root / "_done" / d.day.isoformat()).is_file()
        qlog = (root / "calls" / d.day.isoformat() / "queue_log").read_bytes().splitlines()
        assert len(qlog) == d.queue_log_lines
        jsonl = (root / "repairs" / d.day.isoformat() / "work_orders.jsonl").read_bytes().splitlines()
        assert len(jsonl) == d.work_order_lines
    # National Day (a public holiday) is quieter than the Monday before it
    by_day = {d.day: d.queue_calls for d in summary.days}
    assert by_day[date(2026, 10, 2)] < by_day[date(2026, 9, 28)]


@pytest.mark.integration
def test_simulate_crm_rows_change_with_history(histories):
    url = histories["one"][0]
    last_midnight = datetime(2026, 10, 6, tzinfo=TZ)  # end of the 8th day
    with psycopg.connect(url) as conn:
        for table in ("customers", "agents", "complaints", "complaint_status_history", "surveys", "invoices"):
            (latest,) = conn.execute(f"select max(updated_at) from crm.{table}").fetchone()
            assert latest < last_midnight, f"{table} has a row updated after the simulated days"
        # complaints moved through several stages over days, each with a history row
        rows = conn.execute(
            "select c.complaint_id, c.status, c.received_at, c.updated_at, count(h.*), "
            "array_agg(h.status order by h.changed_at), max(h.changed_at) "
            "from crm.complaints c join crm.complaint_status_history h using (complaint_id) group by 1, 2, 3, 4"
        ).fetchall()
        assert rows
        for cid, status, received, updated, n, statuses, last_change in rows:
            assert statuses[0] == "open" and statuses[-1] == status, cid
            assert updated == last_change
        moved = [r for r in rows if r[4] >= 3 and (r[3] - r[2]) > timedelta(days=1)]
        assert moved, "no complaint progressed over more than a day"
        assert len({r[1] for r in rows}) >= 2
        # acknowledged_at / resolved_at / closed_at follow the stages
        bad = conn.execute(
            "select count(*) from crm.complaints where acknowledged_at < received_at or resolved_at < acknowledged_at "
            "or closed_at < resolved_at or (status = 'closed' and closed_at is null)"
        ).fetchone()[0]
        assert bad == 0
        # customers changed after they were created; invoices were paid later
        assert conn.execute("select count(*) from crm.customers where updated_at > created_at + interval '1 hour' "
                            "and created_at >= %s", (datetime(2020, 1, 1, tzinfo=TZ),)).fetchone()[0] > 0
        paid = conn.execute("select count(*) from crm.invoices where paid_at is not null and updated_at = paid_at "
                            "and paid_at > invoiced_at").fetchone()[0]
        assert paid > 0
        # agents carry both names queue_log uses
        agents = conn.execute("select extension, queue_member_name from crm.agents where role = 'agent' "
                              "and queue_member_name is not null").fetchall()
        assert agents and all(ext.startswith("SIP/8") for ext, _ in agents)


@pytest.mark.integration
def test_simulate_continuation_refuses_gap_and_other_seed(histories):
    url, root = histories["split"]
    with pytest.raises(SimulatorError, match="next day must be 2026-10-06"):
        simulate(1, date(2026, 10, 9), crm_url=url, landing_dir=root)
    with pytest.raises(SimulatorError, match="seed 7"):
        simulate(1, seed=99, crm_url=url, landing_dir=root)


def test_simulate_unknown_preset_is_a_clear_error(tmp_path):
    with pytest.raises(SimulatorError, match="unknown preset 'huge'"):
        simulate(1, preset="huge", crm_url="postgresql://nowhere.invalid/crm", landing_dir=tmp_path)


@pytest.mark.integration
def test_simulate_again_into_same_landing_replaces_the_days(new_crm, tmp_path):
    """A fresh CRM written into a used landing folder: same files, manifest without old lines."""
    from service_warehouse.simulator import DefectConfig

    config = DefectConfig(days=frozenset({START}), file_fault_every=0)
    simulate(2, START, preset="tiny", defects=config, crm_url=new_crm("again1"), landing_dir=tmp_path)
    first = (tmp_path / "_manifest" / "defects.jsonl").read_text()
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    simulate(2, START, preset="tiny", defects=config, crm_url=new_crm("again2"), landing_dir=tmp_path)
    assert (tmp_path / "_manifest" / "defects.jsonl").read_text() == first
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before


@pytest.mark.integration
def test_simulate_refuses_a_second_concurrent_run(histories):
    url, root = histories["split"]
    with psycopg.connect(url) as other:
        other.execute("select pg_advisory_lock(hashtext('svcwh.simulator.run'))")
        with pytest.raises(SimulatorError, match="another `simulate` run"):
            simulate(1, crm_url=url, landing_dir=root)
