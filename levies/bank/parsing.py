"""One entry point for statement files: tell CAMT.053 from MT940 by content, not by name."""

from __future__ import annotations

from levies.bank.camt import camt_parse
from levies.bank.entries import BankStatement, BankStatementError
from levies.bank.mt940 import looks_like_mt940, mt940_parse

_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def _text(data: bytes) -> str:
    # SWIFT's character set is ASCII; banks write their exports in UTF-8 or Latin-1/Windows-1252
    # (accented names). Latin-1 decodes any byte, so it closes the chain.
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def statement_parse(data: bytes, filename: str = "") -> list[BankStatement]:
    """The statements in a CAMT.053 or MT940 file, whole: any problem raises BankStatementError
    and nothing is returned. ``filename`` is not used to decide the format (a ``.xml`` that is
    MT940 is read as MT940); it is accepted so callers can pass what they have."""
    del filename
    if not data or not data.strip():
        raise BankStatementError("The file is empty.", {"reason": "empty"})
    head = data
    for bom in _BOMS:
        head = head.removeprefix(bom)
    if head.lstrip()[:1] == b"<" or head[:1] == b"\x00" or head[1:2] == b"\x00":
        # XML (UTF-16 XML starts with a zero byte on one side of the "<").
        return camt_parse(data)
    text = _text(data)
    if looks_like_mt940(text):
        statements = mt940_parse(text)
        if statements:
            return statements
    raise BankStatementError(
        "The file is not a CAMT.053 or MT940 statement.", {"reason": "unknown_format"}
    )
