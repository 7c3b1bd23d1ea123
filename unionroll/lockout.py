"""The page a staff or agency login gets while it is locked out (django-axes, docs/security.md).

It says when to try again and who can unlock, and nothing about the account: the same page, the
same words, whether the username exists or not, and it never repeats the username.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    # Every refused try starts the cool-off again, so this try's time plus the cool-off is when
    # the next one is certain to be let through.
    tried_at = getattr(request, "axes_attempt_time", None) or timezone.now()
    until = timezone.localtime(tried_at + settings.AXES_COOLOFF_TIME)
    response = TemplateResponse(
        request,
        "registration/locked_out.html",
        {"until": until, "same_day": until.date() == timezone.localdate(tried_at)},
        status=429,
    )
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response.render()
