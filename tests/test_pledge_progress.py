"""A pledge's progress as dated entries, each linked to the laws and statuses that fulfil it."""

import csv
import datetime
import io
import shutil
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from practices.models import Citation, Pledge, PledgeProgress, PublicationStatus

from .conftest import cite, make_law, make_pledge, make_status

pytestmark = pytest.mark.django_db

DATASET = """
sources:
  - slug: thailand-article
    title: Strengthening partnerships in Thailand
    publisher: International Detention Coalition
    published_on: "2022-07"
    text_file: thailand.txt
laws:
  - slug: th-2022-partnership-mou
    title: Partnership MOU
    country: th
    kind: mou
    status: in-force
    adopted_on: 2022-06-09
    citations:
      - source: thailand-article
        quote: "signed a memorandum of understanding"
statuses:
  - country: th
    indicator: atd-agreement
    value: agreement-in-place
    effective_from: 2022-06-09
    observed_on: 2022-06-09
    legal_position: A partnership MOU is in place.
    citations:
      - source: thailand-article
        quote: "signed a memorandum of understanding"
pledges:
  - slug: th-imrf-2022
    country: th
    forum: IMRF 2022
    pledged_on: "2022-05"
    text: Work towards ending child immigration detention.
    citations:
      - source: thailand-article
        quote: "its pledge stated at the International Migration Review Forum"
    progress:
      - occurred_on: 2022-06-09
        reported_on: "2022-07"
        text: DCY and HOST signed a partnership MOU.
        laws: [th-2022-partnership-mou]
        statuses: [th//atd-agreement/2022-06-09/2022-06-09]
        citations:
          - source: thailand-article
            quote: "signed a memorandum of understanding"
      - reported_on: "2022-07"
        text: An evaluation is planned.
        citations:
          - source: thailand-article
            quote: "An evaluation is planned"
translations:
  - record: pledge_progress
    key: th-imrf-2022/2022-06-09/2022-07
    language: es
    text: El DCY y HOST firmaron un memorando de entendimiento de alianza.
"""

ARTICLE = (
    "On 9 June 2022 DCY signed a memorandum of understanding with HOST. IDC believes it will "
    "help Thailand achieve its pledge stated at the International Migration Review Forum in "
    "May 2022. An evaluation is planned."
)


@pytest.fixture
def dataset(tmp_path):
    for name in ["indicators.yaml", "vocabularies.yaml", "organisations.yaml"]:
        shutil.copy(settings.DATASET_DIR / name, tmp_path / name)
    (tmp_path / "thailand.txt").write_text(ARTICLE)
    (tmp_path / "records.yaml").write_text(DATASET)
    return tmp_path


def load(directory):
    call_command("load_dataset", str(directory), stdout=StringIO())


def entries():
    return list(PledgeProgress.objects.published().newest_first())


# The model.


def entry(pledge, text, reported_on, occurred_on=None, **fields):
    fields.setdefault("publication_status", PublicationStatus.PUBLISHED)
    progress = PledgeProgress.objects.create(
        pledge=pledge,
        text=text,
        reported_on=datetime.date.fromisoformat(reported_on),
        occurred_on=datetime.date.fromisoformat(occurred_on) if occurred_on else None,
        **fields,
    )
    cite(progress)
    return progress


def test_entries_are_placed_by_when_they_happened_else_when_reported():
    pledge = make_pledge()
    entry(pledge, "Reported later, date unknown", "2023-04-04")
    entry(pledge, "Happened in 2024", "2024-05-01", occurred_on="2024-01-01")
    entry(pledge, "Happened in 2019", "2024-05-01", occurred_on="2019-01-01")
    assert [e.text for e in entries()] == [
        "Happened in 2024",
        "Reported later, date unknown",
        "Happened in 2019",
    ]


def test_only_published_entries_of_published_pledges_are_public():
    pledge = make_pledge()
    entry(pledge, "Public", "2023-01-01")
    entry(pledge, "Draft entry", "2023-01-01", publication_status=PublicationStatus.DRAFT)
    draft_pledge = make_pledge(slug="mx-draft", place="mx", publication_status="draft")
    entry(draft_pledge, "Entry of a draft pledge", "2023-01-01")
    assert [e.text for e in entries()] == ["Public"]


def test_an_entry_cannot_be_published_without_a_source():
    progress = PledgeProgress(pledge=make_pledge(), text="x", reported_on=datetime.date.today())
    assert progress.publication_problems()


def test_saving_an_entry_marks_its_pledge_updated_for_mirrors():
    pledge = make_pledge()
    before = Pledge.objects.get().updated_at
    entry(pledge, "New step", "2023-01-01")
    assert Pledge.objects.get().updated_at > before


# The YAML loader.


