"""Superset settings for the service warehouse (read through SUPERSET_CONFIG_PATH).

Everything that differs per machine comes from the environment, which `svcwh superset` (or the
docker-compose service) sets:

- ``SVCWH_SUPERSET_HOME``: Superset's own state (metadata SQLite, generated secret key);
  default ``<repo>/.warehouse/superset``.
- ``SUPERSET_SECRET_KEY``: the key that signs sessions and encrypts stored connection passwords;
  when unset, one is generated once into ``$SVCWH_SUPERSET_HOME/secret_key`` (never in the repo).
- ``SUPERSET_DATABASE_URI``: Superset's metadata database; default SQLite in the home folder.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

HOME = Path(os.environ.get("SVCWH_SUPERSET_HOME") or Path(__file__).resolve().parents[1] / ".warehouse" / "superset")
HOME.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    key = os.environ.get("SUPERSET_SECRET_KEY")
    if key:
        return key
    path = HOME / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
SQLALCHEMY_DATABASE_URI = os.environ.get("SUPERSET_DATABASE_URI") or f"sqlite:///{HOME / 'superset.db'}"
# served on localhost (or behind the user's own TLS proxy): no forced HTTPS
TALISMAN_ENABLED = False
# one process keeps its rate-limit counters in memory (no warning about it at every start)
RATELIMIT_STORAGE_URI = "memory://"
# the dashboards only read: no file uploads, no DML, no thumbnails, no example data
FEATURE_FLAGS = {"THUMBNAILS": False, "ALERT_REPORTS": False,
                 # a chart may filter with a sub-query (e.g. the last 12 months of data, not of the clock)
                 "ALLOW_ADHOC_SUBQUERY": True}
SUPERSET_LOAD_EXAMPLES = False
# labels are Chinese with English
BABEL_DEFAULT_LOCALE = "en"
ROW_LIMIT = 50000
