"""For tests that start other processes (a Celery worker, a second server process): the
environment that points them at this test's database, not the one in the environment."""

from __future__ import annotations

import os
from urllib.parse import quote, urlunsplit

from django.db import connection


def child_process_environment() -> dict[str, str]:
    """os.environ, with DATABASE_URL (or, on the embedded server, UNIONROLL_DB_NAME) naming the
    test database and Django's settings module set."""
    env = dict(os.environ)
    db = connection.settings_dict
    if os.environ.get("DATABASE_URL"):
        credentials = quote(db["USER"] or "", safe="")
        if db.get("PASSWORD"):
            credentials += ":" + quote(db["PASSWORD"], safe="")
        netloc = f"{credentials}@{db['HOST'] or 'localhost'}"
        if db.get("PORT"):
            netloc += f":{db['PORT']}"
        env["DATABASE_URL"] = urlunsplit(("postgresql", netloc, f"/{db['NAME']}", "", ""))
    else:
        # The embedded server: same server, the test database by name.
        env["UNIONROLL_DB_NAME"] = db["NAME"]
    env["DJANGO_SETTINGS_MODULE"] = "unionroll.settings"
    return env
