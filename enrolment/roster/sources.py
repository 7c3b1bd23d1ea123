"""Opening a roster file: CSV in whatever encoding and delimiter it came in, or XLSX.

A source hands out records as ``(row number, values)``, the header first, and streams: nothing
holds the whole file. CSV values are always text. XLSX values are what openpyxl gives (text,
numbers, datetimes, None); the reader converts those per column, so a worker number never passes
through a float and a date never through text.
"""

from __future__ import annotations

import codecs
import csv
import io
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Record = tuple[int, list[Any]]

_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # Excel 97-2003 .xls, among others
_CHUNK = 1 << 20
_DELIMITERS = (";", ",", "\t")

# Bytes 0x80-0xFF that mean something different in Windows-1250 and Windows-1252: only these tell
# the two apart. Enough of them to decide; a roster with Polish names has hundreds in its first MB.
_DECISIVE_BYTES = 2_000
_ASCII_BYTES = bytes(range(128))

# Letters that are common in the names these code pages carry for Unionroll's members. A byte
# that decodes to one of these in one code page and to a symbol (³, ¹, ¿, º) in the other is
# strong evidence; a byte that is a letter in both (ę / ê) is weak evidence either way.
_COMMON_LETTERS = {
    "cp1250": frozenset("ąćęłńśźżĄĆĘŁŃŚŹŻăşţĂŞŢ"),
    "cp1252": frozenset("àèìòùâêîôûäëïöüÿãõñåæøœçÀÈÌÒÙÂÊÎÔÛÄËÏÖÜŸÃÕÑÅÆØŒÇ"),
}


class UnreadableFile(Exception):
    """The file is not a roster this reader can open; ``message`` says so to a payroll clerk."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(slots=True)
class Source:
    records: Iterator[Record]
    close: Callable[[], None]
    kind: str  # "csv" or "xlsx"
    typed: bool  # values may be numbers or datetimes (XLSX)
    epoch: Any = None  # the workbook's date epoch, for date serials in unformatted cells
    encoding: str = ""
    delimiter: str = ""


def open_source(path: Path) -> Source:
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
    except OSError as exc:
        raise UnreadableFile("The file could not be opened.") from exc
    if head.startswith(_XLSX_MAGIC):
        return _open_xlsx(path)
    if head.startswith(_OLE_MAGIC):
        raise UnreadableFile(
            "This is an old Excel (.xls) file, which cannot be read. "
            "Save it as .xlsx or CSV and upload it again."
        )
    if head.startswith(b"%PDF"):
        raise UnreadableFile("This is a PDF. Upload the roster as CSV or Excel (.xlsx).")
    return _open_csv(path)


# --- CSV ----------------------------------------------------------------------------------------


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, or Windows-1250 / 1252; else UnreadableFile."""
    with path.open("rb") as handle:
        head = handle.read(4)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            # Excel's "Unicode text" export: UTF-16 with a BOM, tab-separated.
            return "utf-16"
        handle.seek(0)
        first = handle.read(_CHUNK)
        if b"\x00" in first:
            raise UnreadableFile(
                "This does not look like a CSV or Excel (.xlsx) file. "
                "Export the roster from your payroll system as CSV or .xlsx."
            )
        # Checking the whole file is fast (the decoder is C), and a file that is UTF-8 for its
        # first million rows and Windows-1252 further on must not be read as UTF-8.
        decoder = codecs.getincrementaldecoder("utf-8")()
        chunk = first
        try:
            while chunk:
                if not chunk.isascii() or decoder.buffer:  # type: ignore[attr-defined]
                    decoder.decode(chunk)
                chunk = handle.read(_CHUNK)
            decoder.decode(b"", final=True)
            return "utf-8"
        except UnicodeDecodeError:
            pass
        handle.seek(0)
        return _legacy_code_page(handle)


