from django.db import migrations

# The definition lives with the `curation_groups` command, which refreshes the groups
# later; it only uses the registry it is given, so it runs on this migration's state.
from practices.management.commands.curation_groups import sync_curation_groups


def create_groups(apps, schema_editor):
    sync_curation_groups(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("countries", "0001_initial"),
        ("practices", "0005_publish_permission_and_link_history"),
    ]

    # Reversing leaves the groups: people may have been added to them since.
    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
