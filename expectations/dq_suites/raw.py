"""Raw suites: run on each source's load batches right after they land, before dbt reads them.

Per raw table two suites: ``raw.<source>.<table>.schema`` (columns and types, on the table) and
``raw.<source>.<table>`` (the rows of the batches just loaded: completeness, ids unique within
the batch, enums, timestamps in order and not in the future, durations non-negative). Per
source, ``raw.<source>.batches`` checks the share of rows the loader quarantined and, where
configured, ``raw.<source>.volume`` the day's volume against the same weekday of past weeks.
The loaders already quarantine bad rows; these suites catch what slipped past them.
"""

from __future__ import annotations

from typing import Any

from dq_suites._common import expectation, sql_literal, suite

TS = "TIMESTAMP WITH TIME ZONE"

#: The raw tables of each source and their typed columns (the contract of warehouse/sql/020_raw.sql).
RAW_SCHEMAS: dict[str, dict[str, dict[str, str]]] = {
    "crm": {
        "crm_customers": {"customer_id": "TEXT", "customer_type": "TEXT", "size_class": "TEXT",
                          "region": "TEXT", "phone": "TEXT", "credit_limit": "NUMERIC(14, 2)",
                          "is_key_account": "BOOLEAN", "status": "TEXT", "created_at": TS, "updated_at": TS},
        "crm_agents": {"agent_id": "TEXT", "role": "TEXT", "extension": "TEXT", "queue_member_name": "TEXT",
                       "hired_at": TS, "left_at": TS, "updated_at": TS},
        "crm_complaints": {"complaint_id": "TEXT", "customer_id": "TEXT", "channel": "TEXT", "category": "TEXT",
                           "severity": "TEXT", "received_at": TS, "acknowledged_at": TS, "resolved_at": TS,
                           "closed_at": TS, "status": "TEXT", "reopen_count": "INTEGER",
                           "is_escalated": "BOOLEAN", "updated_at": TS},
        "crm_complaint_status_history": {"complaint_id": "TEXT", "status": "TEXT", "changed_at": TS},
        "crm_surveys": {"survey_id": "TEXT", "subject_type": "TEXT", "surveyed_at": TS,
                        "score_overall": "SMALLINT", "nps_score": "SMALLINT", "updated_at": TS},
        "crm_invoices": {"invoice_id": "TEXT", "customer_id": "TEXT", "invoiced_at": TS,
                         "amount": "NUMERIC(14, 2)", "paid_at": TS, "updated_at": TS},
    },
    "calls": {
        "cdr": {"src": "TEXT", "start_at": TS, "answer_at": TS, "end_at": TS, "duration": "INTEGER",
                "billsec": "INTEGER", "disposition": "TEXT", "uniqueid": "TEXT", "column_count": "SMALLINT"},
        "queue_log": {"event_epoch": "BIGINT", "event_at": TS, "callid": "TEXT", "queuename": "TEXT",
                      "agent": "TEXT", "event": "TEXT", "data1": "TEXT", "data2": "TEXT", "data3": "TEXT"},
        "qa_evaluations": {"evaluation_id": "TEXT", "call_uniqueid": "TEXT", "evaluated_at": TS,
                           "total_score": "SMALLINT", "fatal_error": "BOOLEAN"},
    },
    "repairs": {
        "work_orders": {"work_order_id": "TEXT", "customer_id": "TEXT", "reported_at": TS, "urgency": "TEXT",
                        "appointment_start": TS, "appointment_end": TS, "dispatched_at": TS, "arrived_at": TS,
                        "completed_at": TS, "status": "TEXT", "fee_amount": "NUMERIC(12, 2)",
                        "callback_score": "SMALLINT", "updated_at": TS, "document": "JSONB"},
    },
}

LINEAGE_COLUMNS = ["_batch_id", "_logical_date", "_source_file", "_line_number", "_loaded_at", "_flags"]

