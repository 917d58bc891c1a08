"""Landing source data in ``raw`` with an audit trail and a quarantine.

One batch per source × logical day: files (or the CRM extraction) are parsed as streams and
COPY'd into raw, rejected rows into ``audit.quarantine``, counts, checksums and timings into
``audit.load_batches`` / ``audit.load_files``. Loading a day again replaces it atomically; an
identical delivery is skipped; a failed batch leaves nothing partial.
"""

from __future__ import annotations

from service_warehouse.loaders._crm import TABLES as CRM_TABLES
from service_warehouse.loaders._crm import overlap_window
from service_warehouse.loaders._landing import SOURCE_FILES, landed_days, landing_root
from service_warehouse.loaders._load import (
    SOURCES,
    BatchResult,
    LoadError,
    crm_bounds,
    load_day,
    load_pending,
    pending_days,
)

__all__ = [
    "CRM_TABLES",
    "SOURCES",
    "SOURCE_FILES",
    "BatchResult",
    "LoadError",
    "crm_bounds",
    "landed_days",
    "landing_root",
    "load_day",
    "load_pending",
    "overlap_window",
    "pending_days",
]
