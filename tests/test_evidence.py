"""Evidence-grade statuses: when a position began versus when it was reported, records that
span countries, quotes the app checks, and no published claim ever left without a source."""

import datetime
import re
from html import unescape
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import translation

from countries.models import CountryGroup
from practices.dataset import DatasetError, load_dataset
from practices.models import (
    Citation,
    Figure,
    Indicator,
    IndicatorValue,
    Law,
    Source,
    Status,
    Withdrawal,
    latest_changes,
)

from .conftest import (
    DRAFT,
    cite,
    country,
    make_figure,
    make_indicator,
    make_law,
    make_source,
    make_status,
)

pytestmark = pytest.mark.django_db

API = "/api/v1/"
ARTICLE = "Belgium has enacted a new law that prohibits child immigration detention."


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


def text_of(response):
    html = response.content.decode()
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def eu(*codes):
    group = CountryGroup.objects.create(
        slug="eu", name="European Union", member_label="as an EU member state"
    )
    group.members.set([country(code) for code in codes])
    return group


# When a position began, and when it was reported.


def test_a_status_with_an_unknown_start_is_reported_as_of_never_since(client):
    make_status("be", effective_from=None, observed_on="2024-07-01", observed_precision="month")
    page = text_of(client.get(reverse("countries:detail", args=["be"])))
    assert "reported as of July 2024" in page
    assert "since" not in page.lower().replace("since 2020", "")


def test_a_status_with_a_known_start_reads_since(client):
    make_status("mx", effective_from="2020-11-01", observed_on="2023-04-04")
    page = text_of(client.get(reverse("countries:detail", args=["mx"])))
    assert "since Nov. 1, 2020" in page
    assert "reported as of" not in page


def test_a_reobservation_confirms_the_period_instead_of_opening_one(client):
    indicator = make_indicator()
    first = make_status("mx", indicator, effective_from="2020-11-01", caveat="the reform")
    again = make_status(
        "mx", indicator, effective_from=None, observed_on="2023-04-01", caveat="a report"
    )
    page = text_of(client.get(reverse("countries:detail", args=["mx"])))
    assert "since Nov. 1, 2020 · confirmed April 1, 2023" in page
    assert "Confirmed April 1, 2023" in page
    # Not a change: neither the home page's latest changes nor the feeds list it.
    assert [record.pk for record in latest_changes() if isinstance(record, Status)] == [first.pk]
    feed = client.get(reverse("feed")).content.decode()
    assert feed.count("<entry>") == 1
    assert list(Status.objects.changes()) == [first]
    assert again in Status.objects.current()


def test_a_new_value_is_a_change_even_when_its_start_is_unknown():
    indicator = make_indicator()
    make_status("mx", indicator, value="prohibited", effective_from="2020-01-01")
    later = make_status(
        "mx", indicator, value="not-prohibited", effective_from=None, observed_on="2024-01-01"
    )
    assert later in Status.objects.changes()


def test_the_current_status_follows_the_best_known_date_with_mixed_starts():
    indicator = make_indicator()
    make_status("mx", indicator, value="prohibited", effective_from="2018-01-01")
    # Reported in 2021 with no start: placed at its report, after the 2018 start.
    make_status(
        "mx", indicator, value="not-prohibited", effective_from=None, observed_on="2021-06-01"
    )
    assert [s.value.slug for s in Status.objects.current()] == ["not-prohibited"]
    # A change known to begin in 2022 (reported in 2024) comes after both.
    make_status(
        "mx", indicator, value="prohibited", effective_from="2022-01-01", observed_on="2024-01-01"
    )
    assert [s.value.slug for s in Status.objects.current()] == ["prohibited"]
    # One announced to begin next year is not current yet.
    next_year = datetime.date.today().replace(month=1, day=1) + datetime.timedelta(days=400)
    make_status(
        "mx",
        indicator,
        value="not-prohibited",
        effective_from=next_year.isoformat(),
        observed_on="2024-06-01",
    )
    assert [s.value.slug for s in Status.objects.current()] == ["prohibited"]


