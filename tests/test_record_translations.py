"""Record text in English, Spanish, French and Arabic: pages, API, downloads, curation."""

import csv
import io
import zipfile
from pathlib import Path

import pytest
import tablib
import yaml
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from frictionless import validate

from practices.dataset import DatasetError, load_dataset
from practices.models import Figure, Law, Pilot, Pledge, Status
from practices.resources import LawResource

from .conftest import (
    make_figure,
    make_indicator,
    make_law,
    make_organisation,
    make_pilot,
    make_pledge,
    make_status,
)
from .test_curation import change_url, errors_of, form_data

pytestmark = pytest.mark.django_db

API = "/api/v1/"
QUOTE = "A supporting sentence."  # what conftest.cite quotes
LANGUAGES = ["es", "fr", "ar"]


@pytest.fixture
def translated_law():
    law = make_law(
        "mx-2020-reform",
        title="Migration Law reform",
        title_es="Reforma de la Ley de Migración",
        title_fr="Réforme de la Ley de Migración",
        title_ar="إصلاح قانون الهجرة",
        summary="Children may not be detained.",
        summary_es="No se puede detener a niñas, niños y adolescentes.",
        summary_fr="Les enfants ne peuvent pas être placés en détention.",
        summary_ar="لا يجوز احتجاز الأطفال.",
    )
    for language in LANGUAGES:
        law.record_translation(language, "ATD Tracker team")
    law.save()
    return law


@pytest.fixture
def untranslated_law():
    return make_law("th-2022-mou", place="th", title="Memorandum of understanding on ATD")


def element_with(html, text):
    """The opening tag of the element that holds `text` (after the page's <title>)."""
    body = html[html.index("<body") :]
    end = body.index(text)
    return body[body.rindex("<", 0, end) : end]


# Pages.


@pytest.mark.parametrize(
    "language, title",
    [
        ("en", "Migration Law reform"),
        ("es", "Reforma de la Ley de Migración"),
        ("fr", "Réforme de la Ley de Migración"),
        ("ar", "إصلاح قانون الهجرة"),
    ],
)
def test_a_translated_record_reads_in_each_language(client, translated_law, language, title):
    prefix = "" if language == "en" else f"/{language}"
    html = client.get(f"{prefix}/laws/mx-2020-reform/").content.decode()
    heading = element_with(html, title)
    assert heading.startswith("<h1") and "lang=" not in heading
    assert ("Migration Law reform" in html) == (language == "en")
    # Who translated, in a notice on translated pages only.
    assert ('class="translation-notice"' in html) == (language != "en")
    if language == "es":
        assert "Traducido por el equipo de ATD Tracker a partir del original" in html


def test_an_untranslated_record_shows_its_original_marked_with_its_language(
    client, untranslated_law
):
    html = client.get("/ar/laws/th-2022-mou/").content.decode()
    heading = element_with(html, "Memorandum of understanding on ATD")
    assert 'lang="en"' in heading and 'dir="ltr"' in heading
    assert "لم يُترجم بعد" in html  # "not yet translated", in Arabic
    listed = client.get("/es/laws/").content.decode()
    assert 'lang="en" dir="ltr"' in element_with(listed, "Memorandum of understanding on ATD")


def test_a_status_translation_shows_on_the_country_page(client):
    indicator = make_indicator()
    make_status(
        "mx",
        indicator,
        legal_position="What the law says.",
        legal_position_es="Lo que dice la ley.",
        practice="Children are held in referral offices.",
    )
    html = client.get("/es/countries/mx/").content.decode()
    assert 'dir="auto">Lo que dice la ley.' in html
    assert 'lang="en" dir="ltr">Children are held in referral offices.' in html


def test_a_quote_is_never_translated_and_says_its_language(client, translated_law):
    english = client.get("/laws/mx-2020-reform/").content.decode()
    assert f'<q dir="auto">{QUOTE}</q>' in english
    for prefix in ["/es", "/fr", "/ar"]:
        page = client.get(f"{prefix}/laws/mx-2020-reform/").content.decode()
        assert f'<q lang="en" dir="ltr">{QUOTE}</q>' in page
    for language in ["en", *LANGUAGES]:
        data = client.get(f"{API}laws/mx-2020-reform/?lang={language}").json()
        assert [citation["quote"] for citation in data["citations"]] == [QUOTE]
        assert data["citations"][0]["source"]["language"] == "en"


# Outdated translations.


