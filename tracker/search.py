"""Site search: every published record's text in the visitor's language, ranked, by kind.

Each kind of record (countries, statuses, laws…) is searched in one query. The text
searched is the text a visitor reads: each translated field in the active language,
falling back in the order pages use (django-modeltranslation) where a record has no
translation.

On PostgreSQL, full-text search with the text-search configuration of the language
(stemming: "offices" finds "office"; `websearch_to_tsquery`: "quoted phrases" and
-excluded words), titles weighted above text, ranked with `ts_rank` and the match marked
in a `ts_headline` snippet. Elsewhere (SQLite), every word must appear somewhere, a title
match ranks first, and the snippet is cut in Python.

The results are plain values (kind, title, url, snippet parts, rank), so pages and
downloads can use them alike.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.db import connection, transaction
from django.db.models import (
    Case,
    Count,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    TextField,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, Concat, NullIf
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_tasks import task
from modeltranslation.translator import NotRegistered, translator
from modeltranslation.utils import build_localized_fieldname, resolution_order

from countries.models import Country
from practices.models import Figure, Law, Pilot, Pledge, Source, Status

from . import siteurl
from .exports import Column, dataset_version
from .models import SearchEntry, SearchIndex
from .spreadsheets import Table
from .templatetags.tracker import local_date

MAX_QUERY_LENGTH = 200
# Results shown per kind; the count says how many there are in all.
PER_KIND = 10
SNIPPET_RADIUS = 90
# PostgreSQL's text-search configuration (stemmer and stop words) per site language.
TEXT_SEARCH_CONFIGS = {"en": "english", "es": "spanish", "fr": "french", "ar": "arabic"}
# ts_headline's highlight markers: private-use characters, never HTML. The snippet is split
# on them into parts that the template escapes, so record text can never become markup.
MARK_START, MARK_STOP = "\ue000", "\ue001"
TERMS = re.compile(r'(-?)"([^"]*)"?|(-?)(\S+)')


@dataclass(frozen=True)
class SnippetPart:
    text: str
    is_match: bool = False


@dataclass(frozen=True)
class Result:
    kind: str
    title: str
    url: str
    snippet: tuple[SnippetPart, ...] = ()
    rank: float = 0.0
    # (label, text) pairs that place the record: a status's country, indicator and value.
    details: tuple[tuple[str, str], ...] = ()


@dataclass
class Group:
    kind: str
    label: str
    count: int
    results: list[Result] = field(default_factory=list)

    @property
    def more(self):
        """How many matches are not shown."""
        return self.count - len(self.results)


@dataclass
class Found:
    groups: list[Group]

    @property
    def total(self):
        return sum(group.count for group in self.groups)

    @property
    def results(self):
        return [result for group in self.groups for result in group.results]

    def table(self):
        """Every result as a row of a download: what kind, what, where, and the match."""
        return Table(
            DOWNLOAD_COLUMNS,
            [(group, result) for group in self.groups for result in group.results],
        )


DOWNLOAD_COLUMNS = (
    Column("kind", "string", "The kind of record found.", lambda row: row[0].kind),
    Column("kind_label", "string", "The kind, named.", lambda row: str(row[0].label)),
    Column("title", "string", "The record as the page names it.", lambda row: row[1].title),
    Column(
        "details",
        "string",
        "What places the record (a status's indicator and value, and since when).",
        lambda row: "; ".join(text for _label, text in row[1].details),
    ),
    Column(
        "match",
        "string",
        "The words around the match.",
        lambda row: "".join(part.text for part in row[1].snippet),
    ),
    Column("public_url", "string", "Its page.", lambda row: siteurl.absolute(row[1].url)),
)


def status_details(status):
    """A status's result is titled with its place; these say what it answers, and since when."""
    if status.effective_from:
        when = _("since %(date)s") % {"date": local_date(status.effective_date)}
    else:
        when = _("reported as of %(date)s") % {"date": local_date(status.observed_date)}
    return (
        (_("Indicator"), str(status.indicator)),
        (_("Value"), str(status.value)),
        (_("Date"), str(when)),
    )


@dataclass(frozen=True)
class Kind:
    """A kind of record and the fields searched: title (weighted most), text, then place."""

    name: str
    label: str
    records: Callable
    title: tuple[str, ...]
    text: tuple[str, ...] = ()
    place: tuple[str, ...] = ()
    details: Callable = lambda record: ()
    title_of: Callable = str


