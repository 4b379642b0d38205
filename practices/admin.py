from django.contrib import admin, messages
from django.contrib.contenttypes.admin import GenericTabularInline
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

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
    PublicationStatus,
    Source,
    Status,
    TargetGroup,
)


class CitationInline(GenericTabularInline):
    model = Citation
    extra = 1
    autocomplete_fields = ["source"]
    fields = ["source", "quote", "locator"]
    verbose_name = _("source cited")
    verbose_name_plural = _("sources cited (at least one before publishing)")


class StatusInline(admin.TabularInline):
    """A country's statuses, newest first, editable from the country page."""

    model = Status
    extra = 0
    fields = [
        "indicator",
        "value",
        "subdivision",
        "effective_from",
        "effective_precision",
        "practice_differs",
        "publication_status",
    ]
    autocomplete_fields = ["indicator", "value", "subdivision"]
    show_change_link = True
    ordering = ["indicator__order", "-effective_from"]


@admin.action(description=_("Publish selected records"))
def publish(modeladmin, request, queryset):
    updated = 0
    for record in queryset.drafts():
        record.publication_status = PublicationStatus.PUBLISHED
        record.save()
        updated += 1
    modeladmin.message_user(
        request,
        ngettext("%d record published.", "%d records published.", updated) % updated,
        messages.SUCCESS,
    )


@admin.action(description=_("Unpublish selected records (back to draft)"))
def unpublish(modeladmin, request, queryset):
    updated = 0
    for record in queryset.published():
        record.publication_status = PublicationStatus.DRAFT
        record.save()
        updated += 1
    modeladmin.message_user(
        request,
        ngettext("%d record unpublished.", "%d records unpublished.", updated) % updated,
        messages.SUCCESS,
    )


class CuratedAdmin(SimpleHistoryAdmin):
    """Publication state, review date and history for every curated record."""

    actions = [publish, unpublish]
    readonly_fields = ["created_at", "updated_at"]
    curation_fieldset = (
        _("Publication"),
        {"fields": ["publication_status", "last_reviewed_on", "created_at", "updated_at"]},
    )

    def get_list_filter(self, request):
        return ["publication_status", *self.list_filter]

    def get_fieldsets(self, request, obj=None):
        if self.fieldsets:
            return [*self.fieldsets, self.curation_fieldset]
        curation = set(self.curation_fieldset[1]["fields"])
        fields = [f for f in self.get_fields(request, obj) if f not in curation]
        return [(None, {"fields": fields}), self.curation_fieldset]


class CitedAdmin(CuratedAdmin):
    inlines = [CitationInline]


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
    list_display = ["title", "publisher", "published_on", "kind", "publication_status"]
    list_filter = ["kind", "publisher"]
    search_fields = ["title", "author", "publisher", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "published_on"


class IndicatorValueInline(admin.TabularInline):
    model = IndicatorValue
    extra = 1
    fields = ["rank", "slug", "label", "colour", "description"]
    prepopulated_fields = {"slug": ["label"]}


@admin.register(Indicator)
class IndicatorAdmin(CuratedAdmin):
    list_display = ["name", "question", "order", "publication_status"]
    search_fields = ["name", "question", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [IndicatorValueInline]


@admin.register(IndicatorValue)
class IndicatorValueAdmin(SimpleHistoryAdmin):
    """Registered for autocomplete; values are edited on their indicator."""

    list_display = ["label", "indicator", "rank", "colour"]
    list_filter = ["indicator"]
    search_fields = ["label", "slug", "indicator__name"]
    list_select_related = ["indicator"]


@admin.register(Status)
class StatusAdmin(CitedAdmin):
    list_display = [
        "country",
        "subdivision",
        "indicator",
        "value",
        "effective_from",
        "practice_differs",
        "publication_status",
    ]
    list_filter = ["indicator", "practice_differs", "country__region"]
    search_fields = ["country__name", "country__iso2", "subdivision__name", "legal_position"]
    autocomplete_fields = ["country", "subdivision", "indicator", "value"]
    list_select_related = ["country", "subdivision", "indicator", "value"]
    date_hierarchy = "effective_from"
    fieldsets = [
        (None, {"fields": ["country", "subdivision", "indicator", "value"]}),
        (_("Timeline"), {"fields": ["effective_from", "effective_precision"]}),
        (
            _("Law and practice"),
            {"fields": ["legal_position", "practice", "practice_differs", "caveat"]},
        ),
    ]


@admin.register(Law)
class LawAdmin(CitedAdmin):
    list_display = ["title", "country", "kind", "status", "adopted_on", "publication_status"]
    list_filter = ["kind", "status", "indicators", "country__region"]
    search_fields = ["title", "summary", "slug", "country__name"]
    autocomplete_fields = ["country", "subdivision", "indicators", "organisations"]
    prepopulated_fields = {"slug": ["title"]}
    list_select_related = ["country"]
    date_hierarchy = "adopted_on"


@admin.register(TargetGroup)
class TargetGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Approach)
class ApproachAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Pilot)
class PilotAdmin(CitedAdmin):
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
        "implementers",
        "government_partners",
        "target_groups",
        "approaches",
    ]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["country"]
    date_hierarchy = "started_on"


@admin.register(Pledge)
class PledgeAdmin(CitedAdmin):
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
    autocomplete_fields = ["country"]
    list_select_related = ["country"]
    date_hierarchy = "pledged_on"


@admin.register(Figure)
class FigureAdmin(CitedAdmin):
    list_display = ["description", "country", "value", "unit", "period_end", "publication_status"]
    list_filter = ["unit", "measure"]
    search_fields = ["description", "measure", "slug", "country__name"]
    autocomplete_fields = ["country", "subdivision"]
    list_select_related = ["country"]
    date_hierarchy = "period_end"


@admin.register(Citation)
class CitationAdmin(SimpleHistoryAdmin):
    list_display = ["source", "content_type", "object_id", "quote"]
    list_filter = ["content_type"]
    search_fields = ["quote", "source__title"]
    autocomplete_fields = ["source"]
    list_select_related = ["source", "content_type"]
