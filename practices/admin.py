"""The researchers' admin: drafts, review and publishing, history with undo, spreadsheets.

- Researchers draft: publishing (the publication status field, the publish actions) is
  for users with the model's `publish` permission, the Editors group.
- A claim (status, law, pilot, pledge, figure) is published only with a source; the rule
  is `can_be_published()` on the model, applied by the citation forms and the action.
- Every change form and inline row refuses to overwrite a save made since it was opened
  (forms.py), and two simultaneous adds of one record end in a form error, not a 500.
- History: simple-history's pages list every version with who, when and what changed,
  and revert to any of them; deleted records are restored from "Recently deleted"
  (dashboard.py).
- Editors import and export CSV and Excel sheets of claims (resources.py).
"""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import get_permission_codename
from django.contrib.contenttypes.admin import GenericTabularInline
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError
from django.http import HttpResponse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from import_export.admin import ImportExportMixin
from import_export.formats import base_formats
from modeltranslation.admin import TranslationAdmin, TranslationStackedInline
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import to_historic
from simple_history.template_utils import HistoricalRecordContextHelper

from .forms import (
    CitationForm,
    CitationFormSet,
    CitedForm,
    CuratedForm,
    RefusesLostUpdates,
    SourceForm,
    StatusInlineFormSet,
)
from .models import (
    Approach,
    Citation,
    Figure,
    Indicator,
    IndicatorValue,
    Law,
    Organisation,
    Pilot,
    Pledge,
    PledgeProgress,
    PublicationStatus,
    Source,
    Status,
    TargetGroup,
)
from .resources import (
    FigureResource,
    LawResource,
    PilotResource,
    PledgeResource,
    StatusResource,
)

DIFF_CHARS = 400  # longest value shown whole in a history diff


def can_publish(request, model):
    opts = model._meta
    return request.user.has_perm(f"{opts.app_label}.{get_permission_codename('publish', opts)}")


@admin.display(description=_("quote check"))
def quote_check(citation):
    if citation.quote_verified is None:
        return _("no text kept") if citation.pk else ""
    return _("quote found") if citation.quote_verified else _("quote NOT found")


class CitationInline(GenericTabularInline):
    model = Citation
    form = RefusesLostUpdates
    formset = CitationFormSet
    extra = 1
    autocomplete_fields = ["source"]
    fields = ["source", "quote", "locator", quote_check, "opened_at"]
    readonly_fields = [quote_check]
    verbose_name = _("source cited")
    verbose_name_plural = _("sources cited (at least one before publishing)")


class StatusInline(admin.TabularInline):
    """A country's statuses, newest first, editable from the country page."""

    model = Status
    form = CuratedForm
    formset = StatusInlineFormSet
    extra = 0
    fields = [
        "indicator",
        "value",
        "subdivision",
        "effective_from",
        "effective_precision",
        "observed_on",
        "observed_precision",
        "practice_differs",
        "publication_status",
        "opened_at",
    ]
    autocomplete_fields = ["indicator", "value", "subdivision"]
    show_change_link = True
    ordering = ["indicator__order", "-observed_on"]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not can_publish(request, Status):
            readonly.append("publication_status")
        return readonly


def report_refused(modeladmin, request, refused, heading):
    if refused:
        modeladmin.message_user(
            request,
            format_html(
                "{} {}",
                heading,
                "; ".join(f"{record}: {' '.join(map(str, why))}" for record, why in refused),
            ),
            messages.ERROR,
        )


@admin.action(description=_("Publish selected records"), permissions=["publish"])
def publish(modeladmin, request, queryset):
    updated, refused = 0, []
    for record in queryset.drafts():
        problems = record.publication_problems() if hasattr(record, "publication_problems") else []
        if problems:
            refused.append((record, problems))
            continue
        record.publication_status = PublicationStatus.PUBLISHED
        record.save()
        updated += 1
    if updated or not refused:
        modeladmin.message_user(
            request,
            ngettext("%d record published.", "%d records published.", updated) % updated,
            messages.SUCCESS,
        )
    report_refused(modeladmin, request, refused, _("Not published:"))


