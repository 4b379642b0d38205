"""Keep the list of withdrawn records that partners' mirrors sync from."""

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone

from .models import Curated, Withdrawal

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
        instance._was_published = (
            sender.objects.filter(pk=instance.pk).published().exists()
            if hasattr(sender.objects, "published")
            else False
        )


@receiver(post_save)
def record_unpublishing(sender, instance, **kwargs):
    if not is_curated(sender):
        return
    resource, identifier = resource_and_identifier(instance)
    if instance.is_published():
        Withdrawal.objects.filter(resource=resource, identifier=identifier).delete()
    elif getattr(instance, "_was_published", False):
        Withdrawal.objects.update_or_create(
            resource=resource,
            identifier=identifier,
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