def test_the_loader_reads_entries_under_their_pledge(dataset):
    load(dataset)
    evaluation, signed = entries()
    assert (signed.date, signed.reported_date) == ("2022-06-09", "2022-07")
    assert [law.slug for law in signed.laws.all()] == ["th-2022-partnership-mou"]
    assert [str(s.indicator.slug) for s in signed.statuses.all()] == ["atd-agreement"]
    assert [c.quote for c in signed.citations.all()] == ["signed a memorandum of understanding"]
    assert signed.citations.get().quote_verified is True
    # Only what the source gives: no date it happened, so it is "reported".
    assert (evaluation.occurred_on, evaluation.reported_date) == (None, "2022-07")
    assert signed.text_es == "El DCY y HOST firmaron un memorando de entendimiento de alianza."
    assert signed.outdated_translations() == []


def test_loading_twice_changes_nothing(dataset):
    load(dataset)
    first = [(e.pk, e.updated_at) for e in entries()]
    citations = Citation.objects.count()
    load(dataset)
    assert [(e.pk, e.updated_at) for e in entries()] == first
    assert Citation.objects.count() == citations


def test_an_entry_left_out_of_the_file_is_removed(dataset):
    load(dataset)
    records = dataset / "records.yaml"
    start = DATASET.index("      - reported_on:")
    end = DATASET.index("translations:")
    records.write_text(DATASET[:start] + DATASET[end:])
    load(dataset)
    assert [e.text for e in entries()] == ["DCY and HOST signed a partnership MOU."]


@pytest.mark.parametrize(
    "bad, error",
    [
        (
            ("[th//atd-agreement/2022-06-09/2022-06-09]", "[th//atd/2020/2020]"),
            r"records\.yaml:\d+: no status 'th//atd/2020/2020' is defined",
        ),
        (("laws: [th-2022-partnership-mou]", "laws: [no-such-law]"), r"unknown law or policy"),
        (
            ('      - reported_on: "2022-07"\n', "      - occurred_on: 2022-06-09\n"),
            r"records\.yaml:\d+: 'reported_on' is required",
        ),
        (
            ('"An evaluation is planned"', '"An evaluation was completed"'),
            r"records\.yaml:\d+: cannot be published: The quote",
        ),
        (("        text: An evaluation", "        summary: An evaluation"), "key 'summary'"),
    ],
    ids=["unknown status", "unknown law", "no report date", "quote not in article", "typo"],
)
def test_a_bad_entry_names_its_file_and_line_and_nothing_is_written(dataset, bad, error):
    old, new = bad
    assert old in DATASET
    (dataset / "records.yaml").write_text(DATASET.replace(old, new, 1))
    with pytest.raises(CommandError, match=error):
        load(dataset)
    assert not Pledge.objects.exists() and not PledgeProgress.objects.exists()


def test_progress_written_as_plain_text_is_refused_with_its_line(dataset):
    start = DATASET.index("    progress:")
    end = DATASET.index("translations:")
    old_style = "    progress: The MOU was signed.\n"
    (dataset / "records.yaml").write_text(DATASET[:start] + old_style + DATASET[end:])
    with pytest.raises(CommandError, match=r"records\.yaml:\d+: 'progress' must be a list"):
        load(dataset)


def test_the_real_pledges_keep_their_progress_as_dated_entries():
    load(settings.DATASET_DIR)
    pledge = Pledge.objects.with_progress().get(slug="th-leaders-summit-2016-end-child-detention")
    assert [(e.date, e.reported_date) for e in pledge.public_progress] == [
        (None, "2026-11-25"),  # undated article: reported as of the day the tracker read it
        ("2019", "2026-11-25"),
    ]
    signed = pledge.public_progress[1]
    assert [law.slug for law in signed.public_laws] == ["th-2019-mou-atd"]
    assert all(c.quote_verified for c in signed.public_citations)
    assert {e.pledge.slug for e in PledgeProgress.objects.published()} == {
        "th-imrf-2022-end-child-detention",
        "th-leaders-summit-2016-end-child-detention",
        "mx-gcm-prioritise-atd",
    }
    for progress in PledgeProgress.objects.all():
        assert set(progress.translations()) == {"es", "fr", "ar"}
        assert progress.outdated_translations() == []


# The pledge page.


@pytest.fixture
def pledge_with_progress():
    pledge = make_pledge(slug="th-imrf-2022", place="th")
    law = make_law(slug="th-2022-partnership-mou", place="th", title="Partnership MOU")
    status = make_status(place="th", effective_from="2022-06-09")
    signed = entry(pledge, "DCY and HOST signed a partnership MOU.", "2022-07-01", "2022-06-09")
    signed.laws.add(law)
    signed.statuses.add(status)
    entry(pledge, "An evaluation is planned.", "2023-04-04")
    return pledge, law, status


