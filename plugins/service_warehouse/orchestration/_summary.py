"""The run command's closing summary, read from the warehouse's audit trail and the marts.

Rows landed and quarantined per source, what is published, the headline KPIs of the last
month, the plan for the coming week (the champion forecasts and Erlang C staffing), the
data-quality verdict and where to open the reports. Every figure is read from the
database; whatever is not there yet is said plainly ("not built yet"), never invented.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from service_warehouse.config import get_settings


@dataclass
class Summary:
    """What the summary shows; ``missing`` lists what could not be read, and why."""

    sources: list[dict[str, Any]] = field(default_factory=list)
    publication: dict[str, Any] | None = None
    marts: list[str] = field(default_factory=list)
    kpi_month: date | None = None
    kpis: list[tuple[str, str]] = field(default_factory=list)
    forecast_made_on: date | None = None
    plan: list[tuple[str, str]] = field(default_factory=list)
    verdict: str | None = None
    verdict_detail: list[str] = field(default_factory=list)
    reports: list[tuple[str, str]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def _exists(conn, relation: str) -> bool:
    return conn.execute("select to_regclass(%s)", (relation,)).fetchone()[0] is not None


def _columns(conn, schema: str, name: str) -> list[str]:
    return [r[0] for r in conn.execute(
        "select column_name from information_schema.columns where table_schema = %s and table_name = %s"
        " order by ordinal_position", (schema, name)).fetchall()]


def _pct(value: Any) -> str:
    return "n/a" if value is None else f"{float(value) * 100:.1f} %"


def _num(value: Any) -> str:
    return "n/a" if value is None else f"{int(value):,}"


def collect(url: str | None = None) -> Summary:
    """Read the summary from the warehouse (``url`` or the configured one)."""
    from service_warehouse.warehouse import connect

    s = Summary()
    settings = get_settings()
    with connect(url) as conn:
        _sources(conn, s)
        _publication(conn, s)
        _kpis(conn, s)
        _plan(conn, s)
        _verdict(conn, s)
    _reports(s, settings.reports_dir)
    return s


def _sources(conn, s: Summary) -> None:
    rows = conn.execute(
        "select source, count(*) filter (where status = 'loaded'), count(*) filter (where status = 'failed'),"
        " coalesce(sum(rows_read) filter (where status = 'loaded'), 0),"
        " coalesce(sum(rows_loaded) filter (where status = 'loaded'), 0),"
        " coalesce(sum(rows_quarantined) filter (where status = 'loaded'), 0),"
        " min(logical_date) filter (where status = 'loaded'), max(logical_date) filter (where status = 'loaded')"
        " from audit.load_batches group by source order by source"
    ).fetchall()
    for source, loaded, failed, read, landed, quarantined, first, last in rows:
        s.sources.append({"source": source, "batches": loaded, "failed": failed, "read": read, "loaded": landed,
                          "quarantined": quarantined, "first": first, "last": last})
    if not rows:
        s.missing.append("no load batch recorded yet (loaders not run or not built)")


def _publication(conn, s: Summary) -> None:
    if not _exists(conn, "audit.publications"):
        s.missing.append("publish step not built yet (no audit.publications)")
        return
    row = conn.execute(
        "select publication_id, run_id, logical_date, build_schema, cardinality(models), published_at,"
        " validation_run_id from audit.publications order by publication_id desc limit 1"
    ).fetchone()
    if row is None:
        s.missing.append("no publication yet: the marts have not passed the gate")
        return
    keys = ("publication_id", "run_id", "logical_date", "build_schema", "models", "published_at", "validation_run_id")
    s.publication = dict(zip(keys, row))
    count = conn.execute("select count(*) from audit.publications").fetchone()[0]
    s.publication["publications"] = count
    s.marts = [r[0] for r in conn.execute(
        "select table_name from information_schema.views where table_schema = 'marts' order by 1").fetchall()]


def _month_filter(conn, view: str, month: date) -> tuple[str, tuple] | None:
    cols = _columns(conn, "marts", view)
    if "month" in cols:
        return "month = %s", (month,)
    if "local_date" in cols:
        return "date_trunc('month', local_date)::date = %s", (month,)
    return None


def _kpis(conn, s: Summary) -> None:
    if s.publication is None:
        return
    month = s.publication["logical_date"].replace(day=1)
    s.kpi_month = month
    wanted = [
        ("call_kpis_daily",
         "select sum(offered), sum(answered)",
         lambda r: [("calls offered", _num(r[0])), ("calls answered", _num(r[1]))]),
        ("complaint_kpis_daily",
         "select sum(received), sum(resolved), sum(resolved_within_sla)::numeric / nullif(sum(resolved), 0)",
         lambda r: [("complaints received", _num(r[0])), ("complaints resolved", _num(r[1])),
                    ("complaints resolved in time (投诉处理及时率)", _pct(r[2]))]),
        ("repair_kpis_monthly",
         "select sum(orders), sum(completed), sum(timely_rate * completed) / nullif(sum(completed), 0)",
         lambda r: [("repair orders", _num(r[0])), ("repairs completed", _num(r[1])),
                    ("repairs timely (零修/急修及时率)", _pct(r[2]))]),
    ]
    for view, select, show in wanted:
        if not _exists(conn, f"marts.{view}"):
            s.missing.append(f"mart {view} not published (not built yet)")
            continue
        where = _month_filter(conn, view, month)
        if where is None:
            continue
        try:
            row = conn.execute(f"{select} from marts.{view} where {where[0]}", where[1]).fetchone()
        except Exception as exc:  # a mart whose columns differ from the contract: say so
            conn.rollback()
            s.missing.append(f"mart {view}: {str(exc).splitlines()[0]}")
            continue
        s.kpis.extend(show(row))
    if _exists(conn, "marts.service_level_monthly"):
        cols = [c for c in _columns(conn, "marts", "service_level_monthly") if "service_level" in c]
        if cols:
            row = conn.execute(f"select {cols[0]} from marts.service_level_monthly where month = %s", (month,)).fetchone()
            s.kpis.append(("overall service level (客户服务水平)", _pct(row[0] if row else None)))
    else:
        s.missing.append("mart service_level_monthly not published (not built yet)")
    if _exists(conn, "marts.call_kpis_daily"):
        row = conn.execute(
            "select sum(service_level * (offered - short_abandons)) / nullif(sum(offered - short_abandons), 0)"
            " from marts.call_kpis_daily where date_trunc('month', local_date)::date = %s", (month,)).fetchone()
        s.kpis.append(("call service level (≤ 20 s)", _pct(row[0] if row else None)))


def _plan(conn, s: Summary) -> None:
    """The published forecast: champion calls, complaints and repairs for the next 7 days, and
    the busiest half-hour's Erlang C staffing on the first forecast day."""
    if s.publication is None:
        return
    for view in ("demand_forecast_daily", "staffing_requirements"):
        if not _exists(conn, f"marts.{view}"):
            s.missing.append(f"mart {view} not published (not built yet)")
            return
    row = conn.execute(
        "select forecast_made_on,"
        " sum(forecast) filter (where series_kind = 'calls'),"
        " sum(forecast) filter (where series_kind = 'complaints'),"
        " sum(forecast) filter (where series_kind = 'repairs')"
        " from marts.demand_forecast_daily"
        " where is_latest_vintage and is_champion and horizon_days between 1 and 7"
        " group by forecast_made_on").fetchone()
    if row is None:
        s.missing.append("no forecast published yet (demand_forecast_daily is empty)")
        return
    s.forecast_made_on = row[0]
    s.plan += [("calls forecast, next 7 days", _num(round(row[1] or 0))),
               ("complaints forecast, next 7 days", _num(round(row[2] or 0))),
               ("repair orders forecast, next 7 days", _num(round(row[3] or 0)))]
    peak = conn.execute(
        "select local_date, interval_start, sum(agents_required), sum(scheduled_headcount)"
        " from marts.staffing_requirements where forecast_made_on = %s and local_date > %s"
        " group by local_date, interval_start order by local_date, sum(agents_required) desc,"
        " interval_start limit 1", (row[0], row[0])).fetchone()
    if peak is not None:
        local = peak[1].astimezone(get_settings().centre_tz)  # the centre's clock, not the session's
        s.plan.append((f"agents needed at the peak half-hour of {peak[0]} (Erlang C)",
                       f"{_num(peak[2])} at {local:%H:%M}, scheduled headcount {_num(peak[3])}"))


