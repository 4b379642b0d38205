"""Reading uploaded and pasted source documents: their text and the details they state."""

import datetime
import io
import re

import docx
import pytest
from fpdf import FPDF

from curation.documents import (
    ACCEPTED_EXTENSIONS,
    Document,
    UnreadableDocument,
    read_document,
    read_pasted_text,
)

LONG_PARAGRAPH = (
    "The ministry piloted community case management for families in three cities, "
    "and the evaluation found that nearly all participants stayed in touch with the "
    "authorities until their cases were decided, at a fraction of the cost of holding "
    "them in detention."
)
SHORT_PARAGRAPH = "Detention was used less often."

HTML_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Alternatives to detention in practice</title>
  <meta name="author" content="Jane Doe">
  <meta property="og:site_name" content="Detention Watch">
  <meta property="article:published_time" content="2021-03-04T10:00:00Z">
</head>
<body>
  <article>
    <p>The ministry piloted community case management
       for families in three cities.</p>
    <p>Nearly all   participants stayed in touch with the authorities.</p>
  </article>
</body>
</html>
"""


def make_pdf(*paragraphs, title="", author="", created=None, password=None):
    pdf = FPDF()
    if title:
        pdf.set_title(title)
    if author:
        pdf.set_author(author)
    if created:
        pdf.set_creation_date(created)
    if password:
        pdf.set_encryption(owner_password="owner", user_password=password)
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    for paragraph in paragraphs:
        pdf.multi_cell(0, 6, paragraph)
        pdf.ln(6)
    return bytes(pdf.output())


def make_docx(*paragraphs, title="", author="", created=None, table=None):
    word = docx.Document()
    for paragraph in paragraphs:
        word.add_paragraph(paragraph)
    if table:
        rows = word.add_table(rows=len(table), cols=len(table[0])).rows
        for row, values in zip(rows, table, strict=True):
            for cell, value in zip(row.cells, values, strict=True):
                cell.text = value
    word.core_properties.title = title
    word.core_properties.author = author
    if created:
        word.core_properties.created = created
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()


def raises_unreadable(name, reason):
    """pytest.raises for a message that names the file, then says why."""
    return pytest.raises(UnreadableDocument, match=f"^{re.escape(name)}: .*{reason}")


# HTML


def test_html_page_gives_its_paragraphs_and_stated_details():
    document = read_document("page.html", HTML_PAGE.encode())

    assert document == Document(
        text=(
            "The ministry piloted community case management for families in three cities."
            "\n\nNearly all participants stayed in touch with the authorities."
        ),
        title="Alternatives to detention in practice",
        author="Jane Doe",
        publisher="Detention Watch",
        published_on=datetime.date(2021, 3, 4),
        published_precision="day",
    )


def test_html_page_without_a_stated_date_gets_no_date():
    page = "<html><head><title>Pilot</title></head><body><p>A pilot began.</p></body></html>"

    document = read_document("page.htm", page.encode())

    assert document.published_on is None
    assert document.published_precision == ""


def test_html_fragment_too_short_for_trafilatura_still_gives_its_text():
    fragment = b"<div>Summary<p>First point.<br>Second   point.<script>x = 1</script></p></div>"

    document = read_document("note.html", fragment)

    assert document.text == "Summary\n\nFirst point.\n\nSecond point."


def test_html_is_decoded_with_its_declared_charset_latin1_read_as_browsers_do():
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">'
        "</head><body><p>La \x93garde \xe0 vue\x94 est limit\xe9e.</p></body></html>"
    )

    document = read_document("page.html", page.encode("latin-1"))

    assert document.text == "La \u201cgarde \u00e0 vue\u201d est limit\u00e9e."


def test_extensions_are_read_whatever_their_case():
    document = read_document("PAGE.HTM", HTML_PAGE.encode())

    assert document.title == "Alternatives to detention in practice"


# PDF


def test_pdf_gives_its_paragraphs_title_and_author():
    content = make_pdf(
        LONG_PARAGRAPH, SHORT_PARAGRAPH, title="Case management review", author="Jane Doe"
    )

    document = read_document("review.pdf", content)

    assert document == Document(
        text=f"{LONG_PARAGRAPH}\n\n{SHORT_PARAGRAPH}",
        title="Case management review",
        author="Jane Doe",
    )


def test_pdf_creation_date_is_not_proposed_as_publication_date():
    created = datetime.datetime(2019, 5, 6, tzinfo=datetime.UTC)

    document = read_document("review.pdf", make_pdf(SHORT_PARAGRAPH, created=created))

    assert document.published_on is None
    assert document.published_precision == ""


def test_pdf_is_recognised_by_its_content_whatever_its_name():
    document = read_document("download", make_pdf(SHORT_PARAGRAPH))

    assert document.text == SHORT_PARAGRAPH


def test_pdf_encrypted_only_against_copying_is_read():
    pdf = FPDF()
    pdf.set_encryption(owner_password="owner")
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.multi_cell(0, 6, SHORT_PARAGRAPH)

    document = read_document("locked.pdf", bytes(pdf.output()))

    assert document.text == SHORT_PARAGRAPH


def test_pdf_with_a_password_is_unreadable():
    with raises_unreadable("secret.pdf", "password-protected"):
        read_document("secret.pdf", make_pdf(SHORT_PARAGRAPH, password="secret"))


def test_pdf_without_text_is_unreadable_as_a_probable_scan():
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 50, style="F")

    with raises_unreadable("scan.pdf", re.escape("no text layer (a scan?)")):
        read_document("scan.pdf", bytes(pdf.output()))


def test_damaged_pdf_is_unreadable():
    with raises_unreadable("broken.pdf", "could not be read as a PDF"):
        read_document("broken.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\n%%EOF garbage")


# Word


def test_docx_gives_its_paragraphs_tables_title_and_author():
    content = make_docx(
        LONG_PARAGRAPH,
        "",
        SHORT_PARAGRAPH,
        title="Case management review",
        author="Jane Doe",
        table=[["Year", "Families"], ["2020", "120"]],
    )

    document = read_document("review.docx", content)

    assert document == Document(
        text=f"{LONG_PARAGRAPH}\n\n{SHORT_PARAGRAPH}\n\nYear\n\nFamilies\n\n2020\n\n120",
        title="Case management review",
        author="Jane Doe",
    )


def test_docx_merged_table_cell_is_read_once():
    word = docx.Document()
    table = word.add_table(rows=2, cols=2)
    merged = table.cell(0, 0).merge(table.cell(1, 0))
    merged.text = "Community placement"
    table.cell(0, 1).text = "40"
    table.cell(1, 1).text = "55"
    buffer = io.BytesIO()
    word.save(buffer)

    document = read_document("table.docx", buffer.getvalue())

    assert document.text == "Community placement\n\n40\n\n55"


def test_docx_creation_date_is_not_proposed_as_publication_date():
    created = datetime.datetime(2015, 1, 2, 9, 30)

    document = read_document("review.docx", make_docx(SHORT_PARAGRAPH, created=created))

    assert document.published_on is None
    assert document.published_precision == ""


def test_damaged_docx_is_unreadable():
    content = make_docx(SHORT_PARAGRAPH)[:500]

    with raises_unreadable("review.docx", re.escape("could not be read as a Word (.docx)")):
        read_document("review.docx", content)


def test_docx_that_is_not_a_zip_is_unreadable():
    with raises_unreadable("review.docx", "could not be read as a Word"):
        read_document("review.docx", b"This is not a Word document at all.")


# Plain text


def test_txt_in_utf8_with_a_byte_order_mark():
    content = "\ufeffRétention administrative\r\n\r\nUn placement à domicile.\r\n".encode()

    document = read_document("notes.txt", content)

    assert document.text == "Rétention administrative\n\nUn placement à domicile."
    assert document.title == "Rétention administrative"


def test_txt_in_windows_1252():
    content = "Les \u201cmesures alternatives\u201d co\u00fbtent moins.".encode("cp1252")

    document = read_document("notes.txt", content)

    assert document.text == "Les \u201cmesures alternatives\u201d co\u00fbtent moins."


def test_nul_and_other_control_characters_are_removed():
    content = b"Ca\x00se manage\x07ment\x00\n\n\x00\nworks\x1b."

    document = read_document("notes.txt", content)

    assert document.text == "Case management\n\nworks."


# Pasted text


def test_pasted_text_proposes_its_short_first_line_as_title():
    text = (
        "  Alternatives to Detention Report \r\nFirst line of the body\nand its second line.\r\n"
    )

    document = read_pasted_text(text + "\r\n\r\n\r\nNext   paragraph.")

    assert document == Document(
        text=(
            "Alternatives to Detention Report First line of the body and its second line."
            "\n\nNext paragraph."
        ),
        title="Alternatives to Detention Report",
    )


def test_pasted_text_whose_first_line_is_a_sentence_proposes_no_title():
    document = read_pasted_text("The pilot ended in 2021.\nIt was extended.")

    assert document.title == ""


def test_pasted_text_whose_first_line_is_long_proposes_no_title():
    document = read_pasted_text("word " * 50 + "\nMore.")

    assert document.title == ""


def test_pasted_text_loses_nul_characters():
    assert read_pasted_text("Pledge\x00 made").text == "Pledge made"


# Files that cannot be read


def test_unknown_extension_is_unreadable_naming_what_can_be_read():
    with raises_unreadable("notes.odt", re.escape("only HTML, PDF, Word (.docx) and plain-text")):
        read_document("notes.odt", b"PK\x03\x04 an OpenDocument file")


def test_file_over_20_mb_is_unreadable():
    with raises_unreadable("big.txt", "larger than 20 MB"):
        read_document("big.txt", b"a" * (20 * 1024 * 1024 + 1))


def test_file_without_text_is_unreadable():
    with raises_unreadable("empty.txt", "no text"):
        read_document("empty.txt", b" \r\n\x00\n")


def test_accepted_extensions():
    assert ACCEPTED_EXTENSIONS == (".html", ".htm", ".pdf", ".docx", ".txt")