def _legacy_code_page(handle: io.BufferedReader) -> str:
    """Windows-1250 (central Europe: Polish, Romanian, Czech) or Windows-1252 (western Europe).

    Decided on the bytes the two code pages read differently, each scored by how plausible the
    letter it gives is in a name. Ties go to Windows-1250: most members write Polish or Romanian.
    """
    counts: Counter[int] = Counter()
    decisive = 0
    while decisive < _DECISIVE_BYTES:
        chunk = handle.read(_CHUNK)
        if not chunk:
            break
        high = chunk.translate(None, _ASCII_BYTES)
        for byte, n in Counter(high).items():
            counts[byte] += n
            if _decode_byte(byte, "cp1250") != _decode_byte(byte, "cp1252"):
                decisive += n
    scores: dict[str, int] = {}
    for code_page in ("cp1250", "cp1252"):
        score = 0
        for byte, n in counts.items():
            char = _decode_byte(byte, code_page)
            other = _decode_byte(byte, "cp1252" if code_page == "cp1250" else "cp1250")
            if char is None:
                score = -1_000_000_000  # a byte this code page does not have
                break
            if char == other:
                continue
            if char in _COMMON_LETTERS[code_page]:
                score += 3 * n
            elif char.isalpha():
                score += n
            else:
                score -= 3 * n
        scores[code_page] = score
    if max(scores.values()) <= -1_000_000_000:
        raise UnreadableFile(
            "The file's text encoding is not UTF-8, Windows-1250 or Windows-1252. "
            "Export the roster as CSV in UTF-8."
        )
    return "cp1250" if scores["cp1250"] >= scores["cp1252"] else "cp1252"


def _decode_byte(byte: int, code_page: str) -> str | None:
    try:
        return bytes((byte,)).decode(code_page)
    except UnicodeDecodeError:
        return None


def sniff_delimiter(header_line: str) -> str:
    """The delimiter that occurs most in the header line (semicolon wins a tie, then comma)."""
    return max(_DELIMITERS, key=header_line.count)


def _open_csv(path: Path) -> Source:
    encoding = detect_encoding(path)
    handle = path.open("r", encoding=encoding, newline="", buffering=_CHUNK)
    try:
        header_line = handle.readline()
    except UnicodeDecodeError as exc:
        handle.close()
        raise UnreadableFile(_DECODE_MESSAGE) from exc
    delimiter = sniff_delimiter(header_line)
    # Back to the start (the text layer skips a BOM again) rather than chaining the header line
    # in front: the chain would sit between csv and the file on every row.
    handle.seek(0)
    # Records, not lines, are numbered: a quoted value with a line break in it is one spreadsheet
    # row, and a spreadsheet shows an empty line as an empty row, so those count too. A bare
    # enumerate, not a generator: a generator frame per row is measurable at a million rows, so
    # read errors are left to the reader to catch (READ_ERRORS).
    return Source(
        records=enumerate(csv.reader(handle, delimiter=delimiter), 1),
        close=handle.close,
        kind="csv",
        typed=False,
        encoding=encoding,
        delimiter=delimiter,
    )


_DECODE_MESSAGE = (
    "The file mixes text encodings and could not be read to the end. "
    "Export the roster as CSV in UTF-8."
)


# What iterating a source's records may raise when the file, not the code, is at fault.
READ_ERRORS = (UnreadableFile, UnicodeDecodeError, csv.Error)


def read_error_message(exc: Exception) -> str:
    if isinstance(exc, UnreadableFile):
        return exc.message
    if isinstance(exc, UnicodeDecodeError):
        return _DECODE_MESSAGE
    return "The file is not valid CSV (for example a value far too long, or broken quotes)."


# --- XLSX ---------------------------------------------------------------------------------------


def _open_xlsx(path: Path) -> Source:
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and data validation it does not use; not our concern.
            warnings.simplefilter("ignore")
            workbook = load_workbook(path, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
    except Exception as exc:  # a corrupt or foreign zip raises any of a dozen types
        raise UnreadableFile(
            "The file looks like an Excel workbook but could not be opened. "
            "Save it again as .xlsx or CSV."
        ) from exc
    return Source(
        records=_xlsx_records(sheet),
        close=workbook.close,
        kind="xlsx",
        typed=True,
        epoch=workbook.epoch,
    )


def _xlsx_records(sheet: Any) -> Iterator[Record]:
    rows = sheet.iter_rows(values_only=True)
    number = 0
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except Exception as exc:  # broken sheet XML surfaces half-way through
            raise UnreadableFile(
                "The Excel sheet is damaged and could not be read to the end. "
                "Save it again as .xlsx or CSV."
            ) from exc
        number += 1
        # openpyxl skips nothing in read-only mode: missing rows come back as empty tuples, so
        # the count stays the spreadsheet's row number.
        yield number, ["" if v is None else v for v in row]
