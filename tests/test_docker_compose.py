"""docker-compose.yml cannot run here (no Docker engine), so check what can be checked.

The file parses; the services the README promises exist; every image is PostgreSQL 16 (the
embedded major version) or our own Dockerfile; every bind mount and COPY source exists in the
repo; every command is a real ``svcwh`` verb or Airflow command; every environment variable it
sets is one the code reads (or a real Airflow option); every ``${VAR}`` is in ``.env.example``.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import yaml

from service_warehouse.config import get_settings

REPO = Path(__file__).resolve().parents[1]
COMPOSE = yaml.safe_load((REPO / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
CODE_DIRS = ("plugins", "dags", "dbt_project", "expectations")


def _code_text() -> str:
    parts = []
    for folder in CODE_DIRS:
        for path in (REPO / folder).rglob("*"):
            if path.suffix in {".py", ".sql", ".yml", ".yaml"} and "target" not in path.parts:
                parts.append(path.read_text(errors="replace"))
    return "\n".join(parts)


def _commands(service: dict) -> list[list[str]]:
    command = service.get("command")
    if command is None:
        return []
    if isinstance(command, str):
        command = shlex.split(command)
    if command[:2] == ["bash", "-c"]:
        return [shlex.split(step) for step in command[2].split("&&")]
    return [command]


def test_compose_has_the_documented_services():
    assert {"postgres", "airflow-init", "airflow-apiserver", "airflow-scheduler", "airflow-dag-processor",
            "airflow-triggerer"} <= set(SERVICES)
    assert SERVICES["redis"]["profiles"] == ["celery"]
    assert SERVICES["airflow-worker"]["profiles"] == ["celery"]
    for name, service in SERVICES.items():
        if name not in ("airflow-init", "simulator"):
            assert "healthcheck" in service, f"{name} has no health check"


def test_compose_postgres_is_the_embedded_major_version():
    image = SERVICES["postgres"]["image"]
    assert image.split(":")[0] == "postgres"
    assert int(image.split(":")[1].split(".")[0]) == get_settings().pg_version


def test_compose_images_are_built_from_the_repo_dockerfile():
    dockerfile = (REPO / "Dockerfile").read_text()
    for name, service in SERVICES.items():
        if name in ("postgres", "redis"):
            continue
        expected = "./superset" if name == "superset" else "."
        assert service.get("build") == expected, f"{name} is not built from {expected}"
    for line in dockerfile.splitlines():
        if line.startswith("COPY"):
            sources = [w for w in line.split()[1:-1] if not w.startswith("--")]
            for source in sources:
                assert (REPO / source).exists(), f"Dockerfile copies {source}, which is not in the repo"


def test_compose_bind_mounts_exist_in_the_repo():
    named = set(COMPOSE.get("volumes", {}))
    for name, service in SERVICES.items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (REPO / source).exists(), f"{name} mounts {source}, which is not in the repo"
            else:
                assert source in named, f"{name} uses undeclared volume {source}"


def test_compose_commands_are_real_verbs():
    from typer.main import get_command

    from service_warehouse.cli import app

    cli = get_command(app)
    airflow_verbs = {"api-server", "scheduler", "dag-processor", "triggerer", "celery", "db", "jobs"}
    for name, service in SERVICES.items():
        for argv in _commands(service):
            if argv[0] == "svcwh":
                command = cli
                for word in argv[1:]:
                    if word.startswith("-"):
                        break
                    assert word in command.commands, f"{name}: `svcwh {' '.join(argv[1:])}` is not a verb"
                    command = command.commands[word]
                    if not hasattr(command, "commands"):
                        break
            elif name == "superset":
                continue  # checked in test_compose_superset_runs_the_same_import
            elif name == "postgres" and argv[0] == "postgres":
                continue  # checked in test_compose_postgres_plans_as_the_embedded_server
            elif argv[0] == "airflow":
                assert argv[1] in airflow_verbs, f"{name}: unknown airflow command {argv[1]}"
            else:
                pytest.fail(f"{name}: unexpected command {argv}")


def test_compose_environment_matches_what_the_code_reads():
    env = COMPOSE["x-warehouse-env"]
    code = _code_text()
    for key in env:
        if key.startswith(("AIRFLOW__", "AIRFLOW_HOME")) or key == "DO_NOT_TRACK":
            continue
        assert re.search(rf"['\"]{key}['\"]", code), f"compose sets {key}, which no code reads"


def test_compose_airflow_options_are_real():
    from airflow.configuration import conf

    # Airflow's own options and those of the installed providers (celery among them)
    known = {(section, option) for section, desc in conf.configuration_description.items()
             for option in desc.get("options", {})}
    for key in COMPOSE["x-warehouse-env"]:
        if key.startswith("AIRFLOW__") and not key.startswith(("AIRFLOW__COSMOS__", "AIRFLOW__OPENLINEAGE__")):
            _, section, option = key.split("__", 2)
            assert (section.lower(), option.lower()) in known, f"{key} is not an Airflow option"


def test_compose_variables_are_in_env_example():
    text = (REPO / "docker-compose.yml").read_text()
    example = {line.split("=", 1)[0] for line in (REPO / ".env.example").read_text().splitlines()
               if line and not line.startswith("#")}
    used = set(re.findall(r"(?<!\$)\$\{([A-Z_][A-Z0-9_]*)", text))  # $${X} is for the container shell
    assert used <= example, f"variables missing from .env.example: {sorted(used - example)}"
    literal = re.search(r"PASSWORD:\s+(?![$\s])\S+", text)  # a value that is not ${…}
    assert literal is None, f"a literal password in docker-compose.yml: {literal and literal.group(0)}"


def test_compose_superset_runs_the_same_import():
    """The superset service imports the repo's assets with bootstrap.py, as `svcwh superset` does."""
    from service_warehouse import dashboards

    service = SERVICES["superset"]
    dockerfile = (REPO / "superset" / "Dockerfile").read_text()
    for line in dockerfile.splitlines():
        if line.startswith("COPY"):
            for source in [w for w in line.split()[1:-1] if not w.startswith("--")]:
                assert (REPO / "superset" / source).exists(), f"superset/Dockerfile copies {source}, not in superset/"
    assert "uv sync --frozen" in dockerfile, "the image must install from superset/uv.lock"
    bootstrap, serve = _commands(service)
    assert bootstrap[:2] == ["python", "/app/bootstrap.py"]
    options = dict(zip(bootstrap[2::2], bootstrap[3::2]))
    assert options["--assets"] == "/app/assets" and "COPY assets ./assets" in dockerfile
    assert options["--warehouse-uri"] == dashboards.bi_reader_uri("postgresql://x@postgres:5432/warehouse")
    assert serve[0] == "gunicorn" and serve[-1] == "superset.app:create_app()"
    # the variables bootstrap.py and superset_config.py read; no secret has a default
    env = service["environment"]
    code = "\n".join((REPO / "superset" / f).read_text() for f in ("bootstrap.py", "superset_config.py"))
    for key, value in env.items():
        assert re.search(rf"['\"]{key}['\"]", code), f"superset sets {key}, which Superset's side never reads"
        assert ":?" in value, f"{key} must come from .env without a default"
    assert "SVCWH_BI_READER_PASSWORD" in env


def test_compose_postgres_plans_as_the_embedded_server():
    """The planner and memory settings given to docker-compose's postgres are the embedded server's."""
    from service_warehouse.warehouse.embedded import SERVER_OPTIONS

    argv = SERVICES["postgres"]["command"]
    assert argv[0] == "postgres" and argv[1::2] == ["-c"] * (len(argv) // 2)
    options = dict(item.split("=", 1) for item in argv[2::2])
    assert options, "postgres gets no -c options"
    for key, value in options.items():
        assert SERVER_OPTIONS.get(key) == value, f"docker-compose postgres: {key}={value}, embedded: {SERVER_OPTIONS.get(key)}"
    assert options["random_page_cost"] == "1.1"
