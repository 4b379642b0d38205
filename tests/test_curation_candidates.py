"""Source-first curation: the candidate finder, the review screen and drafts from candidates."""

import io

import docx
import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from countries.models import CountryGroup
from curation.candidates import refresh_candidates
from curation.evaluation import evaluate, quote_span
from curation.models import Candidate, CuePhrase, PlaceName
from curation.vocabulary import candidate_finder, load_vocabulary
from practices.models import Citation, PublicationStatus, Source, Status
from tests.conftest import DRAFT, cite, country, make_indicator, make_source, make_status

pytestmark = pytest.mark.django_db

ARTICLE = (
    "Detention in the region\n\n"
    "Mexico prohibited the immigration detention of children in 2020. "
    "Children remain in shelters until their procedure is resolved.\n\n"
    "The weather was mild that year.\n\n"
    "In Chiapas, at least 38 people were held in a migrant station in May 2023."
)


@pytest.fixture
def child_detention():
    indicator = make_indicator(values=("prohibited", "not-prohibited"))
    CuePhrase.objects.create(phrase="detention of children", language="en", indicator=indicator)
    return indicator


def texts(findings):
    return [finding.text for finding in findings]


def places(text, language=None):
    finding = candidate_finder().find(text, language)
    return [(f.place.kind, f.place.code) for f in finding]


@pytest.mark.parametrize(
    ("sentence", "language", "place"),
    [
        ("Mexico ended the practice in 2020.", "en", ("country", "MX")),
        ("México prohibió la práctica en 2020.", "es", ("country", "MX")),
        ("Le Mexique a mis fin à cette pratique en 2020.", "fr", ("country", "MX")),
        ("أنهت المكسيك هذه الممارسة في عام 2020.", "ar", ("country", "MX")),
        ("وفي بالمكسيك انتهت الممارسة في عام 2020.", "ar", ("country", "MX")),
    ],
)
def test_a_country_is_found_by_its_name_in_each_language(sentence, language, place):
    assert places(sentence, language) == [place]


def test_a_subdivision_counts_when_the_document_names_its_country():
    text = "Mexico detains families. In Chiapas, 38 people were held in 2023."
    assert ("subdivision", "MX-CHP") in places(text)
    assert places("In Chiapas, 38 people were held in 2023.") == []


@pytest.mark.parametrize(
    ("sentence", "language"),
    [
        ("The European Union adopted the Pact in 2024.", "en"),
        ("La Unión Europea adoptó el Pacto en 2024.", "es"),
        ("L'Union européenne a adopté le Pacte en 2024.", "fr"),
        ("اعتمد الاتحاد الأوروبي الميثاق في عام 2024.", "ar"),
    ],
)
def test_a_country_group_is_found_by_its_name_in_each_language(sentence, language):
    CountryGroup.objects.create(
        slug="eu",
        name="European Union",
        name_es="Unión Europea",
        name_fr="Union européenne",
        name_ar="الاتحاد الأوروبي",
        member_label="as a member",
    )
    assert places(sentence, language) == [("group", "eu")]


@pytest.mark.parametrize(
    ("sentence", "language"),
    [
        ("Mexico detains families; in Chiapas 38 people were held.", "en"),
        ("México detiene a familias; en Chiapas se retuvo a 38 personas.", "es"),
    ],
)
def test_a_subdivision_is_found_in_each_language(sentence, language):
    assert ("subdivision", "MX-CHP") in places(sentence, language)


def test_a_country_group_and_an_adjective_from_the_admin_are_places():
    CountryGroup.objects.create(slug="eu", name="European Union", member_label="as a member")
    PlaceName.objects.create(name="mexican*", language="es", country=country("mx"))
    assert places("The European Union adopted the Pact in 2024.") == [("group", "eu")]
    assert places("Las autoridades mexicanas detuvieron a 38 personas en 2023.", "es") == [
        ("country", "MX")
    ]


def test_a_candidate_is_a_place_with_a_signal_and_its_continuation(child_detention):
    findings = candidate_finder().find(ARTICLE, "en")
    assert texts(findings) == [
        "Mexico prohibited the immigration detention of children in 2020. "
        "Children remain in shelters until their procedure is resolved.",
        "In Chiapas, at least 38 people were held in a migrant station in May 2023.",
    ]
    first, second = findings
    assert first.country_code == "MX" and first.indicators == ["child-detention-prohibited"]
    assert (first.date.value.year, first.date.precision) == (2020, "year")
    assert second.place.code == "MX-CHP"
    assert (second.number.value, second.number.qualifier, second.number.unit) == (
        38,
        "at-least",
        "people",
    )
    assert second.record_type == "figure"
    assert (second.date.value.isoformat(), second.date.precision) == ("2023-05-01", "month")