def _verdict(conn, s: Summary) -> None:
    if not _exists(conn, "audit.validation_runs"):
        s.missing.append("data-quality gate not built yet (no audit.validation_runs)")
        return
    if s.publication is not None:
        run_id = s.publication["run_id"]
    else:
        row = conn.execute("select run_id from audit.validation_runs order by validation_run_id desc limit 1").fetchone()
        if row is None:
            s.verdict = "NOT RUN"
            return
        run_id = row[0]
    rows = conn.execute(
        "select family, coalesce(source, build_schema), status, evaluated, critical_failures, warning_failures"
        " from audit.validation_runs where run_id = %s order by validation_run_id", (run_id,)).fetchall()
    statuses = {r[2] for r in rows}
    if not rows:
        s.verdict = "NOT RUN"
    elif statuses & {"failed", "error"}:
        s.verdict = "FAILED"
    elif "warning" in statuses:
        s.verdict = "PASSED with warnings"
    else:
        s.verdict = "PASSED"
    for family, what, status, evaluated, critical, warning in rows:
        s.verdict_detail.append(f"{family} {what}: {status} ({evaluated} checks, {critical} critical and "
                                f"{warning} warning failures)")


def _reports(s: Summary, reports_dir: Path) -> None:
    index = reports_dir / "index.html"
    s.reports.append(("data-quality report (auditors' index)",
                      str(index) if index.is_file() else f"not built yet ({index})"))
    docs = reports_dir / "dbt-docs" / "index.html"
    s.reports.append(("dbt docs", str(docs) if docs.is_file() else f"not generated ({docs})"))


