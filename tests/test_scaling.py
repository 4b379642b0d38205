"""The synthetic scaled dataset: generate_scaled_data --scale N and --remove."""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from practices import scaling
from practices.models import Citation, Figure, Law, Pilot, Pledge, Source, Status
from tests.conftest import (
    make_figure,
    make_indicator,
    make_law,
    make_organisation,
    make_pilot,
    make_pledge,
    make_source,
    make_status,
)

pytestmark = pytest.mark.django_db

CITED = [Status, Law, Pilot, Pledge, Figure]
KINDS = [*CITED, Source]


@pytest.fixture
def world():
    """A small real dataset: two indicators, national and Mexican state timelines."""
    make_source()
    make_organisation()
    detention = make_indicator()
    make_indicator("atd-in-law", values=("yes", "partly", "no"))
    make_status("mx", detention, effective_from="2020-01-01")
    make_status("mx", detention, "not-prohibited", effective_from="2015-06-01")
    make_status("mx-cmx", detention, effective_from="2021-03-01")
    make_status("th", detention, effective_from="2019-01-01")
    make_law()
    make_law("mx-2011-migration-law")
    make_pilot()
    make_pilot("mx-casa")
    make_pledge()
    make_pledge("mx-grf-2019", place="mx")
    make_figure()
    make_figure("th-2021-people-released", place="th")


def counts():
    return {model: model.objects.count() for model in KINDS}


def generate(scale=3, seed=1):
    call_command("generate_scaled_data", scale=scale, seed=seed, stdout=StringIO())


def synthetic_slugs():
    return {
        model: sorted(model.objects.filter(slug__startswith="synthetic-").values_list("slug"))
        for model in KINDS
        if model is not Status
    }


def status_rows():
    return sorted(
        Status.objects.filter(legal_position__startswith="Synthetic").values_list(
            "country__iso2",
            "subdivision__code",
            "indicator__slug",
            "value__slug",
            "effective_from",
        ),
        key=str,
    )


def test_scale_three_roughly_triples_every_kind(world):
    real = counts()
    generate(3)
    for model in KINDS:
        assert model.objects.count() == 3 * real[model], model
    # Sub-national statuses only where the country already has some (Mexico here).
    subnational = Status.objects.subnational()
    assert subnational.count() > 1
    assert set(subnational.values_list("country__iso2", flat=True)) == {"MX"}
    assert Status.objects.filter(practice_differs=True).exists()


def test_the_same_seed_gives_the_same_records(world):
    generate(3, seed=7)
    slugs, statuses = synthetic_slugs(), status_rows()
    values = sorted(Figure.objects.values_list("slug", "value"))
    generate(3, seed=7)  # replaces the earlier synthetic records
    assert synthetic_slugs() == slugs
    assert status_rows() == statuses
    assert sorted(Figure.objects.values_list("slug", "value")) == values
    generate(3, seed=8)
    assert status_rows() != statuses


def test_every_synthetic_published_claim_cites_a_published_source(world):
    generate(3)
    for model in CITED:
        synthetic = scaling.synthetic_ids(model)
        assert synthetic
        published = model.objects.published().filter(pk__in=synthetic)
        assert not published.missing_sources().exists()
        uncited = published.exclude(
            pk__in=Citation.objects.published()
            .filter(content_type__model=model._meta.model_name)
            .values("object_id")
        )
        assert not uncited.exists(), model
    per_record = (
        Citation.objects.filter(source__slug__startswith="synthetic-")
        .values("content_type", "object_id")
        .annotate(n=Count("pk"))
    )
    assert {row["n"] for row in per_record} <= {1, 2, 3}
    assert not Citation.objects.filter(source__slug__startswith="synthetic-", quote="").exists()


def test_drafts_are_mixed_in_and_hidden(world):
    generate(10)
    for model in CITED:
        synthetic = model.objects.filter(pk__in=scaling.synthetic_ids(model))
        drafts = synthetic.drafts().count()
        assert 0 < drafts < synthetic.count() / 3, model
        assert not model.objects.published().filter(pk__in=synthetic.drafts()).exists()


def test_current_is_still_one_status_per_place_and_indicator(world):
    generate(5)
    current = Status.objects.current()
    places = [(s.country_id, s.subdivision_id, s.indicator_id) for s in current]
    assert len(places) == len(set(places))
    # Every timeline with a status placed on or before today (by its start, else its report).
    timelines = (
        Status.objects.published()
        .with_timeline_date()
        .filter(timeline_on__lte=datetime.date.today())
    )
    assert (
        len(places) == timelines.values("country", "subdivision", "indicator").distinct().count()
    )


def test_remove_restores_the_real_dataset(world):
    real = counts()
    before = {
        model: sorted(model.objects.values_list("pk", "updated_at", "publication_status"))
        for model in KINDS
    }
    citations = sorted(Citation.objects.values_list("pk", "object_id", "source_id", "quote"))
    law_links = sorted(Law.indicators.through.objects.values_list("pk"))
    generate(4)
    assert counts() != real
    out = StringIO()
    call_command("generate_scaled_data", remove=True, stdout=out)
    assert "Removed synthetic records" in out.getvalue()
    assert counts() == real
    for model in KINDS:
        after = model.objects.values_list("pk", "updated_at", "publication_status")
        assert sorted(after) == before[model], model
    assert sorted(Citation.objects.values_list("pk", "object_id", "source_id", "quote")) == (
        citations
    )
    assert sorted(Law.indicators.through.objects.values_list("pk")) == law_links


def test_the_real_dataset_scales_too():
    call_command("load_dataset", stdout=StringIO())
    real = counts()
    generate(2)
    assert {model: count * 2 for model, count in real.items()} == counts()
    call_command("generate_scaled_data", remove=True, stdout=StringIO())
    assert counts() == real


def test_the_scale_must_be_at_least_two(world):
    with pytest.raises(CommandError):
        call_command("generate_scaled_data", scale=1, stdout=StringIO())
