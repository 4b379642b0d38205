"""The candidate finder: the sentences of a document that may support a record.

A candidate is a sentence that names a place (a country, a subdivision of a country the
document names, or a country group), or a sentence about the last place named before it
that carries a signal: a cue phrase, a date or a number. A sentence that names no place,
right after a candidate in the same paragraph, continues it: a candidate is a sentence or
two. Cue phrases, dates and numbers also tell what the candidate may become.
"""

import re
from collections import Counter
from dataclasses import dataclass, field, replace

import pysbd

from curation.detectors import find_dates, find_numbers
from curation.phrases import PhraseFinder, fold

MAX_SENTENCES = 2


@dataclass(frozen=True)
class Place:
    kind: str  # "country", "subdivision" or "group"
    code: str  # ISO alpha-2, ISO 3166-2 or the group's slug
    country: str = ""  # a subdivision's country


@dataclass(frozen=True)
class Cue:
    indicator: str = ""  # slugs
    value: str = ""
    record_type: str = ""
    law_kind: str = ""


@dataclass
class Sentence:
    start: int
    end: int
    paragraph: int
    places: list = field(default_factory=list)
    cues: list = field(default_factory=list)
    dates: list = field(default_factory=list)
    numbers: list = field(default_factory=list)
    context: list = field(default_factory=list)  # the places it is about, named or not

    @property
    def has_signal(self):
        return bool(self.cues or self.dates or self.numbers)


@dataclass
class Finding:
    """One candidate: where it is, what it names and what it may say."""

    start: int
    end: int
    text: str
    language: str
    places: list
    place_in_context: bool
    cues: list
    dates: list
    numbers: list

    @property
    def place(self):
        """The most specific place the candidate is about: a subdivision over its country."""
        for kind in ("subdivision", "country", "group"):
            for place in self.places:
                if place.kind == kind:
                    return place
        return None

    @property
    def country_code(self):
        place = self.place
        if place is None or place.kind == "group":
            return ""
        return place.country if place.kind == "subdivision" else place.code

    @property
    def indicators(self):
        return list(dict.fromkeys(cue.indicator for cue in self.cues if cue.indicator))

    @property
    def values(self):
        return list(dict.fromkeys((cue.indicator, cue.value) for cue in self.cues if cue.value))

    @property
    def law_kind(self):
        return next((cue.law_kind for cue in self.cues if cue.law_kind), "")

    @property
    def record_type(self):
        """What the cues suggest most; a counted number suggests a figure, an indicator a
        status."""
        votes = Counter(cue.record_type for cue in self.cues if cue.record_type)
        if votes:
            return votes.most_common(1)[0][0]
        if any(number.unit for number in self.numbers):
            return "figure"
        if self.law_kind:
            return "law"
        return "status"

    @property
    def date(self):
        return self.dates[0] if self.dates else None

    @property
    def number(self):
        counted = [number for number in self.numbers if number.unit]
        return (counted or self.numbers or [None])[0]


# Words that only one of the four languages uses often: enough to tell them apart.
FUNCTION_WORDS = {
    "en": {"the", "and", "of", "to", "in", "is", "that", "with", "for", "was"},
    "es": {"el", "los", "las", "del", "que", "y", "en", "por", "una", "con"},
    "fr": {"le", "les", "des", "du", "et", "est", "une", "dans", "pour", "que"},
}
ARABIC_LETTER = re.compile(r"[\u0600-\u06ff]")
WORD = re.compile(r"\w+")


def guess_language(text):
    """ "en", "es", "fr" or "ar": the language whose common words the text uses most."""
    sample = text[:20000]
    letters = sum(character.isalpha() for character in sample) or 1
    if len(ARABIC_LETTER.findall(sample)) / letters > 0.3:
        return "ar"
    words = Counter(word.lower() for word in WORD.findall(sample))
    scores = {
        language: sum(words[word] for word in common)
        for language, common in FUNCTION_WORDS.items()
    }
    return max(scores, key=scores.get)


