"""Spreadsheet-ready downloads: every list, the indicator table and compare, as CSV and Excel."""

import csv
import io
import json
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from practices.models import Law, Status

from .conftest import (
    cite,
    make_figure,
    make_indicator,
    make_law,
    make_pilot,
    make_pledge,
    make_source,
    make_status,
)

pytestmark = pytest.mark.django_db

FORMATS = ["csv", "xlsx"]
CHILD = "child-detention-prohibited"

# Each public list, a filter that keeps some of its rows, and the column naming a row.
LISTS = [
    ("/laws/", {"country": "mx"}, "slug"),
    ("/pilots/", {"country": "th"}, "slug"),
    ("/pledges/", {"country": "th"}, "slug"),
    ("/figures/", {"country": "mx"}, "slug"),
    ("/sources/", {"q": "detention"}, "slug"),
    ("/countries/", {"indicator": CHILD, "value": "not-prohibited"}, "iso2"),
    ("/statuses/", {"country": "mx", "practice_differs": "false"}, "id"),
]


@pytest.fixture
def world():
    child = make_indicator(
        CHILD, values=("prohibited-in-law", "not-prohibited"), name="Child detention prohibited"
    )
    make_status("mx", child, "not-prohibited", "2010-01-01")
    make_status("mx", child, "prohibited-in-law", "2020-11-01", practice_differs=True)
    make_status("MX-CHP", child, "prohibited-in-law", "2021-01-01")
    make_status("th", child, "not-prohibited", "2019-01-01")
    make_status("my", child, "not-prohibited", "2019-01-01")
    make_status("na", child, "not-prohibited", "2018-01-01")
    make_source("detention-report", title="A report on detention")
    make_source("other-report", title="Another report")
    law = make_law("mx-2020-reform", "mx", title="Reform of the Migration Law")
    cite(law)  # the same source twice: the download names it once
    make_law("th-act", "th")
    make_pilot("th-case-management", "th")
    make_pilot("mx-shelters", "mx")
    make_pledge("th-imrf-2022", "th")
    make_pledge("mx-imrf-2022", "mx")
    make_figure("mx-2022-children-detained", "mx")
    make_figure("th-2022-children-detained", "th")
    return child


def table(response):
    """A download as a list of dicts, header to value, whatever its format."""
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if response["Content-Type"].startswith("text/csv"):
        return list(csv.DictReader(io.StringIO(body.decode())))
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    header, *rows = load_workbook(io.BytesIO(body)).active.iter_rows(values_only=True)
    return [dict(zip(header, row, strict=True)) for row in rows]


def cells(response):
    """Every cell of an Excel download."""
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [cell for row in sheet.iter_rows() for cell in row]


@pytest.mark.parametrize("format", FORMATS)
@pytest.mark.parametrize(("url", "params", "key"), LISTS)
def test_a_list_download_holds_exactly_the_filtered_rows(client, world, url, params, key, format):
    page = client.get(url, params).context["page"]
    expected = sorted(str(getattr(record, key)) for record in page.paginator.object_list)
    assert expected, "the filter keeps some rows"
    response = client.get(url, {**params, "format": format})
    assert response["Content-Disposition"].endswith(f'.{format}"')
    assert sorted(str(row[key]) for row in table(response)) == expected


@pytest.mark.parametrize("format", FORMATS)
def test_a_download_is_never_cut_at_the_page_size(client, world, format):
    for index in range(60):
        make_law(f"mx-extra-law-{index:02}", "mx")
    rows = table(client.get("/laws/", {"country": "mx", "format": format}))
    assert len(rows) == 61


@pytest.mark.parametrize("format", FORMATS)
def test_the_page_offers_both_downloads_with_the_row_count(client, world, format):
    html = client.get("/laws/", {"country": "mx"}).content.decode()
    assert f'href="?country=mx&amp;format={format}" download' in html
    assert 'aria-label="Download 1 row as CSV">CSV</a>' in html
    assert 'aria-label="Download 1 row as an Excel workbook">Excel</a>' in html


def test_an_empty_list_offers_no_download(client, world):
    html = client.get("/laws/", {"country": "fr"}).content.decode()
    assert "0 results" in html and "format=csv" not in html


