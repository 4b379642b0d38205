"""How well the candidate finder finds what researchers recorded: its candidates over the
stored text of every source, against the citations of the published dataset."""

import re
from collections import defaultdict
from dataclasses import dataclass, field

from curation.finder import guess_language
from practices.models import (
    QUOTE_MARKS,
    Citation,
    Figure,
    Law,
    Pilot,
    Pledge,
    PublicationStatus,
    Source,
    Status,
)

RECORD_TYPES = {"status": Status, "law": Law, "pilot": Pilot, "pledge": Pledge, "figure": Figure}
RECORD_DATES = {
    "status": ["effective_from", "observed_on"],
    "law": ["adopted_on", "in_force_on", "repealed_on"],
    "pilot": ["started_on", "ended_on"],
    "pledge": ["pledged_on"],
    "figure": ["period_start", "period_end"],
}


def quote_span(quote, text):
    """Where the quote is in the text, ignoring what the quote check ignores; None if absent."""
    words = quote.translate(QUOTE_MARKS).split()
    if not words:
        return None
    marks = {
        "'": "['\u2018\u2019\u201a\u201b\u2032]",
        '"': '["\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb]',
    }
    pattern = r"\s+".join(
        "".join(marks.get(character, re.escape(character)) for character in word) for word in words
    )
    match = re.search(pattern, text)
    return (match.start(), match.end()) if match else None


@dataclass
class Share:
    hits: int = 0
    total: int = 0

    def add(self, hit):
        self.hits += bool(hit)
        self.total += 1

    @property
    def fraction(self):
        return self.hits / self.total if self.total else 0.0

    def __str__(self):
        return f"{self.fraction:.2f} ({self.hits}/{self.total})"


@dataclass
class Evaluation:
    recall: Share = field(default_factory=Share)
    precision: Share = field(default_factory=Share)
    recall_by_type: dict = field(default_factory=lambda: defaultdict(Share))
    recall_by_language: dict = field(default_factory=lambda: defaultdict(Share))
    precision_by_type: dict = field(default_factory=lambda: defaultdict(Share))
    precision_by_language: dict = field(default_factory=lambda: defaultdict(Share))
    detected: dict = field(default_factory=lambda: defaultdict(Share))
    sources: int = 0
    missed: list = field(default_factory=list)

    def lines(self):
        yield f"sources read: {self.sources}"
        yield f"recall (citation quotes inside a candidate): {self.recall}"
        for name, shares in [
            ("record type", self.recall_by_type),
            ("language", self.recall_by_language),
        ]:
            for key, share in sorted(shares.items()):
                yield f"  recall, {name} {key}: {share}"
        yield f"precision (candidates overlapping a citation): {self.precision}"
        for name, shares in [
            ("suggested record type", self.precision_by_type),
            ("language", self.precision_by_language),
        ]:
            for key, share in sorted(shares.items()):
                yield f"  precision, {name} {key}: {share}"
        for detail, share in sorted(self.detected.items()):
            yield f"detected {detail} matching the record's: {share}"
        yield f"recall {self.recall.fraction:.3f} precision {self.precision.fraction:.3f}"


def published_citations():
    """{source id: [(record type, record, citation)]} for every published record."""
    by_source = defaultdict(list)
    for record_type, model in RECORD_TYPES.items():
        records = model.objects.published().select_related(
            *[f.name for f in model._meta.fields if f.name in ("country", "subdivision")]
        )
        records = {record.pk: record for record in records}
        citations = Citation.objects.filter(
            content_type__model=record_type,
            content_type__app_label="practices",
            object_id__in=records,
            source__publication_status=PublicationStatus.PUBLISHED,
        )
        for citation in citations:
            by_source[citation.source_id].append(
                (record_type, records[citation.object_id], citation)
            )
    return by_source


def record_countries(record):
    if hasattr(record, "all_countries"):
        return {country.iso2 for country in record.all_countries}
    return {record.country.iso2} if record.country_id else set()


def compare_details(finding, record_type, record, detected):
    if finding.country_code:
        detected["country"].add(finding.country_code in record_countries(record))
    if finding.date:
        dates = [getattr(record, name) for name in RECORD_DATES[record_type]]
        detected["date"].add(any(same_date(finding.date, date) for date in dates if date))
    if finding.number and record_type == "figure":
        detected["number"].add(finding.number.value == record.value)


def same_date(mention, date):
    if mention.precision == "year":
        return mention.value.year == date.year
    if mention.precision == "month":
        return (mention.value.year, mention.value.month) == (date.year, date.month)
    return mention.value == date


def evaluate(finder, sources=None):
    """Run the finder over every source with text and score it against the citations."""
    evaluation = Evaluation()
    citations = published_citations()
    sources = sources if sources is not None else Source.objects.published().exclude(text="")
    for source in sources:
        text = source.text
        language = guess_language(text)
        findings = finder.find(text, language)
        evaluation.sources += 1
        cited = []
        for record_type, record, citation in citations.get(source.pk, []):
            span = quote_span(citation.quote, text)
            if span is None:
                continue
            cited.append((record_type, record, span))
            inside = [f for f in findings if f.start <= span[0] and span[1] <= f.end]
            evaluation.recall.add(inside)
            evaluation.recall_by_type[record_type].add(inside)
            evaluation.recall_by_language[language].add(inside)
            if not inside:
                evaluation.missed.append((source.slug, record_type, citation.quote))
        for finding in findings:
            overlapping = [
                (record_type, record)
                for record_type, record, (start, end) in cited
                if start < finding.end and finding.start < end
            ]
            evaluation.precision.add(overlapping)
            evaluation.precision_by_type[finding.record_type].add(overlapping)
            evaluation.precision_by_language[finding.language].add(overlapping)
            for record_type, record in overlapping[:1]:
                compare_details(finding, record_type, record, evaluation.detected)
    return evaluation
