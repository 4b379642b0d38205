"""The real dataset in fixtures/: every claim sourced, every quote exact, every article once."""

import re
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command

from practices.models import Figure, Law, Pilot, Pledge, Source, Status

SEEDS = Path(settings.BASE_DIR).parent / "shared" / "seeds"
TYPOGRAPHIC = str.maketrans(
    {"‘": "'", "’": "'", "‚": "'", "‛": "'", "“": '"', "”": '"', "„": '"', "‟": '"'}
)


def normalise(text):
    return re.sub(r"\s+", " ", text.translate(TYPOGRAPHIC)).strip()


def dataset_quotes():
    for path in sorted(Path(settings.DATASET_DIR).rglob("*.yaml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for entries in document.values():
            for entry in entries or []:
                for citation in entry.get("citations") or [] if isinstance(entry, dict) else []:
                    yield path.name, citation["source"], citation.get("quote") or ""


@pytest.mark.django_db
def test_every_published_claim_cites_a_source_and_every_article_is_one_source():
    call_command("load_dataset", stdout=StringIO())
    for model in (Status, Law, Pilot, Pledge, Figure):
        assert model.objects.published().exists(), model
        unsourced = [
            str(record)
            for record in model.objects.published().with_citations()
            if not record.public_citations
        ]
        assert unsourced == [], model
    titles = [normalise(title).lower() for title in Source.objects.values_list("title", flat=True)]
    assert len(titles) == len(set(titles))


@pytest.mark.skipif(not SEEDS.is_dir(), reason=f"the seed articles are not here ({SEEDS})")
def test_every_quote_appears_verbatim_in_the_seed_articles():
    articles = normalise(" ".join(p.read_text(encoding="utf-8") for p in SEEDS.glob("*.txt")))
    quotes = list(dataset_quotes())
    missing = [
        (name, source, quote)
        for name, source, quote in quotes
        if quote and normalise(quote) not in articles
    ]
    assert quotes and missing == []
