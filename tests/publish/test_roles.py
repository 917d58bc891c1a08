"""Who may read what, proven by connecting as each role to a real warehouse."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest
from _handmade import build_marts

from service_warehouse.publish import apply_role_passwords, password_variable, publish
from service_warehouse.quality import run_mart_suites

pytestmark = pytest.mark.integration

DAY = dt.date(2026, 10, 10)


def _as(url: str, role: str) -> psycopg.Connection:
    return psycopg.connect(url.replace("postgres@", f"{role}@", 1), autocommit=True)


@pytest.fixture(scope="module")
def published(gate_env):
    """Marts published once from marts_blue, a staging view and raw rows beside them."""
    url = gate_env["url"]
    with psycopg.connect(url, autocommit=True) as conn:
        build_marts(conn, "marts_blue", DAY)
        conn.execute("create or replace view staging.stg_example as select 1 as x")
    verdict = run_mart_suites("marts_blue", "run_roles", DAY)
    publish("marts_blue", "run_roles", DAY, verdict.validation_run_id)
    return url


@pytest.mark.parametrize("relation", ["raw.cdr", "staging.stg_example", "marts_blue.call_kpis_daily",
                                      "audit.load_batches", "audit.validations"])
def test_bi_reader_cannot_read_outside_marts(published, relation):
    with _as(published, "bi_reader") as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(f"select * from {relation} limit 1")


def test_bi_reader_reads_marts_with_masked_phone_only(published):
    with _as(published, "bi_reader") as conn:
        assert conn.execute("select count(*) from marts.call_kpis_daily").fetchone()[0] > 0
        phones = [r[0] for r in conn.execute("select phone_masked from marts.dim_customer").fetchall()]
    assert phones and all(p.startswith("138****") for p in phones)


def test_auditor_reads_marts_and_audit_but_not_raw(published):
    with _as(published, "auditor") as conn:
        assert conn.execute("select count(*) from marts.fct_calls").fetchone()[0] > 0
        assert conn.execute("select count(*) from audit.validations").fetchone()[0] > 0
        assert conn.execute("select count(*) from audit.lineage").fetchone()[0] > 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("select * from raw.queue_log limit 1")


def test_loader_writes_raw_and_audit_transformer_reads_raw(published):
    with _as(published, "loader") as conn:
        conn.execute("insert into audit.load_batches (source, logical_date) values ('calls', %s)", (DAY,))
        conn.execute("delete from audit.load_batches where logical_date = %s and status = 'running'", (DAY,))
    with _as(published, "transformer") as conn:
        conn.execute("select * from raw.cdr limit 1")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("delete from raw.cdr")


def test_grants_survive_a_publication(published):
    with psycopg.connect(published, autocommit=True) as conn:
        build_marts(conn, "marts_green", DAY, tag="-g")
    verdict = run_mart_suites("marts_green", "run_roles_2", DAY)
    publish("marts_green", "run_roles_2", DAY, verdict.validation_run_id)
    for role in ("bi_reader", "auditor"):
        with _as(published, role) as conn:
            assert conn.execute("select count(*) from marts.dim_customer").fetchone()[0] == 20


def test_apply_role_passwords_sets_them_from_the_environment(published, monkeypatch):
    monkeypatch.setenv(password_variable("auditor"), "s3cret-for-test")
    try:
        assert apply_role_passwords() == ["auditor"]
        with psycopg.connect(published) as conn:
            assert conn.execute("select rolpassword is not null from pg_authid where rolname = 'auditor'"
                                ).fetchone()[0]
    finally:
        with psycopg.connect(published, autocommit=True) as conn:
            conn.execute("alter role auditor password null")
