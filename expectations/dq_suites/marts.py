"""Mart suites: run on the freshly built marts in the build schema before they are published.

One suite per mart, ``mart.<model>``, built from what the mart has (its columns are read from the
build schema, so a suite adapts as marts gain columns): contract columns present, keys unique
and filled, rates in [0, 1], counts and durations non-negative, counts reconciled (within the
mart and against the fact table they summarise), no day missing in daily marts, the run's KPIs
against the trailing days, and no personal data beyond the masked phone.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from dq_suites._common import expectation, sql_literal, suite

#: The forecasting methods (service_warehouse.forecast.METHODS; named here so that suites import no product code).
FORECAST_METHODS = ("naive", "seasonal_naive", "moving_average", "weighted_moving_average", "exponential_smoothing",
                    "seasonal_index", "holt_winters")

#: Columns dashboards rely on (shared/spec/marts_contract.txt): renaming or removing one breaks them.
MART_CONTRACT: dict[str, list[str]] = {
    "dim_customer": ["customer_id", "customer_type", "industry", "size_class", "region", "city",
                     "is_key_account", "tenure_class", "value_grade", "credit_limit", "invoiced_last_30d",
                     "outstanding_amount", "is_over_credit_limit", "is_at_risk", "risk_reasons", "status"],
    "dim_customer_history": ["customer_id", "valid_from", "valid_to", "is_current"],
    "customer_monthly": ["customer_id", "month", "calls", "complaints", "repairs", "invoiced_amount", "surveys",
                         "avg_score_overall", "is_active"],
    "customer_kpis_monthly": ["month", "customers_at_start", "new_customers", "churned_customers", "churn_rate",
                              "growth_rate", "csat", "nps"],
    "fct_complaints": ["complaint_id", "customer_id", "channel", "category", "severity", "received_at",
                       "acknowledged_at", "resolved_at", "closed_at", "status", "first_response_minutes",
                       "resolution_hours", "first_response_business_minutes", "resolution_business_hours",
                       "response_target_hours", "resolution_target_hours", "response_breach_at",
                       "resolution_breach_at", "is_response_sla_met", "is_resolution_sla_met", "reopen_count",
                       "is_reopened", "is_escalated", "has_callback", "is_callback_satisfied"],
    "complaint_kpis_daily": ["local_date", "category", "severity", "channel", "region", "received", "resolved",
                             "resolved_within_sla", "timely_resolution_rate", "reopen_rate", "callback_rate",
                             "callback_satisfaction_rate", "open_backlog", "breached_backlog"],
    "fct_calls": ["call_id", "callid", "queue", "agent_id", "customer_id", "entered_at", "answered_at", "ended_at",
                  "wait_seconds", "talk_seconds", "outcome", "is_answered_within_threshold", "is_transferred",
                  "is_repeat_contact", "has_repeat_contact", "is_first_contact_resolved", "is_fcr_final",
                  "qa_total_score"],
    "call_kpis_daily": ["local_date", "queue", "offered", "answered", "abandoned", "short_abandons", "timeouts",
                        "service_level", "asa_seconds", "abandon_rate", "aht_seconds", "transfer_rate", "fcr_rate",
                        "qa_avg_score", "qa_fatal_rate"],
    "agent_kpis_monthly": ["agent_id", "month"],
    "fct_repairs": ["work_order_id", "customer_id", "technician_id", "category", "urgency", "reported_at",
                    "appointment_start", "appointment_end", "dispatched_at", "arrived_at", "completed_at", "status",
                    "is_punctual", "is_timely", "inspection_result", "is_rework", "turnaround_hours",
                    "on_site_hours", "fee_amount", "is_paid", "customer_signed", "has_callback",
                    "is_callback_satisfied", "safety_incident", "work_points"],
    "repair_kpis_monthly": ["month", "category", "urgency", "region", "orders", "completed", "timely_rate",
                            "punctuality_rate", "pass_rate", "rework_rate", "first_time_fix_rate", "callback_rate",
                            "callback_satisfaction_rate", "mean_turnaround_hours", "paid_revenue"],
    "technician_points_monthly": ["technician_id", "month", "orders", "work_points", "safety_incidents",
                                  "points_after_penalty", "points_over_base", "bonus_amount"],
    "service_level_monthly": ["month"],
    "satisfaction_monthly": ["month", "subject_type", "surveys", "csat", "nps"],
    "demand_forecast_daily": ["series_id", "series_kind", "queue", "category", "urgency", "method",
                              "forecast_made_on", "is_champion", "is_latest_vintage", "local_date", "horizon_days",
                              "forecast", "lower_80", "upper_80", "actual"],
    "demand_forecast_intraday": ["queue", "interval_start", "interval_end", "local_date", "forecast_made_on",
                                 "forecast_calls", "forecast_aht_seconds"],
    "forecast_accuracy": ["forecast_kind", "series_id", "series_kind", "method", "horizon_bucket", "month", "n",
                          "mean_error", "mae", "mse", "rmse", "error_sd", "mape", "wape"],
    "staffing_requirements": ["queue", "interval_start", "interval_end", "local_date", "forecast_calls",
                              "forecast_aht_seconds", "agents_required", "forecast_service_level",
                              "forecast_asa_seconds", "occupancy", "scheduled_headcount", "is_past", "offered_calls",
                              "agents_logged_in", "service_level_achieved"],
}

#: The grain of each mart (its key); columns that a mart lacks are left out of the key.
MART_KEYS: dict[str, list[str]] = {
    "dim_customer": ["customer_id"],
    "dim_customer_history": ["customer_id", "valid_from"],
    "customer_monthly": ["customer_id", "month"],
    "customer_kpis_monthly": ["month", "customer_type", "value_grade"],
    "fct_complaints": ["complaint_id"],
    "complaint_kpis_daily": ["local_date", "category", "severity", "channel", "region"],
    "fct_calls": ["call_id"],
    "call_kpis_daily": ["local_date", "queue"],
    "agent_kpis_monthly": ["agent_id", "month"],
    "fct_repairs": ["work_order_id"],
    "repair_kpis_monthly": ["month", "category", "urgency", "region"],
    "technician_points_monthly": ["technician_id", "month"],
    "service_level_monthly": ["month"],
    "satisfaction_monthly": ["month", "subject_type"],
    "demand_forecast_daily": ["series_id", "forecast_made_on", "method", "local_date"],
    "demand_forecast_intraday": ["queue", "interval_start"],
    "staffing_requirements": ["queue", "interval_start"],
    "forecast_accuracy": ["forecast_kind", "series_id", "method", "horizon_bucket", "month"],
}
#: Key columns that may be NULL (a dimension value absent, e.g. no region) and still be unique.
_NULLABLE_KEYS = {"customer_type", "value_grade", "region", "category", "severity", "channel", "urgency"}

_COUNT_COLUMNS = {"offered", "answered", "abandoned", "short_abandons", "timeouts", "received", "resolved",
                  "resolved_within_sla", "open_backlog", "breached_backlog", "orders", "completed", "surveys",
                  "calls", "complaints", "repairs", "customers_at_start", "new_customers", "churned_customers",
                  "reopen_count", "handled", "safety_incidents", "points_over_base", "bonus_amount",
                  # demand marts: volumes, their intervals, agents, error sizes
                  "forecast", "lower_80", "upper_80", "actual", "forecast_calls", "traffic_erlangs",
                  "agents_required", "scheduled_headcount", "offered_calls", "agents_logged_in", "n", "mae", "mse",
                  "rmse", "error_sd", "mape", "wape"}
#: Fractions in [0, 1] that are not named *_rate.
_FRACTIONS = {"occupancy", "forecast_service_level", "service_level_achieved"}
_DURATION = re.compile(r"_(seconds|minutes|hours)$")

#: (mart, fact, the mart's date column, how the fact gets the same local date, counts to reconcile).
#: Each reconciled count in the mart must equal the fact table's count for the same key.
_RECONCILE = {
    "call_kpis_daily": ("fct_calls", ["local_date", "queue"],
                        "(f.entered_at at time zone {tz})::date", ["queue"],
                        {"offered": "count(*)", "answered": "count(*) filter (where f.outcome = 'answered')",
                         "abandoned": "count(*) filter (where f.outcome = 'abandoned')",
                         "short_abandons": "count(*) filter (where f.outcome = 'short_abandon')",
                         "timeouts": "count(*) filter (where f.outcome = 'timeout')"}),
    "complaint_kpis_daily": ("fct_complaints", ["local_date"], "(f.received_at at time zone {tz})::date", [],
                             {"received": "count(*)"}),
    "repair_kpis_monthly": ("fct_repairs", ["month"],
                            "date_trunc('month', f.reported_at at time zone {tz})::date", [],
                            {"orders": "count(*)"}),
}
#: Columns of a mart that hold one of the documented values (NULL allowed: not yet known).
_MART_ENUMS = {
    "fct_calls": {"outcome": ["answered", "abandoned", "short_abandon", "timeout", "exit_key", "exit_empty"]},
    "fct_complaints": {"severity": ["low", "medium", "high", "critical"],
                       "channel": ["phone", "email", "web", "wechat", "sms", "visit", "social"],
                       "category": ["product_quality", "service_attitude", "billing", "delivery", "repair", "other"],
                       "status": ["open", "acknowledged", "investigating", "resolved", "closed", "reopened"]},
    "fct_repairs": {"urgency": ["routine", "emergency"],
                    "status": ["reported", "dispatched", "in_progress", "completed", "cancelled"],
                    "inspection_result": ["pass", "fail"]},
    "dim_customer": {"value_grade": ["A", "B", "C"], "tenure_class": ["new", "established", "loyal"],
                     "customer_type": ["enterprise", "individual"]},
    "demand_forecast_daily": {"series_kind": ["calls", "complaints", "repairs"], "method": list(FORECAST_METHODS)},
    "forecast_accuracy": {"forecast_kind": ["published", "backtest"], "method": [*FORECAST_METHODS, "champion"],
                          "horizon_bucket": [1, 7, 14, 28]},
}
#: Within a mart: the left side may not exceed the sum on the right.
_NOT_ABOVE = {
    "call_kpis_daily": [("answered + abandoned + short_abandons + timeouts", "offered")],
    "complaint_kpis_daily": [("resolved_within_sla", "resolved")],
    "repair_kpis_monthly": [],
}
#: KPIs of call_kpis_daily compared with their trailing mean (all queues of a day together).
_SWING_KPIS = {
    "offered": ("sum(offered)::double precision", {"offered"}),
    "service_level": ("sum(service_level * (offered - short_abandons)) / nullif(sum(offered - short_abandons), 0)",
                      {"service_level", "offered", "short_abandons"}),
    "abandon_rate": ("sum(abandoned)::double precision / nullif(sum(offered - short_abandons), 0)",
                     {"abandoned", "offered", "short_abandons"}),
    "aht_seconds": ("sum(aht_seconds * answered) / nullif(sum(answered), 0)", {"aht_seconds", "answered"}),
}


def rate_columns(columns: list[str], thresholds: dict[str, Any]) -> list[str]:
    """The columns that hold a fraction in [0, 1]."""
    excluded = set(thresholds["marts"].get("rate_exclusions") or [])
    return [c for c in columns
            if (c.endswith("_rate") or c in ("service_level", "csat") or c in _FRACTIONS) and c not in excluded]


def mart_suite(model: str, columns: list[str], *, build_schema: str, available: set[str],
               thresholds: dict[str, Any], centre_tz: str, logical_date: dt.date):
    """The suite of one mart as built in ``build_schema``.

    Args:
        model: the mart (a table in the build schema).
        columns: its columns, as built.
        available: every table in the build schema (for reconciliations against fact tables).
        thresholds: thresholds.yml.
        centre_tz: the centre's time zone (local dates).
        logical_date: the run's day; daily marts must reach it, swings are measured on it.
    """
    marts_cfg = thresholds["marts"]
    tz = sql_literal(centre_tz)
    items = []
    present = set(columns)
    if model in MART_CONTRACT:
        items.append(expectation(
            "ExpectTableColumnsToMatchSet", f"{model}.contract_columns",
            "dashboards read these columns (marts contract)", "critical", thresholds,
            column_set=MART_CONTRACT[model], exact_match=False))
    items.append(expectation("ExpectTableRowCountToBeBetween", f"{model}.not_empty",
                             "an empty mart usually means a broken build", "warning", thresholds, min_value=1))
    key = [c for c in MART_KEYS.get(model, []) if c in present]
    if key:
        items.append(expectation(
            "UnexpectedRowsExpectation", f"{model}.key_unique",
            f"one row per {', '.join(key)} (read from the catalog when a unique index holds it)", "critical",
            thresholds, unexpected_rows_query=key_duplicates_query(build_schema, model, key)))
        for column in key:
            if column not in _NULLABLE_KEYS:
                items.append(expectation("ExpectColumnValuesToNotBeNull", f"{model}.{column}.not_null",
                                         "part of the mart's key", "critical", thresholds, column=column))
    for column, values in _MART_ENUMS.get(model, {}).items():
        if column in present:
            items.append(expectation("ExpectColumnValuesToBeInSet", f"{model}.{column}.valid",
                                     f"{column} is one of the documented values", "critical", thresholds,
                                     column=column, value_set=values))
    for column in rate_columns(columns, thresholds):
        items.append(expectation("ExpectColumnValuesToBeBetween", f"{model}.{column}.in_0_1",
                                 "rates are fractions in [0, 1]", "critical", thresholds,
                                 column=column, min_value=0, max_value=1))
    for column in columns:
        if column in _COUNT_COLUMNS or _DURATION.search(column):
            items.append(expectation("ExpectColumnValuesToBeBetween", f"{model}.{column}.non_negative",
                                     "counts and durations are non-negative", "critical", thresholds,
                                     column=column, min_value=0))
    for left, right in _NOT_ABOVE.get(model, []):
        needed = set(re.findall(r"[a-z_]+", left)) | {right}
        if needed <= present:
            items.append(expectation(
                "UnexpectedRowsExpectation", f"{model}.counts_reconcile",
                f"{left} cannot exceed {right}", "critical", thresholds,
                unexpected_rows_query=f"select * from {{batch}} where ({left}) > ({right})"))
    items += _reconcile_with_fact(model, present, build_schema, available, tz, thresholds)
    severity = (marts_cfg.get("no_missing_days") or {}).get(model)
    if severity and "local_date" in present:
        day = sql_literal(logical_date.isoformat())
        items.append(expectation(
            "UnexpectedRowsExpectation", f"{model}.no_missing_day",
            "every day from the first to the run's day is there (a missing day reads as zero)", severity,
            thresholds, unexpected_rows_query=(
                f"select d::date as missing_day from generate_series("
                f"(select min(local_date) from {{batch}}), {day}::date, interval '1 day') as d "
                f"where d::date not in (select local_date from {{batch}} where local_date is not null)")))
    if model == "call_kpis_daily":
        items += _swings(present, logical_date, thresholds)
    items += _demand(model, present, build_schema, available, logical_date, thresholds)
    items += _pii(model, columns, build_schema, thresholds)
    return suite(f"mart.{model}", items, why=f"{model} as built in {build_schema}, before publication")


def unique_index_holds(schema: str, table: str, key: list[str]) -> str:
    """SQL: true when a valid, immediate unique index of ``schema.table`` has exactly the ``key``
    columns (any order), no predicate and no expression; for a compound key, none of them may be
    NULL (a unique index lets rows with a NULL part repeat). PostgreSQL refuses every write that
    would break such an index, so the key is unique without reading a row."""
    names = ", ".join(sql_literal(c) for c in sorted(key))
    not_null = " and a.attnotnull" if len(key) > 1 else ""
    relation = sql_literal(f'"{schema}"."{table}"')
    # comma joins: GX leaves {batch} without its alias in a query that says JOIN
    return (
        f"exists (select 1 from pg_catalog.pg_index as i where i.indrelid = to_regclass({relation})"
        f" and i.indisunique and i.indisvalid and i.indimmediate and i.indpred is null and i.indexprs is null"
        f" and i.indnkeyatts = {len(key)} and (select array_agg(a.attname::text order by a.attname::text)"
        f" from unnest(i.indkey::int2[]) with ordinality as k (attnum, n), pg_catalog.pg_attribute as a"
        f" where a.attrelid = i.indrelid and a.attnum = k.attnum and k.n <= i.indnkeyatts{not_null})"
        f" = array[{names}]::text[])")


def key_duplicates_query(schema: str, table: str, key: list[str]) -> str:
    """The key values held by more than one row of the mart (``{batch}``). When a unique index holds
    the key, PostgreSQL evaluates the uncorrelated ``not exists`` once, before the scan, and
    reads no row of the mart: fct_calls' 7.4 M calls at a year took 2.9 s a night to count.
    Without such an index every row is grouped, as GX's uniqueness expectations do (a single
    column's NULLs ignored, a compound key's rows with every part NULL ignored)."""
    columns = ", ".join(key)
    skip_nulls = (f"{key[0]} is not null" if len(key) == 1
                  else "not (" + " and ".join(f"{c} is null" for c in key) + ")")
    return (f"select {columns}, count(*) as copies from {{batch}}"
            f" where {skip_nulls} and not {unique_index_holds(schema, table, key)}"
            f" group by {columns} having count(*) > 1")


def _demand(model: str, present: set[str], build_schema: str, available: set[str], logical_date: dt.date,
            thresholds: dict[str, Any]) -> list:
    """Demand marts: intervals hold their forecast, one champion, tonight's vintage, every queue and interval."""
    day = sql_literal(logical_date.isoformat())
    items = []

    def rows(name: str, why: str, query: str, needed: set[str], severity: str = "critical") -> None:
        if needed <= present:
            items.append(expectation("UnexpectedRowsExpectation", f"{model}.{name}", why, severity, thresholds,
                                     unexpected_rows_query=query))

    if model == "demand_forecast_daily":
        rows("interval_holds_forecast", "lower ≤ forecast ≤ upper where the method gives an 80 % interval",
             "select * from {batch} where lower_80 is not null and (lower_80 > forecast or forecast > upper_80)"
             " or (lower_80 is null) <> (upper_80 is null)", {"lower_80", "upper_80", "forecast"})
        rows("one_champion", "exactly one champion method per series and vintage (staffing uses it)",
             "select series_id, forecast_made_on, local_date, count(*) filter (where is_champion) as champions"
             " from {batch} group by series_id, forecast_made_on, local_date"
             " having count(*) filter (where is_champion) <> 1", {"series_id", "is_champion", "local_date"})
        rows("made_tonight", "the latest vintage is the run's day: the forecast step ran on this build",
             f"select max(forecast_made_on) as latest_vintage from {{batch}}"
             f" having max(forecast_made_on) is distinct from {day}::date", {"forecast_made_on"})
    if model in ("demand_forecast_intraday", "staffing_requirements"):
        ahead = " where not is_past" if "is_past" in present else ""
        rows("every_interval", "every queue has every interval of every forecast day (a gap reads as no calls)",
             f"with ahead as (select * from {{batch}}{ahead}), "
             "per_day as (select queue, local_date, count(*) as intervals, max(interval_minutes) as minutes"
             " from ahead group by queue, local_date), "
             "per_queue as (select queue, count(*) as days from per_day group by queue) "
             "select per_day.queue, per_day.local_date, per_day.intervals, per_queue.days from per_day"
             " join per_queue on per_queue.queue = per_day.queue"
             " where per_day.intervals <> 1440 / per_day.minutes"
             " or per_queue.days <> (select max(days) from per_queue)",
             {"queue", "local_date", "interval_minutes"})
        if "call_kpis_daily" in available:
            rows("every_queue", "every queue that took calls in the last 28 days is forecast and staffed",
                 f"select distinct queue from {build_schema}.call_kpis_daily"
                 f" where local_date > {day}::date - 28 and offered > 0"
                 f" except select queue from {{batch}}", {"queue"})
    if model == "staffing_requirements":
        rows("agents_where_calls", "at least one agent wherever calls are forecast",
             "select * from {batch} where forecast_calls > 0 and agents_required < 1",
             {"forecast_calls", "agents_required"})
        rows("headcount_covers_agents", "scheduled headcount (after shrinkage) is at least the agents needed",
             "select * from {batch} where scheduled_headcount < agents_required",
             {"scheduled_headcount", "agents_required"})
    return items


