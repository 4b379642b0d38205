from django.db import migrations, models


def forget_the_built_index(apps, schema_editor):
    """Entries built before have no title: the next search asks for a rebuild, and reads the
    records themselves until it is done."""
    apps.get_model("tracker", "SearchIndex").objects.update(version_tag="", requested_tag="")


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0002_search_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="searchentry",
            name="title",
            field=models.TextField(blank=True),
        ),
        migrations.RunPython(forget_the_built_index, migrations.RunPython.noop),
    ]
