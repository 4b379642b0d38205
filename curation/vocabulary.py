"""The finder's vocabulary, read from the database: every name of every place, and the
cue phrases researchers keep in the admin."""

import gettext
from pathlib import Path

import pycountry
import yaml
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from countries.models import Country, CountryGroup, Subdivision
from curation.finder import CandidateFinder, Cue, Place
from curation.models import CuePhrase, PlaceName, RecordType
from practices.dataset import DatasetError, LineLoader
from practices.models import Indicator, IndicatorValue, Law

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]
SHORTEST_SUBDIVISION_NAME = 4  # "Ain" or "Est" would match too much
DATA = Path(__file__).resolve().parent / "data"
CUES = DATA / "cues.yaml"
PLACE_NAMES = DATA / "place_names.yaml"


def subdivision_translations():
    """ISO 3166-2 names in the site's other languages, from pycountry's catalogues."""
    catalogues = [
        (
            language,
            gettext.translation("iso3166-2", pycountry.LOCALES_DIR, [language], fallback=True),
        )
        for language in LANGUAGE_CODES
        if language != "en"
    ]
    return [(language, c) for language, c in catalogues if type(c) is not gettext.NullTranslations]


def place_names():
    """(name, language, Place) for every country, subdivision and group, by every name."""
    for country in Country.objects.all():
        place = Place("country", country.iso2)
        for language in LANGUAGE_CODES:
            yield getattr(country, f"name_{language}") or country.name, language, place
        if country.official_name:
            yield country.official_name, "en", place
    translations = subdivision_translations()
    for code, name, country in Subdivision.objects.values_list("code", "name", "country__iso2"):
        if len(name) < SHORTEST_SUBDIVISION_NAME:
            continue
        place = Place("subdivision", code, country)
        yield name, "en", place
        for language, catalogue in translations:
            translated = catalogue.gettext(name)
            if translated != name:
                yield translated, language, place
    for group in CountryGroup.objects.all():
        place = Place("group", group.slug)
        for language in LANGUAGE_CODES:
            yield getattr(group, f"name_{language}") or group.name, language, place
    for alias in PlaceName.objects.select_related("country", "subdivision", "country_group"):
        if alias.subdivision:
            place = Place("subdivision", alias.subdivision.code, alias.subdivision.country.iso2)
        elif alias.country:
            place = Place("country", alias.country.iso2)
        else:
            place = Place("group", alias.country_group.slug)
        yield alias.name, alias.language, place


def cue_phrases():
    for cue in CuePhrase.objects.select_related("indicator", "value"):
        meaning = Cue(
            indicator=cue.indicator.slug if cue.indicator else "",
            value=cue.value.slug if cue.value else "",
            record_type=cue.record_type,
            law_kind=cue.law_kind,
        )
        yield cue.phrase, cue.language, meaning


def candidate_finder():
    return CandidateFinder(list(place_names()), list(cue_phrases()))


def read_section(path, section):
    with open(path, encoding="utf-8") as stream:
        try:
            document = yaml.load(stream, Loader=LineLoader) or {}
        except yaml.YAMLError as error:
            raise DatasetError(f"{path}: invalid YAML: {error}") from None
    return document.get(section) or []


def entry_value(entry, key, choices, where):
    value = entry.get(key) or ""
    if value and value not in choices:
        raise DatasetError(f"{where}: unknown {key} {value!r}")
    return value


def cue_from_entry(entry, indicators, values):
    where = entry.where
    if not entry.get("phrase") or entry.get("language") not in LANGUAGE_CODES:
        raise DatasetError(f"{where}: a cue needs a phrase and a language ({LANGUAGE_CODES})")
    indicator = entry_value(entry, "indicator", indicators, where)
    value = entry_value(entry, "value", {v for (i, v) in values if i == indicator}, where)
    cue = CuePhrase(
        phrase=entry["phrase"],
        language=entry["language"],
        indicator=indicators.get(indicator),
        value=values.get((indicator, value)),
        record_type=entry_value(entry, "record_type", RecordType.values, where),
        law_kind=entry_value(entry, "law_kind", Law.Kind.values, where),
    )
    try:
        cue.clean()
    except ValidationError as error:
        raise DatasetError(f"{where}: {'; '.join(error.messages)}") from None
    return cue


def place_name_from_entry(entry, places):
    where = entry.where
    if not entry.get("name") or entry.get("language") not in LANGUAGE_CODES:
        raise DatasetError(f"{where}: a place name needs a name and a language")
    keys = [key for key in places if entry.get(key)]
    if len(keys) != 1:
        raise DatasetError(f"{where}: name one of {', '.join(places)}")
    key = keys[0]
    place = places[key].get(entry[key])
    if place is None:
        raise DatasetError(f"{where}: unknown {key} {entry[key]!r}")
    return PlaceName(name=entry["name"], language=entry["language"], **{key: place})


@transaction.atomic
def load_vocabulary(cues_path=CUES, place_names_path=PLACE_NAMES):
    """Add the cue phrases and place names of two YAML files that the database lacks; what
    researchers added or changed stays. Returns how many of each were added."""
    indicators = {i.slug: i for i in Indicator.objects.all()}
    values = {
        (v.indicator.slug, v.slug): v for v in IndicatorValue.objects.select_related("indicator")
    }
    cues = [cue_from_entry(e, indicators, values) for e in read_section(cues_path, "cues")]
    places = {
        "country": {c.iso2: c for c in Country.objects.all()},
        "subdivision": {s.code: s for s in Subdivision.objects.all()},
        "country_group": {g.slug: g for g in CountryGroup.objects.all()},
    }
    names = [
        place_name_from_entry(entry, places)
        for entry in read_section(place_names_path, "place_names")
    ]
    known_cues = {cue.meaning for cue in CuePhrase.objects.all()}
    new_cues = list({cue.meaning: cue for cue in cues if cue.meaning not in known_cues}.values())
    known_names = set(PlaceName.objects.values_list("language", "name"))
    new_names = [name for name in names if (name.language, name.name) not in known_names]
    CuePhrase.objects.bulk_create(new_cues)
    PlaceName.objects.bulk_create(new_names)
    return len(new_cues), len(new_names)