#: Each table's id (unique within a batch) and the timestamp that must not be in the future.
_IDS = {
    "crm_customers": ["customer_id"], "crm_agents": ["agent_id"], "crm_complaints": ["complaint_id"],
    "crm_surveys": ["survey_id"], "crm_invoices": ["invoice_id"], "qa_evaluations": ["evaluation_id"],
    "crm_complaint_status_history": ["complaint_id", "status", "changed_at"],
}
_ENUMS = {
    "crm_customers": {"customer_type": ["enterprise", "individual"],
                      "size_class": ["large", "medium", "small", "micro"],
                      "status": ["active", "inactive", "closed"]},
    "crm_agents": {"role": ["agent", "team_lead", "supervisor", "qa_inspector", "technician"]},
    "crm_complaints": {"channel": ["phone", "email", "web", "wechat", "sms", "visit", "social"],
                       "category": ["product_quality", "service_attitude", "billing", "delivery", "repair", "other"],
                       "severity": ["low", "medium", "high", "critical"],
                       "status": ["open", "acknowledged", "investigating", "resolved", "closed", "reopened"]},
    "crm_complaint_status_history": {
        "status": ["open", "acknowledged", "investigating", "resolved", "closed", "reopened"]},
    "crm_surveys": {"subject_type": ["call", "complaint", "repair"],
                    "channel": ["phone", "sms", "email", "visit", "wechat"]},
    "cdr": {"disposition": ["ANSWERED", "NO ANSWER", "BUSY", "FAILED", "CONGESTION"]},
    "work_orders": {"urgency": ["routine", "emergency"],
                    "status": ["reported", "dispatched", "in_progress", "completed", "cancelled"],
                    "inspection_result": ["pass", "fail"]},
}
#: (later, earlier, severity): the later timestamp must not be before the earlier one.
_ORDER = {
    "crm_agents": [("left_at", "hired_at", "warning")],
    "crm_complaints": [("acknowledged_at", "received_at", "critical"), ("resolved_at", "received_at", "critical"),
                       ("closed_at", "received_at", "critical"), ("updated_at", "received_at", "warning")],
    "crm_invoices": [("paid_at", "invoiced_at", "warning")],
    "cdr": [("answer_at", "start_at", "critical"), ("end_at", "start_at", "critical"),
            ("end_at", "answer_at", "critical")],
    "work_orders": [("completed_at", "arrived_at", "critical"), ("arrived_at", "reported_at", "critical"),
                    ("dispatched_at", "reported_at", "warning"), ("appointment_end", "appointment_start", "critical"),
                    ("completed_at", "reported_at", "critical")],
}
#: Timestamps that must not be later than the moment the row was loaded.
_NOT_FUTURE = {
    "crm_customers": ["created_at", "updated_at"], "crm_agents": ["updated_at"],
    "crm_complaints": ["received_at", "resolved_at", "updated_at"],
    "crm_complaint_status_history": ["changed_at"], "crm_surveys": ["surveyed_at", "updated_at"],
    "crm_invoices": ["invoiced_at", "updated_at"], "cdr": ["start_at", "end_at"], "queue_log": ["event_at"],
    "qa_evaluations": ["evaluated_at"],
    "work_orders": ["reported_at", "arrived_at", "completed_at", "updated_at"],
}
#: (column, min, max, severity): numeric ranges (durations non-negative, scores on their scale).
_RANGES = {
    "crm_customers": [("credit_limit", 0, None, "warning")],
    "crm_complaints": [("reopen_count", 0, None, "critical")],
    "crm_surveys": [(c, 1, 5, "critical") for c in ("score_attitude", "score_efficiency", "score_quality",
                                                     "score_resolution", "score_overall")]
    + [("nps_score", 0, 10, "critical")],
    "cdr": [("duration", 0, None, "critical"), ("billsec", 0, None, "critical"),
            ("column_count", 16, 21, "critical")],
    "qa_evaluations": [(c, 0, 20, "critical") for c in ("greeting", "listening", "accuracy", "compliance",
                                                          "closing")] + [("total_score", 0, 100, "critical")],
    "work_orders": [("fee_amount", 0, None, "critical"), ("callback_score", 1, 5, "critical")],
}
#: Columns that must be filled.
_REQUIRED = {
    "crm_customers": ["customer_id", "updated_at"], "crm_agents": ["agent_id"],
    "crm_complaints": ["complaint_id", "received_at", "severity", "status"],
    "crm_complaint_status_history": ["complaint_id", "status", "changed_at"],
    "crm_surveys": ["survey_id", "subject_type"], "crm_invoices": ["invoice_id", "invoiced_at", "amount"],
    "cdr": ["start_at", "end_at", "uniqueid", "disposition"], "queue_log": ["event_at", "event"],
    "qa_evaluations": ["evaluation_id", "evaluated_at"],
    "work_orders": ["work_order_id", "reported_at", "status", "updated_at"],
}
#: queue_log events whose data fields hold durations in seconds (non-negative).
_QUEUE_DURATIONS = {"CONNECT": ["data1", "data3"], "COMPLETECALLER": ["data1", "data2"],
                    "COMPLETEAGENT": ["data1", "data2"], "ABANDON": ["data3"], "EXITWITHTIMEOUT": ["data3"],
                    "EXITWITHKEY": ["data4"]}
#: Tables whose event times must fall within their file's local day (the call-centre day folders).
_DAY_BOUND = {"cdr": "start_at", "queue_log": "event_at"}


