"""Pledge progress as dated entries (PledgeProgress), instead of one text on the pledge.

Each pledge's progress text, in every language, becomes one entry whose date is unknown,
reported on the day the pledge was last updated, citing what the pledge cites (the text
was published on those citations). Translations that were current stay current.
"""

import hashlib

import django.db.models.deletion
import practices.models
import simple_history.models
from django.conf import settings
from django.db import migrations, models


LANGUAGES = ("en", "es", "fr", "ar")


def fingerprint(record, names):
    """Translatable.original_fingerprint, over the given fields (a migration has no methods)."""
    digest = hashlib.sha256()
    for name in names:
        text = getattr(record, f"{name}_{record.original_language}") or ""
        digest.update(text.encode() + b"\x1f")
    return digest.hexdigest()[:16]


def progress_into_entries(apps, schema_editor):
    Pledge = apps.get_model("practices", "Pledge")
    PledgeProgress = apps.get_model("practices", "PledgeProgress")
    Citation = apps.get_model("practices", "Citation")
    ContentType = apps.get_model("contenttypes", "ContentType")
    pledge_type = ContentType.objects.get_or_create(app_label="practices", model="pledge")[0]
    entry_type = ContentType.objects.get_or_create(app_label="practices", model="pledgeprogress")[
        0
    ]
    for pledge in Pledge.objects.all():
        texts = {code: getattr(pledge, f"progress_{code}") or "" for code in LANGUAGES}
        texts[pledge.original_language] = texts[pledge.original_language] or pledge.progress
        old_fingerprint = fingerprint(pledge, ["text", "progress"])
        current = [
            code
            for code, log in pledge.translation_log.items()
            if code != pledge.original_language and log.get("of") == old_fingerprint
        ]
        # The pledge's own translations are of its text alone from now on.
        pledge.translation_log = {
            **pledge.translation_log,
            **{
                code: {**pledge.translation_log[code], "of": fingerprint(pledge, ["text"])}
                for code in current
            },
        }
        Pledge.objects.filter(pk=pledge.pk).update(translation_log=pledge.translation_log)
        if not texts[pledge.original_language]:
            continue
        entry = PledgeProgress(
            pledge=pledge,
            occurred_on=None,
            reported_on=pledge.updated_at.date(),
            text=texts[pledge.original_language],
            original_language=pledge.original_language,
            last_reviewed_on=pledge.last_reviewed_on,
            **{f"text_{code}": text or None for code, text in texts.items()},
        )
        entry.translation_log = {
            code: {**pledge.translation_log[code], "of": fingerprint(entry, ["text"])}
            for code in current
            if texts[code]
        }
        citations = list(Citation.objects.filter(content_type=pledge_type, object_id=pledge.pk))
        # Published on the pledge's citations, as the text was; a draft without any.
        entry.publication_status = pledge.publication_status if citations else "draft"
        entry.save()
        for citation in citations:
            Citation.objects.create(
                content_type=entry_type,
                object_id=entry.pk,
                source_id=citation.source_id,
                quote=citation.quote,
                locator=citation.locator,
                quote_verified=citation.quote_verified,
            )


def entries_into_progress(apps, schema_editor):
    """Back to one text per pledge: its entries' texts, newest first, a paragraph each."""
    Pledge = apps.get_model("practices", "Pledge")
    PledgeProgress = apps.get_model("practices", "PledgeProgress")
    for pledge in Pledge.objects.filter(pk__in=PledgeProgress.objects.values("pledge")):
        entries = PledgeProgress.objects.filter(pledge=pledge).order_by("-reported_on", "-pk")
        for code in LANGUAGES:
            text = "\n\n".join(
                e.__dict__[f"text_{code}"] for e in entries if e.__dict__[f"text_{code}"]
            )
            setattr(pledge, f"progress_{code}", text or None)
        pledge.progress = pledge.__dict__[f"progress_{pledge.original_language}"] or ""
        pledge.save()


