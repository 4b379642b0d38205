"""The text of a source document a researcher uploads or pastes, and details it states.

HTML is read with trafilatura, PDF with pypdf and Word (.docx) with python-docx; plain
text is decoded and tidied. Title, author, publisher and publication date are proposals
taken only from what the document itself says: the date a file was created is when
someone saved it, not when the document was published, so it is never proposed.

Every text comes out the same way: paragraphs separated by one blank line, the lines
of a paragraph joined with a space, runs of whitespace collapsed, no control
characters (PostgreSQL cannot store NUL).
"""

import codecs
import datetime
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import PurePath

import docx
import lxml.html
import trafilatura
from docx.table import Table
from lxml.etree import ParserError
from pypdf import PdfReader

from practices.models import DatePrecision

ACCEPTED_EXTENSIONS = (".html", ".htm", ".pdf", ".docx", ".txt")
MAX_SIZE = 20 * 1024 * 1024
_LONGEST_TITLE = 200

# Only dates in the page's markup or stated as dates in its text: no free-text guessing, the
# original publication rather than the last update, and a date in the page's URL only when the
# markup has none.
_HTML_DATE_PARAMS = {
    "extensive_search": False,
    "original_date": True,
    "deferred_url_extractor": True,
}

# Controls other than tab and line ends, and lone surrogates, which a database cannot store.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_BLANK_LINE = re.compile(r"\n\s*\n")
_DECLARED_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_HTML_BLOCKS = (
    *("address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt"),
    *("figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6"),
    *("header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table"),
    *("td", "th", "tr", "ul"),
)
_HTML_NOT_TEXT = ("script", "style", "noscript", "template")
_PARAGRAPH_SEPARATOR = "\u2029"


@dataclass
class Document:
    text: str
    title: str = ""
    author: str = ""
    publisher: str = ""
    published_on: datetime.date | None = None
    published_precision: str = ""


class UnreadableDocument(ValueError):
    """A file whose text cannot be read; the message names the file and says why."""


def read_document(name: str, content: bytes) -> Document:
    """The text and stated details of an uploaded file, read according to its type."""
    if len(content) > MAX_SIZE:
        raise UnreadableDocument(f"{name}: the file is larger than 20 MB")
    read = _READERS[_file_type(name, content)]
    document = read(name, content)
    if not document.text:
        raise UnreadableDocument(f"{name}: no text was found in this file")
    return document


def read_pasted_text(text: str) -> Document:
    """Pasted text, tidied; its first line is proposed as the title when it reads like one."""
    first_line = next((line for line in map(_one_line, text.splitlines()) if line), "")
    looks_like_title = len(first_line) <= _LONGEST_TITLE and not first_line.endswith(".")
    return Document(text=_normalise(text), title=first_line if looks_like_title else "")


def _file_type(name: str, content: bytes) -> str:
    """The extension to read the file as: its content's signature where plain, else its name's."""
    if content.startswith(b"%PDF"):
        return ".pdf"
    if content.startswith(b"PK\x03\x04") and _is_docx(content):
        return ".docx"
    extension = PurePath(name).suffix.lower()
    if extension not in ACCEPTED_EXTENSIONS:
        raise UnreadableDocument(
            f"{name}: only HTML, PDF, Word (.docx) and plain-text files can be read"
        )
    return extension


