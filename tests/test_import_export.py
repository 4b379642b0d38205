"""Spreadsheets: editors import CSV and Excel sheets; every export imports back unchanged."""

import datetime
import re
from decimal import Decimal
from html import unescape

import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from practices.models import SOURCE_REQUIRED, Citation, Figure, Law, Pilot, Pledge, Status
from practices.resources import (
    FigureResource,
    LawResource,
    PilotResource,
    PledgeResource,
    StatusResource,
)

from .conftest import (
    DRAFT,
    cite,
    make_figure,
    make_indicator,
    make_law,
    make_organisation,
    make_pilot,
    make_pledge,
    make_source,
    make_status,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english():
    # The messages checked below are English; another test may leave a language active.
    with translation.override("en"):
        yield


RESOURCES = [LawResource, PilotResource, PledgeResource, FigureResource, StatusResource]
CSV, XLSX = 0, 1  # the admin's format choices, in SpreadsheetAdmin.formats order


@pytest.fixture
def records():
    """One of each kind, with links, sub-national places, partial dates and two sources."""
    from practices.models import Approach, TargetGroup

    indicator = make_indicator()
    other = make_indicator("electronic-monitoring", values=("used", "not-used"), order=200)
    idc = make_organisation()
    second = make_source("second-source", title="Second source")
    law = make_law(
        adopted_on=datetime.date(2020, 1, 1),
        adopted_precision="year",
        in_force_on=datetime.date(2020, 8, 1),
        in_force_precision="month",
        summary="Line one.\nLine two, with “quotes”; and a semicolon.",
        last_reviewed_on=datetime.date(2024, 3, 1),
    )
    law.indicators.set([indicator, other])
    law.organisations.set([idc])
    cite(law, second, quote="Second quote.")
    pilot = make_pilot(started_on=datetime.date(2019, 6, 1), started_precision="month")
    pilot.implementers.set([idc])
    pilot.target_groups.set([TargetGroup.objects.create(slug="children", name="Children")])
    pilot.approaches.set([Approach.objects.create(slug="case-management", name="Case mgmt")])
    make_pledge(gcm_objective=13, pledged_on=datetime.date(2022, 5, 18))
    make_figure(value=Decimal("1234.50"), period_end=datetime.date(2022, 12, 31))
    make_status("mx", indicator, effective_from="2020-01-01", practice_differs=True)
    make_status("mx-chp", other, value="not-used", publication_status=DRAFT, caveat="")


def snapshot():
    """Everything an import could change: values, update times, versions, citations."""
    state = {}
    for model in [Law, Pilot, Pledge, Figure, Status]:
        for record in model.objects.order_by("pk"):
            state[(model.__name__, record.pk)] = (
                record.updated_at,
                record.history.count(),
                sorted(record.citations.values_list("source__slug", "quote")),
            )
    return state


def import_sheet(resource_class, dataset, dry_run=False):
    return resource_class().import_data(dataset, dry_run=dry_run, raise_errors=False)


def csv_of(rows):
    return tablib.Dataset().load("\n".join(rows) + "\n", format="csv")


LAW_HEADER = (
    "slug,title,country,subdivision,kind,status,adopted_on,in_force_on,repealed_on,summary,"
    "indicators,organisations,sources,publication_status,last_reviewed_on"
)


# Round trip.


@pytest.mark.parametrize("resource_class", RESOURCES, ids=lambda r: r.__name__)
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_export_then_import_changes_nothing(records, resource_class, file_format):
    before = snapshot()
    exported = resource_class().export()
    assert len(exported) == resource_class._meta.model.objects.count() > 0
    sheet = tablib.Dataset().load(exported.export(file_format), format=file_format)

    result = import_sheet(resource_class, sheet)

    assert not result.has_errors() and not result.has_validation_errors()
    assert {row.import_type for row in result.rows} == {"skip"}
    assert snapshot() == before
    assert resource_class().export().csv == exported.csv


def test_exports_use_codes_slugs_and_partial_dates(records):
    row = LawResource().export().dict[0]
    assert row["country"] == "MX" and row["subdivision"] == ""
    assert (row["adopted_on"], row["in_force_on"], row["repealed_on"]) == ("2020", "2020-08", "")
    assert row["indicators"] == "child-detention-prohibited;electronic-monitoring"
    assert row["organisations"] == "idc"
    assert row["sources"] == "a-source;second-source"
    statuses = {(r["country"], r["subdivision"]): r for r in StatusResource().export().dict}
    assert statuses[("MX", "MX-CHP")]["value"] == "not-used"
    assert statuses[("MX", "MX-CHP")]["publication_status"] == "draft"
    assert FigureResource().export().dict[0]["value"] == "1234.50"


# Importing a sheet.


def test_import_creates_records_with_their_links_and_sources(records):
    row = (
        "th-2023-policy,New policy,th,,policy,adopted,2023-03,,,Summary.,"
        "child-detention-prohibited,idc,a-source; second-source,{state},2024-01-31"
    )
    # A sheet names sources, not quotes: a new citation gets its quote in the admin, so a
    # record citing a new source cannot arrive published.
    refused = import_sheet(LawResource, csv_of([LAW_HEADER, row.format(state="published")]))
    assert "has no quote" in str(refused.invalid_rows[0].error)
    assert not Law.objects.filter(slug="th-2023-policy").exists()

    result = import_sheet(LawResource, csv_of([LAW_HEADER, row.format(state="draft")]))
    assert not result.has_validation_errors(), result.invalid_rows
    law = Law.objects.get(slug="th-2023-policy")
    assert (law.country.iso2, law.adopted_on, law.adopted_precision) == (
        "TH",
        datetime.date(2023, 3, 1),
        "month",
    )
    assert not law.is_published()
    assert [i.slug for i in law.indicators.all()] == ["child-detention-prohibited"]
    assert sorted(c.source.slug for c in law.citations.all()) == ["a-source", "second-source"]


def test_import_updates_a_status_found_by_its_place_indicator_and_date(records):
    exported = StatusResource().export()
    row = next(r for r in exported.dict if r["subdivision"] == "MX-CHP")
    row["value"] = "used"
    row["caveat"] = "Used in Chiapas since 2021."
    sheet = tablib.Dataset(headers=exported.headers)
    sheet.append([row[h] for h in exported.headers])
    result = import_sheet(StatusResource, sheet)
    assert [r.import_type for r in result.rows] == ["update"]
    status = Status.objects.get(subdivision__code="MX-CHP")
    assert (status.value.slug, status.caveat) == ("used", "Used in Chiapas since 2021.")
    assert status.history.latest().history_type == "~"


def test_a_csv_with_one_bad_row_writes_nothing_and_reports_the_row_and_column(records):
    laws, citations = Law.objects.count(), Citation.objects.count()
    versions = Law.history.count()
    sheet = csv_of(
        [
            LAW_HEADER,
            "th-good,A good row,th,,policy,adopted,2023,,,,,,a-source,draft,",
            "th-bad,A bad row,zz,,policy,adopted,2023-13,2022,,,no-such-indicator,,,draft,",
            "th-also-good,Another good row,th,,law,in-force,2021,2022,,,,,a-source,draft,",
        ]
    )
    result = import_sheet(LawResource, sheet)

    assert result.has_validation_errors()
    [invalid] = result.invalid_rows
    assert invalid.number == 2  # the second record, row 3 of the sheet
    errors = invalid.field_specific_errors
    assert errors["country"] == ["No country has the code “ZZ”."]
    assert errors["adopted_on"] == ["'2023-13' is not a valid date (month must be in 1..12)"]
    assert errors["indicators"] == ["Unknown indicators: no-such-indicator."]
    assert (Law.objects.count(), Citation.objects.count()) == (laws, citations)
    assert Law.history.count() == versions
    assert not Law.objects.filter(slug__in=["th-good", "th-also-good"]).exists()


def test_model_rules_apply_to_imported_rows(records):
    sheet = csv_of(
        [
            LAW_HEADER,
            "th-order,Dates out of order,th,,policy,repealed,2023,2022,,,,,a-source,draft,",
            "th-nosource,Published without source,th,,policy,adopted,2023,,,,,,,published,",
            "th-kind,Unknown kind,th,,decree,adopted,2023,,,,,,a-source,draft,",
        ]
    )
    result = import_sheet(LawResource, sheet)
    errors = {row.number: row.field_specific_errors for row in result.invalid_rows}
    assert errors[1] == {"in_force_on": ["It cannot come into force before adoption."]}
    assert errors[2] == {"sources": [str(SOURCE_REQUIRED)]}
    assert list(errors[3]) == ["kind"]
    assert not Law.objects.filter(slug__startswith="th-").exists()


def test_a_status_value_must_belong_to_its_indicator(records):
    exported = StatusResource().export()
    row = exported.dict[0]
    row["value"] = "used"  # a value of electronic-monitoring, not of child detention
    sheet = tablib.Dataset(headers=exported.headers)
    sheet.append([row[h] for h in exported.headers])
    [invalid] = import_sheet(StatusResource, sheet).invalid_rows
    assert invalid.field_specific_errors == {
        "value": ["“used” is not a value of the indicator “child-detention-prohibited”."]
    }


# The admin pages.


def test_editors_preview_an_import_then_confirm_it(client, editor, records):
    client.force_login(editor)
    url = reverse("admin:practices_law_import")
    sheet = LAW_HEADER + "\nth-2023-policy,New policy,th,,policy,adopted,2023,,,,,,a-source,,\n"
    upload = SimpleUploadedFile("laws.csv", sheet.encode(), content_type="text/csv")
    preview = client.post(url, {"format": CSV, "resource": 0, "import_file": upload})
    assert preview.status_code == 200
    text = preview.content.decode()
    assert "Confirm import" in text and "New policy" in text
    assert not Law.objects.filter(slug="th-2023-policy").exists()  # a preview writes nothing

    confirm = preview.context["confirm_form"].initial
    response = client.post(
        reverse("admin:practices_law_process_import"),
        {key: value for key, value in confirm.items() if value is not None},
        follow=True,
    )
    assert "Import finished: 1 new" in response.content.decode()
    law = Law.objects.get(slug="th-2023-policy")
    assert law.publication_status == DRAFT
    assert law.history.latest().history_user == editor


def test_the_admin_shows_a_bad_rows_sheet_row_and_column_and_offers_no_confirm(
    client, editor, records
):
    client.force_login(editor)
    sheet = (
        LAW_HEADER + "\nth-good,Good,th,,policy,adopted,2023,,,,,,a-source,,"
        "\nth-bad,Bad,th,,policy,adopted,soon,,,,,,a-source,,\n"
    )
    upload = SimpleUploadedFile("laws.csv", sheet.encode(), content_type="text/csv")
    response = client.post(
        reverse("admin:practices_law_import"),
        {"format": CSV, "resource": 0, "import_file": upload},
    )
    text = re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))
    assert "nothing was imported" in text
    assert "3 adopted_on 'soon' is not a date like 2020, 2020-08 or 2020-08-15" in text
    assert "Confirm import" not in text
    assert not Law.objects.filter(slug__in=["th-good", "th-bad"]).exists()