def _reconcile_with_fact(model: str, present: set[str], build_schema: str, available: set[str], tz: str,
                         thresholds: dict[str, Any]) -> list:
    if model not in _RECONCILE:
        return []
    fact, mart_key, fact_date, fact_dims, counts = _RECONCILE[model]
    counts = {c: expr for c, expr in counts.items() if c in present}
    if fact not in available or not counts or not set(mart_key) <= present:
        return []
    date_col = mart_key[0]
    date_expr = fact_date.format(tz=tz)
    fact_keys = ", ".join([f"{date_expr} as {date_col}", *(f"f.{d}" for d in fact_dims)])
    group_by = ", ".join(["1", *(str(i + 2) for i in range(len(fact_dims)))])
    keys = ", ".join(mart_key)
    # mart sums and fact counts side by side (union, then group: no full join on nullable keys)
    # (no alias on {batch}: GX adds its own unless the query has a join)
    mart_side = ", ".join([*mart_key, *(f"{c} as mart_{c}, 0 as fact_{c}" for c in counts)])
    fact_side = ", ".join([fact_keys, *(f"0 as mart_{c}, {expr} as fact_{c}" for c, expr in counts.items())])
    sums = ", ".join(f"sum(mart_{c}) as mart_{c}, sum(fact_{c}) as fact_{c}" for c in counts)
    differs = " or ".join(f"coalesce(sum(mart_{c}), 0) <> coalesce(sum(fact_{c}), 0)" for c in counts)
    query = (
        f"select {keys}, {sums} from ("
        f"select {mart_side} from {{batch}} "
        f"union all select {fact_side} from {build_schema}.{fact} as f group by {group_by}"
        f") as both_sides group by {keys} having {differs}"
    )
    return [expectation(
        "UnexpectedRowsExpectation", f"{model}.reconciles_with_{fact}",
        f"{', '.join(counts)} equal the count of {fact} rows for the same {', '.join(mart_key)}", "critical",
        thresholds, unexpected_rows_query=query)]