def _is_docx(content: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "word/document.xml" in archive.namelist()
    except (zipfile.BadZipFile, EOFError, OSError, ValueError):
        return False


# Text


def _clean(text: str) -> str:
    """The text with Unix line ends and without control characters other than whitespace."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL_CHARACTERS.sub("", text)


def _one_line(text: str | None) -> str:
    return " ".join(_clean(text or "").split())


def _join_paragraphs(paragraphs: Iterable[str]) -> str:
    return "\n\n".join(line for line in map(_one_line, paragraphs) if line)


def _normalise(text: str) -> str:
    """Text whose paragraphs are separated by blank lines, in the module's one shape."""
    return _join_paragraphs(_BLANK_LINE.split(_clean(text)))


def _decode_text(content: bytes) -> str:
    """Plain text: by its byte-order mark if it has one, else UTF-8, else Windows-1252."""
    for mark, encoding in _BYTE_ORDER_MARKS:
        if content.startswith(mark):
            return content.decode(encoding, errors="replace")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


def _read_txt(name: str, content: bytes) -> Document:
    return read_pasted_text(_decode_text(content))


# HTML


def _decode_html(content: bytes) -> str:
    """HTML in the character set it declares; without a declaration, as plain text."""
    encoding = _declared_encoding(content)
    if encoding is None:
        return _decode_text(content)
    return content.decode(encoding, errors="replace")


def _declared_encoding(content: bytes) -> str | None:
    declared = _DECLARED_CHARSET.search(content[:4096])
    if declared is None or content.startswith(tuple(mark for mark, _ in _BYTE_ORDER_MARKS)):
        return None
    try:
        encoding = codecs.lookup(declared[1].decode("ascii")).name
    except LookupError:
        return None
    # Browsers read pages labelled Latin-1 or ASCII as Windows-1252, and authors rely on it.
    return "cp1252" if encoding in ("ascii", "iso8859-1") else encoding


def _read_html(name: str, content: bytes) -> Document:
    html = _decode_html(content)
    metadata = trafilatura.extract_metadata(html, date_config=_HTML_DATE_PARAMS)
    text = trafilatura.extract(
        html, output_format="txt", include_comments=False, favor_recall=True
    )
    # trafilatura writes one block (paragraph, heading, list item) a line, and gives up on
    # pages it finds too short or not quite HTML: their body text is then read as it is.
    paragraphs = text.splitlines() if text else _html_body_paragraphs(html)
    published_on = _iso_date(metadata.date)
    return Document(
        text=_join_paragraphs(paragraphs),
        title=_one_line(metadata.title),
        author=_one_line(metadata.author),
        publisher=_one_line(metadata.sitename),
        published_on=published_on,
        published_precision=DatePrecision.DAY.value if published_on else "",
    )


def _html_body_paragraphs(html: str) -> list[str]:
    """The text of the page's body, a paragraph for each block element."""
    parser = lxml.html.HTMLParser(encoding="utf-8")
    try:
        page = lxml.html.document_fromstring(html.encode("utf-8"), parser=parser)
    except ParserError:  # an empty page
        return []
    body = page.find("body")
    if body is None:
        return []
    for element in list(body.iter(*_HTML_NOT_TEXT)):
        element.drop_tree()
    # Line breaks in HTML source mean nothing, so blocks are marked with a separator of their own.
    for element in body.iter(*_HTML_BLOCKS):
        element.text = _PARAGRAPH_SEPARATOR + (element.text or "")
        element.tail = _PARAGRAPH_SEPARATOR + (element.tail or "")
    return body.text_content().split(_PARAGRAPH_SEPARATOR)


def _iso_date(value: str | None) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


# PDF


def _read_pdf(name: str, content: bytes) -> Document:
    damaged = f"{name}: this file could not be read as a PDF (is it damaged?)"
    try:
        reader = PdfReader(io.BytesIO(content))
    except Exception as error:  # pypdf raises many kinds of error on damaged files
        raise UnreadableDocument(damaged) from error
    if reader.is_encrypted and not _unlock(reader):
        raise UnreadableDocument(
            f"{name}: this PDF is password-protected; upload a copy saved without a password"
        )
    try:
        pages = [page.extract_text() for page in reader.pages]
        info = reader.metadata
        title, author = (info.title, info.author) if info else ("", "")
    except Exception as error:
        raise UnreadableDocument(damaged) from error
    text = _join_paragraphs(paragraph for page in pages for paragraph in _pdf_paragraphs(page))
    if not text:
        raise UnreadableDocument(f"{name}: this PDF has no text layer (a scan?)")
    return Document(text=text, title=_pdf_string(title), author=_pdf_string(author))


def _pdf_string(value) -> str:
    # A damaged PDF may give a number or a reference where a string belongs.
    return _one_line(value) if isinstance(value, str) else ""


def _unlock(reader: PdfReader) -> bool:
    """Many PDFs are encrypted only to restrict printing or copying, with an empty password."""
    try:
        return bool(reader.decrypt(""))
    except Exception:  # e.g. AES encryption, which needs a package that is not installed
        return False


def _pdf_paragraphs(page_text: str) -> Iterator[str]:
    """The paragraphs of a PDF page, whose text comes as lines with nothing between paragraphs.

    A line clearly shorter than the page's longest ends a paragraph (or is a heading). A
    paragraph whose last line runs the full width is joined to the next one.
    """
    lines = [line.strip() for line in page_text.splitlines() if line.strip()]
    full_width = max(map(len, lines), default=0)
    paragraph = []
    for line in lines:
        paragraph.append(line)
        if len(line) < 0.75 * full_width:
            yield " ".join(paragraph)
            paragraph = []
    yield " ".join(paragraph)


# Word


def _read_docx(name: str, content: bytes) -> Document:
    try:
        word = docx.Document(io.BytesIO(content))
        paragraphs = list(_docx_paragraphs(word, seen_cells=set()))
        properties = word.core_properties
    except Exception as error:  # python-docx, zipfile and lxml all raise on damaged files
        raise UnreadableDocument(
            f"{name}: this file could not be read as a Word (.docx) document (is it damaged?)"
        ) from error
    return Document(
        text=_join_paragraphs(paragraphs),
        title=_one_line(properties.title),
        author=_one_line(properties.author),
    )


def _docx_paragraphs(container, seen_cells: set) -> Iterator[str]:
    """The paragraphs of a document or table cell in reading order, tables included."""
    for block in container.iter_inner_content():
        if not isinstance(block, Table):
            yield block.text
            continue
        for row in block.rows:
            for cell in row.cells:
                # A merged cell is given once for each grid position it covers.
                if cell._tc not in seen_cells:
                    seen_cells.add(cell._tc)
                    yield from _docx_paragraphs(cell, seen_cells)


_READERS = {
    ".html": _read_html,
    ".htm": _read_html,
    ".pdf": _read_pdf,
    ".docx": _read_docx,
    ".txt": _read_txt,
}