def test_the_api_and_csv_carry_both_dates(client):
    make_status("be", effective_from=None, observed_on="2024-07-01", observed_precision="month")
    status = client.get(f"{API}statuses/").json()["results"][0]
    assert (status["effective_from"], status["effective_date"]) == (None, None)
    assert (status["observed_on"], status["observed_date"]) == ("2024-07-01", "2024-07")
    response = client.get(f"{API}statuses/?format=csv")
    csv = b"".join(response.streaming_content).decode().splitlines()
    header, row = csv[0].split(","), csv[1].split(",")
    assert row[header.index("observed_date")] == "2024-07"
    assert row[header.index("effective_date")] == ""


# Records that span countries.


def test_a_group_wide_law_reaches_each_member_and_no_one_else(client):
    law = make_law("eu-pact", place="be", title="EU Pact on Migration and Asylum")
    law.country = None
    law.save()
    law.country_groups.add(eu("gr", "it"))

    greece = text_of(client.get(reverse("countries:detail", args=["gr"])))
    assert "EU Pact on Migration and Asylum as an EU member state" in greece
    assert "EU Pact" not in text_of(client.get(reverse("countries:detail", args=["th"])))

    detail = client.get(f"{API}countries/gr/").json()
    assert [(r["slug"], r["applies_as"]) for r in detail["laws"]] == [
        ("eu-pact", "as an EU member state")
    ]
    assert client.get(f"{API}countries/th/").json()["laws"] == []

    for path in (f"{API}laws/", reverse("practices:law-list")):
        assert "eu-pact" in client.get(path, {"country": "gr"}).content.decode()
        assert "eu-pact" not in client.get(path, {"country": "th"}).content.decode()
    record = client.get(f"{API}laws/eu-pact/").json()
    assert (record["countries"], record["country_groups"]) == (["GR", "IT"], ["eu"])


def test_a_programme_in_several_countries_shows_on_each_with_how_it_applies(client):
    law = make_law("network", place="be", title="Network pilots")
    law.country = None
    law.save()
    law.countries.set([country("bg"), country("cy")])
    page = text_of(client.get(reverse("countries:detail", args=["cy"])))
    assert "Network pilots one of 2 countries it names" in page
    assert client.get(f"{API}laws/", {"country": "bg"}).json()["count"] == 1
    assert client.get(f"{API}laws/", {"region": "europe"}).json()["count"] == 1


# Figures with their qualifier.


def test_a_figure_reads_with_its_qualifier(client):
    make_figure(qualifier=Figure.Qualifier.AT_LEAST, value=38)
    assert "at least 38" in text_of(client.get(reverse("practices:figure-list")))
    assert client.get(f"{API}figures/").json()["results"][0]["qualifier"] == "at-least"


# Quotes the app checks.


def test_the_quote_check_ignores_whitespace_and_quote_marks_only():
    source = make_source(text="It said “no child\nshould be detained” there.")
    law = make_law()
    found = cite(law, source, quote='It said "no child should be detained"')
    missing = cite(law, source, quote="no children should be detained")
    assert (found.quote_verified, missing.quote_verified) == (True, False)
    assert cite(law, make_source("no-text"), quote="Anything").quote_verified is None


def test_publishing_a_claim_whose_quote_is_not_in_its_source_is_refused(client, editor):
    source = make_source("article", text=ARTICLE)
    law = make_law(publication_status=DRAFT)
    law.citations.all().delete()
    cite(law, source, quote="Belgium bans all detention.")
    client.force_login(editor)
    response = client.post(
        reverse("admin:practices_law_changelist"),
        {"action": "publish", "_selected_action": [law.pk]},
        follow=True,
    )
    assert "is not found in the text of “Article”" in text_of(response)
    law.refresh_from_db()
    assert law.publication_status == DRAFT
    change = client.get(reverse("admin:practices_law_change", args=[law.pk]))
    assert "quote NOT found" in text_of(change)