@pytest.mark.parametrize("format", FORMATS)
def test_names_and_labels_stand_beside_codes(client, world, format):
    (law,) = table(client.get("/laws/", {"country": "mx", "format": format}))
    assert (law["country"], law["country_name"]) == ("MX", "Mexico")
    assert (law["countries"], law["country_names"]) == ("MX", "Mexico")
    assert (law["kind"], law["kind_label"]) == ("law", "Law")
    assert (law["status"], law["status_label"]) == ("in-force", "In force")
    (pilot,) = table(client.get("/pilots/", {"country": "th", "format": format}))
    assert (pilot["classification"], pilot["classification_label"]) == (
        "rights-based",
        "Rights-based ATD",
    )
    statuses = table(client.get(f"/indicators/{CHILD}/", {"format": format}))
    chiapas = next(row for row in statuses if row["subdivision"] == "MX-CHP")
    assert chiapas["subdivision_name"] == "Chiapas"
    assert (chiapas["indicator"], chiapas["indicator_name"]) == (
        CHILD,
        "Child detention prohibited",
    )
    assert (chiapas["value"], chiapas["value_label"]) == ("prohibited-in-law", "Prohibited-in-law")


@pytest.mark.parametrize("format", FORMATS)
def test_sources_are_named_once_by_their_title(client, world, format):
    (law,) = table(client.get("/laws/", {"country": "mx", "format": format}))
    assert law["sources"] == "a-source"
    assert law["source_titles"] == "A source"


@pytest.mark.parametrize("format", FORMATS)
def test_the_countries_download_keeps_the_status_it_was_filtered_on(client, world, format):
    params = {"indicator": CHILD, "value": "not-prohibited", "format": format}
    rows = {row["iso2"]: row for row in table(client.get("/countries/", params))}
    assert sorted(rows) == ["MY", "NA", "TH"]
    thailand = rows["TH"]
    assert thailand["name"] == "Thailand"
    assert (thailand["indicator"], thailand["indicator_name"]) == (
        CHILD,
        "Child detention prohibited",
    )
    assert (thailand["value"], thailand["value_label"]) == ("not-prohibited", "Not-prohibited")
    assert thailand["effective_date"] == "2019-01-01"
    assert thailand["status_url"].endswith(
        Status.objects.get(country__iso2="TH").get_absolute_url()
    )


def test_the_countries_download_filtered_on_an_indicator_gives_each_current_value(client, world):
    rows = {
        row["iso2"]: row
        for row in table(client.get("/countries/", {"indicator": CHILD, "format": "csv"}))
    }
    assert rows["MX"]["value"] == "prohibited-in-law"  # today's, not the 2010 one
    assert rows["MX"]["practice_differs"] == "true"
    assert rows["TH"]["value"] == "not-prohibited"


def test_the_unfiltered_countries_download_has_no_status_columns(client, world):
    rows = table(client.get("/countries/", {"country": "th", "format": "csv"}))
    assert "value" not in rows[0]


@pytest.mark.parametrize("format", FORMATS)
def test_the_indicator_table_downloads_as_the_page_shows_it(client, world, format):
    url = f"/indicators/{CHILD}/"
    context = client.get(url).context
    shown = [status.pk for status in [*context["map_statuses"], *context["subnational"]]]
    html = client.get(url).content.decode()
    assert f"Download all {len(shown)} rows:" in html and f'href="?format={format}"' in html
    rows = table(client.get(url, {"format": format}))
    assert sorted(int(row["id"]) for row in rows) == sorted(shown)


@pytest.mark.parametrize("format", FORMATS)
def test_compare_downloads_the_compared_statuses_with_what_differs(client, world, format):
    url = "/compare/"
    page = client.get(url, {"country": ["th", "mx"]})
    shown = [cell.pk for row in page.context["rows"] for cell in row["cells"] if cell]
    assert "country=th&amp;country=mx&amp;format=xlsx" in page.content.decode()
    rows = table(client.get(url, {"country": ["th", "mx"], "format": format}))
    assert [int(row["id"]) for row in rows] == shown
    assert [row["country"] for row in rows] == ["TH", "MX"]  # in the compared order
    assert {str(row["differs"]).lower() for row in rows} == {"true"}


FORMULA_STARTS = ["=", "+", "-", "@"]


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_no_csv_cell_runs_as_a_formula(client, world, start):
    title = f'{start}HYPERLINK("http://evil.example","click")'
    make_law("fr-formula", "fr", title=title)
    (row,) = table(client.get("/laws/", {"country": "fr", "format": "csv"}))
    assert row["title"] == "'" + title


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_no_excel_cell_runs_as_a_formula(client, world, start):
    title = f'{start}HYPERLINK("http://evil.example","click")'
    make_law("fr-formula", "fr", title=title)
    response = client.get("/laws/", {"country": "fr", "format": "xlsx"})
    (row,) = table(response)
    assert row["title"] == title  # the text as written, in a text cell
    assert "f" not in {cell.data_type for cell in cells(response)}
    sheet_xml = zipfile.ZipFile(io.BytesIO(response.content)).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet_xml


