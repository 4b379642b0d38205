# The curation groups get the permissions on candidates, cue phrases and place names.

from django.db import migrations

from practices.management.commands.curation_groups import sync_curation_groups


def grant(apps, schema_editor):
    sync_curation_groups(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("curation", "0001_initial"),
        ("practices", "0010_source_accessed_on"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
