"""The project's PostgreSQL roles (created by warehouse/sql/040_roles.sql) and their passwords."""

from __future__ import annotations

import os

#: Each role and the environment variable that holds its password (unset: no password change).
PASSWORD_VARIABLES = {
    "loader": "SVCWH_LOADER_PASSWORD",
    "transformer": "SVCWH_TRANSFORMER_PASSWORD",
    "bi_reader": "SVCWH_BI_READER_PASSWORD",
    "auditor": "SVCWH_AUDITOR_PASSWORD",
}
ROLES = tuple(PASSWORD_VARIABLES)


def password_variable(role: str) -> str:
    """The environment variable that holds ``role``'s password, e.g. ``SVCWH_BI_READER_PASSWORD``."""
    try:
        return PASSWORD_VARIABLES[role]
    except KeyError:
        raise ValueError(f"unknown role {role!r}: the project's roles are {', '.join(ROLES)}") from None


def apply_role_passwords(url: str | None = None) -> list[str]:
    """Set each role's password from its environment variable; return the roles set.

    Roles without a variable keep what they have (none on the embedded trust-auth server).
    """
    from psycopg import sql

    from service_warehouse.warehouse import connect

    changed = []
    with connect(url, autocommit=True) as conn:
        for role in ROLES:
            password = os.environ.get(PASSWORD_VARIABLES[role])
            if password:
                conn.execute(sql.SQL("alter role {} with login password {}").format(
                    sql.Identifier(role), sql.Literal(password)))
                changed.append(role)
    return changed
