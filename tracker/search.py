"""Site search across countries and every kind of published record, ranked."""

from dataclasses import dataclass

from django.db.models import Case, IntegerField, Q, Value, When

from countries.models import Country
from practices.models import Figure, Law, Pilot, Pledge, Source

MAX_QUERY_LENGTH = 200
SNIPPET_RADIUS = 90

# (queryset, title field, other searched text fields)
SEARCHED = [
    (lambda: Country.objects.all(), "name", ["official_name", "iso2", "iso3"]),
    (lambda: Law.objects.published().select_related("country"), "title", ["summary"]),
    (lambda: Pilot.objects.published(), "name", ["description", "outcomes"]),
    (lambda: Pledge.objects.published().select_related("country"), "forum", ["text"]),
    (lambda: Figure.objects.published(), "description", ["measure"]),
    (lambda: Source.objects.published(), "title", ["author", "publisher"]),
]


@dataclass
class Result:
    record: object
    title: str
    rank: int
    snippet: dict | None


def snippet(texts, query):
    """The words around the first match, split so the template can mark the match."""
    needle = query.lower()
    for text in texts:
        position = (text or "").lower().find(needle)
        if position >= 0:
            start = max(0, position - SNIPPET_RADIUS)
            end = position + len(query) + SNIPPET_RADIUS
            return {
                "before": ("…" if start else "") + text[start:position],
                "match": text[position : position + len(query)],
                "after": text[position + len(query) : end] + ("…" if end < len(text) else ""),
            }
    return None


def search(query, per_kind=25):
    """Published records matching every word of the query, best first.

    A match at the start of a title ranks above one inside a title, which ranks
    above a match in the text alone. One query per kind of record.
    """
    words = query.split()
    results = []
    for queryset, title_field, text_fields in SEARCHED:
        fields = [title_field, *text_fields]
        condition = Q()
        for word in words:
            any_field = Q()
            for name in fields:
                any_field |= Q(**{f"{name}__icontains": word})
            condition &= any_field
        matches = (
            queryset()
            .filter(condition)
            .annotate(
                rank=Case(
                    When(**{f"{title_field}__istartswith": query}, then=Value(3)),
                    When(**{f"{title_field}__icontains": query}, then=Value(2)),
                    default=Value(1),
                    output_field=IntegerField(),
                )
            )
            .order_by("-rank", title_field)[:per_kind]
        )
        for record in matches:
            texts = [str(getattr(record, name) or "") for name in fields]
            results.append(Result(record, str(record), record.rank, snippet(texts, words[0])))
    return sorted(results, key=lambda result: -result.rank)
