"""Opening a roster file: CSV in whatever encoding and delimiter it came in, or XLSX.

A source hands out records as ``(row number, values)``, the header first, and streams: nothing
holds the whole file. CSV values are always text. XLSX values are what openpyxl's cell parser
gives (text, numbers, datetimes, None); the reader converts those per column, so a worker number
never passes through a float and a date never through text.

The format is told by the content, never by the file name: a stored upload has no extension.
Every limit (``ReadLimits``) is checked before the work it protects, so no file, however
hostile, costs more than a bounded amount of memory.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import warnings
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import XMLPullParser

Record = tuple[int, list[Any]]

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a zip with entries; an empty zip
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


MB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class ReadLimits:
    """How much a roster file may cost to read; each is checked before the work it bounds.

    The defaults fit a sector's roster of a million rows (about 100 MB as CSV) with room to
    spare; the service takes them from the ``UNIONROLL_ROSTER_*`` settings.
    """

    max_bytes: int = 200 * MB  # the file as uploaded
    max_uncompressed_bytes: int = 1024 * MB  # an XLSX workbook's parts, unpacked
    max_rows: int = 2_000_000  # spreadsheet rows, the header and blank rows included
    # An XLSX's shared strings are held in memory while the sheet is read (every distinct text
    # value once); this bounds that memory. A roster too large for it can be sent as CSV.
    max_shared_strings_bytes: int = 32 * MB


# A zip member unpacking to more than this many times its packed size is a zip bomb; real
# sheets compress 5 to 30 times, a column of one repeated value perhaps 100.
_MAX_COMPRESSION_RATIO = 200
# Workbook parts that openpyxl reads whole (manifest, workbook, relations, styles): each is
# kilobytes in a real workbook.
_MAX_WHOLE_PART_BYTES = 16 * MB
# XML of one sheet row (or of anything between two rows) held before it is parsed: a row of
# Excel's 16,384 columns of text fits; a row that does not is not a roster row.
_MAX_ROW_XML_BYTES = 8 * MB
# Excel's own limits: a cell reference past them is damage, not data.
_EXCEL_MAX_ROW = 1_048_576
_EXCEL_MAX_COLUMN = 16_384


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
    # Values may hold NUL characters, which no database text can; the reader checks each row.
    may_hold_nul: bool = False


def open_source(path: Path, limits: ReadLimits | None = None) -> Source:
    limits = limits or ReadLimits()
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(8)
    except OSError as exc:
        raise UnreadableFile("The file could not be opened.") from exc
    if size > limits.max_bytes:
        raise UnreadableFile(
            f"The file is {megabytes(size)}; a roster file may be at most "
            f"{megabytes(limits.max_bytes)}. Send the roster as CSV, or split it by pay period."
        )
    if head.startswith(_ZIP_MAGIC):
        return _open_xlsx(path, limits)
    if head.startswith(_OLE_MAGIC):
        raise UnreadableFile(
            "This is an old Excel (.xls) file, which cannot be read. "
            "Save it as .xlsx or CSV and upload it again."
        )
    if head.startswith(b"%PDF"):
        raise UnreadableFile("This is a PDF. Upload the roster as CSV or Excel (.xlsx).")
    return _open_csv(path)


def megabytes(size: int) -> str:
    """Bytes as megabytes for a person: "200 MB", "3 MB", "1.5 MB" (a decimal only below ten)."""
    value = size / MB
    shown = f"{value:,.0f}" if value >= 10 else f"{value:.1f}".removesuffix(".0")
    return f"{shown} MB"


# --- CSV ----------------------------------------------------------------------------------------


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM), UTF-16/32 with BOM, Windows-1250 / 1251 / 1252; else
    UnreadableFile."""
    return _detect(path)[0]


