"""Flat exports of the published dataset: CSV per resource, the data package, the version.

One definition per resource of its CSV columns (name, Frictionless type, description and
how to read it from a record) serves the `format=csv` API lists, the public list pages'
"Download CSV" link and the Frictionless Data Package, so a column means the same in all.

    csv_response(request, "laws", LawFilter(request.GET, queryset=...).qs)  # streamed
    columns("laws")                                                 # the column definitions
    write_datapackage(file, version)                                # the zip, into a file
    dataset_version()                                               # ETag and Last-Modified

Header names are the column names: stable, lowercase, language-neutral. Lists of slugs
(a law's indicators, a pilot's target groups) are joined with "; " in one cell.
"""

import csv
import datetime
import functools
import hashlib
import io
import itertools
import json
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.db.models import (
    Prefetch,
    QuerySet,
)
from django.http import StreamingHttpResponse
from django.utils.encoding import force_str
from django.utils.translation import get_language

from countries.models import Country
from practices.models import (
    Figure,
    Indicator,
    IndicatorValue,
    Law,
    Organisation,
    Pilot,
    Pledge,
    PledgeProgress,
    Revision,
    Source,
    Status,
    Withdrawal,
    format_partial_date,
    public_citations,
)

from . import siteurl
from .related import prefetch_list
from .release import release
from .spreadsheets import (  # noqa: F401 (escape_formula and unescape_formula: for imports)
    Table,
    cell,
    download,
    escape_formula,
    unescape_formula,
)

# Rows fetched (and prefetched) per round trip while streaming a CSV.
CHUNK_SIZE = 500
LIST_SEPARATOR = "; "
NAMIBIA = (
    'Namibia\'s code is NA: read it with keep_default_na=False, na_values=[""] (pandas) or '
    'na.strings = "" (R), or use the name beside it.'
)

LICENCE = {
    "name": "CC-BY-4.0",
    "title": "Creative Commons Attribution 4.0 International",
    "path": "https://creativecommons.org/licenses/by/4.0/",
}


@dataclass(frozen=True)
class Column:
    """One CSV column: its header, Frictionless type, description and accessor."""

    name: str
    type: str
    description: str
    get: Callable
    enum: tuple = ()
    required: bool = False

    def schema(self):
        descriptor = {"name": self.name, "type": self.type, "description": self.description}
        constraints = {}
        if self.required:
            constraints["required"] = True
        if self.enum:
            constraints["enum"] = list(self.enum)
        if constraints:
            descriptor["constraints"] = constraints
        return descriptor


@dataclass(frozen=True)
class Resource:
    """A resource's columns, keys, and how to fetch what the columns read."""

    name: str
    title: str
    description: str
    columns: tuple[Column, ...]
    published: Callable[[], QuerySet]
    prepare: Callable[[QuerySet], QuerySet]
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[dict, ...] = field(default_factory=tuple)


def site_url(path):
    return siteurl.absolute(path)


def slugs(records):
    return LIST_SEPARATOR.join(record.slug for record in records)


def code_or_none(place):
    return place.iso2 if place is not None else None


def choices(model_choices):
    return tuple(value for value, _label in model_choices)


def names(records):
    return LIST_SEPARATOR.join(record.name for record in records)


def names_column(name, what, get_records):
    """The names of what a slug or code column lists, in the same order, for people."""
    return Column(
        name,
        "string",
        f'Names of {what}, in the same order, separated by "; ".',
        lambda r: names(get_records(r)),
    )


def label_column(field, what):
    """The label the pages show beside a choice column's slug (its English label here)."""
    return Column(
        f"{field}_label",
        "string",
        f"{what}, as the pages show it.",
        lambda r: choice_label(type(r), field, getattr(r, field), get_language()),
    )


@functools.lru_cache(maxsize=1024)
def choice_label(model, field, value, language):
    """What `get_<field>_display()` gives, looked up once per value and language rather than
    once per row of a download."""
    labels = dict(model._meta.get_field(field).flatchoices)
    return force_str(labels.get(value, value), strings_only=True)


def places_columns():
    """Where a law, pilot or pledge applies, beyond its own country."""
    return (
        Column(
            "countries",
            "string",
            "ISO 3166-1 alpha-2 codes of every country it applies to, directly or through a "
            'group, uppercase, separated by "; ".',
            lambda r: LIST_SEPARATOR.join(country.iso2 for country in r.all_countries),
        ),
        names_column("country_names", "those countries", lambda r: r.all_countries),
        Column(
            "country_groups",
            "string",
            'Slugs of the country groups it applies to as a whole (e.g. eu), separated by "; ".',
            lambda r: slugs(r.country_groups_list),
        ),
        names_column("country_group_names", "those groups", lambda r: r.country_groups_list),
    )


def country_columns(required=False):
    return (
        Column(
            "country",
            "string",
            "ISO 3166-1 alpha-2 code of the country, uppercase (empty for a regional or "
            f"international record). {NAMIBIA}",
            lambda r: code_or_none(r.country),
            required=required,
        ),
        Column(
            "country_name",
            "string",
            "The country's short English name.",
            lambda r: r.country.name if r.country_id else None,
        ),
    )