KINDS = [
    Kind(
        "countries",
        _("Countries"),
        lambda: Country.objects.all(),
        title=("name", "iso2", "iso3"),
        text=("official_name",),
    ),
    Kind(
        "statuses",
        _("Statuses"),
        lambda: Status.objects.published().select_related(
            "country", "subdivision", "indicator", "value"
        ),
        title=("indicator__name", "value__label"),
        text=("legal_position", "practice", "caveat"),
        place=("country__name", "subdivision__name"),
        details=status_details,
        title_of=lambda status: status.place_name,
    ),
    Kind(
        "laws",
        _("Laws"),
        lambda: Law.objects.published(),
        title=("title",),
        text=("summary",),
        place=("country__name",),
    ),
    Kind(
        "pilots",
        _("Pilots"),
        lambda: Pilot.objects.published(),
        title=("name",),
        text=("description", "outcomes"),
        place=("country__name",),
    ),
    Kind(
        "pledges",
        _("Pledges"),
        lambda: Pledge.objects.published().select_related("country"),
        title=("forum",),
        text=("text",),
        place=("country__name",),
    ),
    Kind(
        "figures",
        _("Figures"),
        lambda: Figure.objects.published(),
        title=("description",),
        text=("measure",),
        place=("country__name",),
    ),
    Kind(
        "sources",
        _("Sources"),
        lambda: Source.objects.published(),
        title=("title",),
        text=("author", "publisher"),
    ),
]


@dataclass(frozen=True)
class Terms:
    """What a visitor typed: words or "quoted phrases" to find, -words to leave out."""

    wanted: tuple[str, ...]
    unwanted: tuple[str, ...]

    @classmethod
    def parse(cls, query):
        wanted, unwanted = [], []
        for quoted_minus, phrase, minus, word in TERMS.findall(query):
            term = " ".join(phrase.split()) if phrase else word.strip('"')
            if re.search(r"\w", term):  # punctuation alone finds nothing
                (unwanted if (quoted_minus or minus) else wanted).append(term)
        return cls(tuple(wanted), tuple(unwanted))


def in_language(model, path, language):
    """The text of field `path` as a visitor reads it in `language` (NULL when empty).

    A translated field is its column in the language, else the first non-empty one in
    django-modeltranslation's fallback order: exactly what the pages show.
    """
    *relations, name = path.split("__")
    for relation in relations:
        model = model._meta.get_field(relation).related_model
    try:
        translated = name in translator.get_options_for_model(model).fields
    except NotRegistered:
        translated = False
    prefix = "".join(f"{relation}__" for relation in relations)
    if not translated:
        return NullIf(F(path), Value(""), output_field=TextField())
    columns = [
        NullIf(
            F(prefix + build_localized_fieldname(name, code)), Value(""), output_field=TextField()
        )
        for code in resolution_order(language)
    ]
    return Coalesce(*columns, output_field=TextField())


def joined(expressions):
    """The non-empty texts, separated by a space ('' when there are none)."""
    if not expressions:
        return Value("", output_field=TextField())
    parts = []
    for expression in expressions:
        parts += [Coalesce(expression, Value(""), output_field=TextField()), Value(" ")]
    return Concat(*parts[:-1], output_field=TextField()) if len(parts) > 2 else parts[0]


def searchable(kind, language):
    """The kind's records with the text searched in `language` (`search_title`, `search_text`,
    `search_place`), and the text fields' expressions (for snippets)."""
    model = kind.records().model
    title = joined([in_language(model, path, language) for path in kind.title])
    text = [in_language(model, path, language) for path in kind.text]
    place = joined([in_language(model, path, language) for path in kind.place])
    records = kind.records().annotate(
        search_title=title, search_text=joined(text), search_place=place
    )
    return records, text


def document(config):
    """The weighted text-search document of `searchable` records: title, text, then place."""
    return (
        SearchVector("search_title", weight="A", config=config)
        + SearchVector("search_text", weight="B", config=config)
        + SearchVector("search_place", weight="C", config=config)
    )


