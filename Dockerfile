# One image for every Airflow service of docker-compose.yml (and the one-shot init and simulator).
# Dependencies come from uv.lock, exactly as `make setup` installs them on a laptop.
FROM python:3.11-slim-bookworm

ENV PYTHONUNBUFFERED=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    SVCWH_HOME=/opt/service-warehouse

RUN pip install --no-cache-dir uv==0.13.8 \
 && useradd --create-home --uid 50000 airflow

WORKDIR /opt/service-warehouse
COPY pyproject.toml uv.lock README.md ./
COPY plugins ./plugins
RUN uv sync --frozen --no-dev --extra celery

# The rest of the repo; docker-compose also mounts the folders so edits are picked up live.
COPY --chown=airflow dags ./dags
COPY --chown=airflow dbt_project ./dbt_project
COPY --chown=airflow expectations ./expectations
RUN mkdir -p /opt/airflow /opt/service-warehouse/.warehouse && chown -R airflow /opt/airflow /opt/service-warehouse/.warehouse
USER airflow
