import datetime

import pytest
from django.db import IntegrityError, transaction

from countries.models import Country
from practices.models import (
    Figure,
    Indicator,
    IndicatorValue,
    Law,
    Organisation,
    Pilot,
    Pledge,
    Source,
    Status,
)

from .conftest import (
    DRAFT,
    country,
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


def rejects(create):
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def test_every_iso_country_and_subdivision_is_loaded_with_its_m49_region():
    assert Country.objects.count() == 249
    mexico = Country.objects.get(iso2="MX")
    assert (mexico.iso3, mexico.numeric) == ("MEX", "484")
    assert mexico.region.name == "Americas"
    assert mexico.intermediate_region.name == "Central America"
    assert mexico.subdivisions.filter(code="MX-CHP", name="Chiapas").exists()
    assert Country.objects.get(iso2="TH").subregion.name == "South-eastern Asia"


def test_country_codes_must_be_well_formed():
    rejects(lambda: Country.objects.create(iso2="zz", iso3="ZZZ", numeric="999", name="Nowhere"))
    rejects(lambda: Country.objects.create(iso2="ZZ", iso3="ZZ", numeric="999", name="Nowhere"))


def test_law_dates_must_be_in_order():
    rejects(
        lambda: make_law(
            adopted_on=datetime.date(2021, 1, 1), in_force_on=datetime.date(2020, 1, 1)
        )
    )
    rejects(
        lambda: make_law(
            in_force_on=datetime.date(2021, 1, 1), repealed_on=datetime.date(2020, 1, 1)
        )
    )


def test_pilot_cannot_end_before_it_starts():
    rejects(
        lambda: make_pilot(
            started_on=datetime.date(2021, 1, 1), ended_on=datetime.date(2019, 1, 1)
        )
    )


def test_pledge_gcm_objective_is_between_1_and_23():
    rejects(lambda: make_pledge(gcm_objective=24))
    assert make_pledge(gcm_objective=13).gcm_objective == 13


def test_figure_value_cannot_be_negative():
    rejects(lambda: make_figure(value=-1))


def test_one_status_per_place_indicator_and_date():
    make_status("mx", effective_from="2020-01-01")
    rejects(lambda: make_status("mx", effective_from="2020-01-01"))
    # A state has its own timeline, beside the national one.
    make_status("MX-CHP", effective_from="2020-01-01")
    rejects(lambda: make_status("MX-CHP", effective_from="2020-01-01"))


def test_indicator_values_are_unique_by_slug_and_rank():
    indicator = make_indicator()
    rejects(
        lambda: IndicatorValue.objects.create(
            indicator=indicator, slug="prohibited", label="Again", rank=9, colour="#000000"
        )
    )
    rejects(
        lambda: IndicatorValue.objects.create(
            indicator=indicator, slug="other", label="Other", rank=1, colour="#000000"
        )
    )


def test_status_value_must_belong_to_its_indicator():
    from django.core.exceptions import ValidationError

    make_indicator()
    other = make_indicator("electronic-monitoring", values=("used", "not-used"))
    status = make_status("mx")
    status.value = other.values.first()
    with pytest.raises(ValidationError):
        status.full_clean()


def current_value(code, indicator, on=None):
    statuses = Status.objects.current(on=on).filter(
        country__iso2=code.upper(), indicator=indicator, subdivision=None
    )
    return [status.value.slug for status in statuses]


def test_current_status_is_the_latest_in_force():
    indicator = make_indicator()
    make_status("be", indicator, "not-prohibited", "2010-01-01")
    make_status("be", indicator, "prohibited", "2024-06-01")
    assert current_value("be", indicator) == ["prohibited"]
    assert current_value("be", indicator, on=datetime.date(2023, 1, 1)) == ["not-prohibited"]
    assert current_value("be", indicator, on=datetime.date(2009, 1, 1)) == []


def test_a_later_status_can_reverse_an_earlier_one():
    indicator = make_indicator()
    make_status("be", indicator, "not-prohibited", "2008-01-01")
    make_status("be", indicator, "prohibited", "2009-01-01")
    make_status("be", indicator, "not-prohibited", "2018-08-01")
    assert current_value("be", indicator, on=datetime.date(2010, 1, 1)) == ["prohibited"]
    assert current_value("be", indicator) == ["not-prohibited"]


def test_a_future_status_is_not_current_yet():
    indicator = make_indicator()
    make_status("be", indicator, "not-prohibited", "2010-01-01")
    next_year = (datetime.date.today() + datetime.timedelta(days=366)).isoformat()
    make_status("be", indicator, "prohibited", next_year)
    assert current_value("be", indicator) == ["not-prohibited"]


def test_a_draft_status_does_not_replace_the_published_one():
    indicator = make_indicator()
    make_status("be", indicator, "not-prohibited", "2010-01-01")
    make_status("be", indicator, "prohibited", "2024-01-01", publication_status=DRAFT)
    assert current_value("be", indicator) == ["not-prohibited"]


def test_subnational_timelines_are_separate_from_the_national_one():
    indicator = make_indicator()
    make_status("mx", indicator, "prohibited", "2020-11-01")
    make_status("MX-CHP", indicator, "not-prohibited", "2021-01-01")
    current = Status.objects.current().filter(country__iso2="MX")
    assert sorted((s.subdivision_id is None, s.value.slug) for s in current) == [
        (False, "not-prohibited"),
        (True, "prohibited"),
    ]


@pytest.mark.parametrize(
    "model, make",
    [
        (Status, lambda **kw: make_status(**kw)),
        (Law, lambda **kw: make_law(**kw)),
        (Pilot, lambda **kw: make_pilot(**kw)),
        (Pledge, lambda **kw: make_pledge(**kw)),
        (Figure, lambda **kw: make_figure(**kw)),
        (Source, lambda **kw: make_source(**kw)),
        (Organisation, lambda **kw: make_organisation(**kw)),
        (Indicator, lambda **kw: make_indicator(**kw)),
    ],
)
def test_published_hides_drafts(model, make):
    draft = make(publication_status=DRAFT)
    assert not draft.is_published()
    assert draft not in model.objects.published()
    draft.publication_status = "published"
    draft.save()
    assert draft in model.objects.published()


def test_statuses_of_a_draft_indicator_are_not_published():
    indicator = make_indicator(publication_status=DRAFT)
    make_status("mx", indicator)
    assert not Status.objects.published().exists()
    assert not Status.objects.current().exists()


def test_citations_of_draft_sources_are_hidden():
    law = make_law()
    draft_source = make_source("draft-source", publication_status=DRAFT)
    from .conftest import cite

    cite(law, draft_source)
    law = Law.objects.with_citations().get(pk=law.pk)
    assert [c.source.slug for c in law.public_citations] == ["a-source"]


def test_partial_dates_show_as_precisely_as_the_source_gave_them():
    law = make_law(
        adopted_on=datetime.date(2020, 1, 1),
        adopted_precision="year",
        in_force_on=datetime.date(2021, 3, 1),
        in_force_precision="month",
    )
    assert (law.adopted_date, law.in_force_date, law.repealed_date) == ("2020", "2021-03", None)
    assert country("mx").code == "mx"


@pytest.mark.django_db
def test_a_relation_prefetched_as_a_list_is_read_without_a_query_and_else_queried(
    django_assert_num_queries,
):
    pilot = make_pilot()
    pilot.countries.add(country("mx"), country("gt"))
    with django_assert_num_queries(3):  # the pilot and its country; its countries; its groups
        fetched = Pilot.objects.select_related("country").with_places().get(pk=pilot.pk)
    with django_assert_num_queries(0):
        assert sorted(c.iso2 for c in fetched.countries_list) == ["GT", "MX"]
        assert [c.iso2 for c in fetched.all_countries] == ["GT", "MX", "TH"]
    plain = Pilot.objects.get(pk=pilot.pk)
    with django_assert_num_queries(1):
        assert sorted(c.iso2 for c in plain.countries_list) == ["GT", "MX"]