def _swings(present: set[str], logical_date: dt.date, thresholds: dict[str, Any]) -> list:
    cfg = thresholds["marts"]["kpi_swings"]
    days = int(cfg["trailing_days"])
    min_days = int(cfg["min_history_days"])
    day = sql_literal(logical_date.isoformat())
    items = []
    for kpi, rule in (cfg.get("kpis") or {}).items():
        if kpi not in _SWING_KPIS:
            raise ValueError(f"thresholds.yml marts.kpi_swings: unknown KPI {kpi!r} (known: {sorted(_SWING_KPIS)})")
        expr, needed = _SWING_KPIS[kpi]
        if not needed <= present:
            continue
        if "relative_tolerance" in rule:
            tol = float(rule["relative_tolerance"])
            cond = f"abs(t.v - h.mean) > {tol} * abs(h.mean)"
            text = f"more than {tol:.0%} from"
        else:
            tol = float(rule["absolute_tolerance"])
            cond = f"abs(t.v - h.mean) > {tol}"
            text = f"more than {tol} away from"
        query = (
            f"with daily as (select local_date, {expr} as v from {{batch}} group by local_date), "
            f"t as (select v from daily where local_date = {day}::date), "
            f"h as (select avg(v) as mean, count(v) as n from daily "
            f"where local_date >= {day}::date - {days} and local_date < {day}::date) "
            f"select {day}::date as local_date, t.v as value, h.mean as trailing_mean, h.n as trailing_days "
            f"from t, h where h.n >= {min_days} and t.v is not null and {cond}")
        items.append(expectation(
            "UnexpectedRowsExpectation", f"call_kpis_daily.{kpi}.swing",
            f"the day's {kpi} {text} its trailing {days}-day mean is flagged", cfg.get("severity", "warning"),
            thresholds, unexpected_rows_query=query))
    return items