@admin.action(description=_("Unpublish selected records (back to draft)"), permissions=["publish"])
def unpublish(modeladmin, request, queryset):
    updated, refused = 0, []
    for record in queryset.published():
        record.publication_status = PublicationStatus.DRAFT
        broken = record.published_records_left_unsourced() if isinstance(record, Source) else []
        if broken:
            refused.append((record, [", ".join(str(cited) for cited, _why in broken)]))
            continue
        record.save()
        updated += 1
    modeladmin.message_user(
        request,
        ngettext("%d record unpublished.", "%d records unpublished.", updated) % updated,
        messages.SUCCESS,
    )
    report_refused(
        modeladmin,
        request,
        refused,
        _("Not unpublished, because published records would be left without a source:"),
    )


class SettlesSimultaneousSaves:
    """Two people adding the same record (the same slug) at the same moment: the second
    gets the form's own "already exists" error, not a server error.

    Both forms pass validation before either row exists; the database then refuses the
    second row. Its transaction is rolled back whole, and the form runs again, seeing the
    first one's row this time. Should the database refuse again, the answer is a 409.
    """

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except IntegrityError:
            if request.method != "POST":
                raise
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except IntegrityError:
            return HttpResponse(
                _(
                    "Not saved: someone saved a record with the same identifier at the same "
                    "moment. Go back, reload the page and check before saving again."
                ),
                status=409,
                content_type="text/plain; charset=utf-8",
            )


class CuratedAdmin(SettlesSimultaneousSaves, SimpleHistoryAdmin):
    """Publication state, review date, history and edit-conflict checks for every record."""

    form = CuratedForm
    actions = [publish, unpublish]
    readonly_fields = ["created_at", "updated_at"]
    curation_fieldset = (
        _("Publication"),
        {
            "fields": [
                "publication_status",
                "last_reviewed_on",
                "created_at",
                "updated_at",
                "opened_at",
            ]
        },
    )

    def has_publish_permission(self, request, obj=None):
        return can_publish(request, self.model)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not self.has_publish_permission(request, obj):
            readonly.append("publication_status")
        return readonly

    def get_list_filter(self, request):
        return ["publication_status", *self.list_filter]

    def get_fieldsets(self, request, obj=None):
        if self.fieldsets:
            return [*self.fieldsets, self.curation_fieldset]
        curation = set(self.curation_fieldset[1]["fields"])
        fields = [f for f in self.get_fields(request, obj) if f not in curation]
        return [(None, {"fields": fields}), self.curation_fieldset]

    def get_form(self, request, obj=None, change=False, **kwargs):
        historic = obj is not None and to_historic(obj) is not None
        if historic:
            # Reverting to an old version. Its publication state is kept by someone who
            # may not publish, and its links are shown as they were then.
            if not self.has_publish_permission(request, obj):
                obj.publication_status = self.stored_publication_status(obj)
            self.show_historic_links(obj)
        form = super().get_form(request, obj, change=change, **kwargs)
        # A revert has no citation forms: the publication rule counts the stored citations.
        form.check_stored_sources = historic
        return form

    def stored_publication_status(self, obj):
        stored = (
            type(obj)
            .objects.filter(pk=obj.pk)
            .values_list("publication_status", flat=True)
            .first()
        )
        return stored or PublicationStatus.DRAFT

    def show_historic_links(self, obj):
        """Have the form show an old version's many-to-many links as they were then."""
        version = to_historic(obj)
        cache = obj.__dict__.setdefault("_prefetched_objects_cache", {})
        for field in getattr(version, "_history_m2m_fields", []):
            target = field.remote_field.model
            through = getattr(version, field.name).model
            column = next(f.attname for f in through._meta.fields if f.related_model is target)
            ids = getattr(version, field.name).values_list(column, flat=True)
            cache[field.name] = target.objects.filter(pk__in=list(ids))

    def save_model(self, request, obj, form, change):
        version = to_historic(obj)
        if version is not None:
            # The old links shown in the form are not the stored ones: let the form set them.
            obj.__dict__.pop("_prefetched_objects_cache", None)
            obj._change_reason = _("Reverted to the version of %(date)s") % {
                "date": date_format(version.history_date, "DATETIME_FORMAT")
            }
        if not self.has_publish_permission(request, obj):
            # Whatever the form held, someone who may not publish leaves the state as it was.
            obj.publication_status = (
                self.stored_publication_status(obj) if obj.pk else PublicationStatus.DRAFT
            )
        super().save_model(request, obj, form, change)

    def get_historical_record_context_helper(self, request, historical_record):
        # Long texts (a caveat, a summary) are shortened less than simple-history's default.
        return HistoricalRecordContextHelper(
            self.model, historical_record, max_displayed_delta_change_chars=DIFF_CHARS
        )

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        """The history page's "Changes" column, without the update time every save changes."""
        previous = None
        for current in historical_records:
            if previous is not None:
                delta = previous.diff_against(
                    current,
                    excluded_fields=["updated_at"],
                    foreign_keys_are_objs=foreign_keys_are_objs,
                )
                helper = self.get_historical_record_context_helper(request, previous)
                previous.history_delta_changes = helper.context_for_delta_changes(delta)
            previous = current