def test_cue_phrases_edited_in_the_admin_change_the_candidates(admin_client, child_detention):
    text = "Mexico keeps a referral office for families."
    (finding,) = candidate_finder().find(text, "en")
    assert finding.indicators == []
    response = admin_client.post(
        reverse("admin:curation_cuephrase_add"),
        {"phrase": "referral office*", "language": "en", "indicator": child_detention.pk},
    )
    assert response.status_code == 302
    (finding,) = candidate_finder().find(text, "en")
    assert finding.indicators == [child_detention.slug]


def test_a_cue_phrase_must_suggest_something(admin_client):
    response = admin_client.post(
        reverse("admin:curation_cuephrase_add"), {"phrase": "detention", "language": "en"}
    )
    assert response.status_code == 200
    assert "A cue phrase suggests an indicator" in response.content.decode()
    assert not CuePhrase.objects.exists()


def test_adding_a_word_document_makes_a_draft_source_with_candidates(
    admin_client, child_detention
):
    document = docx.Document()
    document.core_properties.title = "Mexico ends child detention"
    for paragraph in ARTICLE.split("\n\n")[1:]:
        document.add_paragraph(paragraph)
    upload = io.BytesIO()
    document.save(upload)
    upload.seek(0)
    upload.name = "mexico.docx"
    response = admin_client.post(
        reverse("admin:curation_add_document"), {"document": upload, "kind": "news"}
    )
    source = Source.objects.defer(None).get(title="Mexico ends child detention")
    assert response.status_code == 302
    assert response.url == reverse("admin:curation_review", args=[source.pk])
    assert source.publication_status == DRAFT
    assert "at least 38 people" in source.text
    assert source.candidates.count() == 2


def test_a_document_that_cannot_be_read_is_a_form_error(admin_client):
    upload = io.BytesIO(b"not a pdf")
    upload.name = "report.odt"
    response = admin_client.post(
        reverse("admin:curation_add_document"), {"document": upload, "kind": "news"}
    )
    assert response.status_code == 200
    assert "report.odt: only HTML, PDF, Word" in response.content.decode()
    assert not Source.objects.exists()


def reviewed_source(text=ARTICLE):
    source = make_source("mexico-article", text=text, publication_status=DRAFT)
    refresh_candidates(source)
    return source