def test_a_sources_text_change_rechecks_its_quotes_and_may_not_break_a_published_claim(
    client, editor
):
    source = make_source("article", text=ARTICLE)
    law = make_law()
    law.citations.all().delete()
    citation = cite(law, source, quote="prohibits child immigration detention")
    assert citation.quote_verified is True
    client.force_login(editor)
    page = client.get(reverse("admin:practices_source_change", args=[source.pk]))
    data = {
        key: value
        for key, value in page.context["adminform"].form.initial.items()
        if value is not None
    }
    data.update(text="Another text altogether.", opened_at=data["opened_at"])
    data["published_on"] = ""
    response = client.post(reverse("admin:practices_source_change", args=[source.pk]), data)
    assert "would be left without a valid source" in text_of(response)
    assert Source.objects.get(pk=source.pk).text == ARTICLE


# No published claim left without a source.


def test_unpublishing_the_only_source_of_a_published_record_is_refused(client, editor):
    law = make_law(title="Sourced once")
    source = law.citations.get().source
    client.force_login(editor)
    response = client.post(
        reverse("admin:practices_source_changelist"),
        {"action": "unpublish", "_selected_action": [source.pk]},
        follow=True,
    )
    assert "would be left without a source: A source: Sourced once" in text_of(response)
    source.refresh_from_db()
    assert source.is_published()


def test_switching_the_last_citation_to_a_draft_source_is_refused(client, editor):
    law = make_law(title="Sourced once")
    citation = law.citations.get()
    draft = make_source("draft-source", publication_status=DRAFT)
    client.force_login(editor)
    response = client.post(
        reverse("admin:practices_citation_change", args=[citation.pk]),
        {"source": draft.pk, "quote": citation.quote, "locator": ""},
    )
    assert "Sourced once is published" in text_of(response)
    citation.refresh_from_db()
    assert citation.source.slug == "a-source"


def test_restoring_a_published_record_whose_source_is_gone_is_refused(client, editor):
    law = make_law(title="Lost its source")
    source = law.citations.get().source
    client.force_login(editor)
    client.post(reverse("admin:practices_law_delete", args=[law.pk]), {"post": "yes"})
    source.delete()  # uncited now, so it may go
    deleted = client.get(reverse("admin:deleted"))
    assert deleted.status_code == 200  # a citation whose source is gone is listed, not a 500
    response = client.post(reverse("admin:deleted"), {"model": "law", "id": law.pk}, follow=True)
    assert "would come back without a valid source" in text_of(response)
    assert not Law.objects.filter(pk=law.pk).exists()


def test_a_published_citation_always_has_a_quote():
    law = make_law(publication_status=DRAFT)
    law.citations.update(quote="")
    assert "has no quote" in " ".join(map(str, law.publication_problems()))


# Draft indicator values.


def test_a_draft_value_appears_in_no_public_channel(client):
    indicator = make_indicator()
    IndicatorValue.objects.create(
        indicator=indicator, slug="zqx-draft", label="ZQX Draft", rank=9, colour="#000000"
    )
    for path in (
        reverse("countries:list"),
        reverse("practices:indicator-list"),
        reverse("practices:indicator-detail", args=[indicator.slug]),
        f"{API}indicators/",
        f"{API}statuses/?format=api",
        f"{API}datapackage.zip",
    ):
        body = client.get(path).getvalue()
        assert b"zqx-draft" not in body, path
        assert b"ZQX Draft" not in body, path


def test_a_status_with_a_draft_value_is_not_public():
    indicator = make_indicator()
    status = make_status("mx", indicator)
    status.value.publication_status = DRAFT
    status.value.save()
    assert not Status.objects.published().exists()


# Dataset files.


def write(tmp_path, name, text):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


SOURCES = """sources:
  - slug: article
    title: An article
    text_file: texts/article.txt
"""
STATUS = """statuses:
  - country: be
    indicator: child-detention-prohibited
    value: prohibited
    effective_from: null
    observed_on: 2024-07
    legal_position: A law bans it.
    {caveat_key}: A caveat.
    citations:
      - source: article
        quote: {quote}
"""