class Migration(migrations.Migration):
    dependencies = [
        ("practices", "0013_organisation_names"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="HistoricalPledgeProgress",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                (
                    "publication_status",
                    models.CharField(
                        choices=[("draft", "Draft"), ("published", "Published")],
                        db_index=True,
                        default="draft",
                        help_text="Drafts are visible to staff only. Only published records appear on the public site, in the API, in exports and in feeds.",
                        max_length=10,
                        verbose_name="publication status",
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(blank=True, editable=False, verbose_name="created"),
                ),
                (
                    "updated_at",
                    models.DateTimeField(
                        blank=True, db_index=True, editable=False, verbose_name="updated"
                    ),
                ),
                (
                    "last_reviewed_on",
                    models.DateField(
                        blank=True,
                        help_text="When a researcher last checked this record against its sources.",
                        null=True,
                        verbose_name="last reviewed",
                    ),
                ),
                (
                    "original_language",
                    models.CharField(
                        choices=[
                            ("en", "English"),
                            ("es", "Español"),
                            ("fr", "Français"),
                            ("ar", "العربية"),
                        ],
                        default="en",
                        help_text="The language the record's text was written in; the others are translations.",
                        max_length=5,
                        verbose_name="original language",
                    ),
                ),
                (
                    "translation_log",
                    models.JSONField(
                        blank=True,
                        default=dict,
                        editable=False,
                        help_text="Per language: who translated, and the fingerprint of the original then.",
                        verbose_name="translations",
                    ),
                ),
                (
                    "occurred_on",
                    models.DateField(
                        blank=True,
                        help_text="When it happened, only where a source says so; leave empty otherwise.",
                        null=True,
                        verbose_name="happened",
                    ),
                ),
                (
                    "occurred_precision",
                    models.CharField(
                        choices=[("year", "Year"), ("month", "Month"), ("day", "Day")],
                        default="day",
                        help_text="How much of the date the source gives. A year is stored as 1 January.",
                        max_length=5,
                        verbose_name="date precision",
                    ),
                ),
                (
                    "reported_on",
                    models.DateField(
                        help_text="When the cited source reports it: its publication date, or for an undated source the day the tracker read it. Pages say “reported as of” this date when the date it happened is not known.",
                        verbose_name="reported",
                    ),
                ),
                (
                    "reported_precision",
                    models.CharField(
                        choices=[("year", "Year"), ("month", "Month"), ("day", "Day")],
                        default="day",
                        help_text="How much of the date the source gives. A year is stored as 1 January.",
                        max_length=5,
                        verbose_name="report date precision",
                    ),
                ),
                ("text", models.TextField(verbose_name="what happened")),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")],
                        max_length=1,
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "pledge",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="practices.pledge",
                        verbose_name="pledge",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical pledge progress",
                "verbose_name_plural": "historical pledge progress",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="PledgeProgress",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "publication_status",
                    models.CharField(
                        choices=[("draft", "Draft"), ("published", "Published")],
                        db_index=True,
                        default="draft",
                        help_text="Drafts are visible to staff only. Only published records appear on the public site, in the API, in exports and in feeds.",
                        max_length=10,
                        verbose_name="publication status",
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                (
                    "updated_at",
                    models.DateTimeField(auto_now=True, db_index=True, verbose_name="updated"),
                ),
                (
                    "last_reviewed_on",
                    models.DateField(
                        blank=True,
                        help_text="When a researcher last checked this record against its sources.",
                        null=True,
                        verbose_name="last reviewed",
                    ),
                ),
                (
                    "original_language",
                    models.CharField(
                        choices=[
                            ("en", "English"),
                            ("es", "Español"),
                            ("fr", "Français"),
                            ("ar", "العربية"),
                        ],
                        default="en",
                        help_text="The language the record's text was written in; the others are translations.",
                        max_length=5,
                        verbose_name="original language",
                    ),
                ),
                (
                    "translation_log",
                    models.JSONField(
                        blank=True,
                        default=dict,
                        editable=False,
                        help_text="Per language: who translated, and the fingerprint of the original then.",
                        verbose_name="translations",
                    ),
                ),
                (
                    "occurred_on",
                    models.DateField(
                        blank=True,
                        help_text="When it happened, only where a source says so; leave empty otherwise.",
                        null=True,
                        verbose_name="happened",
                    ),
                ),
                (
                    "occurred_precision",
                    models.CharField(
                        choices=[("year", "Year"), ("month", "Month"), ("day", "Day")],
                        default="day",
                        help_text="How much of the date the source gives. A year is stored as 1 January.",
                        max_length=5,
                        verbose_name="date precision",
                    ),
                ),
                (
                    "reported_on",
                    models.DateField(
                        help_text="When the cited source reports it: its publication date, or for an undated source the day the tracker read it. Pages say “reported as of” this date when the date it happened is not known.",
                        verbose_name="reported",
                    ),
                ),
                (
                    "reported_precision",
                    models.CharField(
                        choices=[("year", "Year"), ("month", "Month"), ("day", "Day")],
                        default="day",
                        help_text="How much of the date the source gives. A year is stored as 1 January.",
                        max_length=5,
                        verbose_name="report date precision",
                    ),
                ),
                ("text", models.TextField(verbose_name="what happened")),
                ("text_en", models.TextField(null=True, verbose_name="what happened")),
                ("text_es", models.TextField(null=True, verbose_name="what happened")),
                ("text_fr", models.TextField(null=True, verbose_name="what happened")),
                ("text_ar", models.TextField(null=True, verbose_name="what happened")),
                (
                    "laws",
                    models.ManyToManyField(
                        blank=True,
                        help_text="Laws or policies that fulfil the pledge, in whole or in part.",
                        related_name="pledge_progress",
                        to="practices.law",
                        verbose_name="laws and policies",
                    ),
                ),
                (
                    "pledge",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="progress_entries",
                        to="practices.pledge",
                        verbose_name="pledge",
                    ),
                ),
                (
                    "statuses",
                    models.ManyToManyField(
                        blank=True,
                        help_text="Country statuses that show the pledge fulfilled, in whole or in part.",
                        related_name="pledge_progress",
                        to="practices.status",
                        verbose_name="statuses",
                    ),
                ),
            ],
            options={
                "verbose_name": "pledge progress",
                "verbose_name_plural": "pledge progress",
                "ordering": [
                    "pledge",
                    models.OrderBy(models.F("occurred_on"), descending=True, nulls_last=True),
                    "-reported_on",
                    "pk",
                ],
                "abstract": False,
                "default_permissions": ("add", "change", "delete", "view", "publish"),
            },
            bases=(practices.models.RefusesNul, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalPledgeProgress_statuses",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("m2m_history_id", models.AutoField(primary_key=True, serialize=False)),
                (
                    "history",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        to="practices.historicalpledgeprogress",
                    ),
                ),
                (
                    "status",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_tablespace="",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="practices.status",
                    ),
                ),
                (
                    "pledgeprogress",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_tablespace="",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="practices.pledgeprogress",
                    ),
                ),
            ],
            options={
                "verbose_name": "HistoricalPledgeProgress_statuses",
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalPledgeProgress_laws",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("m2m_history_id", models.AutoField(primary_key=True, serialize=False)),
                (
                    "history",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        to="practices.historicalpledgeprogress",
                    ),
                ),
                (
                    "law",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_tablespace="",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="practices.law",
                    ),
                ),
                (
                    "pledgeprogress",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_tablespace="",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="practices.pledgeprogress",
                    ),
                ),
            ],
            options={
                "verbose_name": "HistoricalPledgeProgress_laws",
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.RunPython(progress_into_entries, entries_into_progress),
        migrations.RemoveField(
            model_name="historicalpledge",
            name="progress",
        ),
        migrations.RemoveField(
            model_name="pledge",
            name="progress",
        ),
        migrations.RemoveField(
            model_name="pledge",
            name="progress_ar",
        ),
        migrations.RemoveField(
            model_name="pledge",
            name="progress_en",
        ),
        migrations.RemoveField(
            model_name="pledge",
            name="progress_es",
        ),
        migrations.RemoveField(
            model_name="pledge",
            name="progress_fr",
        ),
        # Named `progress` once the old field of that name is gone.
        migrations.AlterField(
            model_name="pledgeprogress",
            name="pledge",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="progress",
                to="practices.pledge",
                verbose_name="pledge",
            ),
        ),
    ]
