"""Reports for auditors: one self-contained HTML page per run and an index of all runs.

GX's Data Docs load their CSS and JavaScript from public CDNs; offline they render as a bare,
partly collapsed page. So beside them every run gets ``report.html``: plain HTML with inline CSS
and nothing fetched from the network, listing every expectation of the run with its verdict.
The index (``<reports>/index.html``) lists the runs from ``audit`` with their verdicts and links
to each run's report, its Data Docs and the dbt docs.
"""

from __future__ import annotations

import html
import json
import os
from pathlib import Path
from urllib.parse import quote

from service_warehouse.config import get_settings

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC",sans-serif;margin:2rem;color:#222}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem}
table{border-collapse:collapse;width:100%;font-size:.85rem}
th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f3f3}
.passed{color:#1a7f37;font-weight:600}.warning{color:#9a6700;font-weight:600}
.failed,.error{color:#cf222e;font-weight:600}.running{color:#555}
tr.fail-critical{background:#ffebe9}tr.fail-warning{background:#fff8c5}
code{font-size:.8rem;white-space:pre-wrap;word-break:break-all}
"""


def _page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{_CSS}</style></head><body>\n{body}\n</body></html>\n")


def _verdict(status: str | None) -> str:
    status = status or "not run"
    return f'<span class="{html.escape(status)}">{html.escape(status)}</span>'


def _short(value: object, limit: int = 400) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return html.escape(text if len(text) <= limit else text[:limit] + " …")


def _link(href: str, text: str) -> str:
    return f'<a href="{quote(href)}">{html.escape(text)}</a>'


def write_run_report(run_id: str) -> Path:
    """Write ``<reports>/<run_id>/report.html`` from ``audit`` (every validation of the run)."""
    from service_warehouse.quality._gate import run_dir
    from service_warehouse.warehouse import connect

    folder = run_dir(run_id)
    folder.mkdir(parents=True, exist_ok=True)
    with connect() as conn:
        runs = conn.execute(
            "select validation_run_id, family, coalesce(source, build_schema), logical_date, status, evaluated,"
            " critical_failures, warning_failures, batch_ids, started_at from audit.validation_runs"
            " where run_id = %s order by validation_run_id", (run_id,)).fetchall()
        results = conn.execute(
            "select validation_run_id, suite, asset, expectation, column_name, severity, success, observed_value,"
            " unexpected_count, unexpected_sample, why, exception from audit.validations where run_id = %s"
            " order by validation_run_id, success, severity, suite, expectation", (run_id,)).fetchall()
        publication = conn.execute(
            "select publication_id, build_schema, models, published_at from audit.publications where run_id = %s"
            " order by publication_id desc limit 1", (run_id,)).fetchone()
    parts = [f"<h1>Data-quality report — run {html.escape(run_id)}</h1>"]
    docs = folder / "gx" / "data_docs" / "index.html"
    links = [_link("../index.html", "all runs")]
    if docs.exists():
        links.append(_link("gx/data_docs/index.html", "GX Data Docs of this run"))
    parts.append("<p>" + " · ".join(links) + "</p>")
    # GX's index lists its pages with JavaScript from public CDNs: offline it shows an empty
    # list. Its per-suite pages carry their content in the HTML, so link them from here.
    pages = sorted((folder / "gx" / "data_docs" / "validations").glob("**/*.html"))
    if pages:
        parts.append("<details><summary>GX validation pages of this run (readable offline, unstyled; GX's own "
                     "index needs the network)</summary><ul>")
        for page in pages:
            rel = page.relative_to(folder).as_posix()
            label = page.relative_to(folder / "gx" / "data_docs" / "validations").as_posix()
            parts.append(f"<li>{_link(rel, label)}</li>")
        parts.append("</ul></details>")
    if publication:
        parts.append(f"<p>Published: marts → <b>{html.escape(publication[1])}</b> at {publication[3]:%Y-%m-%d %H:%M:%S %Z}"
                     f" ({len(publication[2])} marts, publication {publication[0]}).</p>")
    else:
        parts.append("<p>Not published by this run.</p>")
    parts.append("<h2>Validation runs</h2><table><tr><th>id</th><th>family</th><th>source / schema</th>"
                 "<th>logical date</th><th>verdict</th><th>expectations</th><th>critical failures</th>"
                 "<th>warnings</th><th>load batches</th></tr>")
    for vrid, family, what, day, status, evaluated, crit, warn, batches, _started in runs:
        parts.append(f"<tr><td>{vrid}</td><td>{family}</td><td>{html.escape(what or '')}</td><td>{day}</td>"
                     f"<td>{_verdict(status)}</td><td>{evaluated}</td><td>{crit}</td><td>{warn}</td>"
                     f"<td>{_short(', '.join(map(str, batches)))}</td></tr>")
    parts.append("</table><h2>Expectations</h2><table><tr><th>run</th><th>suite</th><th>asset</th>"
                 "<th>expectation</th><th>column</th><th>severity</th><th>result</th><th>observed</th>"
                 "<th>unexpected</th><th>sample</th><th>why</th></tr>")
    for vrid, suite, asset, name, column, severity, success, observed, count, sample, why, exc in results:
        css = "" if success else f' class="fail-{html.escape(severity)}"'
        result = "pass" if success else ("error" if exc else "FAIL")
        parts.append(
            f"<tr{css}><td>{vrid}</td><td>{html.escape(suite)}</td><td>{html.escape(asset)}</td>"
            f"<td>{html.escape(name)}</td><td>{html.escape(column or '')}</td><td>{severity}</td><td>{result}</td>"
            f"<td>{_short(observed)}</td><td>{'' if count is None else count}</td>"
            f"<td><code>{_short(exc or sample)}</code></td><td>{html.escape(why or '')}</td></tr>")
    parts.append("</table>")
    path = folder / "report.html"
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(_page(f"Data quality — {run_id}", "\n".join(parts)), encoding="utf-8")
    tmp.replace(path)
    return path


def build_audit_index() -> Path:
    """Write ``<reports>/index.html``: every run, its verdicts, publication and links."""
    from service_warehouse.warehouse import connect

    reports = get_settings().reports_dir
    reports.mkdir(parents=True, exist_ok=True)
    with connect() as conn:
        runs = conn.execute(
            """
            select vr.run_id, max(vr.logical_date) as logical_date, min(vr.started_at) as started_at,
                   array_agg(vr.family || ':' || coalesce(vr.source, vr.build_schema, '') || ':' || vr.status
                             order by vr.validation_run_id) as verdicts,
                   sum(vr.critical_failures) as critical, sum(vr.warning_failures) as warnings,
                   (select string_agg(distinct f, '; ') from audit.validation_runs as x, unnest(x.failing_critical) as f
                     where x.run_id = vr.run_id) as failing,
                   (select max(p.publication_id) from audit.publications as p where p.run_id = vr.run_id) as publication,
                   max(vr.report_path) as report, max(vr.data_docs_path) as docs
            from audit.validation_runs as vr
            group by vr.run_id
            order by min(vr.started_at) desc
            """).fetchall()
        live = conn.execute("select run_id, build_schema, published_at, logical_date from audit.publications"
                            " order by publication_id desc limit 1").fetchone()
    parts = ["<h1>Customer-service data warehouse — data-quality audit</h1>"]
    if live:
        parts.append(f"<p>Dashboards read the marts published by run <b>{html.escape(live[0])}</b> (data as of "
                     f"{live[3]}, build schema {html.escape(live[1])}, published {live[2]:%Y-%m-%d %H:%M:%S %Z}).</p>")
    else:
        parts.append("<p>No marts have been published yet.</p>")
    dbt_docs = reports / "dbt-docs" / "index.html"
    parts.append("<p>" + (_link("dbt-docs/index.html", "dbt docs: models, columns and lineage") if dbt_docs.exists()
                          else "dbt docs: not generated yet (expected at dbt-docs/index.html)") + "</p>")
    parts.append("<p>Every verdict is in the database too: <code>audit.validation_runs</code>, "
                 "<code>audit.validations</code>, <code>audit.publications</code>, <code>audit.lineage</code>.</p>")
    parts.append("<table><tr><th>run</th><th>logical date</th><th>started</th><th>verdict</th><th>suites</th>"
                 "<th>critical failures</th><th>warnings</th><th>published</th><th>report</th><th>Data Docs</th></tr>")
    for run_id, day, started, verdicts, critical, warnings, failing, publication, report, docs in runs:
        statuses = [v.rsplit(":", 1)[1] for v in verdicts]
        overall = ("failed" if "failed" in statuses or "error" in statuses else
                   "running" if "running" in statuses else "warning" if "warning" in statuses else "passed")
        suites = "<br>".join(f"{html.escape(v.rsplit(':', 1)[0])} {_verdict(v.rsplit(':', 1)[1])}" for v in verdicts)
        crit = f"{critical}" + (f"<br><small>{_short(failing, 600)}</small>" if failing else "")
        parts.append(
            f"<tr><td>{html.escape(run_id)}</td><td>{day}</td><td>{started:%Y-%m-%d %H:%M}</td>"
            f"<td>{_verdict(overall)}</td><td>{suites}</td><td>{crit}</td><td>{warnings}</td>"
            f"<td>{'publication ' + str(publication) if publication else 'no'}</td>"
            f"<td>{_link(report, 'report') if report else ''}</td>"
            f"<td>{_link(docs, 'Data Docs') if docs else ''}</td></tr>")
    parts.append("</table>")
    path = reports / "index.html"
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(_page("Data-quality audit", "\n".join(parts)), encoding="utf-8")
    tmp.replace(path)
    return path
