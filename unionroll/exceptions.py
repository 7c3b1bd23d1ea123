"""The one error type that services raise, in the few kinds a caller has to tell apart.

``code`` is stable (clients and tests rely on it), ``message`` is a plain sentence for the person
who has to act on it, and ``detail`` carries structured data (never personal data).

A service raises one of the subclasses below, never :class:`ApplicationError` itself: the
subclass says what *kind* of failure it is, the code says exactly which one. The kind is what a
face needs to answer (the API turns it into an HTTP status in ``api/exceptions.py``; a page shows
the message whatever the kind), so a new code needs no table anywhere to come out right. Code
that only reports a failure catches :class:`ApplicationError` and gets every kind.

The kinds, and how to pick one:

- :class:`Invalid`: what was sent is wrong (a field, a file, a value out of range); the caller can
  fix it and send it again. The default when in doubt.
- :class:`NotFound`: the thing the request names does not exist (an unknown sector code, a hirer's
  KvK number that is not registered).
- :class:`Conflict`: the request is fine, but the current state does not allow it: it exists
  already, someone changed or decided it meanwhile, it has ended or started. Sending the same
  again will not help until the state changes.
- :class:`Refused`: this caller may not do this, however it is asked.
- :class:`TooLarge`: what was sent is larger than the limit.
- :class:`Unavailable`: nothing is wrong with the request, but it cannot be done now: a service
  it needs is switched off, misconfigured or down, or the system ran out of something it draws
  from. The operators act on it, or a later retry succeeds.
"""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    def __init__(self, code: str, message: str, detail: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.detail = detail if detail is not None else {}

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "detail": self.detail}


class Invalid(ApplicationError):
    """What was sent is wrong; fix it and send it again."""


class NotFound(ApplicationError):
    """The thing the request names does not exist."""


class Conflict(ApplicationError):
    """The current state does not allow it (it exists already, changed, ended, was decided)."""


class Refused(ApplicationError):
    """This caller may not do this."""


class TooLarge(ApplicationError):
    """What was sent is larger than the limit."""


class Unavailable(ApplicationError):
    """The request is fine but cannot be done now; the operators or a later retry fix it."""