def test_an_excel_sheet_imports_too(client, editor, records):
    client.force_login(editor)
    exported = PledgeResource().export()
    row = exported.dict[0]
    # A draft: the sources it names get their quotes in the admin before it is published.
    row.update(
        slug="my-imrf-2022",
        country="my",
        text="To develop ATD for children.",
        publication_status="draft",
    )
    sheet = tablib.Dataset(headers=exported.headers)
    sheet.append([row[h] for h in exported.headers])
    upload = SimpleUploadedFile("pledges.xlsx", sheet.export("xlsx"))
    preview = client.post(
        reverse("admin:practices_pledge_import"),
        {"format": XLSX, "resource": 0, "import_file": upload},
    )
    assert "Confirm import" in preview.content.decode()
    confirm = preview.context["confirm_form"].initial
    client.post(
        reverse("admin:practices_pledge_process_import"),
        {key: value for key, value in confirm.items() if value is not None},
    )
    assert Pledge.objects.get(slug="my-imrf-2022").country.iso2 == "MY"


def test_researchers_export_but_do_not_import(client, researcher, records):
    client.force_login(researcher)
    assert client.get(reverse("admin:practices_law_import")).status_code == 403
    changelist = client.get(reverse("admin:practices_law_changelist")).content.decode()
    assert "Export" in changelist and reverse("admin:practices_law_import") not in changelist
    assert client.get(reverse("admin:practices_law_export")).status_code == 200
