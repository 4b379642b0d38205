"""Find researcher-written phrases in a text: whole words, any case, any accents.

A phrase such as "detain*" or "alternatives to detention" is looked up word by word in a
folded copy of the text that keeps every character at its offset, so a match points
straight back into the original.
"""

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

# Typographic variants folded to the ASCII character a researcher types.
TYPOGRAPHIC = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "“": '"', "”": '"', "–": "-", "—": "-"})


def fold_character(character):
    base = unicodedata.normalize("NFD", character)[0].lower()
    return base if len(base) == 1 else character


def fold(text):
    """Lower case without accents, one character for one character."""
    return "".join(fold_character(c) for c in text.translate(TYPOGRAPHIC))


WORD = re.compile(r"\w+")

# Arabic writes "and", "so", "with", "for", "like" and "the" onto the word that follows:
# "بالمكسيك" is "in Mexico". Phrases are written without them; a word is also tried
# without each of these.
ARABIC_PREFIXES = sorted(
    {c + p for c in ("", "و", "ف") for p in ("", "ب", "ك", "ل", "ال", "بال", "كال", "لل")} - {""},
    key=len,
)
ARABIC_ARTICLE = "ال"


def words_and_gaps(folded, start=0, end=None):
    """The words of a folded text with their offsets, and whether only spaces separate
    each word from the one before it."""
    words = []
    previous_end = None
    for match in WORD.finditer(folded, start, len(folded) if end is None else end):
        gap = "" if previous_end is None else folded[previous_end : match.start()]
        words.append((match.group(), match.start(), match.end(), gap))
        previous_end = match.end()
    return words


PHRASE_WORD = re.compile(r"\w+(\*)?")


@dataclass(frozen=True)
class Phrase:
    words: tuple  # folded; an Arabic phrase's first word without its article
    gaps: tuple  # what separates each word from the one before, spaces collapsed
    prefixes: tuple  # for each word, whether it ends in "*" (any ending matches)
    meaning: object

    @classmethod
    def parse(cls, phrase, language, meaning):
        folded = fold(phrase.strip())
        words, gaps, prefixes, previous_end = [], [], [], None
        for match in PHRASE_WORD.finditer(folded):
            gap = "" if previous_end is None else folded[previous_end : match.start()]
            words.append(match.group().rstrip("*"))
            gaps.append(normalise_gap(gap))
            prefixes.append(bool(match.group(1)))
            previous_end = match.end()
        if not words:
            return None
        if language == "ar" and words[0].startswith(ARABIC_ARTICLE) and len(words[0]) > 3:
            words[0] = words[0][len(ARABIC_ARTICLE) :]
        return cls(tuple(words), tuple(gaps), tuple(prefixes), meaning)

    def word_matches(self, index, word):
        if self.prefixes[index]:
            return word.startswith(self.words[index])
        return word == self.words[index]


def normalise_gap(gap):
    return " " if gap.isspace() else " ".join(gap.split())


def stems(word):
    """The word, and for Arabic script the word without each prefix it may carry."""
    yield word
    for prefix in ARABIC_PREFIXES:
        if word.startswith(prefix) and len(word) > len(prefix) + 1:
            yield word[len(prefix) :]


@dataclass(frozen=True)
class PhraseMatch:
    start: int
    end: int
    meaning: object


class PhraseFinder:
    """Finds many phrases at once, each standing for a meaning (a place, a cue).

    Phrases are indexed by their first word (its stem when it ends in "*"), so a text is
    read once whatever the number of phrases."""

    def __init__(self, phrases):
        """phrases: (phrase, language, meaning) triples."""
        self.exact = defaultdict(list)
        self.by_stem = defaultdict(list)
        for text, language, meaning in phrases:
            phrase = Phrase.parse(text, language, meaning)
            if phrase is None:
                continue
            if phrase.prefixes[0]:
                self.by_stem[phrase.words[0]].append(phrase)
            else:
                self.exact[phrase.words[0]].append(phrase)
        self.longest_stem = max(map(len, self.by_stem), default=0)

    def phrases_starting(self, word):
        for stem in stems(word):
            yield from self.exact.get(stem, ())
            for length in range(1, min(len(stem), self.longest_stem) + 1):
                yield from self.by_stem.get(stem[:length], ())

    def find(self, text, folded=None):
        folded = fold(text) if folded is None else folded
        words = words_and_gaps(folded)
        matches = []
        position = 0
        while position < len(words):
            longest = None
            for phrase in self.phrases_starting(words[position][0]):
                end = position + len(phrase.words)
                if end > len(words):
                    continue
                following = words[position + 1 : end]
                if all(
                    phrase.word_matches(i, word) and normalise_gap(gap) == phrase.gaps[i]
                    for i, (word, _s, _e, gap) in enumerate(following, start=1)
                ) and (longest is None or len(phrase.words) > len(longest.words)):
                    longest = phrase
            if longest is None:
                position += 1
                continue
            last = position + len(longest.words) - 1
            matches.append(PhraseMatch(words[position][1], words[last][2], longest.meaning))
            position = last + 1
        return matches
