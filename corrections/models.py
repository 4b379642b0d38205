"""Corrections that readers suggest on a public page, for researchers to review.

A correction is never published by itself: no public page, feed, API or download reads this
model. It keeps what the reader typed and which page it concerns, nothing else about them
(no address, no browser).
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import translation
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _


class CorrectionQuerySet(models.QuerySet):
    def new(self):
        """Not looked at yet: what the dashboard lists."""
        return self.filter(state=Correction.State.NEW)


class Correction(models.Model):
    class Kind(models.TextChoices):
        # The kinds of pages that offer "Cite this" (tracker.views.citable).
        COUNTRY = "country", _("country")
        LAW = "law", _("law or policy")
        PILOT = "pilot", _("pilot")
        PLEDGE = "pledge", _("pledge")
        FIGURE = "figure", _("figure")
        SOURCE = "source", _("source")
        INDICATOR = "indicator", _("indicator")

    class State(models.TextChoices):
        NEW = "new", _("new")
        ACCEPTED = "accepted", _("accepted")
        REJECTED = "rejected", _("rejected")
        DUPLICATE = "duplicate", _("duplicate")

    WHAT_IS_WRONG_MAX_LENGTH = 2000
    SOURCE_MAX_LENGTH = 500

    # The page concerned: its kind and identifier (a slug, or a country's ISO code) as
    # the reader saw them, and the record itself while it exists.
    kind = models.CharField(_("kind of page"), max_length=20, choices=Kind.choices)
    identifier = models.CharField(_("identifier"), max_length=200)
    content_type = models.ForeignKey(
        ContentType, on_delete=models.SET_NULL, null=True, blank=True, editable=False
    )
    object_id = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    record = GenericForeignKey("content_type", "object_id")
    language = models.CharField(_("page language"), max_length=7, choices=settings.LANGUAGES)

    # What the reader typed.
    what_is_wrong = models.TextField(_("what is wrong"), max_length=WHAT_IS_WRONG_MAX_LENGTH)
    source = models.CharField(
        _("source"),
        max_length=SOURCE_MAX_LENGTH,
        blank=True,
        help_text=_("A link or a reference that supports the correction, if the reader has one."),
    )
    email = models.EmailField(
        _("e-mail"), blank=True, help_text=_("Given only by readers who would like a reply.")
    )
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    # The researchers' review.
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.NEW, db_index=True
    )
    notes = models.TextField(_("researcher notes"), blank=True)

    objects = CorrectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("correction from a reader")
        verbose_name_plural = _("corrections from readers")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.page_label()}: {Truncator(self.what_is_wrong).chars(80)}"

    def page_label(self):
        """The page concerned as "law mx-2020-reform", without reading the record."""
        return f"{self.get_kind_display()} {self.identifier}"

    def page_url(self):
        """The public page concerned, in the reader's language; None once it is gone."""
        if self.record is None or not hasattr(self.record, "get_absolute_url"):
            return None
        with translation.override(self.language):
            return self.record.get_absolute_url()
