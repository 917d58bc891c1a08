"""Open dashboards in headless Chromium and check that every chart rendered and shows data.

Runs in Superset's venv (Playwright lives there), driving Debian's ``/usr/bin/chromium`` (never a
downloaded browser). Every request that is not to localhost is aborted (the front end loads a
tracking pixel from a third-party host). For each dashboard slug it

- logs in once, opens ``/superset/dashboard/<slug>/?standalone=2``;
- records every ``POST /api/v1/chart/data`` answer: HTTP status and the row count per chart;
- waits until no chart is loading and every chart holder shows a canvas, svg or table, or an
  error (``[role=alert]``);
- waits until two screenshots in a row are identical (charts animate), saves ``<slug>.png``
  (a tall fixed viewport, not a full-page capture: resizing the page makes Superset lay it out anew);

and writes ``results.json`` in ``--out``: per dashboard, per chart: name, rendered, error text,
status codes and row count. Exit code 0 when it could check (the verdict is in the JSON).

    python check_dashboards.py --url http://127.0.0.1:8088 --out DIR slug [slug …]
    (user and password from SVCWH_SUPERSET_ADMIN / SVCWH_SUPERSET_ADMIN_PASSWORD)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

CHROMIUM = os.environ.get("SVCWH_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
VIEWPORT = {"width": 1600, "height": 3800}
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}

# evaluated in the page: one entry per chart holder
HOLDERS_JS = """
() => Array.from(document.querySelectorAll('[data-test="dashboard-component-chart-holder"]')).map(h => {
  const title = h.querySelector('[data-test="editable-title"], .header-title, [data-test="slice-header"] .editable-title');
  const alert = h.querySelector('[role="alert"]');
  const container = h.querySelector('.chart-container');
  const drawn = container ? container.querySelector('canvas, svg, table') : null;
  const big = container ? container.querySelector('.header-line, [data-test="big-number-header"]') : null;
  return {
    name: title ? title.textContent.trim() : '',
    loading: !!h.querySelector('.loading'),
    error: alert ? alert.textContent.trim().slice(0, 300) : null,
    rendered: !!(drawn || big),
    table_rows: container ? container.querySelectorAll('tbody tr').length : 0,
  };
})
"""

# the bottom of the last chart (the page itself is as tall as the viewport)
BOTTOM_JS = """
() => Math.ceil(Math.max(200, ...Array.from(
  document.querySelectorAll('[data-test="dashboard-component-chart-holder"]')).map(e => e.getBoundingClientRect().bottom)) + 24)
"""


def _local_only(route) -> None:
    host = urlsplit(route.request.url).hostname or ""
    if host in LOCAL_HOSTS or route.request.url.startswith(("data:", "blob:")):
        route.continue_()
    else:
        route.abort()


def _wait_for_login(page, timeout: float) -> None:
    """Wait until the login form has sent us on; a failure says where the browser was and what it showed.

    Only the navigation's commit is awaited: the welcome page behind it loads Superset's whole
    front end, and its ``load`` event (Playwright's default) is nothing this check needs. Waiting
    for the URL change and that event once ran past 120 s in CI, on a loaded machine, and the check
    failed before opening any dashboard.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_url(lambda u: "/login" not in u, wait_until="commit", timeout=timeout * 1000)
    except PlaywrightTimeout:
        try:
            shown = page.locator("body").inner_text(timeout=5000)[:500]
        except PlaywrightTimeout:
            shown = "(nothing readable within 5 s)"
        raise SystemExit(f"check_dashboards: error: still at {page.url} {timeout:.0f} s after logging in; "
                         f"the page shows: {shown!r}") from None


def check(url: str, user: str, password: str, slugs: list[str], out: Path, timeout: float) -> dict:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    results: dict = {"url": url, "dashboards": {}}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
        context.route("**/*", _local_only)
        page = context.new_page()
        page_errors: list[str] = []
        page.on("pageerror", lambda exc: page_errors.append(str(exc)[:500]))
        page.goto(f"{url}/login/", wait_until="domcontentloaded")
        page.fill("[data-test=username-input]", user)
        page.fill("[data-test=password-input]", password)
        page.click("[data-test=login-button]")
        _wait_for_login(page, timeout)
        for slug in slugs:
            data_calls: list[dict] = []

            def on_response(response, calls=data_calls) -> None:
                if "/api/v1/chart/data" not in response.url or response.request.method != "POST":
                    return
                try:
                    form = json.loads(response.request.post_data or "{}").get("form_data", {})
                except ValueError:
                    form = {}
                entry = {"slice_id": form.get("slice_id"), "status": response.status, "rows": None}
                try:
                    body = response.json()
                    entry["rows"] = sum(r.get("rowcount", 0) or 0 for r in body.get("result", []))
                    entry["errors"] = [r.get("error") for r in body.get("result", []) if r.get("error")]
                except Exception as exc:  # noqa: BLE001 - an unreadable answer is itself a finding
                    entry["errors"] = [f"unreadable answer: {exc}"]
                calls.append(entry)

            page.on("response", on_response)
            page_errors.clear()
            started = time.monotonic()
            page.goto(f"{url}/superset/dashboard/{slug}/?standalone=2", wait_until="domcontentloaded")
            holders: list[dict] = []
            settled = False
            while time.monotonic() - started < timeout:
                holders = page.evaluate(HOLDERS_JS)
                if holders and all(not h["loading"] and (h["rendered"] or h["error"]) for h in holders):
                    settled = True
                    break
                page.wait_for_timeout(500)
            # charts animate: wait until two screenshots in a row are identical
            shot = out / f"{slug}.png"
            previous = None
            while time.monotonic() - started < timeout:
                page.wait_for_timeout(700)
                current = page.screenshot()
                if current == previous:
                    break
                previous = current
            height = min(VIEWPORT["height"], page.evaluate(BOTTOM_JS))
            shot.write_bytes(page.screenshot(clip={"x": 0, "y": 0, "width": VIEWPORT["width"], "height": height}))
            holders = page.evaluate(HOLDERS_JS)
            page.remove_listener("response", on_response)
            results["dashboards"][slug] = {
                "settled": settled, "seconds": round(time.monotonic() - started, 1),
                "charts": holders, "data_calls": data_calls, "screenshot": str(shot),
                "title": page.title(), "page_errors": list(page_errors),
            }
        browser.close()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per dashboard")
    parser.add_argument("slugs", nargs="+")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"check_dashboards: error: no Chromium at {CHROMIUM}: apt-get install chromium", file=sys.stderr)
        return 2
    results = check(args.url.rstrip("/"), os.environ.get("SVCWH_SUPERSET_ADMIN", "admin"),
                    os.environ["SVCWH_SUPERSET_ADMIN_PASSWORD"], args.slugs, args.out, args.timeout)
    (args.out / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