def _detect(path: Path) -> tuple[str, bool]:
    """The encoding, and whether the text may hold NUL characters (checked row by row).

    One pass over the whole file, in C (the decoder and the byte searches), at a few hundred
    MB a second: a file that is UTF-8 for its first million rows and Windows-1252 further on
    must not be read as UTF-8, and a line longer than any roster row (which the CSV reader
    would hold whole, split into fields) is refused before it is read.
    """
    with path.open("rb") as handle:
        head = handle.read(4)
        if head.startswith(codecs.BOM_UTF8):
            encoding = "utf-8-sig"
        # UTF-32 before UTF-16: the little-endian UTF-32 mark starts with UTF-16's.
        elif head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
            encoding = "utf-32"
        elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            # Excel's "Unicode text" export: UTF-16 with a BOM, tab-separated.
            encoding = "utf-16"
        else:
            encoding = "utf-8"
        wide = encoding in ("utf-16", "utf-32")
        handle.seek(0)
        chunk = handle.read(_CHUNK)
        if not wide and chunk.count(b"\x00") * 100 > len(chunk):
            # Text has no zero bytes; this many is a binary file, or UTF-16/32 text without the
            # byte-order mark that says which.
            raise UnreadableFile(
                "This does not look like a CSV or Excel (.xlsx) file: it holds many zero bytes "
                "(a binary file, or text in UTF-16 or UTF-32 without a byte-order mark). "
                "Export the roster from your payroll system as CSV in UTF-8, or as .xlsx."
            )
        decoder = None if wide else codecs.getincrementaldecoder("utf-8")()
        has_nul = wide  # UTF-16/32 text is full of zero bytes: its characters are checked
        legacy = False
        while chunk:
            if len(chunk) == _CHUNK and b"\n" not in chunk and b"\r" not in chunk:
                raise UnreadableFile(_LONG_LINE)
            if not has_nul and b"\x00" in chunk:
                has_nul = True
            if decoder is not None and (not chunk.isascii() or decoder.buffer):  # type: ignore[attr-defined]
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    decoder = None
                    legacy = True
            chunk = handle.read(_CHUNK)
        if decoder is not None:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                legacy = True
        if not legacy or encoding == "utf-8-sig":
            # A file marked UTF-8 is read as UTF-8; a bad byte in it stops the reading at its
            # row, with a message saying so.
            return encoding, has_nul
        handle.seek(0)
        return _legacy_code_page(handle), has_nul


_LONG_LINE = (
    "The file holds a line of more than a megabyte, far longer than any roster row: it is not a "
    "roster export, or it is damaged. Export the roster again as CSV or .xlsx."
)


# Encodings a non-UTF-8 file is weighed against. Windows-1250/1252 are told apart below by
# their letters; charset-normalizer tells a Cyrillic file (and the encodings that are refused)
# from those, which a byte count cannot: Cyrillic bytes are accented letters in 1250/1252 too.
_CANDIDATES = ("cp1250", "cp1252", "cp1251", "koi8_r", "koi8_u", "cp866", "shift_jis", "gb18030")
_READ = {"cp1250", "cp1252", "cp1251"}
_ENCODING_NAMES = {
    "koi8_r": "KOI8-R",
    "koi8_u": "KOI8-U",
    "cp866": "DOS Cyrillic (866)",
    "shift_jis": "Shift-JIS",
    "gb18030": "Chinese GB18030",
}
# Lines with non-ASCII bytes, from the first megabyte, that are weighed (a sample: detection
# must take milliseconds, not seconds, on a 100 MB file).
_SAMPLE_BYTES = 64 * 1024


def _non_ascii_sample(handle: io.BufferedReader) -> bytes:
    lines = []
    size = 0
    for line in handle.read(_CHUNK).splitlines():
        if not line.isascii():
            lines.append(line)
            size += len(line) + 1
            if size >= _SAMPLE_BYTES:
                break
    return b"\n".join(lines)


def _charset_of(sample: bytes) -> str | None:
    """ "cp1250" for either Latin code page (told apart later), "cp1251", another encoding's
    name, or None when the sample reads as plausible text in none of them."""
    from charset_normalizer import from_bytes

    matches = from_bytes(
        sample, cp_isolation=list(_CANDIDATES), chunk_size=1024, steps=16, explain=False
    )
    chaos = {match.encoding: match.chaos for match in matches}
    if not chaos:
        return None
    least = min(chaos.values())
    # A few accented Latin names read as well in Shift-JIS or Windows-1251 as in 1250/1252
    # (``Ionescu-Ţăran``): the Latin code pages win whenever they read as well as any.
    if min(chaos.get("cp1250", 1.0), chaos.get("cp1252", 1.0)) <= least + 0.01:
        return "cp1250"
    return min(chaos, key=lambda encoding: (chaos[encoding], encoding != "cp1251"))


