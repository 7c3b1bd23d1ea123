from __future__ import annotations

import pytest


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
