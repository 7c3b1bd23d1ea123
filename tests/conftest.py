from __future__ import annotations

import pytest

pytest_plugins = ["tests.roster_people"]


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
