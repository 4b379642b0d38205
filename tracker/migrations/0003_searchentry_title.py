from django.contrib.postgres.operations import BtreeGinExtension
from django.db import migrations, models

OLD_INDEX = "tracker_searchentry_document_gin"
INDEX = "tracker_searchentry_kind_language_document_gin"


def index_by_kind_and_language(apps, schema_editor):
    """One GIN index on (kind, language, document): a term is looked up among the entries of
    one kind in one language, not among every kind's in every language."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {OLD_INDEX}")
        schema_editor.execute(
            f"CREATE INDEX {INDEX} ON tracker_searchentry USING gin (kind, language, document)"
        )


def index_documents_only(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")
        schema_editor.execute(
            f"CREATE INDEX {OLD_INDEX} ON tracker_searchentry USING gin (document)"
        )


def forget_the_built_index(apps, schema_editor):
    """Entries built before have no title: the next search asks for a rebuild, and reads the
    records themselves until it is done."""
    apps.get_model("tracker", "SearchIndex").objects.update(version_tag="", requested_tag="")


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0002_search_index"),
    ]

    operations = [
        BtreeGinExtension(),
        migrations.AddField(
            model_name="searchentry",
            name="title",
            field=models.TextField(blank=True),
        ),
        migrations.RunPython(index_by_kind_and_language, index_documents_only),
        migrations.RunPython(forget_the_built_index, migrations.RunPython.noop),
    ]
