"""Rows of a CSV or Excel file, streamed: one row in memory at a time, whatever the file's size.

CSV through the csv module over a byte-counting reader (for the progress bar); XLSX through
openpyxl's read-only mode, which parses the sheet as it goes instead of loading it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext as _

Progress = Callable[[int, int | None], None]  # (units done, units in all or None)

EXCEL_SUFFIXES = (".xlsx", ".xlsm")


class FileProblem(ValueError):
    """The file as a whole cannot be read (not a row's fault): reported on line 0 or 1."""

    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.line = line


def normalize(header: object) -> str:
    """'Client ID', 'client-id' and 'CLIENT_ID' are the same column."""
    return re.sub(r"[\s_\-]+", "_", str(header or "").strip().lower()).strip("_")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class _Counting(io.RawIOBase):
    """A binary reader that counts the bytes read through it."""

    def __init__(self, inner: IO[bytes]) -> None:
        self.inner = inner
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.inner.read(len(buffer))
        buffer[: len(data)] = data
        self.count += len(data)
        return len(data)


@dataclass
class Rows:
    """The header and an iterator of (line number, cells) of one file."""

    header: list[str]
    rows: Iterator[tuple[int, list[Any]]]
    done: Callable[[], tuple[int, int | None]] = field(default=lambda: (0, None))
    close: Callable[[], None] = field(default=lambda: None)


def open_rows(path: Path, file_name: str = "") -> Rows:
    suffix = Path(file_name or path.name).suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        return _excel_rows(path)
    return _csv_rows(path)


def _csv_rows(path: Path) -> Rows:
    size = path.stat().st_size
    raw = path.open("rb")
    counting = _Counting(raw)
    text = io.TextIOWrapper(io.BufferedReader(counting, 1 << 16), encoding="utf-8-sig", newline="")
    reader = csv.reader(text)
    try:
        header = next(reader)
    except StopIteration:
        raw.close()
        raise FileProblem(_("The file is empty.")) from None
    except (UnicodeDecodeError, csv.Error):
        raw.close()
        raise FileProblem(_("The file is not CSV text in UTF-8 (save it as CSV UTF-8).")) from None

    def rows() -> Iterator[tuple[int, list[Any]]]:
        start = reader.line_num + 1
        try:
            for cells in reader:
                if any(cell.strip() for cell in cells):
                    yield start, cells
                start = reader.line_num + 1
        except UnicodeDecodeError:
            raise FileProblem(
                _("Line %(line)s is not UTF-8 text (save the file as CSV UTF-8).")
                % {"line": start},
                start,
            ) from None
        except csv.Error as error:
            raise FileProblem(
                _("Line %(line)s cannot be read as CSV (%(error)s).")
                % {"line": start, "error": error},
                start,
            ) from None

    return Rows(header=header, rows=rows(), done=lambda: (counting.count, size), close=raw.close)


def _excel_rows(path: Path) -> Rows:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise FileProblem(_("The file is not an Excel workbook (.xlsx).")) from None
    sheet = book.worksheets[0]
    total = sheet.max_row
    iterator = sheet.iter_rows(values_only=True)
    header_row = next(iterator, None)
    if header_row is None:
        book.close()
        raise FileProblem(_("The file is empty."))
    state = {"line": 1}

    def rows() -> Iterator[tuple[int, list[Any]]]:
        for line, cells in enumerate(iterator, start=2):
            state["line"] = line
            values = ["" if cell is None else cell for cell in cells]
            if any(str(value).strip() for value in values):
                yield line, values

    return Rows(
        header=["" if cell is None else str(cell) for cell in header_row],
        rows=rows(),
        done=lambda: (state["line"], total),
        close=book.close,
    )
