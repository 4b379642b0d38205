"""Load the reviewable YAML dataset in fixtures/ into the database, idempotently.

Records are matched on natural keys (slugs, ISO codes; for statuses the place,
indicator and date), so loading twice creates nothing new, and an edited entry
updates its record. A record is saved only when something in it changed, so
unchanged records keep their `updated_at` and history. The whole load is one
transaction: an error anywhere (reported with its file and line) writes nothing.
"""

import datetime
import os
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import yaml
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import transaction
from django.utils.translation import gettext_noop
from modeltranslation.utils import build_localized_fieldname

from countries.models import Country, CountryGroup, Subdivision

from .models import (
    Approach,
    Citation,
    DatePrecision,
    Figure,
    Indicator,
    IndicatorValue,
    Law,
    Organisation,
    Pilot,
    Pledge,
    PledgeProgress,
    PublicationStatus,
    Source,
    Status,
    TargetGroup,
    Translatable,
)

SECTIONS = [
    "country_groups",
    "indicators",
    "target_groups",
    "approaches",
    "organisations",
    "sources",
    "laws",
    "pilots",
    "pledges",
    "figures",
    "statuses",
    "more_citations",
    "translations",
    "coverage",
]

# The keys each kind of entry may have: any other is a typo that would silently blank a
# field, so it is an error naming its file and line.
REVIEWED = {"published", "last_reviewed_on"}
CITED = {"citations", "original_language", *REVIEWED}
SPANNING = {"country", "subdivision", "countries", "country_groups"}
KEYS = {
    "country_groups": {"slug", "name", "member_label", "url", "members"},
    "indicators": {"slug", "name", "question", "description", "order", "values", *REVIEWED},
    "values": {"slug", "label", "rank", "colour", "description", "published"},
    "target_groups": {"slug", "name", "description"},
    "approaches": {"slug", "name", "description"},
    "organisations": {"slug", "name", "short_name", "kind", "country", "url", "description"}
    | REVIEWED,
    "sources": {
        "slug",
        "title",
        "author",
        "publisher",
        "published_on",
        "accessed_on",
        "url",
        "language",
        "kind",
        "text_file",
        *REVIEWED,
    },
    "laws": {
        "slug",
        "title",
        "kind",
        "status",
        "adopted_on",
        "in_force_on",
        "repealed_on",
        "summary",
        "indicators",
        "organisations",
        *SPANNING,
        *CITED,
    },
    "pilots": {
        "slug",
        "name",
        "description",
        "implementers",
        "government_partners",
        "target_groups",
        "approaches",
        "classification",
        "status",
        "started_on",
        "ended_on",
        "outcomes",
        *SPANNING,
        *CITED,
    },
    "pledges": {
        "slug",
        "forum",
        "pledged_on",
        "text",
        "gcm_objective",
        "status",
        "progress",
        *SPANNING,
        *CITED,
    },
    "figures": {
        "slug",
        "country",
        "subdivision",
        "measure",
        "description",
        "qualifier",
        "value",
        "unit",
        "period_start",
        "period_end",
        *CITED,
    },
    "statuses": {
        "country",
        "subdivision",
        "indicator",
        "value",
        "effective_from",
        "observed_on",
        "legal_position",
        "practice",
        "practice_differs",
        "caveat",
        *CITED,
    },
    # A pledge's progress, each entry nested under its pledge. `occurred_on` only where the
    # source says when it happened; `reported_on`, when the source reports it, always.
    "progress": {"occurred_on", "reported_on", "text", "laws", "statuses", *CITED},
    "citations": {"source", "quote", "locator"},
    "more_citations": {"record", "key", "citations"},
    # Plus the record's translated fields (see `Loader.load_translations`).
    "translations": {"record", "key", "language", "translated_by"},
    "coverage": {"source", "left_out"},
    "left_out": {"fact", "reason"},
}
# Keys holding a list of mappings, checked as entries of their own.
NESTED = {"values", "citations", "left_out", "progress"}
# Translated text of reference data: `name_es`, `label_ar`…
TRANSLATED = {
    "country_groups": ("name", "member_label"),
    "indicators": ("name", "question", "description"),
    "values": ("label", "description"),
    "target_groups": ("name", "description"),
    "approaches": ("name", "description"),
    "organisations": ("name", "short_name"),
}


