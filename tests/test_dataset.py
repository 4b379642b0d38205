import shutil
import textwrap
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from practices.models import Citation, Indicator, Law, Source, Status

pytestmark = pytest.mark.django_db

SMALL_DATASET = """
sources:
  - slug: mexico-ends-child-detention
    title: Mexico ends child immigration detention
    publisher: International Detention Coalition
    published_on: "2021-01"
laws:
  - slug: mx-2020-reform
    title: Reform of the Migration Law
    country: mx
    kind: law
    status: in-force
    adopted_on: "2020"
    in_force_on: "2021-01"
    indicators: [child-detention-prohibited]
    citations:
      - source: mexico-ends-child-detention
        quote: "prohibits the detention of children"
statuses:
  - country: mx
    indicator: child-detention-prohibited
    value: prohibited-in-law
    effective_from: "2021-01"
    observed_on: "2021-01"
    legal_position: The law prohibits it.
    practice: Children are held in referral offices.
    practice_differs: true
    citations:
      - source: mexico-ends-child-detention
        quote: "prohibits the detention of children"
  - country: mx
    subdivision: MX-CHP
    indicator: child-detention-prohibited
    value: prohibited-in-law
    effective_from: "2021"
    observed_on: "2021"
    legal_position: The state law prohibits it.
    citations:
      - source: mexico-ends-child-detention
        quote: "in Chiapas"
"""


@pytest.fixture
def dataset(tmp_path):
    """The shared vocabularies plus a small file of records, in a folder of their own."""
    for name in ["indicators.yaml", "vocabularies.yaml", "organisations.yaml"]:
        shutil.copy(settings.DATASET_DIR / name, tmp_path / name)
    (tmp_path / "records.yaml").write_text(SMALL_DATASET)
    return tmp_path


def counts():
    return {
        model.__name__: model.objects.count()
        for model in [Indicator, Source, Law, Status, Citation]
    }


def test_loading_twice_creates_nothing_new(dataset):
    call_command("load_dataset", str(dataset), stdout=StringIO())
    first = counts()
    updated_at = Law.objects.get().updated_at
    call_command("load_dataset", str(dataset), stdout=StringIO())
    assert counts() == first
    assert Law.objects.get().updated_at == updated_at
    assert first["Status"] == 2 and first["Citation"] == 3


def test_partial_dates_keep_their_precision(dataset):
    call_command("load_dataset", str(dataset), stdout=StringIO())
    law = Law.objects.get()
    assert (law.adopted_date, law.in_force_date) == ("2020", "2021-01")
    assert Status.objects.get(subdivision__code="MX-CHP").effective_date == "2021"


def test_an_edited_entry_updates_its_record(dataset):
    call_command("load_dataset", str(dataset), stdout=StringIO())
    records = dataset / "records.yaml"
    records.write_text(
        records.read_text()
        .replace("title: Reform of the Migration Law", "title: Reform of the Migration Law (2020)")
        .replace('quote: "in Chiapas"', 'quote: "in the state of Chiapas"')
    )
    call_command("load_dataset", str(dataset), stdout=StringIO())
    assert Law.objects.get().title == "Reform of the Migration Law (2020)"
    chiapas = Status.objects.get(subdivision__code="MX-CHP")
    assert [c.quote for c in chiapas.citations.all()] == ["in the state of Chiapas"]
    assert Citation.objects.count() == 3


def test_an_error_names_the_file_and_line_and_writes_nothing(dataset):
    (dataset / "records.yaml").write_text(
        SMALL_DATASET.replace(
            'value: prohibited-in-law\n    effective_from: "2021"',
            'value: allowed\n    effective_from: "2021"',
        )
    )
    with pytest.raises(CommandError, match=r"records\.yaml:\d+: 'allowed' is not a value"):
        call_command("load_dataset", str(dataset))
    assert Law.objects.count() == 0 and Source.objects.count() == 0


def test_a_key_defined_twice_is_refused(dataset):
    (dataset / "more.yaml").write_text(
        textwrap.dedent("""
        sources:
          - slug: mexico-ends-child-detention
            title: The same article again
    """)
    )
    with pytest.raises(
        CommandError, match="source mexico-ends-child-detention is already defined at"
    ):
        call_command("load_dataset", str(dataset))


def test_the_real_dataset_loads_twice_without_duplicates():
    call_command("load_dataset", stdout=StringIO())
    first = counts()
    assert first["Status"] > 0 and first["Law"] > 0
    call_command("load_dataset", stdout=StringIO())
    assert counts() == first
