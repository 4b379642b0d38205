"""Backup and restore: a full dump with its checksum loads back into an empty database.

The suite runs on SQLite and on PostgreSQL (CI runs it on both), so the round trip is
tested on both.
"""

import datetime
import json
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from corrections.models import Correction
from countries.models import Country, Region, Subdivision
from countries.reference import sync_reference_data
from practices.management.commands.backup import sha256
from practices.management.commands.curation_groups import sync_curation_groups
from practices.models import Citation, Law, Status, Withdrawal

from .conftest import (
    DRAFT,
    cite,
    curator,
    make_figure,
    make_indicator,
    make_law,
    make_organisation,
    make_pilot,
    make_pledge,
    make_source,
    make_status,
)


def run(command, *args):
    out = StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


def make_world():
    if not Country.objects.exists():  # an earlier transactional test flushed it
        sync_reference_data(Region, Country, Subdivision)
    sync_curation_groups()
    editor = curator(get_user_model(), "eddie", "Editors")
    indicator = make_indicator()
    make_status("mx", indicator, practice_differs=True)
    make_status("MX-CHP", indicator, "not-prohibited", "2021-01-01", publication_status=DRAFT)
    law = make_law(adopted_on=datetime.date(2020, 1, 1), adopted_precision="year")
    law.indicators.add(indicator)
    law.organisations.add(make_organisation())
    cite(law, make_source("second"), quote="Another quote, «with» accents: é, ñ, ش.")
    law._history_user = editor
    law.title = "Changed by the editor"
    law.save()
    make_pilot()
    make_pledge()
    make_figure()
    gone = make_law("th-deleted", place="th")
    gone.delete()  # its history and its withdrawal are data too
    Correction.objects.create(
        kind="law", identifier=law.slug, record=law, language="es", what_is_wrong="Año erróneo"
    )
    return editor


@pytest.mark.django_db(transaction=True)  # `flush` empties committed tables
def test_backup_then_restore_into_an_emptied_database_gives_back_the_same_data(tmp_path):
    make_world()
    first = tmp_path / "backup.json"
    output = run("backup", str(first))
    assert "SHA-256" in output
    checksum = (tmp_path / "backup.json.sha256").read_text()
    assert checksum == f"{sha256(first)}  backup.json\n"  # `sha256sum -c` reads it
    kinds = {item["model"] for item in json.loads(first.read_text())}
    assert {"practices.law", "practices.historicallaw", "practices.historicallaw_indicators"} <= (
        kinds
    )
    assert {"countries.country", "auth.user", "auth.group", "practices.withdrawal"} <= kinds
    counts = {
        model: model.objects.count() for model in [Law, Status, Citation, Withdrawal, Correction]
    }
    history = Law.history.count()

    # A new database: migrated (reference data and groups), nothing else.
    call_command("flush", interactive=False, verbosity=0)
    sync_reference_data(Region, Country, Subdivision)
    sync_curation_groups()
    assert not Law.objects.exists()

    assert "Restored" in run("restore", str(first))

    assert {model: model.objects.count() for model in counts} == counts
    assert Law.history.count() == history  # loading wrote no new versions
    second = tmp_path / "again.json"
    run("backup", str(second))
    assert second.read_bytes() == first.read_bytes()

    editor = get_user_model().objects.get(username="eddie")
    assert editor.check_password("pw") and editor.has_perm("practices.publish_law")
    law = Law.objects.get(slug="mx-2020-reform")
    assert law.history.latest().history_user == editor
    assert [i.slug for i in law.indicators.all()] == ["child-detention-prohibited"]
    assert law.citations.get(source__slug="second").quote.endswith("é, ñ, ش.")
    assert Correction.objects.get().record == law
    # New rows get new ids after the restored ones (sequences reset on PostgreSQL).
    new = make_law("th-after-restore", place="th")
    assert new.pk > max(item.pk for item in Law.objects.exclude(pk=new.pk))


@pytest.mark.django_db
def test_restore_refuses_a_file_that_does_not_match_its_checksum(tmp_path):
    path = tmp_path / "backup.json"
    run("backup", str(path))
    path.write_text(path.read_text().replace("Afghanistan", "Afganistan", 1))
    with pytest.raises(CommandError, match="does not match its checksum"):
        run("restore", str(path))
    (tmp_path / "backup.json.sha256").unlink()
    with pytest.raises(CommandError, match="missing"):
        run("restore", str(path))


@pytest.mark.django_db
def test_restore_refuses_a_database_that_holds_data(tmp_path):
    make_law()
    path = tmp_path / "backup.json"
    run("backup", str(path))
    with pytest.raises(CommandError, match="already holds data"):
        run("restore", str(path))
    assert Law.objects.count() == 1
