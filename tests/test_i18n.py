"""The public site in English, Spanish, French and Arabic."""

import io
from pathlib import Path

import pytest
from babel.messages.extract import extract
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.utils.translation.template import templatize

from .conftest import make_indicator, make_law, make_status

pytestmark = pytest.mark.django_db

TRANSLATED = ["es", "fr", "ar"]
PAGES = [
    "/",
    "/countries/",
    "/countries/mx/",
    "/indicators/",
    "/indicators/child-detention-prohibited/",
    "/laws/",
    "/laws/mx-2020-reform/",
    "/pilots/",
    "/pledges/",
    "/figures/",
    "/sources/",
    "/compare/?country=mx&country=th",
    "/search/?q=reform",
]


@pytest.fixture
def world():
    child = make_indicator(
        "child-detention-prohibited",
        values=("prohibited-in-law", "not-prohibited"),
        name="Child immigration detention prohibited",
        name_es="Detención de niños y niñas migrantes prohibida",
    )
    make_status("mx", child, "prohibited-in-law", "2020-11-01")
    make_law("mx-2020-reform", "mx", title="Reforma de la Ley de Migración")


@pytest.mark.parametrize("language", ["en", *TRANSLATED])
def test_every_public_page_answers_in_each_language_with_lang_and_dir(client, world, language):
    prefix = "" if language == "en" else f"/{language}"
    direction = "rtl" if language == "ar" else "ltr"
    for page in PAGES:
        response = client.get(prefix + page)
        assert response.status_code == 200, prefix + page
        assert f'<html lang="{language}" dir="{direction}">' in response.content.decode()


def test_english_keeps_the_unprefixed_urls(client, world):
    assert client.get("/countries/mx/", HTTP_ACCEPT_LANGUAGE="es").status_code == 200
    assert client.get("/en/countries/mx/").status_code == 404


def test_the_switcher_keeps_the_path_and_the_filters(client, world):
    html = client.get("/es/laws/", {"country": "mx", "kind": "law"}).content.decode()
    for target in ["/laws/", "/fr/laws/", "/ar/laws/"]:
        assert f'href="{target}?country=mx&amp;kind=law"' in html


def test_hreflang_alternates_and_a_language_aware_canonical(client, world, settings):
    settings.SITE_URL = "https://tracker.example.org"
    html = client.get("/fr/countries/mx/").content.decode()
    assert 'rel="canonical" href="https://tracker.example.org/fr/countries/mx/"' in html
    for code, prefix in [("en", ""), ("es", "/es"), ("ar", "/ar")]:
        assert (
            f'hreflang="{code}" href="https://tracker.example.org{prefix}/countries/mx/"' in html
        )


def test_country_and_indicator_names_follow_the_language(client, world):
    html = client.get("/es/countries/mx/").content.decode()
    assert "México" in html
    assert "Detención de niños y niñas migrantes prohibida" in html
    # Not yet translated into French: English is the fallback.
    assert (
        "Child immigration detention prohibited"
        in client.get("/fr/countries/mx/").content.decode()
    )
    assert "المكسيك" in client.get("/ar/countries/mx/").content.decode()


def test_dates_are_formatted_by_locale(client, world):
    assert "noviembre de 2020" in client.get("/es/countries/mx/").content.decode()
    assert "novembre 2020" in client.get("/fr/countries/mx/").content.decode()


@pytest.mark.parametrize("language", TRANSLATED)
def test_catalogues_have_no_untranslated_message(language):
    po_path = Path(settings.BASE_DIR) / "locale" / language / "LC_MESSAGES" / "django.po"
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), "compile the catalogues: make messages"
    with open(po_path, "rb") as po_file:
        source = read_po(po_file)
    with open(mo_path, "rb") as mo_file:
        compiled = read_mo(mo_file)
    untranslated = []
    for message in source:
        if not message.id:
            continue
        translation = compiled.get(message.id, context=message.context)
        strings = translation.string if translation else ""
        strings = strings if isinstance(strings, tuple) else (strings,)
        if message.fuzzy or not all(strings):
            untranslated.append(message.id)
    assert untranslated == []


# Every string the code and the templates mark for translation, read from the source
# itself (as makemessages reads it), so that a string added without running makemessages
# shows up here as missing.
KEYWORDS = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "npgettext_lazy": ((1, "c"), 2, 3),
}
SOURCE_FOLDERS = ["countries", "curation", "practices", "tracker", "templates"]


def marked_strings():
    """(file, line, msgid, context) of every string marked in the project's source."""
    base = Path(settings.BASE_DIR)
    for folder in SOURCE_FOLDERS:
        for path in sorted((base / folder).rglob("*")):
            if "migrations" in path.parts or path.suffix not in {".py", ".html", ".txt"}:
                continue
            text = path.read_text(encoding="utf-8")
            if path.suffix != ".py":
                # Python source with each message on one line; indentation means nothing.
                lines = templatize(text, origin=str(path)).splitlines()
                text = "\n".join(line.lstrip() for line in lines)
            stream = io.BytesIO(text.encode("utf-8"))
            for line, message, _comments, context in extract("python", stream, KEYWORDS):
                msgid = message[0] if isinstance(message, (tuple, list)) else message
                if msgid:
                    yield f"{path.relative_to(base)}:{line}", msgid, context


def test_the_source_marks_strings_for_translation():
    """The extraction below works: it finds strings in code and in templates."""
    found = {msgid for _where, msgid, _context in marked_strings()}
    assert {"Practice differs from law", "Translations reviewed", "original language"} <= found


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_string_in_the_code_and_templates_is_translated(language):
    mo_path = Path(settings.BASE_DIR) / "locale" / language / "LC_MESSAGES" / "django.mo"
    with open(mo_path, "rb") as mo_file:
        compiled = read_mo(mo_file)
    missing = []
    for where, msgid, context in marked_strings():
        message = compiled.get(msgid, context=context)
        strings = message.string if message else ""
        strings = strings if isinstance(strings, tuple) else (strings,)
        if not all(strings):
            missing.append(f"{where}: {msgid!r}")
    assert missing == [], "run make makemessages, translate, then make messages"


def test_sort_orders_are_named_in_the_visitors_language(client, world):
    html = client.get("/es/laws/").content.decode()
    assert ">Fecha de aprobación (descendente)<" in html
    assert "(descending)" not in html
