"""Write-audit-publish of the marts, and the roles that may read them.

dbt builds into the build schema that is not live (:func:`choose_build_schema`); after the gate
passed, :func:`publish` re-points the ``marts`` views onto it in one transaction.
:func:`mart_models` says which models are marts.
"""

from __future__ import annotations

from service_warehouse.publish._models import manifest_marts, mart_models
from service_warehouse.publish._publish import (
    BUILD_SCHEMAS,
    PUBLISHED_SCHEMA,
    Publication,
    choose_build_schema,
    live_schema,
    publish,
)
from service_warehouse.publish._roles import PASSWORD_VARIABLES, ROLES, apply_role_passwords, password_variable

__all__ = [
    "BUILD_SCHEMAS",
    "PASSWORD_VARIABLES",
    "PUBLISHED_SCHEMA",
    "ROLES",
    "Publication",
    "apply_role_passwords",
    "choose_build_schema",
    "live_schema",
    "manifest_marts",
    "mart_models",
    "password_variable",
    "publish",
]
