"""CSV helpers: formula-safe cells, streamed downloads, decoding uploads."""

import csv
import io
from collections.abc import Iterable

from flask import Response

from lms.core.errors import ValidationFailed
from lms.core.streaming import stream_download

DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """Neutralise a cell a spreadsheet would run as a formula."""
    text = "" if value is None else str(value)
    if text.startswith(DANGEROUS_PREFIXES):
        return "'" + text
    return text


def csv_response(filename: str, header: list[str], rows: Iterable[Iterable]) -> Response:
    """Stream rows as a formula-safe CSV download. `rows` is read after the request ended: plain
    values, or a generator running its own queries, never ORM objects loaded by the view."""

    def generate():
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow([safe_cell(h) for h in header])  # headers may hold titles users typed
        try:
            for row in rows:
                writer.writerow([safe_cell(v) for v in row])
                if buf.tell() > 16384:
                    yield buf.getvalue()
                    buf.seek(0)
                    buf.truncate()
        finally:  # the rows written before a failure still go out, before its notice
            yield buf.getvalue()

    def failed(request_id: str) -> str:
        return ("\r\nEXPORT INCOMPLETE: an error stopped this file part-way; rows are missing. "
                f"Request id {request_id}.\r\n")

    return stream_download(generate(), filename, "text/csv", on_error=failed)


def decode_upload(data: bytes) -> str:
    """Decode an uploaded CSV (UTF-8, with or without BOM), refusing other encodings."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed("The file is not UTF-8 text; save it as CSV UTF-8 and try again.",
                               fields={"file": ["Not UTF-8 text."]}) from None
    if "\x00" in text:  # PostgreSQL cannot store it, and no CSV text needs it
        raise ValidationFailed("The file contains NUL characters; save it as CSV UTF-8 and try "
                               "again.", fields={"file": ["Contains NUL characters."]})
    return text


def _unreadable(reader, exc: csv.Error) -> ValidationFailed:
    """The clear refusal of a file the csv module cannot read (a field too long, say)."""
    limit = csv.field_size_limit()
    why = (f"a field is longer than {limit:,} characters" if "field limit" in str(exc)
           else str(exc).rstrip("."))
    line = max(reader.reader.line_num, 1)  # DictReader.line_num lags behind a failed line
    message = f"Line {line} of the file could not be read: {why}."
    return ValidationFailed(message, fields={"file": [message]})


def read_rows(text: str, required: list[str]) -> list[dict[str, str]]:
    """Parse CSV text into dicts, checking the header has the required columns.

    Lines may end in LF, CRLF or a lone CR (Excel's "CSV (Macintosh)"); a file the csv module
    cannot read (a field over its 131,072-character limit) is refused with the line's number.
    """
    reader = csv.DictReader(io.StringIO(text, newline=None))  # universal newlines
    try:
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
        missing = [c for c in required if c not in header]
        if missing:
            raise ValidationFailed(f"The header lacks the column(s): {', '.join(missing)}",
                                   fields={"file": [f"Missing columns: {', '.join(missing)}"]})
        reader.fieldnames = header
        return [{k: (v or "").strip() for k, v in row.items() if k} for row in reader]
    except csv.Error as exc:
        raise _unreadable(reader, exc) from None