def test_the_review_screen_highlights_candidates_grouped_by_place(admin_client, child_detention):
    source = reviewed_source()
    response = admin_client.get(reverse("admin:curation_review", args=[source.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count("<mark ") == 2
    assert "<h3>Mexico <small>(1)</small></h3>" in page
    assert "<h3>Chiapas <small>(1)</small></h3>" in page


def test_a_candidate_becomes_a_draft_with_a_verified_quote(client, researcher, child_detention):
    source = reviewed_source()
    candidate = source.candidates.get(country__iso2="MX", subdivision=None)
    client.force_login(researcher)
    review = client.get(reverse("admin:curation_review", args=[source.pk])).content.decode()
    draft_link = reverse("admin:practices_status_add") + "?"
    assert draft_link in review

    from curation.candidates import draft_initial

    initial = draft_initial(candidate, "status")
    form = client.get(reverse("admin:practices_status_add"), initial)
    assert form.status_code == 200
    assert candidate.text in form.content.decode()  # the citation's quote, pre-filled

    value = child_detention.values.get(slug="prohibited")
    response = client.post(
        reverse("admin:practices_status_add"),
        {
            "country": initial["country"],
            "indicator": initial["indicator"],
            "value": value.pk,
            "effective_from": initial["effective_from"],
            "effective_precision": initial["effective_precision"],
            "observed_on": "2024-01-01",
            "observed_precision": "day",
            "original_language": "en",
            "legal_position_en": "Children may not be detained.",
            "publication_status": PublicationStatus.PUBLISHED,  # not theirs to set
            "practices-citation-content_type-object_id-TOTAL_FORMS": "1",
            "practices-citation-content_type-object_id-INITIAL_FORMS": "0",
            "practices-citation-content_type-object_id-0-source": source.pk,
            "practices-citation-content_type-object_id-0-quote": candidate.text,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    status = Status.objects.get()
    assert status.publication_status == DRAFT
    assert status.effective_from.isoformat() == "2020-01-01"
    citation = Citation.objects.get()
    assert citation.quote_verified is True


def test_the_review_screen_costs_the_same_queries_for_any_number_of_candidates(
    admin_client, child_detention
):
    def queries_for(paragraphs):
        source = reviewed_source("\n\n".join(paragraphs))
        url = reverse("admin:curation_review", args=[source.pk])
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(url).status_code == 200
        source.candidates.all().delete()
        source.delete()
        return len(queries), source

    make_status("mx", indicator=child_detention)
    one, _source = queries_for(ARTICLE.split("\n\n")[:2])
    many, _source = queries_for(ARTICLE.split("\n\n") * 10)
    assert one == many


def test_a_candidate_matching_a_record_links_it(admin_client, child_detention):
    source = reviewed_source()
    status = make_status("mx", indicator=child_detention)
    response = admin_client.get(reverse("admin:curation_review", args=[source.pk]))
    page = response.content.decode()
    assert "Already in the tracker:" in page
    assert reverse("admin:practices_status_change", args=[status.pk]) in page


def test_the_same_quote_links_the_record_that_cites_it(admin_client, child_detention):
    source = reviewed_source()
    law_status = make_status("ar", indicator=child_detention)
    cite(law_status, source, quote="at least 38 people were held in a migrant station")
    response = admin_client.get(reverse("admin:curation_review", args=[source.pk]))
    assert reverse("admin:practices_status_change", args=[law_status.pk]) in (
        response.content.decode()
    )


def test_a_dismissed_candidate_stays_dismissed_when_candidates_are_found_again(
    admin_client, child_detention
):
    source = reviewed_source()
    candidate = source.candidates.first()
    url = reverse("admin:curation_review", args=[source.pk])
    admin_client.post(url, {"action": "dismiss", "candidate": candidate.pk})
    admin_client.post(url, {"action": "find"})
    assert source.candidates.get(start=candidate.start).state == Candidate.State.DISMISSED
    assert source.candidates.count() == 2


def test_quote_span_ignores_quote_marks_and_spacing():
    text = "He said “no   detention” today."
    start, end = quote_span('said "no detention"', text)
    assert text[start:end] == "said “no   detention”"
    assert quote_span("absent", text) is None


def test_the_evaluation_scores_a_known_answer(child_detention):
    source = make_source("mexico-article", text=ARTICLE)
    found = make_status("mx", indicator=child_detention)
    cite(found, source, quote="Mexico prohibited the immigration detention of children in 2020.")
    missed = make_status("ar", indicator=child_detention)
    cite(missed, source, quote="The weather was mild that year.")
    evaluation = evaluate(candidate_finder())
    assert (evaluation.recall.hits, evaluation.recall.total) == (1, 2)
    assert (evaluation.precision.hits, evaluation.precision.total) == (1, 2)
    assert (evaluation.detected["country"].hits, evaluation.detected["country"].total) == (1, 1)
    assert list(evaluation.lines())[-1] == "recall 0.500 precision 0.500"


def test_the_evaluation_command_ends_with_recall_and_precision(child_detention, capsys):
    source = make_source("mexico-article", text=ARTICLE)
    cite(make_status("mx", indicator=child_detention), source, quote="Mexico prohibited")
    call_command("evaluate_candidates")
    assert capsys.readouterr().out.splitlines()[-1] == "recall 1.000 precision 0.500"


def test_the_starting_vocabulary_loads_and_names_bad_entries(tmp_path):
    call_command("load_dataset")
    cues, names = load_vocabulary()
    assert cues > 100 and names > 500
    assert load_vocabulary() == (0, 0)
    broken = tmp_path / "cues.yaml"
    broken.write_text("cues:\n  - phrase: ban\n    language: en\n    indicator: nope\n")
    from practices.dataset import DatasetError

    with pytest.raises(DatasetError, match=r"cues.yaml:2: unknown indicator 'nope'"):
        load_vocabulary(broken, tmp_path / "none.yaml")


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(admin_client, monkeypatch):
    monkeypatch.setattr("curation.admin.MAX_SIZE", 2**20)
    upload = io.BytesIO(b"x" * (2**20 + 1))
    upload.name = "huge.txt"
    response = admin_client.post(
        reverse("admin:curation_add_document"), {"document": upload, "kind": "news"}
    )
    assert response.status_code == 200
    assert "huge.txt: files over 1 MB cannot be read" in response.content.decode()
    assert not Source.objects.exists()


def test_staff_without_curation_permissions_are_refused(client, django_user_model):
    source = reviewed_source()
    user = django_user_model.objects.create_user("visitor", password="pw", is_staff=True)
    client.force_login(user)
    assert client.get(reverse("admin:curation_add_document")).status_code == 403
    review = reverse("admin:curation_review", args=[source.pk])
    assert client.get(review).status_code == 403
    assert client.post(review, {"action": "find"}).status_code == 403