def subdivision_columns():
    return (
        Column(
            "subdivision",
            "string",
            "ISO 3166-2 code of the subdivision for a sub-national record (e.g. MX-CHP), "
            "otherwise empty.",
            lambda r: r.subdivision.code if r.subdivision_id else None,
        ),
        Column(
            "subdivision_name",
            "string",
            "The subdivision's name (e.g. Chiapas), otherwise empty.",
            lambda r: r.subdivision.name if r.subdivision_id else None,
        ),
    )


def partial_date_columns(stem, date_field, date_property, what):
    return (
        Column(
            date_field,
            "date",
            f"{what}, as a full date (a year alone is stored as 1 January, a month as its "
            f"first day); see {date_property} for the precision the source gives.",
            lambda r: getattr(r, date_field),
        ),
        Column(
            date_property,
            "string",
            f"{what}, as precisely as the source gives it: YYYY, YYYY-MM or YYYY-MM-DD.",
            lambda r: format_partial_date(getattr(r, date_field), getattr(r, f"{stem}_precision")),
        ),
    )


def cited_sources(record):
    """The published sources a record cites, each once, in citation order."""
    return list({c.source_id: c.source for c in record.public_citations}.values())


SOURCES_COLUMNS = (
    Column(
        "sources",
        "string",
        'Slugs of the published sources cited for this record, each once, separated by "; " '
        "(quotes are in the citations resource of the data package and in the API).",
        lambda r: slugs(cited_sources(r)),
    ),
    Column(
        "source_titles",
        "string",
        'Titles of those sources, in the same order, separated by "; ".',
        lambda r: LIST_SEPARATOR.join(source.title for source in cited_sources(r)),
    ),
)


ORIGINAL_LANGUAGE_COLUMN = Column(
    "original_language",
    "string",
    "The language the record was written in. Text columns give the English text, or the "
    "original where there is no English; the translations resource has every language.",
    lambda r: r.original_language,
    enum=tuple(code for code, _name in settings.LANGUAGES),
)
# What every cited record (status, law, pilot, pledge, figure) adds to its own columns.
RECORD_COLUMNS = (ORIGINAL_LANGUAGE_COLUMN, *SOURCES_COLUMNS)


def public_url_column(what):
    return Column("public_url", "string", f"The {what}'s page on the ATD Tracker.", public_url)


def public_url(record):
    return site_url(record.get_absolute_url())


TIMESTAMP_COLUMNS = (
    Column(
        "created_at",
        "datetime",
        "When the record was created (ISO 8601, UTC).",
        lambda r: r.created_at,
    ),
    Column(
        "updated_at",
        "datetime",
        "When the record last changed (ISO 8601, UTC); what updated_since filters on.",
        lambda r: r.updated_at,
    ),
    Column(
        "last_reviewed_on",
        "date",
        "When a researcher last checked the record against its sources.",
        lambda r: r.last_reviewed_on,
    ),
)


def with_citations(queryset):
    return queryset.with_citations() if hasattr(queryset, "with_citations") else queryset


def published_organisations(relation):
    return Prefetch(
        relation,
        queryset=Organisation.objects.published().order_by("name", "pk"),
        to_attr=f"public_{relation}",
    )


def prepare_countries(queryset):
    return queryset.select_related("region", "subregion", "intermediate_region")


def prepare_statuses(queryset):
    return (
        queryset.select_related("country", "subdivision", "indicator", "value")
        .prefetch_related(public_citations())
        .with_current_flag()
    )


def prepare_laws(queryset):
    return (
        queryset.select_related("country", "subdivision")
        .with_places()
        .prefetch_related(
            public_citations(),
            Prefetch(
                "indicators",
                queryset=Indicator.objects.published().order_by("order", "name"),
                to_attr="public_indicators",
            ),
            published_organisations("organisations"),
        )
    )


def prepare_pilots(queryset):
    return (
        queryset.select_related("country", "subdivision")
        .with_places()
        .prefetch_related(
            public_citations(),
            published_organisations("implementers"),
            published_organisations("government_partners"),
            prefetch_list("target_groups"),
            prefetch_list("approaches"),
        )
    )


def prepare_cited(queryset):
    return queryset.select_related("country", "subdivision").prefetch_related(public_citations())


def prepare_pledges(queryset):
    return (
        queryset.select_related("country")
        .with_places()
        .with_progress()
        .prefetch_related(public_citations())
    )


def prepare_pledge_progress(queryset):
    return queryset.select_related("pledge").with_fulfilling_records()


def progress_summary(pledge):
    """A pledge's progress in one cell: an entry a line, newest first, each with its date."""
    return "\n".join(
        f"{entry.date or 'reported ' + entry.reported_date}: {entry.text}"
        for entry in pledge.public_progress
    )


def prepare_indicators(queryset):
    return queryset.with_values()


def unchanged(queryset):
    return queryset


def region_columns(level, label):
    return (
        Column(
            level,
            "string",
            f"Slug of the country's UN M49 {label}.",
            lambda c: getattr(c, level).slug if getattr(c, f"{level}_id") else None,
        ),
        Column(
            f"{level}_name",
            "string",
            f"Name of the country's UN M49 {label}.",
            lambda c: getattr(c, level).name if getattr(c, f"{level}_id") else None,
        ),
    )


COUNTRY_FOREIGN_KEY = {
    "fields": "country",
    "reference": {"resource": "countries", "fields": "iso2"},
}