def test_changing_the_original_flags_its_translations_until_reviewed(
    client, translated_law, editor
):
    assert translated_law.outdated_translations() == []
    client.force_login(editor)
    data = {**form_data(client.get(change_url(translated_law))), "summary_en": "Rewritten."}
    response = client.post(change_url(translated_law), data)
    assert response.status_code == 302, errors_of(response)
    translated_law.refresh_from_db()
    assert translated_law.outdated_translations() == LANGUAGES

    page = client.get("/fr/laws/mx-2020-reform/").content.decode()
    assert "Cette traduction est peut-être périmée" in page
    dashboard = client.get(reverse("admin:dashboard")).content.decode()
    assert "Translations to review" in dashboard
    assert "es, fr, ar" in dashboard

    # Reviewing the Spanish (ticked) and editing the French counts; Arabic stays outdated.
    data = {
        **form_data(client.get(change_url(translated_law))),
        "translations_reviewed": ["es"],
        "summary_fr": "Réécrit.",
    }
    assert client.post(change_url(translated_law), data).status_code == 302
    translated_law.refresh_from_db()
    assert translated_law.outdated_translations() == ["ar"]
    assert translated_law.translated_by("fr") == editor.get_username()
    assert (
        "Cette traduction est peut-être périmée"
        not in client.get("/fr/laws/mx-2020-reform/").content.decode()
    )


def test_the_text_in_the_original_language_is_required(client, editor):
    law = make_law()
    client.force_login(editor)
    data = {**form_data(client.get(change_url(law))), "original_language": "es"}
    response = client.post(change_url(law), data)
    assert response.status_code == 200
    assert "The text in the original language is required." in errors_of(response)


# The API.


def test_the_api_answers_in_the_language_asked_and_says_which(client, translated_law):
    law = client.get(f"{API}laws/mx-2020-reform/?lang=es")
    assert law["Content-Language"] == "es" and "Accept-Language" in law["Vary"]
    data = law.json()
    assert data["title"] == "Reforma de la Ley de Migración"
    assert data["languages"] == {"title": "es", "summary": "es"}
    assert data["original_language"] == "en"
    assert data["translation"] == {
        "language": "es",
        "state": "translated",
        "translated_by": "ATD Tracker team",
    }
    arabic = client.get(f"{API}laws/", HTTP_ACCEPT_LANGUAGE="ar,en;q=0.5").json()
    assert arabic["results"][0]["title"] == "إصلاح قانون الهجرة"
    english = client.get(f"{API}laws/mx-2020-reform/").json()
    assert english["title"] == "Migration Law reform"
    assert english["translation"]["state"] == "original"


def test_the_api_gives_the_original_with_its_language_where_there_is_no_translation(
    client, untranslated_law
):
    data = client.get(f"{API}laws/th-2022-mou/?lang=es").json()
    assert data["title"] == "Memorandum of understanding on ATD"
    assert data["languages"]["title"] == "en"
    assert data["translation"]["state"] == "missing"


def test_the_api_caches_each_language_apart(client, translated_law):
    for language, title in [("fr", "Réforme de la Ley de Migración"), ("en", "Migration")]:
        assert (
            client.get(f"{API}laws/?lang={language}")
            .json()["results"][0]["title"]
            .startswith(title)
        )


def test_an_unknown_language_is_a_400_naming_the_parameter(client):
    response = client.get(f"{API}laws/?lang=de")
    assert response.status_code == 400
    assert "lang" in response.json()


def test_a_csv_from_the_api_is_in_the_language_asked(client, translated_law):
    response = client.get(f"{API}laws/?format=csv&lang=fr")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0]["title"] == "Réforme de la Ley de Migración"
    assert rows[0]["original_language"] == "en"


# Downloads.


@pytest.fixture
def every_kind(translated_law, untranslated_law):
    make_status("mx", make_indicator(), caveat="A caveat.", caveat_ar="تحفّظ.")
    make_pilot(description="A pilot.", description_fr="Un projet pilote.")
    make_pledge(text_es="Poner fin a la detención de niñas y niños.")
    make_figure(description_es="Niñas y niños detenidos")


def test_the_data_package_carries_every_language_and_validates(client, every_kind, tmp_path):
    response = client.get(f"{API}datapackage.zip", HTTP_ACCEPT_LANGUAGE="es")
    archive = zipfile.ZipFile(io.BytesIO(response.getvalue()))
    archive.extractall(tmp_path)
    report = validate(tmp_path / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])

    laws = list(csv.DictReader(io.StringIO(archive.read("laws.csv").decode())))
    assert {row["title"] for row in laws} == {
        "Migration Law reform",
        "Memorandum of understanding on ATD",
    }  # whoever asked, the tables hold the English (else the original)
    rows = list(csv.DictReader(io.StringIO(archive.read("translations.csv").decode())))
    texts = {(r["resource"], r["field"], r["language"]): (r["text"], r["state"]) for r in rows}
    assert texts[("laws", "title", "ar")] == ("إصلاح قانون الهجرة", "translated")
    assert texts[("laws", "title", "en")][1] == "original"
    assert texts[("statuses", "caveat", "ar")] == ("تحفّظ.", "outdated")  # never logged
    assert ("pilots", "description", "fr") in texts
    assert ("pledges", "text", "es") in texts and ("figures", "description", "es") in texts
    assert not [row for row in rows if row["text"] == QUOTE]


# The YAML dataset and the spreadsheet.