def raw_tables(source: str) -> list[str]:
    """The raw tables a source loads (raises on an unknown source)."""
    if source not in RAW_SCHEMAS:
        raise ValueError(f"unknown source {source!r}: expected one of {sorted(RAW_SCHEMAS)}")
    return list(RAW_SCHEMAS[source])


def batch_query(table: str, batch_ids: list[int]) -> str:
    """The rows of ``raw.<table>`` that the given load batches wrote."""
    ids = ", ".join(str(int(i)) for i in batch_ids)
    return f"select * from raw.{table} where _batch_id in ({ids})"


def batches_query(batch_ids: list[int]) -> str:
    """The given load batches, with the share of rows the loader quarantined."""
    ids = ", ".join(str(int(i)) for i in batch_ids)
    return (
        "select batch_id, source, logical_date, status, rows_read, rows_loaded, rows_quarantined, "
        "rows_quarantined::double precision / nullif(rows_read, 0) as quarantined_share "
        f"from audit.load_batches where batch_id in ({ids})"
    )


def volume_query(source: str, batch_ids: list[int], thresholds: dict[str, Any]) -> str | None:
    """Each batch's day volume beside the median of the same weekday in the trailing history.

    ``ratio`` is NULL until ``min_history_points`` earlier days exist (no verdict without history).
    Only batches that loaded (status loaded) count as history. None when the source has no
    volume rule in thresholds.yml.
    """
    volume = thresholds["raw"]["volume"]
    rule = (volume.get("tables") or {}).get(source)
    if rule is None:
        return None
    ids = ", ".join(str(int(i)) for i in batch_ids)
    days = int(volume["history_days"])
    points = int(volume["min_history_points"])
    # GX takes a query asset only if it starts with SELECT: the CTEs go in a subquery
    return f"""
select * from (
with batches as (
    select batch_id, logical_date from audit.load_batches where batch_id in ({ids})
),
counts as (
    select r._logical_date as logical_date, count(*) as n
    from raw.{rule['table']} as r
    inner join audit.load_batches as b on b.batch_id = r._batch_id
    where (b.status = 'loaded' or b.batch_id in ({ids})) and ({rule['where']})
      and r._logical_date >= (select min(logical_date) from batches) - {days}
      and r._logical_date <= (select max(logical_date) from batches)
    group by r._logical_date
),
history as (
    select bt.batch_id, percentile_cont(0.5) within group (order by h.n) as typical, count(h.n) as points
    from batches as bt
    left join counts as h
        on h.logical_date < bt.logical_date and h.logical_date >= bt.logical_date - {days}
       and extract(isodow from h.logical_date) = extract(isodow from bt.logical_date)
    group by bt.batch_id
)
select bt.batch_id, bt.logical_date, coalesce(c.n, 0) as day_volume, hi.typical, hi.points,
       case when hi.points >= {points} and hi.typical > 0
            then coalesce(c.n, 0) / hi.typical end as ratio
from batches as bt
left join counts as c on c.logical_date = bt.logical_date
left join history as hi on hi.batch_id = bt.batch_id
) as volume
""".strip()


def raw_schema_suite(source: str, table: str, thresholds: dict[str, Any]):
    """Columns and types of ``raw.<table>`` as the loaders and dbt rely on them."""
    columns = RAW_SCHEMAS[source][table]
    items = [expectation(
        "ExpectTableColumnsToMatchSet", f"{table}.columns", "dbt and the suites read these columns",
        "critical", thresholds, column_set=[*columns, *LINEAGE_COLUMNS], exact_match=False)]
    for column, type_ in columns.items():
        items.append(expectation(
            "ExpectColumnTypeToBe", f"{table}.{column}.type", f"{column} is read as {type_}", "critical",
            thresholds, column=column, type_=type_))
    return suite(f"raw.{source}.{table}.schema", items, why=f"schema of raw.{table}")


