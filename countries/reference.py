"""ISO 3166 countries and subdivisions with UN M49 regions, from maintained libraries.

pycountry gives the ISO codes, CLDR (through Babel) the everyday English names,
and the UN OCHA countries and territories taxonomy (hdx-python-country, shipped
offline) the M49 regions.
"""

import pycountry
from babel import Locale
from django.conf import settings
from django.utils.text import slugify
from hdx.location.country import Country as M49


def m49_record(iso3):
    return M49.get_country_info_from_iso3(iso3, use_live=False) or {}


def m49_regions(record):
    """(level, code, name) for each M49 level the country belongs to."""
    levels = [
        (1, "Region Code", "Region Name"),
        (2, "Sub-region Code", "Sub-region Name"),
        (3, "Intermediate Region Code", "Intermediate Region Name"),
    ]
    for level, code_key, name_key in levels:
        if record.get(code_key) and record.get(name_key):
            yield level, record[code_key].zfill(3), record[name_key]


def localised_names(code, english):
    """{"name_en": …, "name_es": …} for a CLDR territory code (ISO alpha-2 or M49)."""
    names = {"name_en": english}
    for language, _label in settings.LANGUAGES:
        if language != "en":
            names[f"name_{language}"] = Locale(language).territories.get(code) or english
    return names


def sync_names(Region, Country):
    """Country and region names in every site language, from CLDR."""
    for country in Country.objects.all():
        for field, value in localised_names(country.iso2, country.name).items():
            setattr(country, field, value)
        country.save()
    for region in Region.objects.all():
        for field, value in localised_names(region.m49_code, region.name).items():
            setattr(region, field, value)
        region.save()


def sync_reference_data(Region, Country, Subdivision):
    """Create or update every region, country and subdivision. Safe to run again.

    Takes the model classes so that a data migration can pass its historical models.
    """
    english_names = Locale("en").territories  # CLDR's short names: "South Korea"
    regions = {}
    countries = {}
    for entry in pycountry.countries:
        record = m49_record(entry.alpha_3)
        levels = {}
        for level, code, name in m49_regions(record):
            if code not in regions:
                regions[code], _ = Region.objects.update_or_create(
                    m49_code=code, defaults={"name": name, "slug": slugify(name), "level": level}
                )
            levels[level] = regions[code]
        countries[entry.alpha_2], _ = Country.objects.update_or_create(
            iso2=entry.alpha_2,
            defaults={
                "iso3": entry.alpha_3,
                "numeric": entry.numeric,
                "name": english_names.get(entry.alpha_2)
                or getattr(entry, "common_name", None)
                or entry.name,
                "official_name": getattr(entry, "official_name", ""),
                "region": levels.get(1),
                "subregion": levels.get(2),
                "intermediate_region": levels.get(3),
            },
        )

    existing = set(Subdivision.objects.values_list("code", flat=True))
    Subdivision.objects.bulk_create(
        Subdivision(
            code=sub.code,
            country=countries[sub.country_code],
            name=sub.name,
            kind=sub.type,
        )
        for sub in pycountry.subdivisions
        if sub.code not in existing and sub.country_code in countries
    )
    sync_names(Region, Country)
    return len(countries)
