# The curation groups get the permissions on corrections: researchers view and review them,
# editors may also delete them.

from django.db import migrations

from practices.management.commands.curation_groups import sync_curation_groups


def grant(apps, schema_editor):
    sync_curation_groups(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("corrections", "0001_initial"),
        ("curation", "0002_curation_groups"),
        ("practices", "0013_organisation_names"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