def test_the_pledge_page_lists_entries_newest_first_with_what_fulfils_them(
    client, pledge_with_progress
):
    pledge, law, status = pledge_with_progress
    page = client.get(pledge.get_absolute_url()).content.decode()
    assert page.index("An evaluation is planned.") < page.index("DCY and HOST signed")
    assert "Reported as of" in page and "(date not known)" in page
    assert '<time datetime="2022-06-09">' in page
    assert f'href="{law.get_absolute_url()}"' in page
    assert f'href="/countries/th/#status-{status.pk}"' in page
    assert page.count("A supporting sentence.") == 3  # the pledge's, and each entry's


def test_a_pledge_without_progress_says_so(client):
    pledge = make_pledge()
    page = client.get(pledge.get_absolute_url()).content.decode()
    assert "No progress on this pledge has been recorded yet." in page


def test_a_draft_entry_and_a_draft_law_are_not_on_the_page(client, pledge_with_progress):
    pledge, law, _status = pledge_with_progress
    law.publication_status = PublicationStatus.DRAFT
    law.save()
    entry(pledge, "A draft step", "2024-01-01", publication_status=PublicationStatus.DRAFT)
    page = client.get(pledge.get_absolute_url()).content.decode()
    assert "A draft step" not in page
    assert law.get_absolute_url() not in page


def test_the_pledge_page_takes_as_many_queries_whatever_its_progress(client, pledge_with_progress):
    pledge, law, status = pledge_with_progress

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(pledge.get_absolute_url()).status_code == 200
        return len(captured)

    first = queries()
    for number in range(5):
        more = entry(pledge, f"Step {number}", "2024-01-01")
        more.laws.add(law)
        more.statuses.add(status)
    assert queries() == first


@pytest.mark.parametrize(
    "language, text",
    [
        ("es", "El DCY y HOST firmaron un memorando."),
        ("fr", "Le DCY et HOST ont signé un protocole d'accord."),
        ("ar", "وقّعت إدارة الأطفال والشباب و HOST مذكرة تفاهم."),
    ],
)
def test_an_entry_is_shown_in_the_visitors_language(client, pledge_with_progress, language, text):
    pledge, _law, _status = pledge_with_progress
    signed = PledgeProgress.objects.get(text="DCY and HOST signed a partnership MOU.")
    setattr(signed, f"text_{language}", text)
    signed.record_translation(language, "ATD Tracker team")
    signed.save()
    page = client.get(f"/{language}{pledge.get_absolute_url()}").content.decode()
    assert text.replace("'", "&#x27;") in page
    # The untranslated entry is shown in its original, marked as English.
    assert '<p lang="en" dir="ltr">An evaluation is planned.</p>' in page


# The API and the downloads.


def test_the_api_gives_each_pledge_its_progress(client, pledge_with_progress):
    pledge, law, status = pledge_with_progress
    entry(pledge, "A draft step", "2024-01-01", publication_status=PublicationStatus.DRAFT)
    detail = client.get(f"/api/v1/pledges/{pledge.slug}/").json()
    listed = client.get("/api/v1/pledges/").json()["results"][0]
    assert detail["progress"] == listed["progress"]
    evaluation, signed = detail["progress"]
    assert evaluation["text"] == "An evaluation is planned."
    assert (evaluation["occurred_date"], evaluation["reported_date"]) == (None, "2023-04-04")
    assert (signed["occurred_date"], signed["occurred_precision"]) == ("2022-06-09", "day")
    assert [law_ref["slug"] for law_ref in signed["laws"]] == [law.slug]
    assert signed["statuses"][0]["id"] == status.pk
    assert signed["statuses"][0]["public_url"].endswith(f"/countries/th/#status-{status.pk}")
    assert signed["citations"][0]["quote"] == "A supporting sentence."
    assert signed["translation"]["state"] == "original"


def test_the_pledge_list_api_takes_as_many_queries_whatever_the_progress(
    client, pledge_with_progress, django_assert_num_queries
):
    pledge, law, status = pledge_with_progress
    # Version, count, pledges, places (2: countries named, groups; no group has members to
    # fetch), citations, progress entries, their citations, laws and statuses.
    budget = 10
    with django_assert_num_queries(budget):
        assert client.get("/api/v1/pledges/").status_code == 200
    other = make_pledge(slug="mx-gcm", place="mx")
    for number in range(5):
        for each in (pledge, other):
            more = entry(each, f"Step {number}", "2024-01-01")
            more.laws.add(law)
            more.statuses.add(status)
    with django_assert_num_queries(budget):
        response = client.get("/api/v1/pledges/")
    assert sorted(len(p["progress"]) for p in response.json()["results"]) == [5, 7]


def test_the_pledges_csv_stays_one_row_per_pledge(client, pledge_with_progress):
    response = client.get("/api/v1/pledges/?format=csv")
    body = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    assert len(rows) == 1
    assert rows[0]["progress"] == (
        "reported 2023-04-04: An evaluation is planned.\n"
        "2022-06-09: DCY and HOST signed a partnership MOU."
    )