RESOURCES = {
    resource.name: resource
    for resource in [
        Resource(
            name="countries",
            title="Countries",
            description="Every ISO 3166-1 country with its UN M49 regions. Statuses, laws, "
            "pilots, pledges, figures and organisations refer to countries by iso2.",
            columns=(
                Column(
                    "iso2",
                    "string",
                    "ISO 3166-1 alpha-2 code, uppercase; the country's identifier.",
                    lambda c: c.iso2,
                    required=True,
                ),
                Column(
                    "code",
                    "string",
                    "The alpha-2 code in lowercase, as used in URLs.",
                    lambda c: c.code,
                ),
                Column("iso3", "string", "ISO 3166-1 alpha-3 code.", lambda c: c.iso3),
                Column(
                    "numeric",
                    "string",
                    "ISO 3166-1 numeric code, three digits with leading zeros.",
                    lambda c: c.numeric,
                ),
                Column("name", "string", "Short English name.", lambda c: c.name),
                Column(
                    "official_name", "string", "Official English name.", lambda c: c.official_name
                ),
                *region_columns("region", "region"),
                *region_columns("subregion", "sub-region"),
                *region_columns("intermediate_region", "intermediate region"),
                public_url_column("country"),
            ),
            published=lambda: Country.objects.all(),
            prepare=prepare_countries,
            primary_key=("iso2",),
        ),
        Resource(
            name="indicators",
            title="Indicators",
            description="The questions tracked for every country.",
            columns=(
                Column(
                    "slug",
                    "string",
                    "The indicator's identifier.",
                    lambda i: i.slug,
                    required=True,
                ),
                Column("name", "string", "Short name.", lambda i: i.name),
                Column(
                    "question",
                    "string",
                    "The question answered for each country.",
                    lambda i: i.question,
                ),
                Column(
                    "description", "string", "What the indicator covers.", lambda i: i.description
                ),
                Column(
                    "order", "integer", "Indicators are listed by this number.", lambda i: i.order
                ),
                Column(
                    "values",
                    "string",
                    'Slugs of the indicator\'s values in legend order, separated by "; ".',
                    lambda i: slugs(i.public_values),
                ),
                public_url_column("indicator"),
                *TIMESTAMP_COLUMNS,
            ),
            published=lambda: Indicator.objects.published(),
            prepare=prepare_indicators,
            primary_key=("slug",),
        ),
        Resource(
            name="indicator_values",
            title="Indicator values",
            description="Each indicator's ordered vocabulary of answers, with map colours.",
            columns=(
                Column(
                    "indicator",
                    "string",
                    "Slug of the indicator.",
                    lambda v: v.indicator.slug,
                    required=True,
                ),
                Column(
                    "slug",
                    "string",
                    "The value's identifier within its indicator.",
                    lambda v: v.slug,
                    required=True,
                ),
                Column("label", "string", "The answer as shown in legends.", lambda v: v.label),
                Column(
                    "rank", "integer", "Position in the legend: 1 comes first.", lambda v: v.rank
                ),
                Column(
                    "colour",
                    "string",
                    "Map colour, as a hex code like #1a7f4b.",
                    lambda v: v.colour,
                ),
                Column("description", "string", "What the answer means.", lambda v: v.description),
            ),
            published=lambda: IndicatorValue.objects.published().order_by(
                "indicator__order", "indicator__slug", "rank"
            ),
            prepare=lambda qs: qs.select_related("indicator"),
            primary_key=("indicator", "slug"),
            foreign_keys=(
                {"fields": "indicator", "reference": {"resource": "indicators", "fields": "slug"}},
            ),
        ),
        Resource(
            name="statuses",
            title="Statuses",
            description="A country's (or subdivision's) answer on an indicator, in force from a "
            "date. Each place has a timeline per indicator; is_current marks today's status.",
            columns=(
                Column("id", "integer", "The status's identifier.", lambda s: s.pk, required=True),
                *country_columns(required=True),
                *subdivision_columns(),
                Column(
                    "indicator", "string", "Slug of the indicator.", lambda s: s.indicator.slug
                ),
                Column(
                    "indicator_name", "string", "The indicator's name.", lambda s: s.indicator.name
                ),
                Column(
                    "value",
                    "string",
                    "Slug of the answer, one of the indicator's values.",
                    lambda s: s.value.slug,
                ),
                Column(
                    "value_label",
                    "string",
                    "The answer as shown in legends.",
                    lambda s: s.value.label,
                ),
                *partial_date_columns(
                    "effective",
                    "effective_from",
                    "effective_date",
                    "When this position began, where the sources say (empty: not known)",
                ),
                *partial_date_columns(
                    "observed",
                    "observed_on",
                    "observed_date",
                    "When the cited source attests this position (never empty)",
                ),
                Column(
                    "is_current",
                    "boolean",
                    "True for the status in force today for its place and indicator (derived "
                    "from the timeline on the day of the download).",
                    lambda s: s.is_current,
                ),
                Column(
                    "legal_position",
                    "string",
                    "What the law or binding policy says.",
                    lambda s: s.legal_position,
                ),
                Column(
                    "practice",
                    "string",
                    "What sources observe in practice, especially where it departs from the law.",
                    lambda s: s.practice,
                ),
                Column(
                    "practice_differs",
                    "boolean",
                    "True when sources show practice departing from the legal position.",
                    lambda s: s.practice_differs,
                ),
                Column(
                    "caveat",
                    "string",
                    "What a reader must not miss about this status.",
                    lambda s: s.caveat,
                ),
                *RECORD_COLUMNS,
                public_url_column("status"),
                *TIMESTAMP_COLUMNS,
            ),
            published=lambda: Status.objects.published(),
            prepare=prepare_statuses,
            primary_key=("id",),
            foreign_keys=(
                COUNTRY_FOREIGN_KEY,
                {"fields": "indicator", "reference": {"resource": "indicators", "fields": "slug"}},
                {
                    "fields": ["indicator", "value"],
                    "reference": {"resource": "indicator_values", "fields": ["indicator", "slug"]},
                },
            ),
        ),
        Resource(
            name="laws",
            title="Laws and policies",
            description="Laws, regulations, court rulings, protocols, MOUs and policies.",
            columns=(
                Column("slug", "string", "The law's identifier.", lambda r: r.slug, required=True),
                Column("title", "string", "Title.", lambda r: r.title),
                *country_columns(),
                *subdivision_columns(),
                *places_columns(),
                Column(
                    "kind",
                    "string",
                    "What kind of instrument it is.",
                    lambda r: r.kind,
                    enum=choices(Law.Kind.choices),
                ),
                label_column("kind", "What kind of instrument it is"),
                Column(
                    "status",
                    "string",
                    "Where the instrument stands.",
                    lambda r: r.status,
                    enum=choices(Law.Status.choices),
                ),
                label_column("status", "Where the instrument stands"),
                *partial_date_columns("adopted", "adopted_on", "adopted_date", "When adopted"),
                *partial_date_columns(
                    "in_force", "in_force_on", "in_force_date", "When it came into force"
                ),
                *partial_date_columns(
                    "repealed", "repealed_on", "repealed_date", "When repealed or struck down"
                ),
                Column(
                    "summary",
                    "string",
                    "What it provides, in the tracker's words.",
                    lambda r: r.summary,
                ),
                Column(
                    "indicators",
                    "string",
                    'Slugs of the indicators it bears on, separated by "; ".',
                    lambda r: slugs(r.public_indicators),
                ),
                names_column("indicator_names", "those indicators", lambda r: r.public_indicators),
                Column(
                    "organisations",
                    "string",
                    'Slugs of issuing bodies or signatories, separated by "; ".',
                    lambda r: slugs(r.public_organisations),
                ),
                names_column(
                    "organisation_names", "those organisations", lambda r: r.public_organisations
                ),
                *RECORD_COLUMNS,
                public_url_column("law"),
                *TIMESTAMP_COLUMNS,
            ),
            published=lambda: Law.objects.published(),
            prepare=prepare_laws,
            primary_key=("slug",),
            foreign_keys=(COUNTRY_FOREIGN_KEY,),
        ),
        Resource(
            name="pilots",
            title="Pilots and programmes",
            description="Alternatives-to-detention pilots and programmes.",
            columns=(
                Column(
                    "slug", "string", "The pilot's identifier.", lambda r: r.slug, required=True
                ),
                Column("name", "string", "Name.", lambda r: r.name),
                *country_columns(),
                *subdivision_columns(),
                *places_columns(),
                Column(
                    "classification",
                    "string",
                    "Rights-based ATD, an enforcement-based measure, or an alternative form "
                    "of detention (such as electronic tagging).",
                    lambda r: r.classification,
                    enum=choices(Pilot.Classification.choices),
                ),
                label_column("classification", "Its classification"),
                Column(
                    "status",
                    "string",
                    "Where the pilot stands.",
                    lambda r: r.status,
                    enum=choices(Pilot.Status.choices),
                ),
                label_column("status", "Where the pilot stands"),
                *partial_date_columns("started", "started_on", "started_date", "When it started"),
                *partial_date_columns("ended", "ended_on", "ended_date", "When it ended"),
                Column("description", "string", "What the pilot does.", lambda r: r.description),
                Column(
                    "outcomes", "string", "Evaluation results, if known.", lambda r: r.outcomes
                ),
                Column(
                    "implementers",
                    "string",
                    'Slugs of implementing organisations, separated by "; ".',
                    lambda r: slugs(r.public_implementers),
                ),
                names_column(
                    "implementer_names", "those organisations", lambda r: r.public_implementers
                ),
                Column(
                    "government_partners",
                    "string",
                    'Slugs of government partners, separated by "; ".',
                    lambda r: slugs(r.public_government_partners),
                ),
                names_column(
                    "government_partner_names",
                    "those partners",
                    lambda r: r.public_government_partners,
                ),
                Column(
                    "target_groups",
                    "string",
                    'Slugs of the groups it serves (children, families...), separated by "; ".',
                    lambda r: slugs(r.target_groups_list),
                ),
                names_column("target_group_names", "those groups", lambda r: r.target_groups_list),
                Column(
                    "approaches",
                    "string",
                    'Slugs of its approaches (case management...), separated by "; ".',
                    lambda r: slugs(r.approaches_list),
                ),
                names_column("approach_names", "those approaches", lambda r: r.approaches_list),
                *RECORD_COLUMNS,
                public_url_column("pilot"),
                *TIMESTAMP_COLUMNS,
            ),
            published=lambda: Pilot.objects.published(),
            prepare=prepare_pilots,
            primary_key=("slug",),
            foreign_keys=(COUNTRY_FOREIGN_KEY,),
        ),
        Resource(
            name="pledges",
            title="Pledges",
            description="States' public commitments at international forums.",
            columns=(
                Column(
                    "slug", "string", "The pledge's identifier.", lambda r: r.slug, required=True
                ),
                *country_columns(),
                *places_columns(),
                Column(
                    "forum", "string", 'Where it was made, e.g. "IMRF 2022".', lambda r: r.forum
                ),
                *partial_date_columns("pledged", "pledged_on", "pledged_date", "When pledged"),
                Column("text", "string", "What was pledged.", lambda r: r.text),
                Column(
                    "gcm_objective",
                    "integer",
                    "Global Compact for Migration objective, 1 to 23 (13 is detention), only "
                    "where a source names it.",
                    lambda r: r.gcm_objective,
                ),
                Column(
                    "status",
                    "string",
                    "Progress on the pledge.",
                    lambda r: r.status,
                    enum=choices(Pledge.Status.choices),
                ),
                label_column("status", "Progress on the pledge"),
                Column(
                    "progress",
                    "string",
                    "What happened since the pledge, newest first, one entry a line: when it "
                    "happened (or 'reported' and when the source reported it), then what. The "
                    "pledge_progress resource has each entry with its laws, statuses and sources.",
                    progress_summary,
                ),
                *RECORD_COLUMNS,
                public_url_column("pledge"),
                *TIMESTAMP_COLUMNS,
            ),
            published=lambda: Pledge.objects.published(),
            prepare=prepare_pledges,
            primary_key=("slug",),
            foreign_keys=(COUNTRY_FOREIGN_KEY,),
        ),
        Resource(
            name="pledge_progress",
            title="Pledge progress",
            description="What happened since each pledge, one row per dated entry, with the "
            "laws and statuses that fulfil it.",
            columns=(
                Column("id", "integer", "The entry's identifier.", lambda r: r.pk, required=True),
                Column(
                    "pledge",
                    "string",
                    "Slug of the pledge.",
                    lambda r: r.pledge.slug,
                    required=True,
                ),
                *partial_date_columns(
                    "occurred",
                    "occurred_on",
                    "occurred_date",
                    "When it happened (empty where the source does not say)",
                ),
                *partial_date_columns(
                    "reported",
                    "reported_on",
                    "reported_date",
                    "When the cited source reports it (for an undated source, when the "
                    "tracker read it)",
                ),
                Column("text", "string", "What happened.", lambda r: r.text),
                Column(
                    "laws",
                    "string",
                    'Slugs of the laws and policies that fulfil the pledge, separated by "; ".',
                    lambda r: slugs(r.public_laws),
                ),
                Column(
                    "statuses",
                    "string",
                    'Ids of the statuses that show the pledge fulfilled, separated by "; ".',
                    lambda r: LIST_SEPARATOR.join(str(status.pk) for status in r.public_statuses),
                ),
                *RECORD_COLUMNS,
                public_url_column("pledge progress entry"),
                *TIMESTAMP_COLUMNS,
            ),
            published=lambda: PledgeProgress.objects.published(),
            prepare=prepare_pledge_progress,
            primary_key=("id",),
            foreign_keys=(
                {"fields": "pledge", "reference": {"resource": "pledges", "fields": "slug"}},
            ),
        ),
        Resource(
            name="figures",
            title="Figures",
            description="Numbers sources report: people detained, released or referred.",
            columns=(
                Column(
                    "slug", "string", "The figure's identifier.", lambda r: r.slug, required=True
                ),
                *country_columns(),
                *subdivision_columns(),
                Column(
                    "measure",
                    "string",
                    "What was counted, as a slug (children-detained, people-released...); "
                    "the kind filter selects on it.",
                    lambda r: r.measure,
                ),
                Column(
                    "description", "string", "What the number counts.", lambda r: r.description
                ),
                Column(
                    "qualifier",
                    "string",
                    "How the source qualifies the number: exact, at-least (at least 38), "
                    "more-than (over 18,000), about, up-to.",
                    lambda r: r.qualifier,
                    enum=choices(Figure.Qualifier.choices),
                ),
                label_column("qualifier", "The qualifier"),
                Column(
                    "value", "number", "The number, read with its qualifier.", lambda r: r.value
                ),
                Column(
                    "unit",
                    "string",
                    "What the number counts in.",
                    lambda r: r.unit,
                    enum=choices(Figure.Unit.choices),
                ),
                label_column("unit", "The unit"),
                *partial_date_columns(
                    "period_start", "period_start", "period_start_date", "Start of the period"
                ),
                *partial_date_columns(
                    "period_end", "period_end", "period_end_date", "End of the period"
                ),
                Column(
                    "period",
                    "string",
                    "The period in ISO 8601: a date, or start/end (… for an unknown start).",
                    lambda r: r.period,
                ),
                *RECORD_COLUMNS,
                public_url_column("figure"),
                *TIMESTAMP_COLUMNS,
            ),
            published=lambda: Figure.objects.published(),
            prepare=prepare_cited,
            primary_key=("slug",),
            foreign_keys=(COUNTRY_FOREIGN_KEY,),
        ),
        Resource(
            name="sources",
            title="Sources",
            description="Articles, reports and statements that records cite.",
            columns=(
                Column(
                    "slug", "string", "The source's identifier.", lambda r: r.slug, required=True
                ),
                Column("title", "string", "Title.", lambda r: r.title),
                Column(
                    "author", "string", "Author, where the source names one.", lambda r: r.author
                ),
                Column("publisher", "string", "Publisher.", lambda r: r.publisher),
                Column(
                    "kind",
                    "string",
                    "What kind of source it is.",
                    lambda r: r.kind,
                    enum=choices(Source.Kind.choices),
                ),
                label_column("kind", "What kind of source it is"),
                *partial_date_columns(
                    "published", "published_on", "published_date", "When it was published"
                ),
                Column(
                    "accessed_on",
                    "date",
                    "When the tracker read the source; for an undated source, the date its "
                    "statuses are reported as of.",
                    lambda r: r.accessed_on,
                ),
                Column("url", "string", "The source's own address on the web.", lambda r: r.url),
                Column(
                    "language",
                    "string",
                    "The language the source is written in, and so its quotes (en, es…).",
                    lambda r: r.language,
                ),
                public_url_column("source"),
                *TIMESTAMP_COLUMNS,
            ),
            published=lambda: Source.objects.published(),
            prepare=unchanged,
            primary_key=("slug",),
        ),
        Resource(
            name="organisations",
            title="Organisations",
            description="Government bodies, NGOs, UN agencies and networks.",
            columns=(
                Column(
                    "slug",
                    "string",
                    "The organisation's identifier.",
                    lambda r: r.slug,
                    required=True,
                ),
                Column("name", "string", "Name.", lambda r: r.name),
                Column("short_name", "string", "Acronym or short name.", lambda r: r.short_name),
                Column(
                    "kind",
                    "string",
                    "What kind of organisation it is.",
                    lambda r: r.kind,
                    enum=choices(Organisation.Kind.choices),
                ),
                label_column("kind", "What kind of organisation it is"),
                *country_columns(),
                Column("website", "string", "The organisation's website.", lambda r: r.url),
                Column("description", "string", "What it does.", lambda r: r.description),
                *TIMESTAMP_COLUMNS,
            ),
            published=lambda: Organisation.objects.published(),
            prepare=lambda qs: qs.select_related("country"),
            primary_key=("slug",),
            foreign_keys=(COUNTRY_FOREIGN_KEY,),
        ),
        Resource(
            name="withdrawals",
            title="Withdrawn records",
            description="Records that left the public dataset (unpublished or deleted).",
            columns=(
                Column(
                    "resource",
                    "string",
                    "The API resource the record belonged to.",
                    lambda w: w.resource,
                    required=True,
                ),
                Column(
                    "identifier",
                    "string",
                    "The record's identifier in that resource (slug, or id for statuses).",
                    lambda w: w.identifier,
                    required=True,
                ),
                Column(
                    "reason",
                    "string",
                    "Unpublished or deleted.",
                    lambda w: w.reason,
                    enum=choices(Withdrawal.Reason.choices),
                ),
                Column(
                    "withdrawn_at",
                    "datetime",
                    "When it left the public dataset (ISO 8601, UTC).",
                    lambda w: w.withdrawn_at,
                ),
            ),
            published=lambda: Withdrawal.objects.all(),
            prepare=unchanged,
            primary_key=("resource", "identifier"),
        ),
    ]
}