class DatasetError(Exception):
    pass


class Entry(dict):
    """A YAML mapping that remembers where it was written, and where each of its keys is."""

    where = "?"
    key_lines: dict = {}

    def where_key(self, key):
        file = self.where.rsplit(":", 1)[0]
        return f"{file}:{self.key_lines.get(key, '?')}"


class LineLoader(yaml.SafeLoader):
    def construct_entry(self, node):
        entry = Entry()
        entry.where = f"{os.path.relpath(node.start_mark.name)}:{node.start_mark.line + 1}"
        entry.key_lines = {
            key.value: key.start_mark.line + 1
            for key, _value in node.value
            if isinstance(key, yaml.ScalarNode)
        }
        yield entry
        entry.update(self.construct_mapping(node))


LineLoader.add_constructor("tag:yaml.org,2002:map", LineLoader.construct_entry)


def parse_partial_date(value, where):
    """'2020' -> (2020-01-01, year); '2020-08' -> (2020-08-01, month); a date -> (date, day)."""
    if value in (None, ""):
        return None, DatePrecision.DAY
    if isinstance(value, datetime.date):
        return value, DatePrecision.DAY
    text = str(value)
    match = re.fullmatch(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", text)
    if not match:
        raise DatasetError(f"{where}: {text!r} is not a date like 2020, 2020-08 or 2020-08-15")
    year, month, day = match.groups()
    try:
        date = datetime.date(int(year), int(month or 1), int(day or 1))
    except ValueError as error:
        raise DatasetError(f"{where}: {text!r} is not a valid date ({error})") from None
    precision = DatePrecision.DAY if day else DatePrecision.MONTH if month else DatePrecision.YEAR
    return date, precision


@dataclass
class Report:
    created: dict = field(default_factory=lambda: defaultdict(int))
    updated: dict = field(default_factory=lambda: defaultdict(int))
    unchanged: dict = field(default_factory=lambda: defaultdict(int))

    def count(self, outcome, model):
        getattr(self, outcome)[model._meta.verbose_name_plural] += 1

    def lines(self):
        names = sorted(set(self.created) | set(self.updated) | set(self.unchanged))
        for name in names:
            yield (
                f"{name}: {self.created[name]} created, {self.updated[name]} updated, "
                f"{self.unchanged[name]} unchanged"
            )


def read_entries(directory):
    """Every entry of every section, across all YAML files below the directory."""
    sections = defaultdict(list)
    files = sorted(Path(directory).rglob("*.yaml"))
    if not files:
        raise DatasetError(f"no *.yaml files found in {directory}")
    for path in files:
        with open(path, encoding="utf-8") as stream:
            try:
                document = yaml.load(stream, Loader=LineLoader) or {}
            except yaml.YAMLError as error:
                raise DatasetError(f"{path.name}: invalid YAML: {error}") from None
        unknown = set(document) - set(SECTIONS)
        if unknown:
            raise DatasetError(f"{path.name}: unknown sections {sorted(unknown)}")
        for section, entries in document.items():
            for entry in entries or []:
                check_entry(entry, section)
            sections[section].extend(entries or [])
    return sections


# The record types that files refer to by key, and their models.
RECORD_TYPES = {
    "status": Status,
    "law": Law,
    "pilot": Pilot,
    "pledge": Pledge,
    "pledge_progress": PledgeProgress,
    "figure": Figure,
}
# Who translated, unless a translation entry says otherwise (pages show it translated).
TRANSLATED_BY = gettext_noop("ATD Tracker team")


def allowed_keys(kind):
    languages = [code for code, _name in settings.LANGUAGES if code != "en"]
    translated = {
        f"{name}_{language}" for name in TRANSLATED.get(kind, ()) for language in languages
    }
    if kind == "translations":
        translated |= {
            name for model in RECORD_TYPES.values() for name in model.translated_fields()
        }
    return KEYS[kind] | translated


def check_entry(entry, kind):
    """Refuse unknown keys and NUL bytes, in the entry and the mappings it holds."""
    if not isinstance(entry, Entry):
        raise DatasetError(f"{getattr(entry, 'where', '?')}: expected a mapping in {kind}")
    unknown = [key for key in entry if key not in allowed_keys(kind)]
    if unknown:
        key = unknown[0]
        raise DatasetError(
            f"{entry.where_key(key)}: unknown key {key!r} in {kind} "
            f"(known keys: {', '.join(sorted(KEYS[kind]))})"
        )
    for key, value in entry.items():
        if isinstance(value, str) and "\x00" in value:
            raise DatasetError(f"{entry.where_key(key)}: {key!r} contains a NUL character")
        if key in NESTED:
            if value is not None and not isinstance(value, list):
                raise DatasetError(f"{entry.where_key(key)}: {key!r} must be a list of entries")
            for item in value or []:
                check_entry(item, key)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, str) and "\x00" in item:
                    raise DatasetError(f"{entry.where_key(key)}: {key!r} contains a NUL character")


