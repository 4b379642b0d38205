from django.db import migrations


def load(apps, schema_editor):
    from countries.reference import sync_names

    sync_names(apps.get_model("countries", "Region"), apps.get_model("countries", "Country"))


class Migration(migrations.Migration):
    dependencies = [("countries", "0003_country_name_ar_country_name_en_country_name_es_and_more")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
