"""A source's candidates: found, compared with what the tracker holds, turned into drafts."""

from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from countries.models import Country, CountryGroup, Subdivision
from curation.models import Candidate, RecordType
from curation.vocabulary import candidate_finder
from practices.models import Citation, Indicator, IndicatorValue, Status, quote_found


@transaction.atomic
def refresh_candidates(source, finder=None):
    """Read the source's text again: open candidates are replaced, dismissed ones stay
    dismissed. Returns the number of open candidates."""
    finder = finder or candidate_finder()
    text = type(source).objects.filter(pk=source.pk).values_list("text", flat=True).get()
    source.candidates.open().delete()
    dismissed = set(source.candidates.values_list("start", "end"))
    findings = [f for f in finder.find(text) if (f.start, f.end) not in dismissed] if text else []
    countries = {c.iso2: c for c in Country.objects.all()}
    subdivisions = {}
    codes = {f.place.code for f in findings if f.place and f.place.kind == "subdivision"}
    if codes:
        subdivisions = {s.code: s for s in Subdivision.objects.filter(code__in=codes)}
    groups = {g.slug: g for g in CountryGroup.objects.all()}
    indicators = {i.slug: i for i in Indicator.objects.all()}
    values = {
        (v.indicator.slug, v.slug): v for v in IndicatorValue.objects.select_related("indicator")
    }
    for finding in findings:
        place = finding.place
        date, number = finding.date, finding.number
        candidate = Candidate.objects.create(
            source=source,
            start=finding.start,
            end=finding.end,
            text=finding.text,
            language=finding.language,
            country=countries.get(finding.country_code),
            subdivision=subdivisions.get(place.code) if place.kind == "subdivision" else None,
            country_group=groups.get(place.code) if place.kind == "group" else None,
            place_in_context=finding.place_in_context,
            date=date.value if date else None,
            date_precision=date.precision if date else "",
            date_text=date.text[:100] if date else "",
            number=number.value if number else None,
            number_qualifier=number.qualifier if number else "",
            number_counts=number.counts[:100] if number else "",
            number_unit=number.unit if number else "",
            record_type=finding.record_type,
            law_kind=finding.law_kind,
        )
        candidate.indicators.set([indicators[s] for s in finding.indicators if s in indicators])
        candidate.values.set([values[key] for key in finding.values if key in values])
    return len(findings)


def records_citing(candidate, citations):
    """Records citing the candidate's source with a quote from the candidate's sentence."""
    return [
        citation.record
        for citation in citations
        if citation.record is not None
        and (
            quote_found(citation.quote, candidate.text)
            or quote_found(candidate.text, citation.quote)
        )
    ]


def attach_matching_records(candidates, source):
    """Give each candidate `matches`: records citing the same quote, then statuses of the
    same country on an indicator it may bear on. Three queries whatever the count."""
    citations = list(Citation.objects.filter(source=source).prefetch_related("record"))
    countries = {c.country_id for c in candidates if c.country_id}
    statuses = Status.objects.filter(country_id__in=countries).select_related(
        "indicator", "value", "country", "subdivision"
    )
    by_place_and_indicator = {}
    for status in statuses:
        by_place_and_indicator.setdefault((status.country_id, status.indicator_id), []).append(
            status
        )
    for candidate in candidates:
        records = records_citing(candidate, citations)
        for indicator in candidate.indicators.all():
            for status in by_place_and_indicator.get((candidate.country_id, indicator.pk), []):
                if status not in records:
                    records.append(status)
        candidate.matches = records


def draft_initial(candidate, record_type):
    """The add form's fields that the candidate can fill, as the admin reads them from the
    query string."""
    initial = {}
    if candidate.country_id:
        initial["country"] = candidate.country_id
    if candidate.subdivision_id:
        initial["subdivision"] = candidate.subdivision_id
    if candidate.country_group_id and record_type in (
        RecordType.LAW,
        RecordType.PILOT,
        RecordType.PLEDGE,
    ):
        initial["country_groups"] = candidate.country_group_id
    date = candidate.date.isoformat() if candidate.date else None
    if record_type == RecordType.STATUS:
        indicators = list(candidate.indicators.all())
        values = list(candidate.values.all())
        if indicators:
            initial["indicator"] = indicators[0].pk
        if values and values[0].indicator_id == initial.get("indicator"):
            initial["value"] = values[0].pk
        if date:
            initial["effective_from"] = date
            initial["effective_precision"] = candidate.date_precision
        if candidate.source.published_on:
            initial["observed_on"] = candidate.source.published_on.isoformat()
            initial["observed_precision"] = candidate.source.published_precision
    elif record_type == RecordType.LAW:
        if candidate.law_kind:
            initial["kind"] = candidate.law_kind
        if date:
            initial["adopted_on"] = date
    elif record_type == RecordType.PILOT:
        if date:
            initial["started_on"] = date
    elif record_type == RecordType.PLEDGE:
        if date:
            initial["pledged_on"] = date
    elif record_type == RecordType.FIGURE:
        if candidate.number is not None:
            initial["value"] = str(candidate.number)
            initial["qualifier"] = candidate.number_qualifier
        if candidate.number_unit:
            initial["unit"] = candidate.number_unit
        if candidate.number_counts:
            # The English text: the admin's forms show every language side by side.
            initial[f"description_{settings.LANGUAGE_CODE}"] = candidate.number_counts
    initial["citation_source"] = candidate.source_id
    initial["citation_quote"] = candidate.text
    return initial


def draft_url(candidate, record_type):
    return (
        reverse(f"admin:practices_{record_type}_add")
        + "?"
        + urlencode(draft_initial(candidate, record_type))
    )
