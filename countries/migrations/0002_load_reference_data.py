from django.db import migrations


def load(apps, schema_editor):
    from countries.reference import sync_reference_data

    sync_reference_data(
        apps.get_model("countries", "Region"),
        apps.get_model("countries", "Country"),
        apps.get_model("countries", "Subdivision"),
    )


class Migration(migrations.Migration):
    dependencies = [("countries", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