# The resources cited records belong to, for the citations table of the data package.
CITED_RESOURCES = ("statuses", "laws", "pilots", "pledges", "pledge_progress", "figures")
# Resources whose records are identified by id rather than slug.
BY_ID = ("statuses", "pledge_progress")
CITATIONS = Resource(
    name="citations",
    title="Citations",
    description="Every claim's sources: which record cites which source, with the quote.",
    columns=(
        Column(
            "resource",
            "string",
            "The resource of the citing record.",
            lambda c: c[0],
            required=True,
            enum=CITED_RESOURCES,
        ),
        Column(
            "record",
            "string",
            "The citing record's identifier (slug, or id for statuses and pledge progress).",
            lambda c: c[1],
            required=True,
        ),
        Column(
            "source",
            "string",
            "Slug of the cited source.",
            lambda c: c[2].source.slug,
            required=True,
        ),
        Column("quote", "string", "A short exact quote from the source.", lambda c: c[2].quote),
        Column(
            "quote_verified",
            "boolean",
            "True when the quote was found in the source's stored text, false when not, "
            "empty when the source keeps no text.",
            lambda c: c[2].quote_verified,
        ),
        Column(
            "locator", "string", "Page or paragraph of the quote, if any.", lambda c: c[2].locator
        ),
    ),
    published=lambda: None,
    prepare=unchanged,
    foreign_keys=({"fields": "source", "reference": {"resource": "sources", "fields": "slug"}},),
)

