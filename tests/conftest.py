from __future__ import annotations

import os

import pytest

# Browser tests drive Playwright's sync API, which keeps an asyncio loop in the test thread;
# Django refuses synchronous database calls next to a running loop unless told it is safe (for
# the test and for pytest-django's live server threads alike), so the test settings say so.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytest_plugins = ["tests.roster_people", "tests.levies.stripe_fake", "tests.browser"]


@pytest.fixture(scope="session", autouse=True)
def _catalogues_compiled():
    # `make test` compiles them first; a bare `pytest` run must not depend on that.
    from django.utils.translation import trans_real

    from notifications.catalogs import catalogues_compile

    catalogues_compile()
    # Forget catalogues loaded before the .mo files existed.
    trans_real._translations = {}
    trans_real._default = None


@pytest.fixture(autouse=True)
def _media_and_cache_in_tmp(settings, tmp_path):
    # Uploaded rosters and progress notes of one test never leak into another or into .data/.
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    }


@pytest.fixture(autouse=True)
def _rosters_processed_when_they_commit(settings):
    # Without a broker an upload is processed in a background thread (the request answers at
    # once); tests process it on commit instead, so they can assert its outcome right after.
    # tests/enrolment/test_roster_lifecycle.py covers the background thread.
    settings.UNIONROLL_ROSTER_PROCESS_INLINE = True


@pytest.fixture(autouse=True)
def _tasks_run_eagerly(request):
    # CI sets CELERY_BROKER_URL so the worker test can use a real broker; every other test runs
    # tasks in-process, so what it asserts does not depend on a worker being up.
    if request.node.get_closest_marker("celery_worker"):
        yield
        return
    from unionroll.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _caplog_formats_like_the_deployed_logs(caplog):
    # What a test reads in caplog.text is what the operators would read: stack traces without
    # the exceptions' messages (unionroll/logs.py, the formatter of every handler in LOGGING).
    from unionroll.logs import TracebackFormatter

    handler = caplog.handler
    previous = handler.formatter
    handler.setFormatter(TracebackFormatter(previous._fmt, previous.datefmt))
    yield
    handler.setFormatter(previous)