def raw_batch_suite(source: str, table: str, thresholds: dict[str, Any], centre_tz: str):
    """Row checks on what the batches loaded into ``raw.<table>``."""
    items = []
    for column in _REQUIRED.get(table, []):
        items.append(expectation("ExpectColumnValuesToNotBeNull", f"{table}.{column}.not_null",
                                 f"{column} is required downstream", "critical", thresholds, column=column))
    ids = _IDS.get(table)
    if ids:
        items.append(expectation(
            "ExpectCompoundColumnsToBeUnique", f"{table}.id_unique_in_batch",
            "one row per id and batch: a duplicate would double-count", "critical", thresholds,
            column_list=["_batch_id", *ids]))
    for column, values in _ENUMS.get(table, {}).items():
        items.append(expectation("ExpectColumnValuesToBeInSet", f"{table}.{column}.valid",
                                 f"{column} is one of the documented values", "critical", thresholds,
                                 column=column, value_set=values))
    for later, earlier, severity in _ORDER.get(table, []):
        items.append(expectation(
            "ExpectColumnPairValuesAToBeGreaterThanB", f"{table}.{later}_not_before_{earlier}",
            f"{later} cannot precede {earlier}", severity, thresholds,
            column_A=later, column_B=earlier, or_equal=True, ignore_row_if="either_value_is_missing"))
    for column in _NOT_FUTURE.get(table, []):
        items.append(expectation(
            "ExpectColumnPairValuesAToBeGreaterThanB", f"{table}.{column}.not_in_future",
            f"{column} cannot be later than the moment the row was loaded", "critical", thresholds,
            column_A="_loaded_at", column_B=column, or_equal=True, ignore_row_if="either_value_is_missing"))
    for column, low, high, severity in _RANGES.get(table, []):
        items.append(expectation("ExpectColumnValuesToBeBetween", f"{table}.{column}.range",
                                 f"{column} lies in [{low}, {high if high is not None else '∞'}]", severity,
                                 thresholds, column=column, min_value=low, max_value=high))
    if table == "queue_log":
        checks = " or ".join(
            f"(event = {sql_literal(event)} and {field} ~ '^\\s*-')"
            for event, fields in _QUEUE_DURATIONS.items() for field in fields)
        items.append(expectation(
            "UnexpectedRowsExpectation", "queue_log.durations_non_negative",
            "hold, wait and talk times are non-negative", "critical", thresholds,
            unexpected_rows_query=f"select event, callid, data1, data2, data3, data4, _line_number "
                                  f"from {{batch}} where {checks}"))
        items.append(expectation(
            "UnexpectedRowsExpectation", "queue_log.enterqueue_unique_in_batch",
            "a queue call (callid, queue, ENTERQUEUE epoch) is counted once", "critical", thresholds,
            unexpected_rows_query="select _batch_id, callid, queuename, event_epoch, count(*) as copies "
                                  "from {batch} where event = 'ENTERQUEUE' "
                                  "group by _batch_id, callid, queuename, event_epoch having count(*) > 1"))
    if table in _DAY_BOUND:
        column = _DAY_BOUND[table]
        hours = int(thresholds["raw"]["day_overrun_hours"])
        tz = sql_literal(centre_tz)
        items.append(expectation(
            "UnexpectedRowsExpectation", f"{table}.{column}.within_day",
            f"a day folder holds that local day's events (± {hours} h): later means misfiled or "
            "read in the wrong time zone", thresholds["raw"].get("day_overrun_severity", "critical"), thresholds,
            unexpected_rows_query=(
                f"select _logical_date, {column}, _source_file, _line_number from {{batch}} "
                f"where {column} >= ((_logical_date + 1)::timestamp at time zone {tz}) + interval '{hours} hours' "
                f"or {column} < (_logical_date::timestamp at time zone {tz}) - interval '{hours} hours'")))
    return suite(f"raw.{source}.{table}", items, why=f"rows of raw.{table} in the batches just loaded")


def raw_batches_suite(source: str, thresholds: dict[str, Any]):
    """The load batches themselves: loaded, and not too much quarantined."""
    share = thresholds["raw"]["quarantine_share"]
    items = [
        expectation("ExpectColumnValuesToBeInSet", "load_batches.status_loaded",
                    "only a batch that loaded is validated and built on", "critical", thresholds,
                    column="status", value_set=["loaded"]),
        expectation("ExpectColumnValuesToBeBetween", "load_batches.quarantine_share.warning",
                    f"more than {share['warning']:.0%} of a batch quarantined deserves a look", "warning",
                    thresholds, column="quarantined_share", min_value=0, max_value=float(share["warning"])),
        expectation("ExpectColumnValuesToBeBetween", "load_batches.quarantine_share.critical",
                    f"more than {share['critical']:.0%} of a batch quarantined: the day is not usable",
                    "critical", thresholds, column="quarantined_share", min_value=0,
                    max_value=float(share["critical"])),
    ]
    return suite(f"raw.{source}.batches", items, why="load batches of the run")


def raw_volume_suite(source: str, thresholds: dict[str, Any]):
    """The day's volume against the same weekday of the trailing weeks."""
    volume = thresholds["raw"]["volume"]
    items = [expectation(
        "ExpectColumnValuesToBeBetween", f"{source}.volume_vs_history",
        f"a day with under {volume['low_ratio']:.0%} or over {volume['high_ratio']:.0%} of the usual volume "
        "(median of the same weekday, trailing weeks) is suspicious", volume.get("severity", "warning"),
        thresholds, column="ratio", min_value=float(volume["low_ratio"]), max_value=float(volume["high_ratio"]))]
    return suite(f"raw.{source}.volume", items, why="day volume learned from history")
