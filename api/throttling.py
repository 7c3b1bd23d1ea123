from __future__ import annotations

from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from api.authentication import ApiPrincipal

# A payroll runs weekly or monthly; even an agency re-sending corrected files all afternoon
# stays far below this, while a script stuck in a loop is stopped before it fills the disk.
DEFAULT_ROSTER_UPLOAD_RATE = "60/hour"


class RosterUploadThrottle(SimpleRateThrottle):
    """Uploads per API key (or per logged-in user); reads are not throttled.

    The rate is ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["roster_upload"]`` when set.
    """

    scope = "roster_upload"

    def get_rate(self) -> str:
        # Read at request time (not import time) so a settings change takes effect.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope) or DEFAULT_ROSTER_UPLOAD_RATE

    def allow_request(self, request: Request, view: object) -> bool:
        if request.method != "POST":
            return True
        return super().allow_request(request, view)

    def get_cache_key(self, request: Request, view: object) -> str | None:
        user = request.user
        if isinstance(user, ApiPrincipal):
            ident = f"key:{user.api_key.pk}"
        elif user is not None and user.is_authenticated:
            ident = f"user:{user.pk}"
        else:
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}
