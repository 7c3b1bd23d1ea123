"""Reads of the employers app."""

from __future__ import annotations

import datetime as dt
import hmac

from django.utils import timezone

from employers.models import ApiKey, Organisation
from employers.services import API_KEY_MARKER, API_KEY_PREFIX_LENGTH, hash_api_key

# Writing last_used_at on every request would turn each authenticated read into a write; a
# minute's precision is all anyone looking at "when was this key last used" needs.
LAST_USED_PRECISION = dt.timedelta(minutes=1)


def organisation_by_kvk(kvk: str) -> Organisation | None:
    return Organisation.objects.filter(kvk=kvk.strip()).first()


def api_key_by_prefix(prefix: str) -> ApiKey | None:
    return ApiKey.objects.select_related("organisation").filter(prefix=prefix.strip()).first()


def api_key_authenticate(raw_key: str) -> ApiKey | None:
    """The live key this plain key belongs to, or None (unknown, wrong or revoked)."""
    head = len(API_KEY_MARKER)
    if (
        not raw_key
        or not raw_key.startswith(API_KEY_MARKER)
        or raw_key[head + API_KEY_PREFIX_LENGTH : head + API_KEY_PREFIX_LENGTH + 1] != "_"
    ):
        return None
    prefix = raw_key[head : head + API_KEY_PREFIX_LENGTH]
    api_key = api_key_by_prefix(prefix)
    if api_key is None:
        return None
    # Compare in constant time so response timing reveals nothing about the stored hash.
    if not hmac.compare_digest(api_key.key_hash, hash_api_key(raw_key)):
        return None
    if api_key.revoked_at is not None:
        return None
    now = timezone.now()
    if api_key.last_used_at is None or now - api_key.last_used_at >= LAST_USED_PRECISION:
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
    return api_key