class Searcher:
    def __init__(self, query, language, per_kind, indexed=False):
        self.query = query
        self.terms = Terms.parse(query)
        self.language = language
        self.per_kind = per_kind
        self.indexed = indexed

    @cached_property
    def full_text(self):
        return connection.vendor == "postgresql"

    def group(self, kind):
        if not self.terms.wanted:
            return Group(kind.name, kind.label, 0)
        records, text = searchable(kind, self.language)
        if self.full_text:
            matches = self.postgresql(kind, records, text)
        else:
            matches = self.fallback(records, text)
        if "total" not in matches.query.annotations:
            matches = matches.annotate(total=Window(Count("pk")))
        if self.per_kind is not None:
            matches = matches[: self.per_kind]
        results, total = [], 0
        for record in matches:
            total = record.total
            results.append(
                Result(
                    kind=kind.name,
                    title=kind.title_of(record),
                    url=record.get_absolute_url(),
                    snippet=self.snippet(record),
                    rank=float(record.rank),
                    details=tuple((str(label), text) for label, text in kind.details(record)),
                )
            )
        return Group(kind.name, kind.label, total, results)

    # PostgreSQL: full-text search in the language's configuration.

    @cached_property
    def config(self):
        return TEXT_SEARCH_CONFIGS.get(self.language, "simple")

    def postgresql(self, kind, records, text):
        query = SearchQuery(self.query, search_type="websearch", config=self.config)
        if self.indexed:
            found = self.indexed_page(kind, records, query)
        else:
            found = (
                records.annotate(document=document(self.config))
                .filter(document=query)
                .annotate(rank=SearchRank(F("document"), query))
            )
        # The texts joined by an ellipsis, so a snippet running from one into the next says so.
        fragments = Func(Value(" … "), *text, function="CONCAT_WS", output_field=TextField())
        return found.annotate(
            headline=SearchHeadline(
                fragments if text else Value(""),
                query,
                config=self.config,
                start_sel=MARK_START,
                stop_sel=MARK_STOP,
                max_words=25,
                min_words=10,
                max_fragments=2,
                fragment_delimiter=" … ",
            ),
        ).order_by("-rank", "search_title", "pk")

    def indexed_page(self, kind, records, query):
        """The records of the page, matched, ranked, ordered and counted in the documents
        stored for the dataset version (their GIN index, their stored titles for ties), so
        that only the records shown are read, however many match. Only published records
        are `records`, so an entry left from an older version never shows a draft."""
        entries = SearchEntry.objects.filter(
            kind=kind.name, language=self.language, document=query
        ).annotate(rank=SearchRank(F("document"), query))
        published = entries.filter(object_id__in=kind.records().values("pk"))
        shown = published.order_by("-rank", "title", "object_id").values("object_id")
        if self.per_kind is not None:
            shown = shown[: self.per_kind]
        total = published.order_by().values("kind").annotate(count=Count("pk")).values("count")
        rank = entries.filter(object_id=OuterRef("pk")).values("rank")[:1]
        return records.filter(pk__in=shown).annotate(
            rank=Subquery(rank, output_field=FloatField()),
            total=Subquery(total, output_field=IntegerField()),
        )

    # Elsewhere: every term somewhere in the record, none of the -terms.

    def fallback(self, records, text):
        def anywhere(term):
            return (
                Q(search_title__icontains=term)
                | Q(search_text__icontains=term)
                | Q(search_place__icontains=term)
            )

        condition = Q()
        for term in self.terms.wanted:
            condition &= anywhere(term)
        for term in self.terms.unwanted:
            condition &= ~anywhere(term)
        phrase = " ".join(self.terms.wanted)
        in_title = Q()
        for term in self.terms.wanted:
            in_title |= Q(search_title__icontains=term)
        rank = Case(
            When(search_title__istartswith=phrase, then=Value(1.0)),
            When(search_title__icontains=phrase, then=Value(0.8)),
            When(in_title, then=Value(0.5)),
            default=Value(0.2),
            output_field=FloatField(),
        )
        return (
            records.filter(condition).annotate(rank=rank).order_by("-rank", "search_title", "pk")
        )

    def snippet(self, record):
        if self.full_text:
            return split_marked(record.headline)
        return cut_around(record.search_text, self.terms.wanted)


