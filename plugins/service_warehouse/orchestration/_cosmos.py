"""The dbt build as Airflow tasks (astronomer-cosmos), one task per dbt node with its tests.

Cosmos reads the manifest built ahead (``dbt parse``, :func:`service_warehouse.transform.
build_manifest`) with ``LoadMode.DBT_MANIFEST``, so parsing the DAG never runs dbt and never
touches a database. What differs per run — the build schema and the as-of date — reaches dbt
through Cosmos' templated ``env`` and ``vars`` from the ``prepare`` task's XCom; the connection
variables ``profiles.yml`` reads are rendered at run time too (never at parse time).

Execution mode: see docs/DECISIONS.md ("Airflow: Cosmos execution mode") for the measurements.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from service_warehouse.config import get_settings

#: XCom expressions (rendered per task at run time).
PLAN = "ti.xcom_pull(task_ids='prepare')"
BUILD_SCHEMA = "{{ " + PLAN + "['build_schema'] }}"
AS_OF_DATE = "{{ " + PLAN + "['as_of_date'] }}"
FULL_REFRESH = "{{ " + PLAN + "['full_refresh'] }}"

PROFILE_VARS = ("WAREHOUSE_HOST", "WAREHOUSE_PORT", "WAREHOUSE_USER", "WAREHOUSE_PASSWORD", "WAREHOUSE_DB")

#: The demand marts read tonight's forecast vintage, written by the `forecast` task after the
#: transform group: they are left out of the group and built by the `demand_marts` task.
DEMAND_MARTS = "path:models/marts/demand"


def manifest_path() -> Path:
    """Where ``dbt parse`` writes the manifest Cosmos loads."""
    return get_settings().dbt_target_dir / "manifest.json"


def dbt_env_vars() -> dict[str, str]:
    """Environment of every dbt task, templated per run (Cosmos renders the operators' ``env``)."""
    env = {
        "SVCWH_BUILD_SCHEMA": BUILD_SCHEMA,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        # a per-model `dbt build --select m` must not pick up tests that also read a model not
        # built yet: those run in their own (detached) tasks once all their parents exist
        "DBT_INDIRECT_SELECTION": "cautious",
        # each task would rewrite manifest.json and run_results.json (≈ 40 % of a small node's
        # dbt CPU, measured); Cosmos reads the result object, and the manifest it copied in
        "DBT_WRITE_JSON": "False",
        # the task log has dbt's output; a dbt.log in the throw-away project copy only leaks
        # an open file handle per task
        "DBT_LOG_LEVEL_FILE": "none",
    }
    env.update({key: "{{ svcwh_dbt_env('" + key + "') }}" for key in PROFILE_VARS})
    return env


def dbt_vars() -> dict[str, str]:
    """dbt vars of every dbt task, templated per run (the operators' ``vars``)."""
    return {"as_of_date": AS_OF_DATE}


def operator_args(extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Arguments every Cosmos task gets besides env and vars: the run's full-refresh flag."""
    args: dict[str, Any] = {"full_refresh": FULL_REFRESH}
    args.update(extra or {})
    return args


def cross_model_tests() -> list[str]:
    """Names of the dbt tests that read more than one model (relationships, reconciliations).

    A per-model ``dbt build --select m`` leaves them out (indirect selection ``cautious``);
    they run together once every model is built. Read from the manifest file (no dbt).
    """
    import json

    path = manifest_path()
    if not path.is_file():
        return []
    nodes = json.loads(path.read_text())["nodes"]
    demand = {key for key, n in nodes.items()
              if str(n.get("original_file_path", "")).startswith(DEMAND_MARTS.split(":", 1)[1] + "/")}
    # tests of a demand mart run with it, in the demand_marts task (dbt build)
    return sorted(
        n["name"] for n in nodes.values()
        if n["resource_type"] == "test" and len(set(n.get("depends_on", {}).get("nodes", []))) > 1
        and not demand & set(n.get("depends_on", {}).get("nodes", []))
    )


def dbt_task_group(group_id: str = "transform", **task_group_kwargs: Any):
    """The Cosmos ``DbtTaskGroup`` of the dbt project, or None when no manifest was built yet."""
    manifest = manifest_path()
    if not manifest.is_file():
        return None
    from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
    from cosmos.constants import ExecutionMode, InvocationMode, LoadMode, TestBehavior

    project_dir = get_settings().dbt_project_dir
    return DbtTaskGroup(
        group_id=group_id,
        project_config=ProjectConfig(
            dbt_project_path=project_dir,
            manifest_path=manifest,
            project_name="service_warehouse",
            partial_parse=True,
            install_dbt_deps=False,
            env_vars=dbt_env_vars(),
            dbt_vars=dbt_vars(),
        ),
        profile_config=ProfileConfig(
            profile_name="service_warehouse",
            target_name="warehouse",
            profiles_yml_filepath=project_dir / "profiles.yml",
        ),
        execution_config=ExecutionConfig(
            execution_mode=ExecutionMode.LOCAL,
            invocation_mode=InvocationMode.DBT_RUNNER,
        ),
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST,
            test_behavior=TestBehavior.BUILD,  # one task per model: `dbt build` runs it and its tests
            emit_datasets=False,
            enable_mock_profile=False,
            # tests that read two models run once, after the group (cross_model_tests): one
            # task per such test would double the task count (measured: docs/DECISIONS.md)
            should_detach_multiple_parents_tests=False,
            # exposures document the dashboards; they are no tasks (without this Cosmos warns once per
            # exposure at every DAG parse)
            exclude=[DEMAND_MARTS, "resource_type:exposure"],
        ),
        operator_args=operator_args(),
        **task_group_kwargs,
    )