class Loader:
    def __init__(self):
        self.report = Report()
        self.countries = {c.iso2: c for c in Country.objects.all()}
        self.subdivisions = {s.code: s for s in Subdivision.objects.all()}
        self.keys_seen = {}

    # Lookups, each failing with the entry's file and line.

    def required(self, entry, name):
        if entry.get(name) in (None, ""):
            raise DatasetError(f"{entry.where}: '{name}' is required")
        return entry[name]

    def country(self, entry, required=True, where=None):
        where = where or entry.where
        code = entry.get("country")
        if not code:
            if required:
                raise DatasetError(f"{where}: 'country' is required")
            return None
        try:
            return self.countries[str(code).upper()]
        except KeyError:
            raise DatasetError(f"{where}: unknown country code {code!r}") from None

    def subdivision(self, entry, country):
        code = entry.get("subdivision")
        if not code:
            return None
        subdivision = self.subdivisions.get(str(code).upper())
        if subdivision is None:
            raise DatasetError(f"{entry.where}: unknown ISO 3166-2 subdivision {code!r}")
        if country and subdivision.country_id != country.pk:
            raise DatasetError(f"{entry.where}: {code} is not in {country.iso2}")
        return subdivision

    def by_slug(self, model, slug, where):
        try:
            return model.objects.get(slug=slug)
        except model.DoesNotExist:
            name = model._meta.verbose_name
            raise DatasetError(f"{where}: unknown {name} {slug!r}") from None

    def many(self, model, entry, name):
        return [self.by_slug(model, slug, entry.where) for slug in entry.get(name) or []]

    def dates(self, entry, **fields):
        """{'adopted_on': 'adopted_precision'} -> model values for each partial date."""
        values = {}
        for date_field, precision_field in fields.items():
            date, precision = parse_partial_date(entry.get(date_field), entry.where)
            values[date_field] = date
            values[precision_field] = precision
        return values

    def translations(self, entry, *fields):
        """Translated text the entry gives, such as `name_es` or `label_ar`."""
        languages = [code for code, _name in settings.LANGUAGES if code != "en"]
        return {
            f"{field}_{language}": (entry.get(f"{field}_{language}") or "").strip() or None
            for field in fields
            for language in languages
        }

    def publication(self, entry):
        published = entry.get("published", True)
        return {
            "publication_status": PublicationStatus.PUBLISHED
            if published
            else PublicationStatus.DRAFT
        }

    def plain_date(self, entry, name):
        value = entry.get(name)
        if value is not None and not isinstance(value, datetime.date):
            raise DatasetError(f"{entry.where_key(name)}: {value!r} is not a date like 2026-11-29")
        return value

    def review(self, entry):
        """Publication state and the date a researcher last checked the record."""
        return {
            **self.publication(entry),
            "last_reviewed_on": self.plain_date(entry, "last_reviewed_on"),
        }

    def places(self, entry):
        """The countries a spanning record names, and its groups."""
        countries = [
            self.country({"country": code}, where=entry.where_key("countries"))
            for code in entry.get("countries") or []
        ]
        return {
            "countries": countries,
            "country_groups": self.many(CountryGroup, entry, "country_groups"),
        }

    # Writing.

    def claim_key(self, model, key, entry):
        """A natural key may be defined once across all files."""
        previous = self.keys_seen.setdefault((model, key), entry.where)
        if previous != entry.where:
            name = model._meta.verbose_name
            raise DatasetError(f"{entry.where}: {name} {key} is already defined at {previous}")

    def upsert(self, model, lookup, values, entry, m2m=None):
        self.claim_key(model, " / ".join(str(value) for value in lookup.values()), entry)
        if issubclass(model, Translatable):
            values = self.in_original_language(model, values, entry)
        try:
            record = model.objects.get(**lookup)
            outcome = "unchanged"
        except ObjectDoesNotExist:
            record = model(**lookup)
            outcome = "created"
        if outcome == "created":
            changed = list(values)
        else:
            changed = [name for name, value in values.items() if getattr(record, name) != value]
        for name in changed:
            setattr(record, name, values[name])
        if outcome == "created" or changed:
            try:
                record.full_clean(validate_unique=False)
            except ValidationError as error:
                raise DatasetError(f"{entry.where}: {error.message_dict}") from None
            record.save()
            if outcome == "unchanged":
                outcome = "updated"
        for name, related in (m2m or {}).items():
            manager = getattr(record, name)
            if set(manager.all()) != set(related):
                manager.set(related)
                if outcome == "unchanged":
                    outcome = "updated"
        self.report.count(outcome, model)
        return record

    def in_original_language(self, model, values, entry):
        """The record's text, written to the columns of the language it is written in."""
        language = entry.get("original_language") or settings.LANGUAGE_CODE
        if language not in dict(settings.LANGUAGES):
            raise DatasetError(
                f"{entry.where_key('original_language')}: unknown language {language!r}"
            )
        names = model.translated_fields()
        return {
            "original_language": language,
            **{name: value for name, value in values.items() if name not in names},
            # Stored as the model stores it: NULL where there is no text.
            **{
                build_localized_fieldname(name, language): values[name] or None
                for name in names
                if name in values
            },
        }

    def sync_citations(self, record, citations, where):
        """Make the record's citations exactly the listed ones, touching nothing else.

        A published record must pass the publication rule: a published source, and every
        quote found in its source's text where the source keeps one.
        """
        self.write_citations(record, citations, where)
        if record.is_published():
            problems = record.publication_problems()
            if problems:
                raise DatasetError(f"{where}: cannot be published: {' '.join(problems)}")

    def write_citations(self, record, citations, where):
        if not citations:
            raise DatasetError(f"{where}: at least one citation is required")
        wanted = []
        for citation in citations:
            citation_where = getattr(citation, "where", where)
            source = self.by_slug(Source, self.required(citation, "source"), citation_where)
            wanted.append(
                (source.pk, (citation.get("quote") or "").strip(), citation.get("locator") or "")
            )
        content_type = ContentType.objects.get_for_model(record)
        existing = {
            (c.source_id, c.quote, c.locator): c
            for c in Citation.objects.filter(content_type=content_type, object_id=record.pk)
        }
        for key in set(existing) - set(wanted):
            existing[key].delete()
        for source_id, quote, locator in wanted:
            if (source_id, quote, locator) not in existing:
                Citation.objects.create(
                    content_type=content_type,
                    object_id=record.pk,
                    source_id=source_id,
                    quote=quote,
                    locator=locator,
                )

    # Sections, in dependency order.

    def load_indicators(self, entries):
        for entry in entries:
            indicator = self.upsert(
                Indicator,
                {"slug": self.required(entry, "slug")},
                {
                    "name": self.required(entry, "name"),
                    "question": self.required(entry, "question"),
                    "description": (entry.get("description") or "").strip(),
                    "order": entry.get("order", 100),
                    **self.translations(entry, "name", "question", "description"),
                    **self.review(entry),
                },
                entry,
            )
            for value in self.required(entry, "values"):
                self.upsert(
                    IndicatorValue,
                    {"indicator": indicator, "slug": self.required(value, "slug")},
                    {
                        "label": self.required(value, "label"),
                        "rank": self.required(value, "rank"),
                        "colour": self.required(value, "colour"),
                        "description": (value.get("description") or "").strip(),
                        **self.translations(value, "label", "description"),
                        **self.publication(value),
                    },
                    value,
                )

    def load_vocabulary(self, model, entries):
        for entry in entries:
            self.upsert(
                model,
                {"slug": self.required(entry, "slug")},
                {
                    "name": self.required(entry, "name"),
                    "description": entry.get("description") or "",
                    **self.translations(entry, "name", "description"),
                },
                entry,
            )

    def load_organisations(self, entries):
        for entry in entries:
            self.upsert(
                Organisation,
                {"slug": self.required(entry, "slug")},
                {
                    "name": self.required(entry, "name"),
                    "short_name": entry.get("short_name") or "",
                    "kind": self.required(entry, "kind"),
                    "country": self.country(entry, required=False),
                    "url": entry.get("url") or "",
                    "description": entry.get("description") or "",
                    **self.translations(entry, "name", "short_name"),
                    **self.review(entry),
                },
                entry,
            )

    def load_sources(self, entries):
        for entry in entries:
            self.upsert(
                Source,
                {"slug": self.required(entry, "slug")},
                {
                    "title": self.required(entry, "title"),
                    "author": entry.get("author") or "",
                    "publisher": entry.get("publisher") or "",
                    "url": entry.get("url") or "",
                    "language": entry.get("language") or "en",
                    "kind": entry.get("kind") or Source.Kind.NEWS,
                    "text": self.source_text(entry),
                    "accessed_on": self.plain_date(entry, "accessed_on"),
                    **self.dates(entry, published_on="published_precision"),
                    **self.review(entry),
                },
                entry,
            )

    def source_text(self, entry):
        name = entry.get("text_file")
        if not name:
            return ""
        path = self.directory / name
        try:
            return path.read_text(encoding="utf-8")
        except OSError as error:
            raise DatasetError(
                f"{entry.where_key('text_file')}: cannot read {name}: {error.strerror}"
            ) from None
        except UnicodeDecodeError:
            raise DatasetError(f"{entry.where_key('text_file')}: {name} is not UTF-8") from None

    def load_country_groups(self, entries):
        for entry in entries:
            members = [
                self.country({"country": code}, where=entry.where_key("members"))
                for code in entry.get("members") or []
            ]
            self.upsert(
                CountryGroup,
                {"slug": self.required(entry, "slug")},
                {
                    "name": self.required(entry, "name"),
                    "member_label": self.required(entry, "member_label"),
                    "url": entry.get("url") or "",
                    **self.translations(entry, "name", "member_label"),
                },
                entry,
                m2m={"members": members},
            )

    def load_cited(self, model, entries, values_for, m2m_for=lambda entry: {}):
        for entry in entries:
            record = self.upsert(
                model,
                {"slug": self.required(entry, "slug")},
                {**values_for(entry), **self.review(entry)},
                entry,
                m2m=m2m_for(entry),
            )
            kind = model.__name__.lower()
            citations = self.citations_for(kind, entry["slug"], entry)
            self.sync_citations(record, citations, entry.where)

    def law_values(self, entry):
        country = self.country(entry, required=False)
        return {
            "title": self.required(entry, "title"),
            "country": country,
            "subdivision": self.subdivision(entry, country),
            "kind": self.required(entry, "kind"),
            "status": self.required(entry, "status"),
            "summary": (entry.get("summary") or "").strip(),
            **self.dates(
                entry,
                adopted_on="adopted_precision",
                in_force_on="in_force_precision",
                repealed_on="repealed_precision",
            ),
        }

    def law_m2m(self, entry):
        return {
            "indicators": self.many(Indicator, entry, "indicators"),
            "organisations": self.many(Organisation, entry, "organisations"),
            **self.places(entry),
        }

    def pilot_values(self, entry):
        country = self.country(entry, required=False)
        return {
            "name": self.required(entry, "name"),
            "country": country,
            "subdivision": self.subdivision(entry, country),
            "description": (entry.get("description") or "").strip(),
            "classification": entry.get("classification") or Pilot.Classification.UNCLASSIFIED,
            "status": entry.get("status") or Pilot.Status.UNKNOWN,
            "outcomes": (entry.get("outcomes") or "").strip(),
            **self.dates(entry, started_on="started_precision", ended_on="ended_precision"),
        }

    def pilot_m2m(self, entry):
        return {
            "implementers": self.many(Organisation, entry, "implementers"),
            "government_partners": self.many(Organisation, entry, "government_partners"),
            "target_groups": self.many(TargetGroup, entry, "target_groups"),
            "approaches": self.many(Approach, entry, "approaches"),
            **self.places(entry),
        }

    def pledge_values(self, entry):
        return {
            "country": self.country(
                entry, required=not (entry.get("countries") or entry.get("country_groups"))
            ),
            "forum": self.required(entry, "forum"),
            "text": self.required(entry, "text").strip(),
            "gcm_objective": entry.get("gcm_objective"),
            "status": entry.get("status") or Pledge.Status.MADE,
            **self.dates(entry, pledged_on="pledged_precision"),
        }

    def figure_values(self, entry):
        country = self.country(entry, required=False)
        return {
            "country": country,
            "subdivision": self.subdivision(entry, country),
            "measure": self.required(entry, "measure"),
            "description": self.required(entry, "description"),
            "qualifier": entry.get("qualifier") or Figure.Qualifier.EXACT,
            "value": Decimal(str(self.required(entry, "value"))),
            "unit": self.required(entry, "unit"),
            **self.dates(
                entry,
                period_start="period_start_precision",
                period_end="period_end_precision",
            ),
        }

    def status_key(self, entry):
        country = self.country(entry)
        subdivision = self.subdivision(entry, country)
        indicator = self.by_slug(Indicator, self.required(entry, "indicator"), entry.where)
        dates = self.dates(
            entry, effective_from="effective_precision", observed_on="observed_precision"
        )
        if dates["observed_on"] is None:
            raise DatasetError(
                f"{entry.where}: 'observed_on' is required: when the cited source attests "
                "the position"
            )
        lookup = {
            "country": country,
            "subdivision": subdivision,
            "indicator": indicator,
            "effective_from": dates["effective_from"],
            "observed_on": dates["observed_on"],
        }
        precisions = {
            "effective_precision": dates["effective_precision"],
            "observed_precision": dates["observed_precision"],
        }
        return lookup, precisions

    def load_statuses(self, entries):
        for entry in entries:
            lookup, precisions = self.status_key(entry)
            value_slug = self.required(entry, "value")
            value = lookup["indicator"].values.filter(slug=value_slug).first()
            if value is None:
                raise DatasetError(
                    f"{entry.where}: {value_slug!r} is not a value of "
                    f"indicator {lookup['indicator'].slug!r}"
                )
            status = self.upsert(
                Status,
                lookup,
                {
                    "value": value,
                    **precisions,
                    "legal_position": (entry.get("legal_position") or "").strip(),
                    "practice": (entry.get("practice") or "").strip(),
                    "practice_differs": bool(entry.get("practice_differs")),
                    "caveat": (entry.get("caveat") or "").strip(),
                    **self.review(entry),
                },
                entry,
            )
            key = self.status_natural_key(
                entry["country"],
                entry.get("subdivision"),
                entry["indicator"],
                entry.get("effective_from"),
                entry["observed_on"],
                entry.where,
            )
            citations = self.citations_for("status", key, entry)
            self.sync_citations(status, citations, entry.where)

    def load_pledge_progress(self, pledges):
        """Each pledge's progress: exactly the entries listed under it, in the YAML."""
        for pledge_entry in pledges:
            pledge = Pledge.objects.get(slug=pledge_entry["slug"])
            kept = []
            for entry in pledge_entry.get("progress") or []:
                lookup = self.progress_key(pledge, entry)
                record = self.upsert(
                    PledgeProgress,
                    lookup,
                    {
                        "occurred_precision": lookup.pop("occurred_precision"),
                        "reported_precision": lookup.pop("reported_precision"),
                        "text": self.required(entry, "text").strip(),
                        **self.review(entry),
                    },
                    entry,
                    m2m={
                        "laws": self.many(Law, entry, "laws"),
                        "statuses": [
                            self.status_by_key(key, entry.where_key("statuses"))
                            for key in entry.get("statuses") or []
                        ],
                    },
                )
                key = self.progress_natural_key(
                    pledge.slug, entry.get("occurred_on"), entry["reported_on"], entry.where
                )
                citations = self.citations_for("pledge_progress", key, entry)
                self.sync_citations(record, citations, entry.where)
                kept.append(record.pk)
            for gone in pledge.progress.exclude(pk__in=kept):
                gone.delete()

    def progress_key(self, pledge, entry):
        dates = self.dates(
            entry, occurred_on="occurred_precision", reported_on="reported_precision"
        )
        if dates["reported_on"] is None:
            raise DatasetError(
                f"{entry.where}: 'reported_on' is required: when the cited source reports it "
                "(for an undated source, the day the tracker read it)"
            )
        return {"pledge": pledge, **dates}

    def progress_natural_key(self, pledge, occurred_on, reported_on, where):
        occurred, _ = parse_partial_date(occurred_on, where)
        reported, _ = parse_partial_date(reported_on, where)
        return (str(pledge), occurred, reported)

    def status_by_key(self, key, where):
        """A status named by its key, country/subdivision/indicator/effective_from/observed_on."""
        reference = Entry(record="status", key=key)
        reference.where = where
        return self.find_record(reference)

    def status_natural_key(
        self, country, subdivision, indicator, effective_from, observed_on, where
    ):
        began, _ = parse_partial_date(effective_from, where)
        reported, _ = parse_partial_date(observed_on, where)
        return (str(country).upper(), str(subdivision or "").upper(), indicator, began, reported)

    def collect_more_citations(self, entries):
        """Citations that one file adds to a record defined in another, by record key."""
        self.more_citations = defaultdict(list)
        self.more_citations_where = {}
        for entry in entries:
            kind, key = self.record_key(entry)
            self.more_citations[(kind, key)].extend(self.required(entry, "citations"))
            self.more_citations_where.setdefault((kind, key), entry.where)

    def record_key(self, entry):
        """(record type, natural key) of an entry that refers to a record defined elsewhere."""
        kind = self.required(entry, "record")
        if kind not in RECORD_TYPES:
            raise DatasetError(f"{entry.where}: unknown record type {kind!r}")
        key = str(self.required(entry, "key"))
        if kind == "status":
            parts = key.split("/")
            if len(parts) != 5:
                raise DatasetError(
                    f"{entry.where}: status key {key!r} is not "
                    "country/subdivision/indicator/effective_from/observed_on"
                )
            key = self.status_natural_key(*parts, entry.where)
        if kind == "pledge_progress":
            parts = key.split("/")
            if len(parts) != 3:
                raise DatasetError(
                    f"{entry.where}: pledge progress key {key!r} is not "
                    "pledge/occurred_on/reported_on"
                )
            key = self.progress_natural_key(*parts, entry.where)
        return kind, key

    def find_record(self, entry):
        kind, key = self.record_key(entry)
        model = RECORD_TYPES[kind]
        if kind == "status":
            country, subdivision, indicator, began, reported = key
            lookup = {
                "country__iso2": country,
                "subdivision__code": subdivision or None,
                "indicator__slug": indicator,
                "effective_from": began,
                "observed_on": reported,
            }
        elif kind == "pledge_progress":
            pledge, occurred, reported = key
            lookup = {"pledge__slug": pledge, "occurred_on": occurred, "reported_on": reported}
        else:
            lookup = {"slug": key}
        record = model.objects.filter(**lookup).first()
        if record is None:
            raise DatasetError(f"{entry.where}: no {kind} {entry['key']!r} is defined")
        return record

    def load_translations(self, entries):
        """Each entry gives one record's text in one language other than its original.

        A translation loaded, or changed, is logged as made from the original as it is
        now. A translation left unchanged while its original changed keeps its old log
        entry, and so shows as outdated until someone reviews it.
        """
        languages = dict(settings.LANGUAGES)
        records, changed_records, translated_where = {}, {}, {}
        for entry in entries:
            record_key = self.record_key(entry)
            if record_key not in records:
                records[record_key] = self.find_record(entry)
            record = records[record_key]
            language = self.required(entry, "language")
            if language not in languages:
                raise DatasetError(
                    f"{entry.where_key('language')}: unknown language {language!r} "
                    f"(one of {', '.join(languages)})"
                )
            if language == record.original_language:
                raise DatasetError(
                    f"{entry.where_key('language')}: {language!r} is the record's original "
                    "language, not a translation"
                )
            names = record.translated_fields()
            texts = {}
            for name in set(entry) - KEYS["translations"]:
                if name not in names:
                    raise DatasetError(
                        f"{entry.where_key(name)}: a {entry['record']} has no translated "
                        f"field {name!r} (its fields: {', '.join(names)})"
                    )
                texts[build_localized_fieldname(name, language)] = (
                    str(entry[name] or "").strip() or None
                )
            changed = [name for name, text in texts.items() if getattr(record, name) != text]
            for name in changed:
                setattr(record, name, texts[name])
            by = entry.get("translated_by") or TRANSLATED_BY
            if language not in record.translation_log:
                outcome = "created"
            elif changed or record.translated_by(language) != by:
                outcome = "updated"
            else:
                outcome = "unchanged"
            if outcome != "unchanged":
                record.record_translation(language, by)
                changed_records[record_key] = record
                translated_where[record_key] = entry.where
            getattr(self.report, outcome)["translations"] += 1
        for record_key, record in changed_records.items():
            try:
                # A translation must fit its field like the original (a title's length…).
                record.full_clean(validate_unique=False)
            except ValidationError as error:
                raise DatasetError(
                    f"{translated_where[record_key]}: {error.message_dict}"
                ) from None
            record.save()

    def citations_for(self, kind, key, entry):
        return [*(entry.get("citations") or []), *self.more_citations.pop((kind, key), [])]

    def check_coverage(self, entries):
        """The coverage ledger names sources that exist; it is read, not stored."""
        for entry in entries:
            self.by_slug(Source, self.required(entry, "source"), entry.where)
            for fact in entry.get("left_out") or []:
                self.required(fact, "fact")
                self.required(fact, "reason")

    def load(self, directory):
        self.directory = Path(directory)
        sections = read_entries(directory)
        self.collect_more_citations(sections["more_citations"])
        self.load_country_groups(sections["country_groups"])
        self.load_indicators(sections["indicators"])
        self.load_vocabulary(TargetGroup, sections["target_groups"])
        self.load_vocabulary(Approach, sections["approaches"])
        self.load_organisations(sections["organisations"])
        self.load_sources(sections["sources"])
        self.load_cited(Law, sections["laws"], self.law_values, self.law_m2m)
        self.load_cited(Pilot, sections["pilots"], self.pilot_values, self.pilot_m2m)
        self.load_cited(
            Pledge, sections["pledges"], self.pledge_values, lambda entry: self.places(entry)
        )
        self.load_cited(Figure, sections["figures"], self.figure_values)
        self.load_statuses(sections["statuses"])
        self.load_pledge_progress(sections["pledges"])
        self.load_translations(sections["translations"])
        self.check_coverage(sections["coverage"])
        for kind_key, where in self.more_citations_where.items():
            if kind_key in self.more_citations:
                raise DatasetError(
                    f"{where}: more_citations for an undefined {kind_key[0]} {kind_key[1]}"
                )
        return self.report


def load_dataset(directory):
    with transaction.atomic():
        return Loader().load(directory)