def dataset(tmp_path, caveat_key="caveat", quote="prohibits child immigration detention"):
    if not Indicator.objects.exists():
        make_indicator()
    write(tmp_path, "texts/article.txt", ARTICLE)
    write(tmp_path, "sources.yaml", SOURCES)
    write(tmp_path, "countries/be.yaml", STATUS.format(caveat_key=caveat_key, quote=quote))


def test_a_dataset_status_loads_with_both_dates_and_a_verified_quote(tmp_path):
    dataset(tmp_path)
    load_dataset(tmp_path)
    status = Status.objects.get()
    assert (status.effective_from, status.observed_date) == (None, "2024-07")
    assert status.citations.get().quote_verified is True
    assert status.caveat == "A caveat."


def test_an_unknown_key_fails_with_its_file_and_line_and_changes_nothing(tmp_path):
    dataset(tmp_path)
    load_dataset(tmp_path)
    dataset(tmp_path, caveat_key="caveatt")
    with pytest.raises(DatasetError, match=r"countries/be\.yaml:8: unknown key 'caveatt'"):
        load_dataset(tmp_path)
    assert Status.objects.get().caveat == "A caveat."


def test_a_quote_not_in_its_articles_text_fails_the_load(tmp_path):
    dataset(tmp_path, quote="Belgium bans all detention")
    with pytest.raises(DatasetError, match=r"be\.yaml:2: cannot be published: The quote"):
        load_dataset(tmp_path)
    assert not Status.objects.exists()


def test_a_nul_byte_is_refused_by_the_loader_and_by_every_form(tmp_path):
    dataset(tmp_path, quote='"prohibits child\\0 immigration"')
    with pytest.raises(DatasetError, match="NUL"):
        load_dataset(tmp_path)
    law = make_law()
    law.title = "A\x00title"
    with pytest.raises(Exception, match="NUL"):
        law.full_clean()


# Renamed slugs.


def test_renaming_a_published_slug_records_a_withdrawal_and_redirects(client):
    law = make_law("old-name")
    law.slug = "new-name"
    law.save()
    withdrawal = Withdrawal.objects.get(resource="laws", identifier="old-name")
    assert (withdrawal.reason, withdrawal.replaced_by) == ("renamed", "new-name")
    response = client.get(reverse("practices:law-detail", args=["old-name"]))
    assert (response.status_code, response["Location"]) == (
        301,
        reverse("practices:law-detail", args=["new-name"]),
    )
    assert client.get(reverse("practices:law-detail", args=["no-such-law"])).status_code == 404


# The real dataset.


def test_every_published_citation_of_the_real_dataset_is_verified_against_its_article():
    call_command("load_dataset", stdout=StringIO())
    published = Citation.objects.published()
    assert published.count() > 300
    assert not published.filter(quote="").exists()
    unverified = [str(c) for c in published.exclude(quote_verified=True)]
    assert unverified == []
    belgium = Status.objects.current().filter(
        country__iso2="BE", indicator__slug="child-detention-prohibited"
    )
    assert belgium.exists()
    greece_laws = Law.objects.published().for_country(country("gr"))
    assert greece_laws.filter(country_groups__slug="eu").exists()


def test_the_coverage_ledger_is_up_to_date(tmp_path):
    from django.conf import settings

    from practices.coverage import REPORT, coverage_report

    call_command("load_dataset", stdout=StringIO())
    committed = (settings.DATASET_DIR / REPORT).read_text(encoding="utf-8")
    assert committed == coverage_report(settings.DATASET_DIR) + "\n", (
        "Run `python manage.py coverage_ledger` and commit COVERAGE.md"
    )


def test_the_loader_refuses_a_coverage_entry_for_an_unknown_source(tmp_path):
    dataset(tmp_path)
    write(tmp_path, "coverage.yaml", "coverage:\n  - source: nowhere\n    left_out: []\n")
    with pytest.raises(DatasetError, match="unknown source 'nowhere'"):
        load_dataset(tmp_path)


def test_load_dataset_command_reports_errors_without_a_traceback(tmp_path):
    dataset(tmp_path, caveat_key="caveatt")
    with pytest.raises(CommandError, match="unknown key"):
        call_command("load_dataset", str(tmp_path), stdout=StringIO())
