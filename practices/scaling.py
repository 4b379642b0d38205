"""Synthetic records on top of the real dataset, to test pages, the API and exports at scale.

`generate(scale, seed)` adds published (and about 10% draft) statuses, laws, pilots,
pledges, figures and sources so that each total is about `scale` times the real one;
`remove()` deletes every synthetic record again and leaves the real dataset intact.

What marks a record as synthetic:

- sources, laws, pilots, pledges and figures: a slug starting with `synthetic-`;
- statuses (which have no slug): a legal position starting with "Synthetic record" *and*
  at least one citation of a synthetic source. Synthetic records cite synthetic sources
  only, and real records never cite them.

Records are written with bulk_create in batches, which bypasses signals (no Withdrawal
rows) and django-simple-history (no history rows): synthetic data needs neither. Removal
uses raw deletes for the same reason, so deleting synthetic records writes no Withdrawal.
Generation is deterministic: the same real dataset, scale and seed give the same records
(same slugs, same values), since every choice comes from `random.Random(seed)` applied to
querysets in a fixed order, and dates come from a fixed range rather than from today.
"""

import datetime
import random
import time
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone

from countries.models import Country, Subdivision

from .models import (
    Approach,
    Citation,
    DatePrecision,
    Figure,
    Indicator,
    Law,
    Organisation,
    Pilot,
    Pledge,
    PublicationStatus,
    Revision,
    Source,
    Status,
    TargetGroup,
)

PREFIX = "synthetic-"
STATUS_MARK = "Synthetic record"
BATCH_SIZE = 2000
# Chunk for `pk__in` lists, below SQLite's limit on query parameters.
ID_CHUNK = 900
DRAFT_SHARE = 0.1
SUBNATIONAL_SHARE = 0.15
PRACTICE_DIFFERS_SHARE = 0.2
KNOWN_START_SHARE = 0.5
# A fixed range, not one ending today, so the same seed gives the same dates on any day.
FIRST_DAY = datetime.date(1990, 1, 1)
LAST_DAY = datetime.date(2024, 12, 31)
SPAN = (LAST_DAY - FIRST_DAY).days

PUBLISHED = PublicationStatus.PUBLISHED
DRAFT = PublicationStatus.DRAFT

FORUMS = ["IMRF 2022", "GRF 2019", "GRF 2023", "IMRF 2026", "GCM regional review 2020"]
MEASURES = [
    ("children-detained", "Children held in immigration detention", Figure.Unit.CHILDREN),
    ("people-detained", "People held in immigration detention", Figure.Unit.PEOPLE),
    ("people-released", "People released to alternatives", Figure.Unit.PEOPLE),
    ("families-referred", "Families referred to case management", Figure.Unit.FAMILIES),
    ("compliance-rate", "Compliance with case management", Figure.Unit.PERCENT),
    ("cases-opened", "Cases opened", Figure.Unit.CASES),
]
WORDS = [
    "alternatives",
    "detention",
    "children",
    "families",
    "community",
    "case",
    "management",
    "reception",
    "release",
    "screening",
    "migrants",
    "asylum",
    "legal",
    "aid",
    "monitoring",
    "reporting",
    "guardianship",
    "shelter",
    "protocol",
    "referral",
    "vulnerability",
    "assessment",
    "housing",
]

# Cited kinds in the order they are created and reported.
KINDS = [("statuses", Status), ("laws", Law), ("pilots", Pilot), ("pledges", Pledge)]
KINDS += [("figures", Figure)]


@dataclass
class Report:
    action: str
    counts: dict = field(default_factory=dict)
    seconds: float = 0.0

    def lines(self):
        yield f"{self.action} synthetic records in {self.seconds:.1f} s:"
        for name, count in self.counts.items():
            yield f"  {name}: {count}"


def synthetic_sources():
    return Source.objects.filter(slug__startswith=PREFIX)


