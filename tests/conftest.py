"""Shared fixtures and plain factory functions for test data.

Countries and subdivisions come from the reference-data migration; everything
curated is made here, published unless a test says otherwise.
"""

import datetime
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache, caches
from django.utils import translation

from countries.models import Country, CountryGroup, Subdivision
from practices.models import (
    Citation,
    Figure,
    Indicator,
    IndicatorValue,
    Law,
    Organisation,
    Pilot,
    Pledge,
    PublicationStatus,
    Source,
    Status,
)

PUBLISHED = PublicationStatus.PUBLISHED
DRAFT = PublicationStatus.DRAFT


def ready_processes(script, environments):
    """A Python process running `script` in the project's folder for each environment, once
    every one has set itself up and printed "ready": each then waits for a line on its
    standard input, so that the test starts them all at one moment."""
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", script],
            cwd=settings.BASE_DIR,
            env=environment,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for environment in environments
    ]
    if [process.stdout.readline() for process in processes] != ["ready\n"] * len(processes):
        for process in processes:
            process.kill()
        raise AssertionError([process.communicate()[1] for process in processes])
    return processes


def country(code):
    return Country.objects.get(iso2=code.upper())


def subdivision(code):
    return Subdivision.objects.get(code=code)


def make_source(slug="a-source", **fields):
    fields.setdefault("title", slug.replace("-", " ").capitalize())
    fields.setdefault("publisher", "International Detention Coalition")
    fields.setdefault("publication_status", PUBLISHED)
    return Source.objects.create(slug=slug, **fields)


def cite(record, source=None, quote="A supporting sentence."):
    source = source or Source.objects.filter(slug="a-source").first() or make_source()
    return Citation.objects.create(
        content_type=ContentType.objects.get_for_model(record),
        object_id=record.pk,
        source=source,
        quote=quote,
    )


def make_indicator(
    slug="child-detention-prohibited", values=("prohibited", "not-prohibited"), **fields
):
    fields.setdefault("name", slug.replace("-", " ").capitalize())
    fields.setdefault("question", f"Is it {slug}?")
    fields.setdefault("publication_status", PUBLISHED)
    indicator = Indicator.objects.create(slug=slug, **fields)
    for rank, value in enumerate(values, start=1):
        IndicatorValue.objects.create(
            indicator=indicator,
            slug=value,
            label=value.capitalize(),
            rank=rank,
            colour="#1a7f4b",
            publication_status=PUBLISHED,
        )
    return indicator


def make_status(
    place="mx", indicator=None, value=None, effective_from="2020-01-01", observed_on=None, **fields
):
    """A published, cited status. It began on `effective_from` (None: start not known) and
    was reported on `observed_on` (by default the day it began)."""
    indicator = indicator or Indicator.objects.first() or make_indicator()
    value = indicator.values.get(slug=value) if value else indicator.values.first()
    code = place.upper()
    if "-" in code:
        fields["subdivision"] = subdivision(code)
        code = code.split("-")[0]
    fields.setdefault("legal_position", "What the law says.")
    fields.setdefault("publication_status", PUBLISHED)
    status = Status.objects.create(
        country=country(code),
        indicator=indicator,
        value=value,
        effective_from=datetime.date.fromisoformat(effective_from) if effective_from else None,
        observed_on=datetime.date.fromisoformat(observed_on or effective_from),
        **fields,
    )
    cite(status)
    return status


def make_law(slug="mx-2020-reform", place="mx", **fields):
    fields.setdefault("title", slug.replace("-", " ").capitalize())
    fields.setdefault("kind", Law.Kind.LAW)
    fields.setdefault("status", Law.Status.IN_FORCE)
    fields.setdefault("publication_status", PUBLISHED)
    law = Law.objects.create(slug=slug, country=country(place), **fields)
    cite(law)
    return law


def make_pilot(slug="th-case-management", place="th", **fields):
    fields.setdefault("name", slug.replace("-", " ").capitalize())
    fields.setdefault("classification", Pilot.Classification.RIGHTS_BASED)
    fields.setdefault("status", Pilot.Status.ACTIVE)
    fields.setdefault("publication_status", PUBLISHED)
    pilot = Pilot.objects.create(slug=slug, country=country(place), **fields)
    cite(pilot)
    return pilot


def make_pledge(slug="th-imrf-2022", place="th", **fields):
    fields.setdefault("forum", "IMRF 2022")
    fields.setdefault("text", "To end the immigration detention of children.")
    fields.setdefault("publication_status", PUBLISHED)
    pledge = Pledge.objects.create(slug=slug, country=country(place), **fields)
    cite(pledge)
    return pledge


def make_figure(slug="mx-2022-children-detained", place="mx", **fields):
    fields.setdefault("measure", "children-detained")
    fields.setdefault("description", "Children held in immigration detention")
    fields.setdefault("value", 100)
    fields.setdefault("unit", Figure.Unit.CHILDREN)
    fields.setdefault("publication_status", PUBLISHED)
    figure = Figure.objects.create(slug=slug, country=country(place), **fields)
    cite(figure)
    return figure


def make_organisation(slug="idc", **fields):
    fields.setdefault("name", "International Detention Coalition")
    fields.setdefault("kind", Organisation.Kind.NETWORK)
    fields.setdefault("publication_status", PUBLISHED)
    return Organisation.objects.create(slug=slug, **fields)


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_superuser("researcher", "r@example.org", "pw")


# Curation: the Researchers and Editors groups (practices migration 0006).


def curator(user_model, username, group_name):
    from django.contrib.auth.models import Group

    from practices.management.commands.curation_groups import sync_curation_groups

    if not Group.objects.filter(name=group_name).exists():
        sync_curation_groups()  # a transactional test before this one flushed them
    user = user_model.objects.create_user(username, f"{username}@example.org", "pw", is_staff=True)
    user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture
def researcher(django_user_model):
    return curator(django_user_model, "rita", "Researchers")


@pytest.fixture
def editor(django_user_model):
    return curator(django_user_model, "eddie", "Editors")


@pytest.fixture(autouse=True)
def english_by_default():
    """Each test starts in English: a request under /fr/ leaves French active in the thread."""
    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def empty_cache(settings, tmp_path_factory):
    """Each test starts with an empty cache: a rolled-back test's revision can come again.

    Likewise the whole-dataset downloads' files: their rows are rolled back with the test.
    """
    settings.DATASET_CACHE_DIR = str(tmp_path_factory.mktemp("responses"))
    settings.DOWNLOADS_DIR = str(tmp_path_factory.mktemp("downloads"))
    cache.clear()
    caches["ratelimit"].clear()
    yield
    cache.clear()
    caches["ratelimit"].clear()


def attach_a_group():
    """Give every law, pilot and pledge a (memberless) group, so every prefetch runs."""
    group, _ = CountryGroup.objects.get_or_create(
        slug="no-members", defaults={"name": "A group", "member_label": "as a member"}
    )
    for model in (Law, Pilot, Pledge):
        for record in model.objects.all():
            record.country_groups.add(group)