def write(folder, name, document):
    path = Path(folder) / name
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def small_dataset(tmp_path):
    make_indicator()
    write(
        tmp_path,
        "sources.yaml",
        {"sources": [{"slug": "a-report", "title": "A report", "kind": "report"}]},
    )
    law = {
        "slug": "mx-reform",
        "title": "A reform",
        "summary": "What it does.",
        "country": "mx",
        "kind": "law",
        "status": "in-force",
        "citations": [{"source": "a-report", "quote": "A quote."}],
    }
    write(tmp_path, "mx.yaml", {"laws": [law]})
    translation_entry = {
        "record": "law",
        "key": "mx-reform",
        "language": "es",
        "title": "Una reforma",
        "summary": "Lo que hace.",
    }
    write(tmp_path, "es.yaml", {"translations": [translation_entry]})
    return tmp_path, law, translation_entry


def test_the_yaml_dataset_loads_translations_and_flags_an_outdated_one(small_dataset):
    folder, law, _entry = small_dataset
    load_dataset(folder)
    record = Law.objects.get(slug="mx-reform")
    assert (record.title_es, record.translated_by("es")) == ("Una reforma", "ATD Tracker team")
    assert record.outdated_translations() == []

    law["summary"] = "What it does, said better."
    write(folder, "mx.yaml", {"laws": [law]})
    report = load_dataset(folder)
    assert report.unchanged["translations"] == 1
    record.refresh_from_db()
    assert record.outdated_translations() == ["es"]


def test_a_translation_of_an_unknown_field_names_its_file_and_line(small_dataset):
    folder, _law, entry = small_dataset
    write(folder, "es.yaml", {"translations": [{**entry, "kind": "ley"}]})
    with pytest.raises(DatasetError, match=r"es\.yaml:\d+: unknown key 'kind'"):
        load_dataset(folder)
    write(folder, "es.yaml", {"translations": [{**entry, "practice": "x"}]})
    with pytest.raises(DatasetError, match=r"es\.yaml:\d+: a law has no translated field"):
        load_dataset(folder)
    write(folder, "es.yaml", {"translations": [{**entry, "title": "Una reforma " * 30}]})
    with pytest.raises(DatasetError, match=r"es\.yaml:\d+: .*title_es.*at most 300 characters"):
        load_dataset(folder)  # as long as the original may be (PostgreSQL would refuse it)
    write(folder, "es.yaml", {"translations": [{**entry, "key": "nowhere"}]})
    with pytest.raises(DatasetError, match=r"es\.yaml:\d+: no law 'nowhere' is defined"):
        load_dataset(folder)
    assert not Law.objects.exists()  # nothing half-loaded


def test_the_spreadsheet_carries_translations_and_logs_who_imported_them(editor, translated_law):
    exported = LawResource().export()
    assert exported.headers[:6] == [
        "slug",
        "original_language",
        "title",
        "title_es",
        "title_fr",
        "title_ar",
    ]
    row = exported.dict[0]
    assert row["title_ar"] == "إصلاح قانون الهجرة"
    sheet = tablib.Dataset(headers=exported.headers)
    sheet.append(
        [row[header] if header != "title_es" else "Reforma nueva" for header in exported.headers]
    )
    result = LawResource().import_data(sheet, user=editor, raise_errors=False)
    assert not result.has_errors() and not result.has_validation_errors()
    translated_law.refresh_from_db()
    assert translated_law.title_es == "Reforma nueva"
    assert translated_law.translated_by("es") == editor.get_username()
    assert translated_law.translated_by("fr") == "ATD Tracker team"


# The real dataset.


def test_every_published_record_of_the_real_dataset_is_translated(client):
    call_command("load_dataset", stdout=io.StringIO())
    for model in [Status, Law, Pilot, Pledge, Figure]:
        records = list(model.objects.published())
        assert records
        for record in records:
            assert set(record.translations()) == set(LANGUAGES), record
            assert record.outdated_translations() == [], record
    french = client.get("/fr/countries/mx/").content.decode()
    assert "réforme de 2020 de la Ley de Migración" in french
    arabic = client.get(f"{API}laws/?lang=ar&country=mx").json()["results"]
    assert arabic and all(law["languages"]["title"] == "ar" for law in arabic)


def test_feeds_exist_in_each_language(client, translated_law):
    assert "Reforma de la Ley de Migración" in client.get("/es/feed/").content.decode()
    assert "Migration Law reform" in client.get("/feed/").content.decode()


def test_the_languages_are_the_sites(client):
    assert [code for code, _name in settings.LANGUAGES] == ["en", *LANGUAGES]


def test_an_organisation_shows_its_name_in_the_language_where_it_has_one(client):
    law = make_law("mx-2020-reform")
    unhcr = make_organisation(
        "unhcr",
        name="UN Refugee Agency",
        short_name="UNHCR",
        name_es="Agencia de la ONU para los Refugiados",
        short_name_es="ACNUR",
    )
    law.organisations.set([unhcr, make_organisation("kind", name="Kids in Need of Defense")])
    page = client.get("/es/laws/mx-2020-reform/").content.decode()
    assert "Agencia de la ONU para los Refugiados (ACNUR)" in page
    assert "Kids in Need of Defense" in page  # a proper name with none of its own in Spanish
    assert "UN Refugee Agency (UNHCR)" in client.get("/laws/mx-2020-reform/").content.decode()