TRANSLATIONS = Resource(
    name="translations",
    title="Record text in every language",
    description="Each text field of each record in each language it is written or translated "
    "in (en, es, fr, ar), one row per field and language. Quotes are never translated: they "
    "are in the citations resource, in the source's own words.",
    columns=(
        Column(
            "resource",
            "string",
            "The resource of the record.",
            lambda t: t[0],
            required=True,
            enum=CITED_RESOURCES,
        ),
        Column(
            "record",
            "string",
            "The record's identifier (slug, or id for statuses and pledge progress).",
            lambda t: t[1],
            required=True,
        ),
        Column("field", "string", "The text column this row translates.", lambda t: t[2]),
        Column(
            "language",
            "string",
            "The language of the text.",
            lambda t: t[3],
            enum=tuple(code for code, _name in settings.LANGUAGES),
        ),
        Column("text", "string", "The text in that language.", lambda t: t[4]),
        Column(
            "state",
            "string",
            "original (the record's own text), translated, or outdated (a translation of an "
            "earlier original, not yet reviewed).",
            lambda t: t[5],
            enum=("original", "translated", "outdated"),
        ),
        Column(
            "translated_by",
            "string",
            "Who translated it; empty for the original.",
            lambda t: t[6],
        ),
    ),
    published=lambda: None,
    prepare=unchanged,
    primary_key=("resource", "record", "field", "language"),
)