def split_marked(headline):
    """ts_headline's output as parts, the text between the markers being a match."""
    parts = []
    for piece in re.split(f"({MARK_START}.*?{MARK_STOP})", headline or ""):
        if piece.startswith(MARK_START) and piece.endswith(MARK_STOP):
            parts.append(SnippetPart(piece[1:-1], is_match=True))
        elif piece:
            parts.append(SnippetPart(piece))
    return tuple(parts)


def cut_around(text, terms):
    """The words around the first match of any term, every match in them marked."""
    text = " ".join((text or "").split())
    if not text or not terms:
        return ()
    pattern = re.compile("|".join(re.escape(term) for term in terms), re.IGNORECASE)
    first = pattern.search(text)
    if not first:
        return ()
    start = max(0, first.start() - SNIPPET_RADIUS)
    end = min(len(text), first.end() + SNIPPET_RADIUS)
    window = text[start:end]
    parts = [SnippetPart("…")] if start else []
    position = 0
    for match in pattern.finditer(window):
        if match.start() > position:
            parts.append(SnippetPart(window[position : match.start()]))
        parts.append(SnippetPart(match.group(), is_match=True))
        position = match.end()
    parts.append(SnippetPart(window[position:] + ("…" if end < len(text) else "")))
    return tuple(part for part in parts if part.text)


def search(query, language=None, per_kind=PER_KIND, version=None):
    """Published records matching `query`, grouped by kind, best first within each kind.

    One query per kind; at most `per_kind` results each (None: all), with the count of all.
    On PostgreSQL, one more reads the search index's state (`version`: the dataset version,
    when the caller has it).
    """
    language = language or get_language() or "en"
    terms = Terms.parse(query)
    indexed = bool(terms.wanted) and index_is_usable(language, version)
    searcher = Searcher(query, language, per_kind, indexed)
    return Found([searcher.group(kind) for kind in KINDS])


# The search index (PostgreSQL) ----------------------------------------------------------


def index_is_usable(language, version=None):
    """Whether search may read the stored documents (SearchEntry) in `language`.

    When they hold an older dataset version, a rebuild is asked for, once per version: the
    worker builds it (TASK_BACKEND=database), or this very process, now, with the immediate
    backend. Until then the older entries serve; an index never built is not used at all.
    A rebuild asked for more than SEARCH_REBUILD_TIMEOUT ago and still not done (its worker
    died, or it failed) is asked for again, by one asker only.
    """
    if connection.vendor != "postgresql" or language not in TEXT_SEARCH_CONFIGS:
        return False
    version = version or dataset_version()
    index = SearchIndex.state()
    if index.version_tag != version.tag:
        now = timezone.now()
        lost = now - timedelta(seconds=settings.SEARCH_REBUILD_TIMEOUT)
        asked = (
            SearchIndex.objects.filter(pk=index.pk)
            .filter(
                ~Q(requested_tag=version.tag)
                | Q(requested_at__isnull=True)
                | Q(requested_at__lt=lost)
            )
            .update(requested_tag=version.tag, requested_at=now)
        )
        if asked:
            rebuild_index.enqueue()
            index.refresh_from_db()
    return bool(index.version_tag)


@task()
def rebuild_index():
    """Store every record's document in every language, for the current dataset version.

    One INSERT … SELECT per kind and language: PostgreSQL parses the text where it lives.
    Searches read the previous entries until this transaction commits.
    """
    with transaction.atomic():
        version = dataset_version()
        SearchEntry.objects.all().delete()
        table = SearchEntry._meta.db_table
        with connection.cursor() as cursor:
            for kind in KINDS:
                for language, config in TEXT_SEARCH_CONFIGS.items():
                    records, _text = searchable(kind, language)
                    selected = records.annotate(
                        entry_id=F("pk"),
                        entry_title=F("search_title"),
                        entry_document=document(config),
                    ).values("entry_id", "entry_title", "entry_document")
                    sql, params = selected.query.sql_with_params()
                    cursor.execute(
                        f"INSERT INTO {table} (kind, language, object_id, title, document) "
                        "SELECT %s, %s, found.entry_id, found.entry_title, "
                        f"found.entry_document FROM ({sql}) AS found",
                        [kind.name, language, *params],
                    )
            # Fresh statistics, so that the planner knows how many entries a term matches.
            cursor.execute(f"ANALYZE {table}")
        SearchIndex.objects.filter(pk=SearchIndex.state().pk).update(
            version_tag=version.tag, built_at=timezone.now()
        )
