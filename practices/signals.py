"""Keep the list of withdrawn records that partners' mirrors sync from, and the revision.

A saved or deleted row of the dataset (countries and practices, not their history) bumps
the dataset revision that ETags and the response cache key on, when published data can
change: a curated record, indicator value or citation that is public before or after the
save (a draft's edits change nothing public, so they leave ETags alone), and any row of
the countries, vocabularies and withdrawals, which are public as soon as they exist. When
in doubt a row counts as public: a missed bump would serve stale pages.
"""

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver
from django.utils import timezone
from simple_history.models import HistoricalChanges

from .models import Citation, Curated, IndicatorValue, Revision, Withdrawal

DATASET_APPS = {"countries", "practices"}

# The API resource name and public identifier of each curated model.
RESOURCES = {
    "organisation": ("organisations", "slug"),
    "source": ("sources", "slug"),
    "indicator": ("indicators", "slug"),
    "status": ("statuses", "pk"),
    "law": ("laws", "slug"),
    "pilot": ("pilots", "slug"),
    "pledge": ("pledges", "slug"),
    "figure": ("figures", "slug"),
}


def resource_and_identifier(record):
    resource, attribute = RESOURCES[record._meta.model_name]
    return resource, str(getattr(record, attribute))


def is_curated(sender):
    return issubclass(sender, Curated) and sender._meta.model_name in RESOURCES


@receiver(pre_save)
@receiver(pre_delete)
def remember_what_was_public(sender, instance, raw=False, **kwargs):
    """Before a save or delete: whether the stored row was public (and a curated record's
    public identifier, for the withdrawals)."""
    if raw or not is_dataset_row(sender) or instance.pk is None:
        return
    if is_curated(sender):
        _resource, attribute = RESOURCES[sender._meta.model_name]
        stored = sender.objects.filter(pk=instance.pk).published()
        identifier = stored.values_list(attribute, flat=True).first()
        instance._was_published = identifier is not None
        instance._published_identifier = None if identifier is None else str(identifier)
        instance._was_public = instance._was_published
    else:
        instance._was_public = is_public(sender, instance.pk)


@receiver(post_save)
def record_unpublishing(sender, instance, **kwargs):
    if not is_curated(sender):
        return
    resource, identifier = resource_and_identifier(instance)
    old_identifier = getattr(instance, "_published_identifier", None)
    if instance.is_published():
        Withdrawal.objects.filter(resource=resource, identifier=identifier).delete()
        if old_identifier and old_identifier != identifier:
            # A renamed public identifier: mirrors drop the old one, and its address redirects.
            Withdrawal.objects.update_or_create(
                resource=resource,
                identifier=old_identifier,
                defaults={
                    "reason": Withdrawal.Reason.RENAMED,
                    "replaced_by": identifier,
                    "withdrawn_at": timezone.now(),
                },
            )
    elif getattr(instance, "_was_published", False):
        Withdrawal.objects.update_or_create(
            resource=resource,
            identifier=old_identifier or identifier,
            defaults={"reason": Withdrawal.Reason.UNPUBLISHED, "withdrawn_at": timezone.now()},
        )


@receiver(post_delete)
def record_deletion(sender, instance, **kwargs):
    if is_curated(sender) and instance.is_published():
        resource, identifier = resource_and_identifier(instance)
        Withdrawal.objects.update_or_create(
            resource=resource,
            identifier=identifier,
            defaults={"reason": Withdrawal.Reason.DELETED, "withdrawn_at": timezone.now()},
        )


def is_dataset_row(sender):
    return (
        sender._meta.apps is apps  # not a migration's frozen model
        and sender._meta.app_label in DATASET_APPS
        and sender is not Revision
        and not issubclass(sender, HistoricalChanges)
    )


def is_public(model, pk):
    """Whether the stored row can show in the published dataset, as the database has it now.

    Curated records and indicator values by the one visibility rule (`published()`), a
    citation by its record; every other row of the dataset is public.
    """
    if model is Citation:
        citation = Citation.objects.filter(pk=pk).values("content_type", "object_id").first()
        if citation is None:
            return False
        record_model = ContentType.objects.get_for_id(citation["content_type"]).model_class()
        return record_model is None or is_public(record_model, citation["object_id"])
    if issubclass(model, Curated) or model is IndicatorValue:
        return model.objects.filter(pk=pk).published().exists()
    return True


def is_public_after_save(instance):
    # A curated record counts broadly, with no query: a published status of a draft
    # indicator counts too.
    if isinstance(instance, Curated):
        return instance.is_published()
    return is_public(type(instance), instance.pk)


@receiver(post_save)
def bump_revision(sender, instance, using, raw=False, **kwargs):
    # Raw saves are a restore loading a dump, which bumps once at the end.
    if not is_dataset_row(sender) or raw:
        return
    if getattr(instance, "_was_public", False) or is_public_after_save(instance):
        Revision.bump(using)


@receiver(post_delete)
def bump_revision_on_deletion(sender, instance, using, **kwargs):
    if is_dataset_row(sender) and getattr(instance, "_was_public", True):
        Revision.bump(using)


@receiver(m2m_changed)
def bump_revision_on_links(sender, instance, action, using, **kwargs):
    # sender is the through model: Law.indicators.through and the like. A draft's links
    # show nowhere, whichever side they were changed from (law.indicators or
    # indicator.law_set).
    if (
        action in ("post_add", "post_remove", "post_clear")
        and is_dataset_row(sender)
        and is_public(type(instance), instance.pk)
    ):
        Revision.bump(using)
