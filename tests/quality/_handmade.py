"""Small hand-made marts and raw batches for the gate and publish tests (real tables, real SQL).

The marts follow the column names of the marts contract (shared/spec/marts_contract.txt):
``fct_calls``, ``call_kpis_daily`` (aggregated from fct_calls, so the counts reconcile) and
``dim_customer`` with a masked phone. The raw helper writes call-centre batches the way the
loaders do (a row in audit.load_batches, rows in raw.cdr and raw.queue_log).
"""

from __future__ import annotations

import datetime as dt

FIRST_DAY = dt.date(2026, 10, 1)
TZ = "Asia/Shanghai"


def build_marts(conn, schema: str, last_day: dt.date, *, calls_per_queue: int = 6, tag: str = "") -> None:
    """(Re)create the hand-made marts in ``schema`` covering FIRST_DAY … ``last_day``."""
    conn.execute(f"drop table if exists {schema}.call_kpis_daily, {schema}.fct_calls, {schema}.dim_customer")
    conn.execute(f"""
        create table {schema}.fct_calls as
        select 'c-' || d::date || '-' || q || '-' || n || '{tag}' as call_id, 'u' || n as callid, q as queue,
               'A1' as agent_id, null::text as customer_id,
               (d + interval '9 hours' + n * interval '7 minutes') at time zone '{TZ}' as entered_at,
               case when mod(n, 5) <> 0 then (d + interval '9 hours' + n * interval '7 minutes' + interval '15 seconds')
                    at time zone '{TZ}' end as answered_at,
               (d + interval '9 hours' + n * interval '7 minutes' + interval '3 minutes') at time zone '{TZ}' as ended_at,
               (mod(n * 4, 30))::integer as wait_seconds, case when mod(n, 5) <> 0 then 100 + n end::integer as talk_seconds,
               case when mod(n, 5) = 0 then 'abandoned' else 'answered' end as outcome,
               (mod(n, 5) <> 0 and mod(n * 4, 30) <= 20) as is_answered_within_threshold, false as is_transferred,
               false as is_repeat_contact, false as has_repeat_contact, (mod(n, 5) <> 0) as is_first_contact_resolved,
               true as is_fcr_final, null::integer as qa_total_score
        from generate_series(%s::date, %s::date, interval '1 day') as d,
             (values ('sales'), ('support')) as qs (q),
             generate_series(1, %s) as n
    """, (FIRST_DAY, last_day, calls_per_queue))
    conn.execute(f"""
        create table {schema}.call_kpis_daily as
        select (entered_at at time zone '{TZ}')::date as local_date, queue,
               count(*)::integer as offered,
               count(*) filter (where outcome = 'answered')::integer as answered,
               count(*) filter (where outcome = 'abandoned')::integer as abandoned,
               0::integer as short_abandons, 0::integer as timeouts,
               (count(*) filter (where is_answered_within_threshold))::numeric / count(*) as service_level,
               avg(wait_seconds) filter (where outcome = 'answered') as asa_seconds,
               (count(*) filter (where outcome = 'abandoned'))::numeric / count(*) as abandon_rate,
               avg(talk_seconds) as aht_seconds, 0.0 as transfer_rate, 0.8 as fcr_rate,
               85.0 as qa_avg_score, 0.0 as qa_fatal_rate
        from {schema}.fct_calls
        group by 1, 2
    """)
    conn.execute(f"""
        create table {schema}.dim_customer as
        select 'C' || lpad(n::text, 6, '0') as customer_id, 'individual' as customer_type, '服务业' as industry,
               'micro' as size_class, '华东' as region, '上海' as city, false as is_key_account,
               'new' as tenure_class, 'C' as value_grade, 0::numeric as credit_limit, 0::numeric as invoiced_last_30d,
               0::numeric as outstanding_amount, false as is_over_credit_limit, false as is_at_risk,
               array[]::text[] as risk_reasons, 'active' as status, '138****' || lpad(n::text, 4, '0') as phone_masked
        from generate_series(1, 20) as n
    """)


def marts_snapshot(conn) -> dict[str, object]:
    """Everything a reader of ``marts`` sees: each view's definition and its rows, in order."""
    views = [r[0] for r in conn.execute(
        "select table_name from information_schema.views where table_schema = 'marts' order by 1").fetchall()]
    snap: dict[str, object] = {}
    for view in views:
        snap[f"{view}.definition"] = conn.execute("select pg_get_viewdef(%s::regclass)", (f"marts.{view}",)).fetchone()
        snap[view] = conn.execute(f"select t::text from marts.{view} as t order by 1").fetchall()
    return snap


def load_call_batch(conn, day: dt.date, *, calls: int = 40, answer_before_start: int = 0,
                    quarantined: int = 0) -> int:
    """A loaded call-centre batch for ``day``: ``calls`` CDR rows and ENTERQUEUE lines.

    ``answer_before_start`` rows get an answer time before their start (a defect that slipped
    past the loader); ``quarantined`` is what the loader reports it quarantined.
    """
    (batch_id,) = conn.execute(
        "insert into audit.load_batches (source, logical_date, status, rows_read, rows_loaded, rows_quarantined,"
        " finished_at) values ('calls', %s, 'loaded', %s, %s, %s, now()) returning batch_id",
        (day, 2 * calls + quarantined, 2 * calls, quarantined)).fetchone()
    conn.execute(f"""
        insert into raw.cdr (src, dst, start_at, answer_at, end_at, duration, billsec, disposition, uniqueid,
                             column_count, _batch_id, _logical_date, _source_file, _line_number)
        select '13800001111', '8000', s, s + case when n <= %(bad)s then interval '-30 seconds'
                                                  else interval '12 seconds' end,
               s + interval '200 seconds', 200, 188, 'ANSWERED', 'u' || n, 18, %(batch)s, %(day)s,
               'calls/' || %(day)s || '/Master.csv', n
        from (select n, (%(day)s::date + interval '9 hours' + n * interval '5 minutes') at time zone '{TZ}' as s
              from generate_series(1, %(calls)s) as n) as g
    """, {"bad": answer_before_start, "batch": batch_id, "day": day, "calls": calls})
    conn.execute(f"""
        insert into raw.queue_log (event_epoch, event_at, callid, queuename, agent, event, data1, data2, data3,
                                   _batch_id, _logical_date, _source_file, _line_number)
        select extract(epoch from s)::bigint, s, 'u' || n, 'support', 'NONE', 'ENTERQUEUE', '', '13800001111', '1',
               %(batch)s, %(day)s, 'calls/' || %(day)s || '/queue_log', n
        from (select n, (%(day)s::date + interval '9 hours' + n * interval '5 minutes') at time zone '{TZ}' as s
              from generate_series(1, %(calls)s) as n) as g
    """, {"batch": batch_id, "day": day, "calls": calls})
    return batch_id
