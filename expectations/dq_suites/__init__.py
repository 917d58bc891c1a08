"""The data-quality suites of the warehouse, written in Python (one module per suite family).

- :mod:`dq_suites.raw`    raw suites, run on each source's load batches right after they land
- :mod:`dq_suites.marts`  mart suites, run on the build schema before publication

Every expectation carries a stable ``meta.name``, a ``meta.why`` and a severity (critical blocks
publication, warning is reported); every threshold comes from ``expectations/thresholds.yml``.
"""

from __future__ import annotations

from dq_suites._common import import_gx
from dq_suites.marts import MART_CONTRACT, MART_KEYS, mart_suite, rate_columns
from dq_suites.raw import (
    RAW_SCHEMAS,
    batch_query,
    batches_query,
    raw_batch_suite,
    raw_batches_suite,
    raw_schema_suite,
    raw_tables,
    raw_volume_suite,
    volume_query,
)

__all__ = [
    "MART_CONTRACT",
    "MART_KEYS",
    "RAW_SCHEMAS",
    "batch_query",
    "batches_query",
    "import_gx",
    "mart_suite",
    "raw_batch_suite",
    "raw_batches_suite",
    "raw_schema_suite",
    "raw_tables",
    "raw_volume_suite",
    "rate_columns",
    "volume_query",
]
