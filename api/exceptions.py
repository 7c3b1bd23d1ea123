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

from unionroll.exceptions import (
    ApplicationError,
    Conflict,
    Invalid,
    NotFound,
    Refused,
    TooLarge,
    Unavailable,
)

# The HTTP status of each kind of service error (unionroll/exceptions.py). The kind, not the
# code, decides: a service adding a code needs no entry here. An error of no listed kind is a
# 400: the caller can fix the request and try again.
APPLICATION_ERROR_STATUS: dict[type[ApplicationError], int] = {
    Invalid: status.HTTP_400_BAD_REQUEST,
    NotFound: status.HTTP_404_NOT_FOUND,
    Conflict: status.HTTP_409_CONFLICT,
    Refused: status.HTTP_403_FORBIDDEN,
    TooLarge: status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    Unavailable: status.HTTP_503_SERVICE_UNAVAILABLE,
}


def application_error_status(exc: ApplicationError) -> int:
    """The status for a service error: that of the nearest kind it is (or 400)."""
    for kind in type(exc).__mro__:
        if kind in APPLICATION_ERROR_STATUS:
            return APPLICATION_ERROR_STATUS[kind]
    return status.HTTP_400_BAD_REQUEST


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ApplicationError):
        return Response(exc.as_dict(), status=application_error_status(exc))

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
