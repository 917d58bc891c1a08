# The single entry point. A new machine needs only Python 3.11 and make:
#   make run    set everything up and run the nightly pipeline on the embedded warehouse
#   make test   set everything up (if needed) and run the whole test suite
PYTHON ?= python3.11
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
SVCWH := $(VENV)/bin/svcwh
export UV_COMPILE_BYTECODE := 1
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: setup superset-setup chromium run test superset warehouse-stop airflow-ui bench bench-ingest clean help

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(UV):
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found: install Python 3.11" >&2; exit 2; }
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) uv.lock pyproject.toml
	$(UV) sync --frozen --all-extras --python $(PYTHON)
	@touch $@

setup: $(VENV)/.synced  ## create the virtual environment from the lock file

SUPERSET_VENV := .superset-venv
$(SUPERSET_VENV)/.synced: $(UV) superset/uv.lock superset/pyproject.toml
	UV_PROJECT_ENVIRONMENT=$(CURDIR)/$(SUPERSET_VENV) $(UV) sync --frozen --project superset --python $(PYTHON)
	@touch $@

superset-setup: $(SUPERSET_VENV)/.synced  ## Superset's own virtual environment (its pins clash with Airflow's)

# the browser test's packages: Debian's chromium, and a CJK font (labels are Chinese with English)
BROWSER_PACKAGES := chromium fonts-wqy-microhei
chromium:  ## Debian's Chromium and a CJK font for the browser test (installed with apt when missing)
	@if ! test -x /usr/bin/chromium || ! test -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc; then \
	  echo "installing $(BROWSER_PACKAGES) for the dashboard browser test"; \
	  apt-get install -y --no-install-recommends $(BROWSER_PACKAGES) >/dev/null 2>&1 || \
	  { apt-get update >/dev/null && apt-get install -y --no-install-recommends $(BROWSER_PACKAGES) >/dev/null; } || \
	  { echo "error: /usr/bin/chromium (or the CJK font) is missing and apt-get could not install it: run as root: apt-get install -y --no-install-recommends $(BROWSER_PACKAGES)" >&2; exit 2; }; \
	fi

run: setup  ## the nightly pipeline over simulated data on the embedded warehouse, then a summary
	$(SVCWH) demo

# the suite runs on both cores: pytest-xdist, whole test files per worker (module fixtures build a
# warehouse once per file), the end-to-end modules first; TEST_WORKERS=0 runs it in one process
TEST_WORKERS ?= 2
test: setup superset-setup chromium  ## the whole test suite, integration and browser tests included
	$(VENV)/bin/pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

superset: setup superset-setup  ## the dashboards (Superset) on the embedded warehouse; prints the URL and login
	$(SVCWH) superset

airflow-ui: setup  ## the Airflow UI on the embedded warehouse (prints the URL and login)
	$(SVCWH) airflow-ui

BENCH_ARGS ?=
bench: setup  ## the benchmark suite (large preset, 90 and 365 days; kept data): make bench BENCH_ARGS="--days 120"
	$(VENV)/bin/python bench/suite.py $(BENCH_ARGS)

bench-ingest: setup  ## the ingest benchmark alone: loader rows/s beside a bare COPY, peak memory
	$(VENV)/bin/python bench/ingest.py

warehouse-stop:  ## stop the embedded PostgreSQL server
	$(SVCWH) warehouse stop

clean:  ## stop the embedded server and remove all local state (.warehouse, .venv, .tools)
	-$(SVCWH) warehouse stop
	-SVCWH_DATA_DIR=.warehouse/test $(SVCWH) warehouse stop
	rm -rf .warehouse $(VENV) $(TOOLS) $(SUPERSET_VENV)
