"""The one error type that services raise.

``code`` is stable (clients and tests rely on it), ``message`` is a plain sentence for the person
who has to act on it, and ``detail`` carries structured data (never personal data).
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
