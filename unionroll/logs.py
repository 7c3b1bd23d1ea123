"""Logging that keeps stack traces and leaves out what an exception says.

An exception's message can quote the data it choked on: a database error names the duplicate
key (a phone number), a mail server repeats the address it refused, a parser the cell it could
not read. So every log handler formats exceptions with :class:`TracebackFormatter`: where it
happened (files, lines, functions, the chain of causes) and what type of error it was, never the
message. ``logger.exception(...)`` is then safe to use anywhere (docs/data-protection.md).
"""

from __future__ import annotations

import logging
import traceback
from types import TracebackType

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]

WITHHELD = "(message withheld: it may quote personal data)"
CAUSE = "\nThe above exception was the direct cause of the following exception:\n\n"
CONTEXT = "\nDuring handling of the above exception, another exception occurred:\n\n"


def traceback_text(exc_info: ExcInfo) -> str:
    """The traceback of an exception and of its causes, each ending in its type, not its text."""
    # Newest first, each with how it was raised from the one after it.
    chain: list[tuple[BaseException, str]] = []
    exc: BaseException | None = exc_info[1]
    while exc is not None and all(exc is not seen for seen, _ in chain):
        if exc.__cause__ is not None:
            chain.append((exc, CAUSE))
            exc = exc.__cause__
        elif exc.__context__ is not None and not exc.__suppress_context__:
            chain.append((exc, CONTEXT))
            exc = exc.__context__
        else:
            chain.append((exc, ""))
            exc = None
    parts: list[str] = []
    for exc, link in reversed(chain):
        # The link says how this exception came out of the one printed before it.
        parts.append(link)
        parts.append("Traceback (most recent call last):\n")
        parts.extend(traceback.format_tb(exc.__traceback__))
        parts.append(f"{type(exc).__module__}.{type(exc).__qualname__} {WITHHELD}\n")
    return "".join(parts).rstrip("\n")


class TracebackFormatter(logging.Formatter):
    def formatException(self, ei):
        if ei[1] is None:
            return ""
        return traceback_text(ei)
