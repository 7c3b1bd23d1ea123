"""One error shape for every API response: ``{"code", "message", "detail"}``.

Clients branch on ``code`` (stable), show ``message`` to a person, and read ``detail`` for the
specifics (field errors, the seconds to wait). DRF's own errors and the services'
``ApplicationError`` are both turned into it, so a client needs one error parser.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from unionroll.exceptions import ApplicationError

# Service error codes that mean something other than "your request cannot be done as asked".
# Anything not listed is a 400: the caller can fix it and try again.
APPLICATION_ERROR_STATUS: dict[str, int] = {
    "not_found": status.HTTP_404_NOT_FOUND,
    "permission_denied": status.HTTP_403_FORBIDDEN,
    "conflict": status.HTTP_409_CONFLICT,
    "file_too_large": status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ApplicationError):
        return Response(
            exc.as_dict(),
            status=APPLICATION_ERROR_STATUS.get(exc.code, status.HTTP_400_BAD_REQUEST),
        )

    response = drf_exception_handler(exc, context)
    if response is None:
        # Not an API error: let Django turn it into a 500 (and a log entry for the operators).
        return None

    # DRF has already turned Http404 and Django's PermissionDenied into its own types when it
    # built the response; mirror that here to pick the code.
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response.data = _error_body(exc)
    return response


def _error_body(exc: exceptions.APIException) -> dict[str, Any]:
    if isinstance(exc, exceptions.ValidationError):
        return {
            "code": "invalid",
            "message": _("Some of the values sent are not valid."),
            "detail": exc.detail,
        }
    if isinstance(exc, exceptions.Throttled):
        return {
            "code": "throttled",
            "message": _("Too many requests. Try again later."),
            "detail": {"wait_seconds": exc.wait},
        }
    codes = exc.get_codes()
    code = codes if isinstance(codes, str) else exc.default_code
    return {"code": code, "message": str(exc.detail), "detail": {}}