def _pii(model: str, columns: list[str], build_schema: str, thresholds: dict[str, Any]) -> list:
    cfg = thresholds["marts"]["pii"]
    severity = cfg.get("severity", "critical")
    forbidden = ", ".join(sql_literal(c) for c in cfg["forbidden_columns"])
    # GX requires the query to name {batch}: `not exists (… where false)` names it without reading
    # it (a count(*) there read every row of the mart: 0.8 s a night on customer_monthly at a year)
    items = [expectation(
        "UnexpectedRowsExpectation", f"{model}.no_personal_columns",
        "no e-mail, ID number, address or clear phone in marts (客户资料保密制度)", severity, thresholds,
        unexpected_rows_query=(
            f"select column_name from information_schema.columns "
            f"where table_schema = {sql_literal(build_schema)} and table_name = {sql_literal(model)} "
            f"and column_name in ({forbidden}) and not exists (select from {{batch}} where false)"))]
    digits = int(cfg["max_digit_run"]) + 1
    pattern = re.compile(cfg["phone_column_pattern"])
    for column in columns:
        if pattern.search(column):
            # an unexpected-rows query, not a regex expectation: GX and the audit sample would
            # otherwise keep the clear numbers this check is about; the query shows them masked
            items.append(expectation(
                "UnexpectedRowsExpectation", f"{model}.{column}.masked",
                f"phone numbers are masked: no run of {digits} digits", severity, thresholds,
                unexpected_rows_query=(
                    f"select regexp_replace({column}::text, '[0-9]', '*', 'g') as {column}_shape "
                    f"from {{batch}} where {column}::text ~ '[0-9]{{{{{digits},}}}}'")))
    return items
