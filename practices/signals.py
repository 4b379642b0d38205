"""Keep the list of withdrawn records that partners' mirrors sync from, and the revision.

Any saved or deleted row of the dataset (countries and practices, not their history)
bumps the dataset revision that ETags and the response cache key on.
"""

from django.apps import apps
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone
from simple_history.models import HistoricalChanges

from .models import Curated, Revision, Withdrawal

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
def remember_publication_status(sender, instance, **kwargs):
    if is_curated(sender) and instance.pk:
        stored = sender.objects.filter(pk=instance.pk).published()
        instance._was_published = stored.exists()
        _resource, attribute = RESOURCES[sender._meta.model_name]
        instance._published_identifier = (
            str(stored.values_list(attribute, flat=True).first())
            if instance._was_published
            else None
        )


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


@receiver(post_save)
@receiver(post_delete)
def bump_revision(sender, using, raw=False, **kwargs):
    # Raw saves are a restore loading a dump, which bumps once at the end.
    if is_dataset_row(sender) and not raw:
        Revision.bump(using)


@receiver(m2m_changed)
def bump_revision_on_links(sender, action, using, **kwargs):
    # sender is the through model: Law.indicators.through and the like.
    if action in ("post_add", "post_remove", "post_clear") and is_dataset_row(sender):
        Revision.bump(using)