def synthetic_status_ids():
    """Statuses marked as synthetic and citing a synthetic source (see the module docstring)."""
    cited = Citation.objects.filter(
        content_type=ContentType.objects.get_for_model(Status),
        source__slug__startswith=PREFIX,
    ).values("object_id")
    return list(
        Status.objects.filter(legal_position__startswith=STATUS_MARK, pk__in=cited)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def synthetic_ids(model):
    if model is Status:
        return synthetic_status_ids()
    return list(
        model.objects.filter(slug__startswith=PREFIX).order_by("pk").values_list("pk", flat=True)
    )


def chunks(items, size=ID_CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def raw_delete(queryset):
    # A raw delete sends no signals (so no Withdrawal rows) and loads nothing.
    return queryset._raw_delete(queryset.db)


def refresh_statistics():
    """Have PostgreSQL re-read the tables' sizes after a bulk write, as autovacuum would later.

    Until then the planner still believes the tables hold the few rows it last saw, and picks
    nested loops that take seconds on thousands of rows.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


@transaction.atomic
def remove():
    """Delete every synthetic record: citations first, then links and records, then sources."""
    started = time.monotonic()
    report = Report("Removed")
    ids = {name: synthetic_ids(model) for name, model in KINDS}
    citations = 0
    for name, model in KINDS:
        content_type = ContentType.objects.get_for_model(model)
        for chunk in chunks(ids[name]):
            citations += raw_delete(
                Citation.objects.filter(content_type=content_type, object_id__in=chunk)
            )
    # Any citation left on a synthetic source (none, unless a curator added one).
    citations += raw_delete(Citation.objects.filter(source__slug__startswith=PREFIX))
    links = 0
    for name, model in KINDS:
        for m2m in model._meta.many_to_many:
            through = m2m.remote_field.through
            column = m2m.m2m_field_name()
            for chunk in chunks(ids[name]):
                links += raw_delete(through.objects.filter(**{f"{column}__in": chunk}))
    for name, model in KINDS:
        deleted = 0
        for chunk in chunks(ids[name]):
            deleted += raw_delete(model.objects.filter(pk__in=chunk))
        report.counts[name] = deleted
    report.counts["sources"] = raw_delete(synthetic_sources())
    report.counts["citations"] = citations
    report.counts["many-to-many links"] = links
    Revision.bump()  # bulk deletes send no signals
    report.seconds = time.monotonic() - started
    return report


def real_counts():
    """How many records of each kind the real dataset has (everything not synthetic)."""
    counts = {name: model.objects.count() - len(synthetic_ids(model)) for name, model in KINDS}
    counts["sources"] = Source.objects.count() - synthetic_sources().count()
    return counts


class Generator:
    def __init__(self, scale, seed):
        self.rng = random.Random(seed)
        self.scale = scale
        self.now = timezone.now()
        self.citations = []  # (model, record, [sources])
        self.counts = {}
        self.made = 0

    # Helpers

    def publication(self):
        """Every tenth record is a draft (counted across kinds), so even small runs have some."""
        self.made += 1
        return DRAFT if self.made % round(1 / DRAFT_SHARE) == 0 else PUBLISHED

    def stamps(self):
        return {"created_at": self.now, "updated_at": self.now}

    def sentence(self, words=8):
        text = " ".join(self.rng.choice(WORDS) for _ in range(words))
        return text[0].upper() + text[1:] + "."

    def day(self, first=FIRST_DAY, last=LAST_DAY):
        return first + datetime.timedelta(days=self.rng.randint(0, (last - first).days))

    def partial_day(self, first=FIRST_DAY, last=LAST_DAY):
        """A date and its precision; a year is stored as 1 January, a month as its 1st."""
        value = self.day(first, last)
        precision = self.rng.choices(
            [DatePrecision.DAY, DatePrecision.MONTH, DatePrecision.YEAR], [6, 3, 1]
        )[0]
        if precision == DatePrecision.MONTH:
            value = value.replace(day=1)
        elif precision == DatePrecision.YEAR:
            value = value.replace(month=1, day=1)
        return max(value, first), precision

    def place(self):
        country = self.rng.choice(self.countries)
        return country, None

    def cite_later(self, model, record):
        """Remember 1–3 synthetic sources to cite, the first one published."""
        count = self.rng.randint(1, 3)
        chosen = [self.rng.choice(self.published_sources)]
        chosen += [self.rng.choice(self.sources) for _ in range(count - 1)]
        unique = list(dict.fromkeys(chosen))
        self.citations.append((model, record, unique))

    def load_world(self):
        self.countries = list(Country.objects.order_by("iso2"))
        self.indicators = list(Indicator.objects.order_by("slug").prefetch_related("values"))
        self.values = {
            indicator.pk: sorted(indicator.values.all(), key=lambda value: value.rank)
            for indicator in self.indicators
        }
        subnational_countries = (
            Status.objects.filter(subdivision__isnull=False)
            .values_list("country_id", flat=True)
            .distinct()
        )
        self.subdivisions = list(
            Subdivision.objects.filter(country_id__in=subnational_countries).order_by("code")
        )
        self.organisations = list(Organisation.objects.order_by("slug"))
        self.target_groups = list(TargetGroup.objects.order_by("slug"))
        self.approaches = list(Approach.objects.order_by("slug"))
        # Dates already taken on each timeline: (country, subdivision, indicator) -> dates.
        self.taken = {}
        rows = Status.objects.values_list(
            "country_id", "subdivision_id", "indicator_id", "observed_on"
        )
        for country_id, subdivision_id, indicator_id, observed_on in rows:
            key = (country_id, subdivision_id, indicator_id)
            self.taken.setdefault(key, set()).add(observed_on)

    def extra(self, real):
        return real * (self.scale - 1)

    # Kinds

    def make_sources(self, count):
        sources = []
        for number in range(1, count + 1):
            published_on, precision = self.partial_day()
            sources.append(
                Source(
                    slug=f"{PREFIX}source-{number:06d}",
                    title=f"Synthetic source {number}: {self.sentence(5)}",
                    publisher=self.rng.choice(["Synthetic Press", "Synthetic Institute"]),
                    author="Synthetic author",
                    published_on=published_on,
                    published_precision=precision,
                    url=f"https://example.org/synthetic/{number}",
                    kind=self.rng.choice(Source.Kind.values),
                    # Sources are the other records' support: a few drafts, most published.
                    publication_status=DRAFT if number % 10 == 0 else PUBLISHED,
                    **self.stamps(),
                )
            )
        if sources and all(source.publication_status == DRAFT for source in sources):
            sources[0].publication_status = PUBLISHED
        self.sources = Source.objects.bulk_create(sources, batch_size=BATCH_SIZE)
        self.published_sources = [s for s in self.sources if s.publication_status == PUBLISHED]
        return len(self.sources)

    def timelines(self, count):
        """`count` (place, indicator) slots spread over every timeline, then shuffled dates."""
        national = [(c, None, i) for c in self.countries for i in self.indicators]
        subnational = [(s.country, s, i) for s in self.subdivisions for i in self.indicators]
        self.rng.shuffle(national)
        self.rng.shuffle(subnational)
        sub_count = round(count * SUBNATIONAL_SHARE) if subnational else 0
        slots = []
        for pool, wanted in ((national, count - sub_count), (subnational, sub_count)):
            # Round-robin: every timeline gets one more status before any gets two more.
            slots += [pool[n % len(pool)] for n in range(wanted)] if pool else []
        return slots

    def make_statuses(self, count):
        if not self.indicators or not self.countries:
            return 0
        statuses = []
        for country, subdivision, indicator in self.timelines(count):
            values = self.values[indicator.pk]
            if not values:
                continue
            key = (country.pk, subdivision.pk if subdivision else None, indicator.pk)
            taken = self.taken.setdefault(key, set())
            while True:
                observed_on, precision = self.partial_day()
                if observed_on not in taken:
                    break
            taken.add(observed_on)
            # Like the real data: about half the positions have a known start.
            known_start = self.rng.random() < KNOWN_START_SHARE
            differs = self.rng.random() < PRACTICE_DIFFERS_SHARE
            statuses.append(
                Status(
                    country=country,
                    subdivision=subdivision,
                    indicator=indicator,
                    value=self.rng.choice(values),
                    effective_from=observed_on if known_start else None,
                    effective_precision=precision,
                    observed_on=observed_on,
                    observed_precision=precision,
                    legal_position=f"{STATUS_MARK}: {self.sentence()}",
                    practice=self.sentence() if differs else "",
                    practice_differs=differs,
                    publication_status=self.publication(),
                    **self.stamps(),
                )
            )
        statuses = Status.objects.bulk_create(statuses, batch_size=BATCH_SIZE)
        for status in statuses:
            self.cite_later(Status, status)
        return len(statuses)

    def make_laws(self, count):
        laws, links = [], []
        for number in range(1, count + 1):
            country, subdivision = self.place()
            adopted_on, adopted_precision = self.partial_day()
            status = self.rng.choice(Law.Status.values)
            in_force_on = repealed_on = None
            if status in (Law.Status.IN_FORCE, Law.Status.REPEALED):
                in_force_on = self.day(
                    adopted_on, min(adopted_on + datetime.timedelta(400), LAST_DAY)
                )
            if status == Law.Status.REPEALED:
                repealed_on = self.day(in_force_on, LAST_DAY)
            law = Law(
                slug=f"{PREFIX}law-{country.iso2.lower()}-{number:06d}",
                title=f"Synthetic law {number}: {self.sentence(5)}",
                country=country,
                subdivision=subdivision,
                kind=self.rng.choice(Law.Kind.values),
                status=status,
                adopted_on=adopted_on,
                adopted_precision=adopted_precision,
                in_force_on=in_force_on,
                repealed_on=repealed_on,
                summary=self.sentence(20),
                publication_status=self.publication(),
                **self.stamps(),
            )
            laws.append(law)
            chosen = self.rng.sample(self.indicators, min(len(self.indicators), 2))
            links.append(chosen[: self.rng.randint(1, len(chosen))] if chosen else [])
        laws = Law.objects.bulk_create(laws, batch_size=BATCH_SIZE)
        through = Law.indicators.through
        rows = [
            through(law_id=law.pk, indicator_id=indicator.pk)
            for law, indicators in zip(laws, links, strict=True)
            for indicator in indicators
        ]
        through.objects.bulk_create(rows, batch_size=BATCH_SIZE)
        self.links += len(rows)
        for law in laws:
            self.cite_later(Law, law)
        return len(laws)

    def sample(self, items, most):
        return self.rng.sample(items, self.rng.randint(0, min(most, len(items))))

    def make_pilots(self, count):
        pilots, links = [], []
        for number in range(1, count + 1):
            country, subdivision = self.place()
            started_on, started_precision = self.partial_day()
            status = self.rng.choice(Pilot.Status.values)
            ended_on = None
            if status in (Pilot.Status.COMPLETED, Pilot.Status.DISCONTINUED):
                ended_on = self.day(started_on, LAST_DAY)
            pilots.append(
                Pilot(
                    slug=f"{PREFIX}pilot-{country.iso2.lower()}-{number:06d}",
                    name=f"Synthetic pilot {number}: {self.sentence(4)}",
                    country=country,
                    subdivision=subdivision,
                    description=self.sentence(25),
                    classification=self.rng.choice(Pilot.Classification.values),
                    status=status,
                    started_on=started_on,
                    started_precision=started_precision,
                    ended_on=ended_on,
                    outcomes=self.sentence(12) if ended_on else "",
                    publication_status=self.publication(),
                    **self.stamps(),
                )
            )
            links.append(
                (
                    self.sample(self.target_groups, 3),
                    self.sample(self.approaches, 3),
                    self.sample(self.organisations, 2),
                )
            )
        pilots = Pilot.objects.bulk_create(pilots, batch_size=BATCH_SIZE)
        groups, approaches, implementers = (
            Pilot.target_groups.through,
            Pilot.approaches.through,
            Pilot.implementers.through,
        )
        rows = {groups: [], approaches: [], implementers: []}
        for pilot, (pilot_groups, pilot_approaches, pilot_orgs) in zip(pilots, links, strict=True):
            rows[groups] += [groups(pilot_id=pilot.pk, targetgroup_id=g.pk) for g in pilot_groups]
            rows[approaches] += [
                approaches(pilot_id=pilot.pk, approach_id=a.pk) for a in pilot_approaches
            ]
            rows[implementers] += [
                implementers(pilot_id=pilot.pk, organisation_id=o.pk) for o in pilot_orgs
            ]
        for through, through_rows in rows.items():
            through.objects.bulk_create(through_rows, batch_size=BATCH_SIZE)
            self.links += len(through_rows)
        for pilot in pilots:
            self.cite_later(Pilot, pilot)
        return len(pilots)

    def make_pledges(self, count):
        pledges = []
        for number in range(1, count + 1):
            country, _ = self.place()
            pledged_on, precision = self.partial_day()
            pledges.append(
                Pledge(
                    slug=f"{PREFIX}pledge-{country.iso2.lower()}-{number:06d}",
                    country=country,
                    forum=self.rng.choice(FORUMS),
                    pledged_on=pledged_on,
                    pledged_precision=precision,
                    text=self.sentence(15),
                    gcm_objective=self.rng.choice([None, None, self.rng.randint(1, 23)]),
                    status=self.rng.choice(Pledge.Status.values),
                    publication_status=self.publication(),
                    **self.stamps(),
                )
            )
        pledges = Pledge.objects.bulk_create(pledges, batch_size=BATCH_SIZE)
        for pledge in pledges:
            self.cite_later(Pledge, pledge)
        return len(pledges)

    def make_figures(self, count):
        figures = []
        for number in range(1, count + 1):
            country, subdivision = self.place()
            measure, description, unit = self.rng.choice(MEASURES)
            if unit == Figure.Unit.PERCENT:
                value = Decimal(self.rng.randint(0, 10000)) / 100
            else:
                value = Decimal(self.rng.randint(0, 50000))
            period_start = self.day(FIRST_DAY, LAST_DAY - datetime.timedelta(days=366))
            period_end = period_start + datetime.timedelta(days=self.rng.randint(0, 365))
            figures.append(
                Figure(
                    slug=f"{PREFIX}figure-{country.iso2.lower()}-{number:06d}",
                    country=country,
                    subdivision=subdivision,
                    measure=measure,
                    description=f"{description} (synthetic)",
                    value=value,
                    unit=unit,
                    period_start=period_start,
                    period_end=period_end,
                    publication_status=self.publication(),
                    **self.stamps(),
                )
            )
        figures = Figure.objects.bulk_create(figures, batch_size=BATCH_SIZE)
        for figure in figures:
            self.cite_later(Figure, figure)
        return len(figures)

    def make_citations(self):
        content_types = {}
        rows = []
        for model, record, sources in self.citations:
            if model not in content_types:
                content_types[model] = ContentType.objects.get_for_model(model)
            for source in sources:
                rows.append(
                    Citation(
                        content_type=content_types[model],
                        object_id=record.pk,
                        source=source,
                        quote=f"Synthetic quote: {self.sentence(10)}",
                        locator=f"p. {self.rng.randint(1, 200)}",
                    )
                )
        Citation.objects.bulk_create(rows, batch_size=BATCH_SIZE)
        return len(rows)

    def run(self, real):
        self.load_world()
        self.links = 0
        counts = {"sources": self.make_sources(max(self.extra(real["sources"]), 1))}
        counts["statuses"] = self.make_statuses(self.extra(real["statuses"]))
        counts["laws"] = self.make_laws(self.extra(real["laws"]))
        counts["pilots"] = self.make_pilots(self.extra(real["pilots"]))
        counts["pledges"] = self.make_pledges(self.extra(real["pledges"]))
        counts["figures"] = self.make_figures(self.extra(real["figures"]))
        counts["citations"] = self.make_citations()
        counts["many-to-many links"] = self.links
        return counts


@transaction.atomic
def generate(scale, seed=1):
    """Add synthetic records so each total is about `scale` times the real one.

    Any synthetic records already present are removed first, so running twice with the
    same scale and seed leaves the same records.
    """
    if scale < 2:
        raise ValueError("The scale must be at least 2.")
    started = time.monotonic()
    removed = remove()
    real = real_counts()
    report = Report("Created")
    report.counts = Generator(scale, seed).run(real)
    Revision.bump()  # bulk inserts send no signals
    report.real = real
    report.removed = removed
    report.seconds = time.monotonic() - started
    return report


def synthetic_counts():
    """How many synthetic records of each kind there are, with drafts among them."""
    counts = {}
    for name, model in KINDS:
        ids = synthetic_ids(model)
        counts[name] = len(ids)
    counts["sources"] = synthetic_sources().count()
    return counts
