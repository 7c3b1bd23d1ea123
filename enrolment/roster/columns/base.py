"""What every column validator shares: the refusal it raises, and the sentences common to all."""

from __future__ import annotations

REQUIRED = "required"
TOO_LONG = "too_long"


class Refused(ValueError):
    """A value its column does not accept.

    ``code`` is the stable error code, ``message`` the sentence for the clerk, and ``shown`` the
    value as the issue may echo it: None where it must not be (a name, a date of birth), masked
    where it could be a BSN.
    """

    def __init__(self, code: str, message: str, shown: str | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.message = message
        self.shown = shown


def missing(label: str) -> Refused:
    """The refusal of an empty value in a required column."""
    return Refused(REQUIRED, f"The {label} is missing.")


def too_long(limit: int) -> str:
    return f"This value is longer than the {limit} characters it may have."
