"""Admin forms for curated records: no lost updates, and no published claim without a source.

Optimistic locking without a version column: every change form (and every inline row)
carries, hidden, the record's version as it was when the form was opened: its `updated_at`,
or for rows without one (citations, indicator values, vocabularies) a fingerprint of the
fields the form edits. If the stored version has moved on when a changed form is saved,
someone else saved in between; the save is refused with who did it and what they changed
(from the record's history), so the first edit survives. A form sent without its version
cannot be checked, and is refused too.
"""

import copy
import hashlib
import json

from django import forms
from django.conf import settings
from django.contrib.contenttypes.forms import BaseGenericInlineFormSet
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.models import BaseInlineFormSet
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.models import to_historic
from simple_history.template_utils import HistoricalRecordContextHelper

from .models import PublicationStatus

EMPTY = "—"
VERSION_FIELD = "opened_at"


def has_update_time(model):
    return any(field.name == "updated_at" for field in model._meta.concrete_fields)


def version_of(values):
    """A record's version from its stored values: its update time where it has one,
    otherwise a fingerprint of the values."""
    if "updated_at" in values:
        return values["updated_at"].isoformat()
    text = json.dumps(values, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def opened_at_time(model, version):
    """The moment a form was opened, where its version is an update time (else None)."""
    if not has_update_time(model):
        return None
    try:
        return parse_datetime(version)
    except ValueError:
        return None


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
        if saved_by(version) not in people:
            people.append(saved_by(version))
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


def last_save(model, pk):
    """Who saved the record last and when, from its history (nobody known without one)."""
    history = getattr(model, "history", None)
    latest = (
        history.filter(**{model._meta.pk.attname: pk})
        .select_related("history_user")
        .order_by("history_date", "history_id")
        .last()
        if history is not None
        else None
    )
    if latest is None:
        return [], None, []
    return [saved_by(latest)], latest.history_date, []


def saved_by(version):
    return str(version.history_user) if version.history_user else str(_("an import or script"))


class RefusesLostUpdates(forms.ModelForm):
    """A change form, or an inline row, that refuses a save that would overwrite another.

    Only a form that changes something is checked: one sent back unchanged writes nothing
    new. (A form opened before someone else's save differs from what is stored now, so it
    counts as changed.)
    """

    opened_at = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial[VERSION_FIELD] = self.opened_version()

    @cached_property
    def changed_data(self):
        # The version says nothing about the record: it differs from the (empty) initial
        # value of a bound form.
        return [name for name in super().changed_data if name != VERSION_FIELD]

    def clean(self):
        cleaned_data = super().clean()
        if self.instance.pk and self.has_changed():
            try:
                self.refuse_if_saved_since(cleaned_data.get(VERSION_FIELD) or "")
            except ValidationError as error:
                self.add_error(None, error)  # the form's other checks still say their piece
        return cleaned_data

    def version_fields(self):
        model = self._meta.model
        if has_update_time(model):
            return ["updated_at"]
        # The fields the form edits; not those a formset adds after it is made (the row's
        # id and parent), which the version was taken without.
        columns = {field.name: field.attname for field in model._meta.concrete_fields}
        return sorted(columns[name] for name in self.base_fields if name in columns)

    def opened_version(self):
        if to_historic(self.instance) is not None:
            # An old version shown for reverting: the current one is what is overwritten.
            return self.stored_version()
        return version_of({name: getattr(self.instance, name) for name in self.version_fields()})

    def stored_version(self, lock=False):
        """The record's version in the database (None once deleted).

        With `lock`, inside a transaction, the row stays locked until the save commits, so
        two saves cannot both pass the check (PostgreSQL; SQLite serialises writes anyway).
        """
        records = self._meta.model._default_manager.filter(pk=self.instance.pk)
        if lock and transaction.get_connection().in_atomic_block:
            records = records.select_for_update()
        values = records.values(*self.version_fields()).first()
        return None if values is None else version_of(values)

    def refuse_if_saved_since(self, opened):
        if not opened:
            raise ValidationError(
                _(
                    "Not saved: this form came without the version of the record it was "
                    "opened on, so it cannot tell whether someone else saved the record "
                    "meanwhile. Open the record again and redo your changes."
                ),
                code="unchecked",
            )
        stored = self.stored_version(lock=True)
        if stored is None:
            raise ValidationError(
                _(
                    "This record was deleted after you opened it, so your changes were not "
                    "saved. An editor can restore it from “Recently deleted”."
                ),
                code="deleted",
            )
        if stored == opened:
            return
        model, pk = self._meta.model, self.instance.pk
        opened_at = opened_at_time(model, opened)
        people, when, changes = (
            changes_since(model, pk, opened_at) if opened_at else last_save(model, pk)
        )
        saved = _("{who} saved this record after you opened it").format(
            who=", ".join(people) or _("someone else")
        )
        if when:
            saved = format_html("{} ({})", saved, date_format(when, "DATETIME_FORMAT"))
        messages = [
            format_html(
                "{}. {}",
                saved,
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


class CuratedForm(RefusesLostUpdates):
    """The change form of every curated record."""

    # Set by the admin when the form has no citation forms to count (reverting to an old
    # version): the publication rule then counts the citations stored.
    check_stored_sources = False

    def clean(self):
        cleaned_data = super().clean()
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


class CitedForm(CuratedForm):
    """A cited record's form: its text in every language, and translations to sign off."""

    translations_reviewed = forms.MultipleChoiceField(
        label=_("Translations reviewed"),
        choices=settings.LANGUAGES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Tick a language once its translation says what the original says now. A "
            "translation you edit here counts as reviewed; one whose original changed since "
            "is shown as outdated on the site and the dashboard until someone ticks it."
        ),
    )

    def reviewed_languages(self):
        """Languages whose translation the editor wrote or signed off in this form."""
        record = self.instance
        edited = {
            language
            for language, _name in settings.LANGUAGES
            for name in record.translated_fields()
            if f"{name}_{language}" in self.changed_data
        }
        ticked = set(self.cleaned_data.get("translations_reviewed") or ())
        return sorted((edited | ticked) - {record.original_language})


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


class CitationForm(RefusesLostUpdates):
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