def _legacy_code_page(handle: io.BufferedReader) -> str:
    """Windows-1250 (central Europe: Polish, Romanian, Czech), Windows-1252 (western Europe) or
    Windows-1251 (Cyrillic: Ukrainian, Bulgarian, Russian); else UnreadableFile.

    Cyrillic, and the encodings that are refused, are told by charset-normalizer on a sample.
    Between 1250 and 1252 it is decided on the bytes the two code pages read differently, each
    scored by how plausible the letter it gives is in a name. Ties go to Windows-1250: most
    members write Polish or Romanian.
    """
    found = _charset_of(_non_ascii_sample(handle))
    handle.seek(0)
    if found == "cp1251":
        return "cp1251"
    if found is not None and found not in _READ:
        raise UnreadableFile(
            f"The file's text seems to be in the {_ENCODING_NAMES.get(found, found)} encoding, "
            "which cannot be read reliably. Export the roster as CSV in UTF-8."
        )
    if found is None:
        raise UnreadableFile(_UNKNOWN_ENCODING)
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
        raise UnreadableFile(_UNKNOWN_ENCODING)
    return "cp1250" if scores["cp1250"] >= scores["cp1252"] else "cp1252"


_UNKNOWN_ENCODING = (
    "The file's text encoding is not UTF-8, Windows-1250, Windows-1251 or Windows-1252, or its "
    "letters do not read as names in any of them. Export the roster as CSV in UTF-8."
)


def _decode_byte(byte: int, code_page: str) -> str | None:
    try:
        return bytes((byte,)).decode(code_page)
    except UnicodeDecodeError:
        return None


def sniff_delimiter(header_line: str) -> str:
    """The delimiter that occurs most in the header line (semicolon wins a tie, then comma)."""
    return max(_DELIMITERS, key=header_line.count)


def _open_csv(path: Path) -> Source:
    encoding, may_hold_nul = _detect(path)
    handle = path.open("r", encoding=encoding, newline="", buffering=_CHUNK)
    try:
        # Bounded: only the separators are counted in it (lines were checked in _detect).
        header_line = handle.readline(64 * 1024)
    except UnicodeDecodeError as exc:
        handle.close()
        raise UnreadableFile(_DECODE_MESSAGE) from exc
    delimiter = sniff_delimiter(header_line)
    # Back to the start (the text layer skips a BOM again) rather than chaining the header line
    # in front: the chain would sit between csv and the file on every row.
    handle.seek(0)
    return _csv_source(handle, encoding, delimiter, may_hold_nul)


def csv_source_reopen(path: Path, opened: Source) -> Source:
    """The same CSV file once more (for a second reader process), with the encoding and the
    delimiter ``opened`` found: finding them takes a pass over the whole file, once is enough."""
    handle = path.open("r", encoding=opened.encoding, newline="", buffering=_CHUNK)
    return _csv_source(handle, opened.encoding, opened.delimiter, opened.may_hold_nul)


def _csv_source(handle: Any, encoding: str, delimiter: str, may_hold_nul: bool) -> Source:
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
        may_hold_nul=may_hold_nul,
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


_NOT_A_WORKBOOK = (
    "This is a ZIP archive but not an Excel workbook (.xlsx). Upload the roster as CSV or .xlsx."
)
_DAMAGED_WORKBOOK = (
    "The file looks like an Excel workbook but could not be opened. Save it again as .xlsx or CSV."
)
_DAMAGED_SHEET = (
    "The Excel sheet is damaged and could not be read to the end. Save it again as .xlsx or CSV."
)