class CandidateFinder:
    """Reads documents with the places and cue phrases it was given."""

    def __init__(self, place_names, cue_phrases):
        """place_names and cue_phrases: (phrase, language, Place or Cue) triples."""
        place_names = list(place_names)
        self.places = PhraseFinder(n for n in place_names if n[2].kind != "subdivision")
        self.subdivisions = PhraseFinder(n for n in place_names if n[2].kind == "subdivision")
        self.cues = PhraseFinder(cue_phrases)
        self.segmenters = {}

    def sentences(self, text, language):
        segmenter = self.segmenters.setdefault(
            language, pysbd.Segmenter(language=language, clean=False, char_span=True)
        )
        for number, paragraph in enumerate(re.finditer(r"[^\n]+(?:\n(?!\s*\n)[^\n]*)*", text)):
            for span in segmenter.segment(paragraph.group()):
                start = paragraph.start() + span.start
                end = paragraph.start() + span.end
                while end > start and text[end - 1].isspace():
                    end -= 1
                while start < end and text[start].isspace():
                    start += 1
                if end > start:
                    yield Sentence(start, end, number)

    def find(self, text, language=None):
        language = language or guess_language(text)
        folded = fold(text)
        places = self.places.find(text, folded)
        countries_named = {m.meaning.code for m in places if m.meaning.kind == "country"}
        subdivisions = [
            m for m in self.subdivisions.find(text, folded) if m.meaning.country in countries_named
        ]
        places = longest_first(places + subdivisions)
        cues = self.cues.find(text, folded)
        sentences = list(self.sentences(text, language))
        for sentence in sentences:
            sentence.places = unique(m.meaning for m in within(places, sentence))
            sentence.cues = unique(m.meaning for m in within(cues, sentence))
            sentence_text = text[sentence.start : sentence.end]
            sentence.dates = shifted(find_dates(sentence_text, language), sentence.start)
            sentence.numbers = shifted(find_numbers(sentence_text, language), sentence.start)
        return [finding(run, text, language) for run in runs_of_candidates(sentences)]


def runs_of_candidates(sentences):
    """Sentences that name a place, and sentences with a signal about the last place named
    before them (or, before any, the place the document names most); each joined by the
    next sentence of its paragraph when that one names no place (it continues it)."""
    named = Counter(place for sentence in sentences for place in sentence.places)
    context = [named.most_common(1)[0][0]] if named else []
    runs, run, paragraph = [], None, None
    for sentence in sentences:
        if sentence.paragraph != paragraph:
            paragraph, run = sentence.paragraph, None
        context = sentence.places or context
        sentence.context = context
        if run is not None and not sentence.places and len(run) < MAX_SENTENCES:
            run.append(sentence)
        elif sentence.places or (context and sentence.has_signal):
            run = [sentence]
            runs.append(run)
        else:
            run = None
    return runs


def finding(sentences, text, language):
    first, last = sentences[0], sentences[-1]
    own_places = unique(place for s in sentences for place in s.places)
    return Finding(
        start=first.start,
        end=last.end,
        text=text[first.start : last.end],
        language=language,
        places=own_places or list(first.context),
        place_in_context=not own_places,
        cues=unique(cue for s in sentences for cue in s.cues),
        dates=[date for s in sentences for date in s.dates],
        numbers=[number for s in sentences for number in s.numbers],
    )


def longest_first(matches):
    """Matches that do not overlap, a longer one ("Ciudad de México") over a shorter."""
    kept = []
    for match in sorted(matches, key=lambda m: m.start - m.end):
        if all(match.end <= other.start or other.end <= match.start for other in kept):
            kept.append(match)
    return sorted(kept, key=lambda m: m.start)


def within(matches, sentence):
    return [m for m in matches if m.start >= sentence.start and m.end <= sentence.end]


def unique(items):
    return list(dict.fromkeys(items))


def shifted(mentions, offset):
    """Mentions found in a sentence, with offsets into the whole text."""
    return [
        replace(mention, start=mention.start + offset, end=mention.end + offset)
        for mention in mentions
    ]