def translation_rows() -> Iterator[tuple]:
    """(resource, record, field, language, text, state, translated_by) for every text."""
    for resource in CITED_RESOURCES:
        queryset = RESOURCES[resource].published().order_by("pk")
        for record in in_chunks(queryset):
            identifier = str(record.pk) if resource in BY_ID else record.slug
            outdated = record.outdated_translations()
            for name in record.translated_fields():
                for language, _label in settings.LANGUAGES:
                    text = record.text_in(name, language)
                    if not text:
                        continue
                    if language == record.original_language:
                        state, by = "original", ""
                    else:
                        state = "outdated" if language in outdated else "translated"
                        by = record.translated_by(language)
                    yield resource, identifier, name, language, text, state, by


# What the data package holds, in this order (withdrawals are for syncing, not data).
PACKAGE_RESOURCES = (
    "countries",
    "indicators",
    "indicator_values",
    "statuses",
    "laws",
    "pilots",
    "pledges",
    "pledge_progress",
    "figures",
    "sources",
    "organisations",
)


def columns(resource: str) -> tuple[Column, ...]:
    """The CSV columns of a resource ("laws", "countries"...), in order."""
    return RESOURCES[resource].columns


def description(resource: str, name: str) -> str:
    """A column's description, to reuse in the API schema for a field of the same name."""
    spec = RESOURCES.get(resource)
    for column in spec.columns if spec else ():
        if column.name == name:
            return column.description
    return ""