def _open_xlsx(path: Path, limits: ReadLimits) -> Source:
    """The first sheet of an Office Open XML workbook, streamed row by row.

    openpyxl reads the workbook's small parts and converts the cells; the sheet itself is
    walked here, so that its ``<dimension>`` is never trusted (it may say fewer rows or columns
    than the sheet has) and a parsed row is dropped from memory as soon as it is handed out.
    """
    handle = path.open("rb")
    try:
        archive = _BoundedZip(handle)
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        handle.close()
        raise UnreadableFile(_DAMAGED_WORKBOOK) from exc
    try:
        names = {m.filename for m in members}
        if "[Content_Types].xml" not in names or not any(
            n.startswith("xl/") and n.endswith("workbook.xml") for n in names
        ):
            raise UnreadableFile(_NOT_A_WORKBOOK)
        _check_sizes(members, limits)
        workbook, sheet_path, strings = _read_workbook(archive, limits)
        if sheet_path is None:
            raise UnreadableFile("The workbook has no sheet to read.")
    except BaseException:
        archive.close()
        handle.close()
        raise

    def close() -> None:
        archive.close()
        handle.close()

    return Source(
        records=_sheet_records(archive, sheet_path, strings, workbook),
        close=close,
        kind="xlsx",
        typed=True,
        epoch=workbook.epoch,
    )


def _check_sizes(members: list[zipfile.ZipInfo], limits: ReadLimits) -> None:
    # The sizes are the ones the archive declares; zipfile never unpacks more than a member
    # declares (and fails its checksum if the data say otherwise), so they can be trusted here.
    total = sum(m.file_size for m in members)
    if total > limits.max_uncompressed_bytes:
        raise UnreadableFile(
            f"The workbook unpacks to {megabytes(total)}; a roster may unpack to at most "
            f"{megabytes(limits.max_uncompressed_bytes)}. Send the roster as CSV."
        )
    for member in members:
        if member.file_size > MB and member.file_size > _MAX_COMPRESSION_RATIO * max(
            member.compress_size, 1
        ):
            raise UnreadableFile(
                "The workbook is packed far more tightly than any spreadsheet is (a 'zip bomb') "
                "and was not opened. Save the roster again as .xlsx or CSV."
            )