def render(s: Summary, console) -> None:
    """Print the summary with rich."""
    from rich.table import Table

    table = Table(title="Rows landed per source (all loaded batches)", title_justify="left")
    for col in ("source", "days", "failed", "rows read", "loaded", "quarantined", "from", "to"):
        table.add_column(col, justify="right" if col not in ("source",) else "left")
    for r in s.sources:
        table.add_row(r["source"], str(r["batches"]), str(r["failed"]), _num(r["read"]), _num(r["loaded"]),
                      _num(r["quarantined"]), str(r["first"] or "-"), str(r["last"] or "-"))
    console.print(table)
    if s.publication:
        p = s.publication
        console.print(f"[bold]Marts published[/bold] as of {p['logical_date']} (publication {p['publication_id']}, "
                      f"{p['publications']} in all): {p['models']} models in {p['build_schema']}, "
                      f"{len(s.marts)} views in `marts`, run {p['run_id']}")
    else:
        console.print("[bold]Marts published:[/bold] none")
    if s.kpis:
        console.print(f"[bold]Headline KPIs[/bold] for {s.kpi_month:%Y-%m}:")
        for label, value in s.kpis:
            console.print(f"  {label:<48} {value}")
    if s.plan:
        console.print(f"[bold]Plan[/bold] (champion forecasts made on {s.forecast_made_on}, all queues):")
        for label, value in s.plan:
            console.print(f"  {label:<48} {value}")
    console.print(f"[bold]Data quality:[/bold] {s.verdict or 'not run'}")
    for line in s.verdict_detail:
        console.print(f"  {line}")
    for label, where in s.reports:
        console.print(f"[bold]{label}:[/bold] {where}")
    if s.missing:
        console.print("[bold]Not built yet / not available:[/bold]")
        for line in s.missing:
            console.print(f"  - {line}")