def test_excel_cells_are_typed(client, world):
    Law.objects.filter(slug="mx-2020-reform").update(adopted_on="2020-11-11")
    response = client.get("/laws/", {"country": "mx", "format": "xlsx"})
    (row,) = table(response)
    assert row["adopted_on"].date().isoformat() == "2020-11-11"
    assert row["adopted_date"] == "2020-11-11"


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("/laws/", {}),
        ("/countries/", {"indicator": CHILD}),
        (f"/indicators/{CHILD}/", {}),
        ("/compare/", {"country": ["th", "mx"]}),
    ],
)
def test_an_unknown_format_is_a_400_naming_it(client, world, url, params):
    response = client.get(url, {**params, "format": "pdf"})
    assert response.status_code == 400
    assert "format: unknown format “pdf”. Use csv or xlsx." in response.content.decode()


def namibia_statuses(body: bytes):
    """statuses.csv read as the data package says: with pandas where installed, else csv."""
    try:
        import pandas
    except ImportError:
        return [row["country"] for row in csv.DictReader(io.StringIO(body.decode()))]
    frame = pandas.read_csv(io.BytesIO(body), keep_default_na=False, na_values=[""])
    return list(frame["country"])


def test_namibia_reads_as_na_as_the_data_package_documents(client, world):
    archive = zipfile.ZipFile(io.BytesIO(client.get("/api/v1/datapackage.zip").getvalue()))
    package = json.loads(archive.read("datapackage.json"))
    statuses = next(r for r in package["resources"] if r["name"] == "statuses")
    assert "keep_default_na=False" in statuses["description"]
    assert statuses["schema"]["missingValues"] == [""]
    assert "NA" in namibia_statuses(archive.read("statuses.csv"))
    (row,) = table(client.get("/countries/", {"country": "na", "format": "csv"}))
    assert (row["iso2"], row["name"]) == ("NA", "Namibia")


MORE_COUNTRIES = ["ar", "br", "cl", "co", "pe", "fr", "de", "it", "es", "pt", "gb", "ie"]


def queries(client, url, params):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
        table(response)
    return len(captured)


@pytest.mark.parametrize("format", FORMATS)
@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("/laws/", {"country": "mx"}),
        ("/countries/", {"indicator": CHILD}),
        (f"/indicators/{CHILD}/", {}),
        ("/compare/", {"country": ["th", "mx"]}),
    ],
)
def test_a_download_costs_the_same_queries_whatever_its_rows(client, world, url, params, format):
    params = {**params, "format": format}
    few = queries(client, url, params)
    for index, code in enumerate(MORE_COUNTRIES):
        make_law(f"mx-more-{index:02}", "mx")
        make_status(code, world, "not-prohibited", "2019-01-01")
    assert queries(client, url, params) == few
    assert few <= 14


@pytest.mark.parametrize("format", FORMATS)
def test_search_downloads_every_result_with_its_kind_and_page(client, world, format):
    page = client.get("/search/", {"q": "reform"})
    assert f'href="?q=reform&amp;format={format}" download' in page.content.decode()
    found = page.context["found"]
    rows = table(client.get("/search/", {"q": "reform", "format": format}))
    assert [(row["kind"], row["title"]) for row in rows] == [
        (group.kind, result.title) for group in found.groups for result in group.results
    ]
    law = next(row for row in rows if row["kind"] == "laws")
    assert law["kind_label"] == "Laws"
    assert law["public_url"] == "http://testserver/laws/mx-2020-reform/"


def test_a_search_download_runs_no_formula(client, world):
    make_law("fr-formula", "fr", title='=HYPERLINK("http://evil.example","click")')
    (row,) = table(client.get("/search/", {"q": "evil.example", "format": "csv"}))
    assert row["title"] == "'" + '=HYPERLINK("http://evil.example","click")'
    response = client.get("/search/", {"q": "evil.example", "format": "xlsx"})
    assert "f" not in {cell.data_type for cell in cells(response)}


def test_an_unknown_search_format_is_a_400_naming_it(client, world):
    response = client.get("/search/", {"q": "reform", "format": "pdf"})
    assert response.status_code == 400
    assert "format: unknown format “pdf”" in response.content.decode()
