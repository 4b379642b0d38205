"""Admin forms for curated records: no lost updates, and no published claim without a source.

Optimistic locking without a version column: every change form carries the record's
`updated_at` as it was when the form was opened. If the stored value has moved on when
the form is saved, someone else saved in between; the save is refused with who did it
and what they changed (from the record's history), so the first edit survives.
"""

import copy

from django import forms
from django.contrib.contenttypes.forms import BaseGenericInlineFormSet
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.models import BaseInlineFormSet
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.models import to_historic
from simple_history.template_utils import HistoricalRecordContextHelper

from .models import PublicationStatus

EMPTY = "—"


def stored_updated_at(model, pk, lock=False):
    """The record's `updated_at` in the database (None once deleted).

    With `lock`, inside a transaction, the row stays locked until the save commits, so
    two saves cannot both pass the check (PostgreSQL; SQLite serialises writes anyway).
    """
    records = model._default_manager.filter(pk=pk)
    if lock and transaction.get_connection().in_atomic_block:
        records = records.select_for_update()
    return records.values_list("updated_at", flat=True).first()


def changes_since(model, pk, opened_at):
    """Who saved the record after `opened_at`, when, and what they changed.

    Returns (names of the people, time of the last save, [(field, old, new)...]); the
    changes are empty when the version that was opened is not in the history.
    """
    history = list(
        model.history.filter(**{model._meta.pk.attname: pk}, history_date__gte=opened_at)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    opened = [version for version in history if version.updated_at == opened_at]
    later = history[history.index(opened[-1]) + 1 :] if opened else history
    if not later:
        return [], None, []
    latest = later[-1]
    people = []
    for version in later:
        name = str(version.history_user) if version.history_user else _("an import or script")
        if name not in people:
            people.append(name)
    if not opened:
        return people, latest.history_date, []
    delta = latest.diff_against(
        opened[-1], excluded_fields=["updated_at"], foreign_keys_are_objs=True
    )
    helper = HistoricalRecordContextHelper(model, latest, max_displayed_delta_change_chars=400)
    changes = [
        (change["field"], change["old"] or EMPTY, change["new"] or EMPTY)
        for change in helper.context_for_delta_changes(delta)
    ]
    return people, latest.history_date, changes


class CuratedForm(forms.ModelForm):
    """The change form of every curated record: refuses a save that would overwrite another."""

    opened_at = forms.CharField(widget=forms.HiddenInput, required=False)

    # Set by the admin when the form has no citation forms to count (reverting to an old
    # version): the publication rule then counts the citations stored.
    check_stored_sources = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            opened_at = self.instance.updated_at
            if to_historic(self.instance) is not None:
                # An old version shown for reverting: the current one is what is overwritten.
                opened_at = stored_updated_at(type(self.instance), self.instance.pk)
            if opened_at:
                self.initial["opened_at"] = opened_at.isoformat()

    def clean(self):
        cleaned_data = super().clean()
        opened_at = parse_datetime(cleaned_data.get("opened_at") or "")
        if self.instance.pk and opened_at:
            self.refuse_if_saved_since(opened_at)
        status = cleaned_data.get("publication_status", self.instance.publication_status)
        if (
            self.check_stored_sources
            and status == PublicationStatus.PUBLISHED
            and hasattr(self.instance, "publication_problems")
        ):
            problems = self.instance.publication_problems()
            if problems:
                raise ValidationError(problems, code="source_required")
        return cleaned_data

    def refuse_if_saved_since(self, opened_at):
        model = type(self.instance)
        stored = stored_updated_at(model, self.instance.pk, lock=True)
        if stored is None:
            raise ValidationError(
                _(
                    "This record was deleted after you opened it, so your changes were not "
                    "saved. An editor can restore it from “Recently deleted”."
                ),
                code="deleted",
            )
        if stored == opened_at:
            return
        people, when, changes = changes_since(model, self.instance.pk, opened_at)
        who = ", ".join(people) or _("someone else")
        messages = [
            format_html(
                "{} ({}). {}",
                _("{who} saved this record after you opened it").format(who=who),
                date_format(when or stored, "DATETIME_FORMAT"),
                _(
                    "Your changes were not saved, so theirs are kept. Copy what you need "
                    "from this form, open the record again and redo your changes."
                ),
            )
        ]
        if changes:
            messages.append(_("What they changed:"))
            messages += [
                format_html("{}: {} → {}", field, old, new) for field, old, new in changes
            ]
        raise ValidationError(messages, code="conflict")


class CitationFormSet(BaseGenericInlineFormSet):
    """A record's citations: a published record keeps a published source and quotes that
    are found in their sources' text."""

    def clean(self):
        super().clean()
        record = self.instance
        if not record.is_published():
            return
        kept = [
            (form.cleaned_data["source"], form.cleaned_data.get("quote", ""))
            for form in self.forms
            if getattr(form, "cleaned_data", {}).get("source")
            and not self._should_delete_form(form)
        ]
        problems = record.publication_problems(kept)
        if problems:
            raise ValidationError(problems, code="source_required")


class CitationForm(forms.ModelForm):
    """A citation edited on its own: it may not leave its published record unsourced."""

    def clean(self):
        cleaned_data = super().clean()
        citation = self.instance
        record = citation.record if citation.pk else None
        source = cleaned_data.get("source")
        if record is not None and record.is_published() and source is not None:
            pairs = [
                (source, cleaned_data.get("quote", ""))
                if other.pk == citation.pk
                else (other.source, other.quote)
                for other in record.citations.select_related("source")
            ]
            problems = record.publication_problems(pairs)
            if problems:
                raise ValidationError(
                    [_("%(record)s is published:") % {"record": record}, *problems],
                    code="source_required",
                )
        return cleaned_data


class SourceForm(CuratedForm):
    """A source may not become a draft, or lose a quote, while a published claim needs it."""

    def clean(self):
        cleaned_data = super().clean()
        if self.instance.pk and not self.errors:
            candidate = copy.copy(self.instance)
            for name in ("publication_status", "text"):
                if name in cleaned_data:
                    setattr(candidate, name, cleaned_data[name])
            broken = candidate.published_records_left_unsourced()
            if broken:
                raise ValidationError(
                    [
                        _(
                            "Not saved: these published records would be left without a "
                            "valid source. Unpublish them first, or cite another source:"
                        ),
                        *[
                            format_html("{}: {}", record, " ".join(map(str, problems)))
                            for record, problems in broken
                        ],
                    ],
                    code="source_required",
                )
        return cleaned_data


class StatusInlineFormSet(BaseInlineFormSet):
    """Statuses on a country's page: publishing one requires its stored sources.

    Citations are added on the status's own page, so a new status can only be a draft here.
    """

    def clean(self):
        super().clean()
        for form in self.forms:
            if not form.has_changed() or self._should_delete_form(form):
                continue
            status = form.instance
            if status.is_published() and status.publication_problems():
                field = "publication_status" if "publication_status" in form.fields else None
                form.add_error(
                    field,
                    ValidationError(
                        _(
                            "Add at least one source on the status's own page before "
                            "publishing it: every published claim cites a source."
                        ),
                        code="source_required",
                    ),
                )
