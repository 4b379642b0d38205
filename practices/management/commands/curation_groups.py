"""The two curation groups, Researchers and Editors, with the permissions that match.

Researchers draft: they view, add and change records, citations and vocabularies, but
cannot publish (the `publish_<model>` permission) or delete. Editors do everything,
including publishing, deleting, importing spreadsheets and restoring deleted records.
Both see countries and regions, which are reference data nobody edits.

The data migration `0006_curation_groups` runs `sync_curation_groups` once; run this
command again after adding a model so the groups get its permissions. It resets each
group's permissions to this definition.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.core.management.base import BaseCommand

RESEARCHERS = "Researchers"
EDITORS = "Editors"

# Model names in the practices app. Historical models (simple-history) and the list of
# withdrawn records are maintained by the code, never by hand.
CURATED = ["organisation", "source", "indicator", "status", "law", "pilot", "pledge", "figure"]
SUPPORTING = ["citation", "indicatorvalue", "targetgroup", "approach"]
REFERENCE = {"countries": ["country", "subdivision", "region"]}
# Source-first curation: candidates found in documents and the vocabulary that finds them.
CANDIDATES = ["candidate", "cuephrase", "placename"]
# Corrections sent by readers: reviewed, never added by hand.
CORRECTIONS = ["correction"]

GROUPS = {
    RESEARCHERS: {
        "practices": {model: ["view", "add", "change"] for model in CURATED + SUPPORTING},
        "curation": {model: ["view", "add", "change"] for model in CANDIDATES},
        "corrections": {model: ["view", "change"] for model in CORRECTIONS},
        **{app: {model: ["view"] for model in models} for app, models in REFERENCE.items()},
    },
    EDITORS: {
        "practices": {
            **{model: ["view", "add", "change", "delete", "publish"] for model in CURATED},
            **{model: ["view", "add", "change", "delete"] for model in SUPPORTING},
        },
        "curation": {model: ["view", "add", "change", "delete"] for model in CANDIDATES},
        "corrections": {model: ["view", "change", "delete"] for model in CORRECTIONS},
        **{app: {model: ["view"] for model in models} for app, models in REFERENCE.items()},
    },
}


def model_exists(apps, app, model):
    """Whether the model exists yet: an earlier migration knows fewer models."""
    try:
        apps.get_model(app, model)
    except LookupError:
        return False
    return True


def sync_curation_groups(apps=global_apps):
    """Create both groups (or reset their permissions). Works on migration state too."""
    labels = {app for spec in GROUPS.values() for app in spec}
    for label in [
        "contenttypes",
        "auth",
        *sorted(labels & {c.label for c in apps.get_app_configs()}),
    ]:
        # In a migration, permissions are otherwise created only after every migration ran.
        app_config = apps.get_app_config(label)
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        try:
            create_permissions(app_config, apps=apps, verbosity=0)
        finally:
            app_config.models_module = models_module

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, spec in GROUPS.items():
        wanted = [
            (app, f"{action}_{model}")
            for app, models in spec.items()
            for model, actions in models.items()
            for action in actions
            if model_exists(apps, app, model)
        ]
        permissions = list(
            Permission.objects.filter(
                content_type__app_label__in=list(spec),
                codename__in=[codename for _, codename in wanted],
            ).select_related("content_type")
        )
        found = {(p.content_type.app_label, p.codename) for p in permissions}
        missing = sorted(set(wanted) - found)
        if missing:
            raise LookupError(f"{name}: no such permissions {missing}")
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(
            [p for p in permissions if (p.content_type.app_label, p.codename) in wanted]
        )


class Command(BaseCommand):
    help = "Create the Researchers and Editors groups, or reset their permissions."

    def handle(self, **options):
        sync_curation_groups()
        self.stdout.write(f"Groups ready: {RESEARCHERS}, {EDITORS}.")
