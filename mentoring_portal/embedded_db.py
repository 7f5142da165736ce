"""The embedded PostgreSQL used when ``DATABASE_URL`` is unset.

pgserver bundles a real PostgreSQL 16 in a wheel, so a fresh clone gets the same
database engine as production without root or a server installed beforehand.
Every process that imports the settings takes a handle on the one server that
lives in ``var/pgdata``; the server stops when the last handle goes away (Ctrl-C
on ``make run``, the end of a test run), so no state is left running.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path


def embedded_database_url(data_dir: Path) -> str:
    """Start (or join) the embedded server in ``data_dir`` and return its URL."""
    # platformdirs warns when XDG_RUNTIME_DIR is unset, which is normal here.
    warnings.filterwarnings("ignore", module="platformdirs")
    import logging

    import pgserver

    logging.getLogger("pgserver").setLevel(logging.WARNING)

    data_dir.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(data_dir, cleanup_mode=os.environ.get("PGSERVER_CLEANUP", "stop"))
    return server.get_uri()
