"""Downloading a filtered list as an Excel workbook in a real Chromium."""

from pathlib import Path

from openpyxl import load_workbook

from .test_browser import browser, page, pytestmark, serious_violations, world  # noqa: F401


def test_download_a_filtered_list_as_an_excel_workbook(live_server, page, world):  # noqa: F811
    page.goto(live_server.url + "/laws/?country=mx")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download 1 row as an Excel workbook").click()
    assert download.value.suggested_filename == "laws.xlsx"
    with Path(download.value.path()).open("rb") as workbook:  # saved without its extension
        sheet = load_workbook(workbook).active
    header, *rows = sheet.iter_rows(values_only=True)
    record = dict(zip(header, rows[0], strict=True))
    assert len(rows) == 1
    assert (record["slug"], record["title"]) == ("mx-2020-reform", "Reform of the Migration Law")
    assert (record["country"], record["country_name"]) == ("MX", "Mexico")


def test_the_indicator_table_and_compare_offer_both_downloads(live_server, page, world):  # noqa: F811
    for path in ["/indicators/child-detention-prohibited/", "/compare/?country=th&country=mx"]:
        page.goto(live_server.url + path)
        main = page.get_by_role("main")  # the footer links the data package, a CSV too
        assert main.get_by_role("link", name="CSV").count() == 1
        assert main.get_by_role("link", name="Excel").count() == 1
        assert serious_violations(page) == []