class _BoundedZip(zipfile.ZipFile):
    """A workbook archive whose parts are read whole (by openpyxl: manifest, workbook,
    relations, styles) only when they are of a size a spreadsheet's parts have; the parts read
    as a stream (the sheet, the shared strings) are bounded where they are read."""

    streamed: frozenset[str] = frozenset()

    def open(self, name: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        info = name if isinstance(name, zipfile.ZipInfo) else self.getinfo(name)
        if (
            mode == "r"
            and info.filename not in self.streamed
            and info.file_size > _MAX_WHOLE_PART_BYTES
        ):
            raise UnreadableFile(
                f"The workbook's part '{info.filename[:100]}' is far larger than a "
                "spreadsheet's is. Save the roster again as .xlsx or CSV."
            )
        return super().open(name, mode, *args, **kwargs)


def _read_workbook(archive: _BoundedZip, limits: ReadLimits) -> tuple[Any, str | None, list[Any]]:
    """The workbook (for its date epoch and date formats), its first sheet's part and the
    shared strings."""
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet

    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and data validation it does not use; not our concern.
            warnings.simplefilter("ignore")
            reader = ExcelReader(archive.fp, read_only=True, data_only=True)  # type: ignore[arg-type]
            reader.archive = archive
            reader.valid_files = archive.namelist()
            reader.read_manifest()
            reader.read_workbook()
            apply_stylesheet(archive, reader.wb)
            sheet_path = None
            for _sheet, rel in reader.parser.find_sheets():
                if rel.target in reader.valid_files and "chartsheet" not in rel.Type:
                    sheet_path = rel.target
                    break
            if sheet_path is not None:
                archive.streamed = frozenset({sheet_path})
            strings = _shared_strings(archive, reader, limits)
    except UnreadableFile:
        raise
    except Exception as exc:  # a corrupt or foreign zip raises any of a dozen types
        raise UnreadableFile(_DAMAGED_WORKBOOK) from exc
    return reader.wb, sheet_path, strings


def _shared_strings(archive: _BoundedZip, reader: Any, limits: ReadLimits) -> list[Any]:
    from openpyxl.cell.text import Text
    from openpyxl.xml.constants import SHARED_STRINGS, SHEET_MAIN_NS

    part = reader.package.find(SHARED_STRINGS)
    if part is None:
        return []
    name = part.PartName[1:]
    size = archive.getinfo(name).file_size
    if size > limits.max_shared_strings_bytes:
        raise UnreadableFile(
            f"The workbook holds {megabytes(size)} of distinct text values; at most "
            f"{megabytes(limits.max_shared_strings_bytes)} can be read from a workbook. "
            "Send a roster this large as CSV."
        )
    archive.streamed |= {name}
    string_tag = f"{{{SHEET_MAIN_NS}}}si"
    text_tag = f"{{{SHEET_MAIN_NS}}}t"
    strings: list[Any] = []
    with archive.open(name) as src:
        for element in _stream_elements(src, string_tag, depth=1):
            # Almost every string is one plain <t>; rich text (runs) takes the full path.
            if len(element) == 1 and element[0].tag == text_tag:
                text = element[0].text or ""
            else:
                text = Text.from_tree(element).content
            strings.append(text.replace("x005F_", "") if "x005F_" in text else text)
    return strings


def _stream_elements(src: Any, tag: str, *, depth: int = 2) -> Iterator[Any]:
    """Each complete ``tag`` element of an XML stream (``depth`` elements deep: a sheet's rows
    in ``worksheet/sheetData``, shared strings in ``sst``), dropped from the tree once handed
    out.

    ElementTree keeps every parsed element in its tree, cleared or not; here elements at the
    ``tag``'s level or above are removed from their parent once complete, and the XML read in
    since the last such element is bounded, so memory stays that of one element (one row)
    however large the part is.
    """
    parser = XMLPullParser(events=("start", "end"))
    stack: list[Any] = []
    since = 0
    while True:
        chunk = src.read(64 * 1024)
        if chunk:
            parser.feed(chunk)
            since += len(chunk)
        else:
            parser.close()
        for event, element in parser.read_events():
            if event == "start":
                stack.append(element)
                continue
            stack.pop()
            if element.tag == tag:
                yield element
            if len(stack) <= depth:
                # At the level of the elements wanted, or above: done with, drop it.
                element.clear()
                if stack:
                    with contextlib.suppress(ValueError):
                        stack[-1].remove(element)
                since = 0
        if since > _MAX_ROW_XML_BYTES:
            raise UnreadableFile(
                "The Excel sheet holds a row far larger than a roster row is. "
                "Save it again as .xlsx or CSV."
            )
        if not chunk:
            return


def _sheet_records(
    archive: zipfile.ZipFile, sheet_path: str, strings: list[Any], workbook: Any
) -> Iterator[Record]:
    from openpyxl.worksheet._reader import ROW_TAG, WorkSheetParser

    cells = WorkSheetParser(
        None,
        strings,
        data_only=True,
        epoch=workbook.epoch,
        date_formats=workbook._date_formats,
        timedelta_formats=workbook._timedelta_formats,
    )
    number = 0
    try:
        with archive.open(sheet_path) as src, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for element in _stream_elements(src, ROW_TAG):
                try:
                    index, row = cells.parse_row(element)
                except UnreadableFile:
                    raise
                except Exception as exc:
                    raise UnreadableFile(_DAMAGED_SHEET) from exc
                if cells.row_dimensions:
                    cells.row_dimensions.clear()  # row heights: not used, and they pile up
                if index <= number or index > _EXCEL_MAX_ROW:
                    # Rows out of order would be dropped or misnumbered: refuse, never guess.
                    raise UnreadableFile(_DAMAGED_SHEET)
                # A row the sheet leaves out is an empty row: the count stays the
                # spreadsheet's row number.
                while number + 1 < index:
                    number += 1
                    yield number, []
                number = index
                width = max((c["column"] for c in row), default=0)
                if width > _EXCEL_MAX_COLUMN:
                    raise UnreadableFile(_DAMAGED_SHEET)
                values: list[Any] = [""] * width
                for cell in row:
                    value = cell["value"]
                    if value is not None:
                        values[cell["column"] - 1] = value
                yield number, values
    except UnreadableFile:
        raise
    except Exception as exc:  # broken sheet XML surfaces half-way through
        raise UnreadableFile(_DAMAGED_SHEET) from exc
