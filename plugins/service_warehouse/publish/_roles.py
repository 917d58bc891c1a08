"""The project's PostgreSQL roles (created by warehouse/sql/040_roles.sql) and their passwords."""

from __future__ import annotations

import os

ROLES = ("loader", "transformer", "bi_reader", "auditor")


def password_variable(role: str) -> str:
    """The environment variable that holds ``role``'s password, e.g. ``SVCWH_BI_READER_PASSWORD``."""
    return f"SVCWH_{role.upper()}_PASSWORD"


def apply_role_passwords(url: str | None = None) -> list[str]:
    """Set each role's password from its environment variable; return the roles set.

    Roles without a variable keep what they have (none on the embedded trust-auth server).
    """
    from psycopg import sql

    from service_warehouse.warehouse import connect

    changed = []
    with connect(url, autocommit=True) as conn:
        for role in ROLES:
            password = os.environ.get(password_variable(role))
            if password:
                conn.execute(sql.SQL("alter role {} with login password {}").format(
                    sql.Identifier(role), sql.Literal(password)))
                changed.append(role)
    return changed