def rows(resource: str, queryset: QuerySet) -> Iterator[list[str]]:
    """The header, then one row of CSV text per record of the queryset."""
    records = table(resource, queryset)
    yield records.header()
    for values in records.values():
        yield [cell(value) for value in values]


def in_chunks(queryset):
    return queryset.iterator(chunk_size=CHUNK_SIZE)


def table(resource: str, queryset: QuerySet) -> Table:
    """A resource's columns over a queryset's records, for a CSV or Excel download.

    Records are fetched (and prefetched) a chunk at a time, so that an export holds little
    in memory whatever the dataset's size.
    """
    spec = RESOURCES[resource]
    # Drop the caller's prefetches: the columns need their own, under known names.
    return Table(spec.columns, in_chunks(spec.prepare(queryset.prefetch_related(None))))


# What a countries download filtered on an indicator or a value adds: the status it matched.
FILTERED_STATUS_COLUMNS = (
    "indicator",
    "indicator_name",
    "value",
    "value_label",
    "effective_date",
    "observed_date",
    "practice_differs",
    "public_url",
)


def countries_table(queryset: QuerySet, indicator=None, value=None) -> Table:
    """The countries with, when the list is filtered on an indicator or a value, the
    current national status it matched (the first by indicator order for a value alone)."""
    if indicator is None and not value:
        return table("countries", queryset)
    statuses = Status.objects.current().national().select_related("indicator", "value")
    if indicator is not None:
        statuses = statuses.filter(indicator=indicator)
    if value:
        statuses = statuses.filter(value__slug=value)
    countries = prepare_countries(queryset.prefetch_related(None)).prefetch_related(
        Prefetch(
            "statuses",
            queryset=statuses.order_by("indicator__order", "indicator__slug"),
            to_attr="filtered_statuses",
        )
    )
    status_columns = {column.name: column for column in RESOURCES["statuses"].columns}
    added = tuple(matched_status_column(status_columns[name]) for name in FILTERED_STATUS_COLUMNS)
    return Table(RESOURCES["countries"].columns + added, in_chunks(countries))


def matched_status_column(column: Column) -> Column:
    def get(country):
        return column.get(country.filtered_statuses[0]) if country.filtered_statuses else None

    name = "status_url" if column.name == "public_url" else column.name
    return replace(
        column,
        name=name,
        description=f"Of the current status the list was filtered on: {column.description}",
        get=get,
        required=False,
    )


def csv_response(
    request, resource: str, queryset: QuerySet, filename: str | None = None
) -> StreamingHttpResponse:
    """Stream every row of a queryset (already filtered, never capped) as CSV.

    `resource` names the columns to use ("laws", "countries"...; see RESOURCES). The
    queryset should come from the resource's published() queryset and its FilterSet.
    """
    return download(request, table(resource, queryset), "csv", filename or resource)


