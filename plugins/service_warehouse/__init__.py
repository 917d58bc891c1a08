"""The customer-service data warehouse: sources, loaders, quality gate and publishing.

Subpackages by role:

- ``warehouse``  the embedded PostgreSQL server, connection settings and the base schemas
- ``simulator``  the source simulator that plays the CRM, the call centre and field service
- ``sources``    parsers for what the source systems deliver (CDR, queue_log, QA CSV, JSON Lines)
- ``loaders``    landing source data in ``raw`` with an audit trail and a quarantine
- ``quality``    Great Expectations suites run as the data-quality gate
- ``publish``    write-audit-publish of the marts, roles and grants
- ``cli``        the ``svcwh`` command line
"""

from __future__ import annotations

__version__ = "0.1.0"
