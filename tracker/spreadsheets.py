"""A table (columns and rows) as a download: CSV or an Excel workbook, as `format` asks.

Any page offers both with one call:

    table = Table(columns, records)          # columns have a .name and a .get(record)
    return download(request, table, "laws")  # ?format=csv: streamed CSV; ?format=xlsx: .xlsx

`requested_format(request)` tells a page whether a download was asked for (None when not)
and raises UnknownFormat, whose message names the parameter, for anything else.

No cell runs as a formula in a spreadsheet: in CSV, text starting with = + - @ (or a tab or
carriage return) gets a leading ' (escape_formula); in the workbook every text is written as a
text cell, never a formula, and keeps its original characters.
"""

import csv
import datetime
import decimal
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from . import siteurl

FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_DATE_FORMAT = "yyyy-mm-dd"
XLSX_DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
XLSX_COLUMN_WIDTH = 20


@dataclass(frozen=True)
class Table:
    """What a download holds: its columns (each with .name and .get) and its records."""

    columns: Sequence
    records: Iterable

    def header(self):
        return [column.name for column in self.columns]

    def values(self):
        """Each record's values, as Python values (dates, numbers, text, None)."""
        for record in self.records:
            yield [column.get(record) for column in self.columns]


class UnknownFormat(ValueError):
    pass


def requested_format(request):
    """ "csv" or "xlsx" when the request asks for a download, None when it does not."""
    format = request.GET.get("format", "")
    if format and format not in FORMATS:
        raise UnknownFormat(
            _("format: unknown format “%(format)s”. Use csv or xlsx.") % {"format": format}
        )
    return format or None


def download(request, table: Table, format: str, filename: str):
    """The table as a file to save: `filename`.csv (streamed) or `filename`.xlsx."""
    url = siteurl.base_url(request)
    if format == "xlsx":
        with siteurl.at(url):
            response = HttpResponse(workbook_bytes(table, filename), content_type=XLSX_TYPE)
    else:
        response = StreamingHttpResponse(
            csv_lines(table, url), content_type="text/csv; charset=utf-8"
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}.{format}"'
    return response


# A spreadsheet runs a cell that starts with one of these as a formula ("CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape_formula(text: str) -> str:
    """Text that a spreadsheet would run as a formula, made plain text by a leading quote.

    The OWASP way. Text already starting with quotes before such a character gets one more,
    so that `unescape_formula` always gives the original back.
    """
    return "'" + text if text.lstrip("'").startswith(FORMULA_STARTS) else text


def unescape_formula(text: str) -> str:
    """The original of an `escape_formula` text (what a spreadsheet import reads back)."""
    return text[1:] if text.startswith("'") and escape_formula(text[1:]) == text else text


def cell(value):
    """A value as CSV text: ISO 8601 dates, true/false, empty for none; text that a
    spreadsheet would run as a formula is escaped, numbers are left as they are."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value, datetime.UTC) if timezone.is_aware(value) else value
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    if isinstance(value, (int, float)):
        return str(value)
    return escape_formula(str(value))


class _Echo:
    """A file-like object whose write() hands back the line, for streaming csv.writer."""

    def write(self, value):
        return value


def csv_lines(table: Table, url: str):
    """The header and every row as CSV lines, read a chunk at a time as they are sent."""
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    with siteurl.at(url):
        yield writer.writerow(table.header())
        for values in table.values():
            yield writer.writerow([cell(value) for value in values])


def workbook_bytes(table: Table, title: str) -> bytes:
    """The table as an .xlsx workbook: one sheet, a bold frozen header, typed cells."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title(title))
    sheet.freeze_panes = "A2"
    for index in range(1, len(table.columns) + 1):
        sheet.column_dimensions[get_column_letter(index)].width = XLSX_COLUMN_WIDTH
    bold = Font(bold=True)
    sheet.append([xlsx_cell(sheet, name, font=bold) for name in table.header()])
    for values in table.values():
        sheet.append([xlsx_cell(sheet, value) for value in values])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def xlsx_cell(sheet, value, font=None):
    """A typed cell: numbers, dates and booleans as such, any text as text, never a formula."""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value, datetime.UTC).replace(tzinfo=None)
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    elif value is not None and not isinstance(
        value, (bool, int, float, decimal.Decimal, datetime.date)
    ):
        value = str(value)
    result = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        result.data_type = "s"  # openpyxl would otherwise store "=..." as a formula
    elif isinstance(value, datetime.datetime):
        result.number_format = XLSX_DATETIME_FORMAT
    elif isinstance(value, datetime.date):
        result.number_format = XLSX_DATE_FORMAT
    if font is not None:
        result.font = font
    return result


def sheet_title(name: str) -> str:
    """A worksheet title Excel accepts: at most 31 characters, none of []:*?/\\."""
    return "".join(c for c in name if c not in "[]:*?/\\")[:31] or "data"