def citation_rows() -> Iterator[tuple]:
    """(resource, record identifier, citation) for every published record's citations."""
    for resource in CITED_RESOURCES:
        spec = RESOURCES[resource]
        # Only what names the record: its text would be read and dropped.
        named_by = "pk" if resource in BY_ID else "slug"
        queryset = spec.published().only(named_by).prefetch_related(public_citations())
        if resource == "statuses":
            queryset = queryset.order_by("pk")
        for record in in_chunks(queryset):
            identifier = str(getattr(record, named_by))
            for citation in record.public_citations:
                yield resource, identifier, citation


# Columns holding ISO alpha-2 codes, where Namibia's NA could be read as missing.
COUNTRY_CODE_COLUMNS = {"iso2", "country", "countries"}


def holds_country_codes(spec: Resource) -> bool:
    return any(column.name in COUNTRY_CODE_COLUMNS for column in spec.columns)


def _package_resource(spec: Resource) -> dict:
    schema = {"fields": [column.schema() for column in spec.columns], "missingValues": [""]}
    if spec.primary_key:
        schema["primaryKey"] = list(spec.primary_key)
    if spec.foreign_keys:
        schema["foreignKeys"] = list(spec.foreign_keys)
    return {
        "name": spec.name,
        "path": f"{spec.name}.csv",
        "title": spec.title,
        "description": (
            f"{spec.description} {NAMIBIA}" if holds_country_codes(spec) else spec.description
        ),
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "dialect": {"delimiter": ",", "quoteChar": '"', "header": True},
        "schema": schema,
    }


def datapackage_descriptor(version=None) -> dict:
    """datapackage.json: every resource and field described, with version and licence."""
    version = version or dataset_version()
    specs = [RESOURCES[name] for name in PACKAGE_RESOURCES] + [CITATIONS, TRANSLATIONS]
    return {
        "profile": "tabular-data-package",
        "name": "atd-tracker",
        "title": "ATD Tracker: alternatives to immigration detention",
        "description": "The published records of the ATD Tracker: country statuses on each "
        "indicator with their timelines, laws, ATD pilots, pledges, figures, the sources every "
        "claim cites, and the organisations involved. Identifiers (ISO codes, slugs, status "
        "ids) never change. Lists of slugs in one cell are separated by '; ', with the "
        f"names or labels in the column beside them. {NAMIBIA} Text that a spreadsheet "
        "would run as a formula (starting with =, +, -, @, a tab or a carriage return) has a "
        "' put in front of it.",
        "version": version.label,
        "created": cell(version.last_modified),
        "homepage": site_url("/"),
        "licenses": [LICENCE],
        "sources": [{"title": "ATD Tracker", "path": site_url("/")}],
        "resources": [_package_resource(spec) for spec in specs],
    }


def write_datapackage(file, version: "DatasetVersion") -> None:
    """Write the whole published dataset to `file` as a zip: a CSV per resource, datapackage.json.

    Rows are fetched and written chunk by chunk, so memory stays flat whatever the
    dataset's size. Files are dated by the dataset's version, so one version always gives
    the same bytes.
    """
    stamp = version.last_modified.timetuple()[:6]
    with zipfile.ZipFile(file, "w", zipfile.ZIP_DEFLATED) as archive:

        def add(name, records):
            with (
                archive.open(zipinfo(name, stamp), "w") as member,
                io.TextIOWrapper(member, encoding="utf-8", newline="") as text,
            ):
                csv.writer(text, lineterminator="\r\n").writerows(records)

        descriptor = json.dumps(datapackage_descriptor(version), indent=2, ensure_ascii=False)
        archive.writestr(zipinfo("datapackage.json", stamp), descriptor)
        for name in PACKAGE_RESOURCES:
            add(f"{name}.csv", rows(name, RESOURCES[name].published()))
        for spec, records in ((CITATIONS, citation_rows()), (TRANSLATIONS, translation_rows())):
            header = [column.name for column in spec.columns]
            lines = ([cell(column.get(row)) for column in spec.columns] for row in records)
            add(f"{spec.name}.csv", itertools.chain([header], lines))


def zipinfo(name, stamp):
    info = zipfile.ZipInfo(name, stamp)
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


@dataclass(frozen=True)
class DatasetVersion:
    """What identifies one state of the published dataset."""

    tag: str
    last_modified: datetime.datetime

    @property
    def label(self):
        """Human-readable and sortable: 2024-07-15T10:22:31Z-1a2b3c4d."""
        return f"{self.last_modified:%Y-%m-%dT%H:%M:%SZ}-{self.tag[:8]}"


def dataset_version() -> DatasetVersion:
    """The version of the published dataset: one query on one row, whatever the data's size.

    It changes whenever the dataset does (any save or delete bumps the revision), when the
    code does (the release), and every day, because current statuses derive from today's
    date: a status may take effect today without anyone editing it.
    """
    revision = Revision.current()
    today = datetime.date.today()
    digest = hashlib.sha256(
        f"{release()}|{revision.number}|{revision.changed_at.isoformat()}|{today}".encode()
    ).hexdigest()
    return DatasetVersion(tag=digest, last_modified=revision.changed_at.replace(microsecond=0))
