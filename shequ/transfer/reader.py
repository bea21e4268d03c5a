"""Read uploaded tables (.xlsx, .csv in UTF-8 with or without BOM, GBK/GB18030) row by row."""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import IO, Iterator

from django.utils.translation import gettext as _

from shequ.core.errors import InvalidInput

SAMPLE_BYTES = 1 << 20


@dataclass
class Table:
    headers: list[str]
    rows: Iterator[tuple[int, list[str]]]  # (spreadsheet row number, cells as text)
    total_rows: int | None
    encoding: str = ""


def detect_encoding(sample: bytes) -> str:
    """UTF-8 (with or without BOM) when the sample decodes as UTF-8, otherwise GB18030 (a superset of GBK)."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        codecs.getincrementaldecoder("gb18030")().decode(sample, final=False)
        return "gb18030"
    except UnicodeDecodeError:
        raise InvalidInput(_("文件编码无法识别,请另存为 UTF-8 或 GBK 编码的 CSV 文件"), code="bad_encoding") from None


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    # NUL bytes never mean anything in a cell, and PostgreSQL text cannot hold them
    return str(value).replace("\x00", "").strip()


def _is_blank(cells) -> bool:
    return not any(c.strip() for c in cells)


def read_csv(binary: IO[bytes]) -> Table:
    sample = binary.read(SAMPLE_BYTES)
    if not sample.strip():
        raise InvalidInput(_("文件为空"), code="empty_file")
    encoding = detect_encoding(sample)
    binary.seek(0)
    total = sum(chunk.count(b"\n") for chunk in iter(lambda: binary.read(SAMPLE_BYTES), b""))
    binary.seek(0)
    text = io.TextIOWrapper(binary, encoding=encoding, newline="")
    reader = csv.reader(text)
    headers: list[str] | None = None
    line = 0
    for cells in reader:
        line += 1
        if not _is_blank(cells):
            headers = [c.strip() for c in cells]
            break
    if headers is None:
        raise InvalidInput(_("文件为空"), code="empty_file")
    start = line

    def rows() -> Iterator[tuple[int, list[str]]]:
        number = start
        try:
            for cells in reader:
                number += 1
                if cells and not _is_blank(cells):
                    yield number, [c.replace("\x00", "") for c in cells]  # see cell_text
        except UnicodeDecodeError:
            raise InvalidInput(_("第%(n)d行附近的字符无法按 %(enc)s 编码读取") % {"n": number + 1, "enc": encoding},
                               code="bad_encoding") from None
        except csv.Error as exc:
            raise InvalidInput(_("第%(n)d行 CSV 格式错误:%(e)s") % {"n": number + 1, "e": exc}, code="bad_csv") from None

    return Table(headers=headers, rows=rows(), total_rows=max(total - start, 0), encoding=encoding)


def read_xlsx(binary: IO[bytes]) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(binary, read_only=True, data_only=True)
    except Exception:  # openpyxl raises zipfile, KeyError and XML errors for broken files
        raise InvalidInput(_("无法读取 Excel 文件,请确认是 .xlsx 格式"), code="bad_xlsx") from None
    sheet = workbook.worksheets[0]
    iterator = sheet.iter_rows(values_only=True)
    headers: list[str] | None = None
    line = 0
    for values in iterator:
        line += 1
        cells = [cell_text(v) for v in values]
        if not _is_blank(cells):
            headers = cells
            break
    if headers is None:
        workbook.close()
        raise InvalidInput(_("文件为空"), code="empty_file")
    start = line
    total = (sheet.max_row - start) if sheet.max_row else None

    def rows() -> Iterator[tuple[int, list[str]]]:
        number = start
        for values in iterator:
            number += 1
            cells = [cell_text(v) for v in values]
            if not _is_blank(cells):
                yield number, cells
        workbook.close()

    return Table(headers=headers, rows=rows(), total_rows=total, encoding="xlsx")


def open_table(binary: IO[bytes], filename: str) -> Table:
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        return read_xlsx(binary)
    if name.endswith(".csv") or name.endswith(".txt"):
        return read_csv(binary)
    raise InvalidInput(_("只支持 .xlsx 和 .csv 文件"), code="bad_format")