class CitedAdmin(CuratedAdmin, TranslationAdmin):
    """A claim with its citations, and its text in every language side by side."""

    form = CitedForm
    inlines = [CitationInline]
    object_history_list_template = "admin/practices/cited_object_history_list.html"
    translation_fieldset = (
        _("Language"),
        {"fields": ["original_language", "translations_reviewed", "translation_status"]},
    )

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "translation_status"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        """Each language's box says its language, so Arabic is typed and read right to left."""
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        language = getattr(db_field, "language", None)
        if formfield is not None and language:
            formfield.widget.attrs.update(lang=language, dir="rtl" if language == "ar" else "ltr")
            if isinstance(formfield.widget, forms.Textarea):
                formfield.widget.attrs["rows"] = 4
        return formfield

    def get_fieldsets(self, request, obj=None):
        # Each translated field becomes one field per language, side by side.
        fieldsets = self._patch_fieldsets(super().get_fieldsets(request, obj))
        own = set(self.translation_fieldset[1]["fields"])
        fieldsets = [
            (name, {**options, "fields": [f for f in options["fields"] if f not in own]})
            for name, options in fieldsets
        ]
        return [*fieldsets[:-1], self.translation_fieldset, fieldsets[-1]]

    @admin.display(description=_("Translations"))
    def translation_status(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        outdated = obj.outdated_translations()
        names = dict(settings.LANGUAGES)
        return format_html_join(
            ", ",
            "{} ({})",
            (
                (
                    names[code],
                    _("outdated")
                    if code in outdated
                    else _("by %(name)s") % {"name": obj.translated_by(code)},
                )
                for code in obj.translations()
            ),
        ) or _("None yet")

    def save_model(self, request, obj, form, change):
        by = request.user.get_full_name() or request.user.get_username()
        for language in form.reviewed_languages():
            obj.record_translation(language, by)
        super().save_model(request, obj, form, change)

    def get_formset_kwargs(self, request, obj, inline, prefix):
        """An add form opened with ?citation_source=…&citation_quote=… (a candidate the
        source's review screen turns into a draft) starts with that citation."""
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        source = request.GET.get("citation_source")
        if request.method == "GET" and obj.pk is None and source and inline.model is Citation:
            kwargs["initial"] = [
                {"source": source, "quote": request.GET.get("citation_quote", "")}
            ]
        return kwargs

    def history_view(self, request, object_id, extra_context=None):
        """The record's versions, then the sources it cited added, changed and removed."""
        content_type = ContentType.objects.get_for_model(self.model)
        versions = list(
            Citation.history.filter(content_type=content_type, object_id=object_id)
            .select_related("history_user")
            .order_by("-history_date", "-history_id")
        )
        sources = Source.objects.in_bulk({version.source_id for version in versions})
        for version in versions:
            version.cited_source = sources.get(version.source_id)
        context = {"citation_history": versions, **(extra_context or {})}
        return super().history_view(request, object_id, extra_context=context)


class SpreadsheetAdmin(ImportExportMixin):
    """CSV and Excel import (editors: the publish permission) and export (anyone who views)."""

    formats = [base_formats.CSV, base_formats.XLSX]
    import_template_name = "admin/practices/import.html"

    def has_import_permission(self, request):
        return (
            self.has_publish_permission(request)
            and self.has_add_permission(request)
            and self.has_change_permission(request)
        )

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            # The file changed between the preview and the confirmation; nothing was written.
            self.message_user(
                request,
                _("Nothing was imported: the file has errors. Import it again to see them."),
                messages.ERROR,
            )
        return super().process_result(result, request)

    def add_success_message(self, result, request):
        if not (result.has_errors() or result.has_validation_errors()):
            super().add_success_message(result, request)


@admin.register(Organisation)
class OrganisationAdmin(CuratedAdmin):
    list_display = ["name", "short_name", "kind", "country", "publication_status"]
    list_filter = ["kind"]
    search_fields = ["name", "short_name", "slug"]
    autocomplete_fields = ["country"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["country"]


@admin.register(Source)
class SourceAdmin(CuratedAdmin):
    form = SourceForm
    list_display = ["title", "publisher", "published_on", "kind", "publication_status"]
    list_filter = ["kind", "publisher"]
    search_fields = ["title", "author", "publisher", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "published_on"


class IndicatorValueInline(admin.TabularInline):
    model = IndicatorValue
    form = RefusesLostUpdates
    extra = 1
    fields = ["rank", "slug", "label", "colour", "description", "publication_status", "opened_at"]
    prepopulated_fields = {"slug": ["label"]}

    def get_readonly_fields(self, request, obj=None):
        # A new or changed value stays a draft until an editor publishes it.
        if can_publish(request, Indicator):
            return []
        return ["publication_status"]


@admin.register(Indicator)
class IndicatorAdmin(CuratedAdmin):
    list_display = ["name", "question", "order", "publication_status"]
    search_fields = ["name", "question", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [IndicatorValueInline]


@admin.register(IndicatorValue)
class IndicatorValueAdmin(SettlesSimultaneousSaves, SimpleHistoryAdmin):
    """Registered for autocomplete; values are edited on their indicator."""

    form = RefusesLostUpdates
    list_display = ["label", "indicator", "rank", "colour", "publication_status"]
    list_filter = ["indicator"]
    search_fields = ["label", "slug", "indicator__name"]
    list_select_related = ["indicator"]


@admin.register(Status)
class StatusAdmin(SpreadsheetAdmin, CitedAdmin):
    resource_classes = [StatusResource]
    list_display = [
        "country",
        "subdivision",
        "indicator",
        "value",
        "effective_from",
        "observed_on",
        "practice_differs",
        "publication_status",
    ]
    list_filter = ["indicator", "practice_differs", "country__region"]
    search_fields = ["country__name", "country__iso2", "subdivision__name", "legal_position"]
    autocomplete_fields = ["country", "subdivision", "indicator", "value"]
    list_select_related = ["country", "subdivision", "indicator", "value"]
    date_hierarchy = "observed_on"
    fieldsets = [
        (None, {"fields": ["country", "subdivision", "indicator", "value"]}),
        (
            _("Timeline: when it began, and when a source reported it"),
            {
                "fields": [
                    "effective_from",
                    "effective_precision",
                    "observed_on",
                    "observed_precision",
                ]
            },
        ),
        (
            _("Law and practice"),
            {"fields": ["legal_position", "practice", "practice_differs", "caveat"]},
        ),
    ]


@admin.register(Law)
class LawAdmin(SpreadsheetAdmin, CitedAdmin):
    resource_classes = [LawResource]
    list_display = ["title", "country", "kind", "status", "adopted_on", "publication_status"]
    list_filter = ["kind", "status", "indicators", "country__region"]
    search_fields = ["title", "summary", "slug", "country__name"]
    autocomplete_fields = [
        "country",
        "subdivision",
        "countries",
        "country_groups",
        "indicators",
        "organisations",
    ]
    prepopulated_fields = {"slug": ["title"]}
    list_select_related = ["country"]
    date_hierarchy = "adopted_on"


@admin.register(TargetGroup)
class TargetGroupAdmin(SettlesSimultaneousSaves, admin.ModelAdmin):
    form = RefusesLostUpdates
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Approach)
class ApproachAdmin(SettlesSimultaneousSaves, admin.ModelAdmin):
    form = RefusesLostUpdates
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Pilot)
class PilotAdmin(SpreadsheetAdmin, CitedAdmin):
    resource_classes = [PilotResource]
    list_display = [
        "name",
        "country",
        "classification",
        "status",
        "started_on",
        "publication_status",
    ]
    list_filter = ["classification", "status", "target_groups", "approaches", "country__region"]
    search_fields = ["name", "description", "slug", "country__name"]
    autocomplete_fields = [
        "country",
        "subdivision",
        "countries",
        "country_groups",
        "implementers",
        "government_partners",
        "target_groups",
        "approaches",
    ]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["country"]
    date_hierarchy = "started_on"


class PledgeProgressInline(TranslationStackedInline):
    """A pledge's progress, entry by entry. An entry cites its sources on its own page, where
    it is published; one added here is a draft until then."""

    model = PledgeProgress
    form = CuratedForm
    extra = 0
    fields = [
        ("occurred_on", "occurred_precision"),
        ("reported_on", "reported_precision"),
        "text",
        "original_language",
        "laws",
        "statuses",
        "publication_status",
        "opened_at",
    ]
    readonly_fields = ["publication_status"]
    autocomplete_fields = ["laws", "statuses"]
    show_change_link = True
    verbose_name = _("progress entry")
    verbose_name_plural = _("progress since the pledge (sources and publishing: “Change”)")


@admin.register(PledgeProgress)
class PledgeProgressAdmin(CitedAdmin):
    list_display = ["pledge", "occurred_on", "reported_on", "publication_status"]
    list_filter = ["pledge__forum"]
    search_fields = ["text", "pledge__slug", "pledge__forum", "pledge__country__name"]
    autocomplete_fields = ["pledge", "laws", "statuses"]
    list_select_related = ["pledge__country"]
    fieldsets = [
        (None, {"fields": ["pledge", "text", "laws", "statuses"]}),
        (
            _("When it happened, and when a source reported it"),
            {
                "fields": [
                    "occurred_on",
                    "occurred_precision",
                    "reported_on",
                    "reported_precision",
                ]
            },
        ),
    ]


@admin.register(Pledge)
class PledgeAdmin(SpreadsheetAdmin, CitedAdmin):
    resource_classes = [PledgeResource]
    inlines = [PledgeProgressInline, CitationInline]
    list_display = [
        "country",
        "forum",
        "pledged_on",
        "gcm_objective",
        "status",
        "publication_status",
    ]
    list_filter = ["forum", "status", "gcm_objective"]
    search_fields = ["text", "forum", "slug", "country__name"]
    autocomplete_fields = ["country", "countries", "country_groups"]
    list_select_related = ["country"]
    date_hierarchy = "pledged_on"


@admin.register(Figure)
class FigureAdmin(SpreadsheetAdmin, CitedAdmin):
    resource_classes = [FigureResource]
    list_display = [
        "description",
        "country",
        "qualifier",
        "value",
        "unit",
        "period_end",
        "publication_status",
    ]
    list_filter = ["unit", "qualifier", "measure"]
    search_fields = ["description", "measure", "slug", "country__name"]
    autocomplete_fields = ["country", "subdivision"]
    list_select_related = ["country"]
    date_hierarchy = "period_end"


@admin.register(Citation)
class CitationAdmin(SettlesSimultaneousSaves, SimpleHistoryAdmin):
    form = CitationForm
    list_display = ["source", "content_type", "object_id", "quote", quote_check]
    readonly_fields = [quote_check]
    list_filter = ["content_type"]
    search_fields = ["quote", "source__title"]
    autocomplete_fields = ["source"]
    list_select_related = ["source", "content_type"]

    def get_readonly_fields(self, request, obj=None):
        # A citation stays with its record: cite the source on the other record instead.
        return ["content_type", "object_id", quote_check] if obj else [quote_check]

    def get_deleted_objects(self, objs, request):
        """Refuse to delete the last citations of a published record, as its page does."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        leaving = {}
        for citation in objs:
            leaving.setdefault((citation.content_type_id, citation.object_id), []).append(citation)
        for citations in leaving.values():
            record = citations[0].record
            if record is None or not record.is_published():
                continue
            left = [
                (c.source, c.quote)
                for c in record.citations.exclude(pk__in=[c.pk for c in citations]).select_related(
                    "source"
                )
            ]
            if not record.can_be_published(left):
                protected.append(
                    format_html("{} ({})", record, _("published: it must cite a source"))
                )
        return deleted, counts, perms_needed, protected
