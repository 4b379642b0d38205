"""The researchers' dashboard and the recovery of deleted records, on the admin site.

The admin site is `CurationAdminSite` (installed through `CurationAdminConfig` in
INSTALLED_APPS, so `admin.site` is still the one every app registers on). It adds:

- /admin/dashboard/: drafts awaiting review, published claims not reviewed for more than
  twelve months, translations whose original changed since, countries with no status on
  an indicator, corrections sent by readers not yet looked at, and the latest changes
  by anyone. Its query count depends on the kinds
  of records, not on how many there are.
- /admin/deleted/: records deleted recently, from their history, with a button that
  restores a record as it was, with its links and the citations deleted with it.

Models are imported inside functions: this module is loaded with the app registry.
"""

import datetime

from django.contrib import messages
from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig
from django.contrib.auth import get_permission_codename
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Window
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

SHOWN = 10  # records listed per kind
LATEST = 20  # latest changes listed
REVIEW_MONTHS = 12
# Citations deleted this close to their record's deletion went with it (a cascade).
DELETED_WITH_RECORD = datetime.timedelta(minutes=1)

# What each kind's name (`__str__`) reads, fetched with it.
LABEL_RELATED = {
    "status": ["country", "subdivision", "indicator", "value"],
    "pledge": ["country"],
    "citation": ["source"],
}


class CurationAdminConfig(AdminConfig):
    """django.contrib.admin, with the curation site as `admin.site`."""

    default_site = "practices.dashboard.CurationAdminSite"


class CurationAdminSite(AdminSite):
    def get_urls(self):
        return [
            path("dashboard/", self.admin_view(self.dashboard_view), name="dashboard"),
            path("deleted/", self.admin_view(self.deleted_view), name="deleted"),
            *super().get_urls(),
        ]

    def dashboard_view(self, request):
        from corrections.models import Correction

        from .models import Status

        visible = [model for model in curated_models() if may_view(request.user, model)]
        context = {
            **self.each_context(request),
            "title": _("Curation dashboard"),
            "review_months": REVIEW_MONTHS,
            "drafts": drafts_awaiting_review(visible),
            "stale": not_reviewed_recently([m for m in claim_models() if m in visible]),
            "outdated": outdated_translations([m for m in claim_models() if m in visible]),
            "coverage": coverage() if Status in visible else None,
            "corrections": (new_corrections() if may_view(request.user, Correction) else None),
            "changes": latest_changes(visible),
        }
        request.current_app = self.name
        return TemplateResponse(request, "admin/dashboard.html", context)

    def deleted_view(self, request):
        if request.method == "POST":
            return self.restore(request)
        context = {
            **self.each_context(request),
            "title": _("Recently deleted"),
            "deleted": deleted_records(request.user),
        }
        request.current_app = self.name
        return TemplateResponse(request, "admin/deleted_records.html", context)

    def restore(self, request):
        model = tracked_models().get(request.POST.get("model"))
        if model is None:
            raise PermissionDenied
        if not may_restore(request.user, model):
            raise PermissionDenied
        try:
            record, citations = restore_deleted(model, int(request.POST.get("id")), request.user)
        except (TypeError, ValueError, LookupError, IntegrityError) as error:
            messages.error(request, _("Could not restore it: %(error)s") % {"error": error})
        else:
            message = _("Restored “%(record)s”.") % {"record": record}
            if citations:
                message += " " + _("With %(count)d citation(s).") % {"count": citations}
            messages.success(request, message)
        return HttpResponseRedirect(reverse(f"{self.name}:deleted"))


def curated_models():
    """The kinds of curated records, claims first."""
    from .models import Figure, Indicator, Law, Organisation, Pilot, Pledge, Source, Status

    return [Status, Law, Pilot, Pledge, Figure, Source, Organisation, Indicator]


def claim_models():
    from .models import Figure, Law, Pilot, Pledge, Status

    return [Status, Law, Pilot, Pledge, Figure]


def tracked_models():
    """Models whose history the dashboard reads, by model name."""
    from .models import Citation

    return {model._meta.model_name: model for model in [*curated_models(), Citation]}


def admin_url(model, action, *args):
    opts = model._meta
    try:
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_{action}", args=args)
    except NoReverseMatch:
        return None


def with_total(queryset):
    """One query for the first rows and the number of all: `total` on every row."""
    return queryset.annotate(total=Window(Count("pk")))


def section(model, rows, **extra):
    return {
        "name": model._meta.verbose_name_plural,
        "total": rows[0].total if rows else 0,
        "records": [
            {"label": str(row), "url": admin_url(model, "change", row.pk), "record": row}
            for row in rows
        ],
        **extra,
    }


def drafts_awaiting_review(models, shown=SHOWN):
    """Each kind's drafts, the most recently edited first: one query per kind."""
    sections = []
    for model in models:
        related = LABEL_RELATED.get(model._meta.model_name, [])
        drafts = model.objects.drafts().select_related(*related).order_by("-updated_at")
        rows = list(with_total(drafts)[:shown])
        if rows:
            changelist = admin_url(model, "changelist")
            sections.append(
                section(model, rows, more=f"{changelist}?publication_status__exact=draft")
            )
    return sections


def new_corrections(shown=SHOWN):
    """Corrections from readers that nobody has looked at yet, oldest first: one query."""
    from corrections.models import Correction

    rows = list(with_total(Correction.objects.new().order_by("created_at", "pk"))[:shown])
    changelist = admin_url(Correction, "changelist")
    return section(Correction, rows, more=f"{changelist}?state__exact=new")


def review_cutoff(today=None, months=REVIEW_MONTHS):
    today = today or timezone.localdate()
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    return today.replace(year=year, month=month + 1, day=min(today.day, 28))


def not_reviewed_recently(models, shown=SHOWN):
    """Published claims never reviewed, or last reviewed before the cutoff: oldest first."""
    cutoff = review_cutoff()
    sections = []
    for model in models:
        related = LABEL_RELATED.get(model._meta.model_name, [])
        stale = (
            model.objects.published()
            .filter(Q(last_reviewed_on__isnull=True) | Q(last_reviewed_on__lt=cutoff))
            .select_related(*related)
            .order_by(F("last_reviewed_on").asc(nulls_first=True), "pk")
        )
        rows = list(with_total(stale)[:shown])
        if rows:
            sections.append(section(model, rows))
    return sections


def outdated_translations(models, shown=SHOWN):
    """Records with a translation made from an earlier original: one query per kind.

    Whether a translation is outdated compares fingerprints of the text, so it is worked
    out here rather than in the database.
    """
    sections = []
    for model in models:
        related = LABEL_RELATED.get(model._meta.model_name, [])
        records = model.objects.exclude(translation_log={}).select_related(*related)
        rows = []
        for record in records.order_by("-updated_at").iterator(chunk_size=500):
            record.outdated = record.outdated_translations()
            if record.outdated:
                rows.append(record)
        if rows:
            for row in rows:
                row.total = len(rows)
            sections.append(section(model, rows[:shown]))
    return sections


def coverage():
    """Countries with at least one national status, and the indicators each lacks.

    Three queries: the (country, indicator, publication state) pairs, the countries,
    the indicators. A cell is "published", "draft" (only drafts so far) or None.
    """
    from countries.models import Country

    from .models import Indicator, PublicationStatus, Status

    pairs = Status.objects.national().values_list(
        "country_id", "indicator_id", "publication_status"
    )
    state = {}
    for country_id, indicator_id, publication_status in pairs.distinct():
        if state.get((country_id, indicator_id)) != PublicationStatus.PUBLISHED:
            state[(country_id, indicator_id)] = publication_status
    countries = Country.objects.filter(pk__in={country for country, indicator in state}).order_by(
        "name"
    )
    indicators = list(Indicator.objects.order_by("order", "name"))
    add_status = admin_url(Status, "add")
    rows = []
    for country in countries:
        cells = [
            {
                "state": state.get((country.pk, indicator.pk)),
                "add": f"{add_status}?country={country.pk}&indicator={indicator.pk}",
            }
            for indicator in indicators
        ]
        missing = sum(1 for cell in cells if cell["state"] is None)
        rows.append({"country": country, "cells": cells, "missing": missing})
    return {
        "indicators": indicators,
        "rows": [row for row in rows if row["missing"]],
        "complete": sum(1 for row in rows if not row["missing"]),
        "countries": len(rows),
    }


def label(version):
    """A historical record's name as its record would give it, without querying."""
    instance = version.instance
    for field in instance._meta.concrete_fields:
        if field.is_relation:
            historical_field = version._meta.get_field(field.name)
            if historical_field.is_cached(version):
                field.set_cached_value(instance, historical_field.get_cached_value(version))
    return str(instance)


CHANGE_TYPES = {
    "+": gettext_lazy("created"),
    "~": gettext_lazy("changed"),
    "-": gettext_lazy("deleted"),
}


def latest_changes(models, limit=LATEST):
    """The latest versions of every kind of record, by anyone, with the fields changed.

    Two queries per kind at most: its latest versions, each knowing its previous
    version's id, and those previous versions (only where some are changes).
    """
    entries = []
    # Citations are left out: the admin saves a record with its citations, and a record's
    # history page lists the changes to the sources it cites.
    for model in models:
        history = model.history.model
        pk = model._meta.pk.attname
        previous = history.objects.filter(
            Q(history_date__lt=OuterRef("history_date"))
            | Q(history_date=OuterRef("history_date"), history_id__lt=OuterRef("history_id")),
            **{pk: OuterRef(pk)},
        ).order_by("-history_date", "-history_id")
        related = LABEL_RELATED.get(model._meta.model_name, [])
        versions = list(
            history.objects.select_related("history_user", *related)
            .annotate(previous_id=Subquery(previous.values("history_id")[:1]))
            .order_by("-history_date", "-history_id")[:limit]
        )
        earlier = {
            version.history_id: version
            for version in history.objects.filter(
                history_id__in=[v.previous_id for v in versions if v.previous_id]
            )
        }
        fields = [
            field.name
            for field in history.tracked_fields
            if field.editable and field.name != "updated_at"
        ]
        for version in versions:
            changed = []
            before = earlier.get(version.previous_id)
            if version.history_type == "~" and before is not None:
                delta = version.diff_against(before, included_fields=fields)
                changed = [
                    str(model._meta.get_field(change.field).verbose_name)
                    for change in delta.changes
                ]
            entries.append(
                {
                    "when": version.history_date,
                    "who": version.history_user,
                    "kind": model._meta.verbose_name,
                    "label": label(version),
                    "type": CHANGE_TYPES.get(version.history_type, version.history_type),
                    "fields": changed,
                    "reason": version.history_change_reason,
                    "url": admin_url(model, "history", getattr(version, pk)),
                }
            )
    entries.sort(key=lambda entry: entry["when"], reverse=True)
    return entries[:limit]


def may_view(user, model):
    opts = model._meta
    return user.has_perm(f"{opts.app_label}.{get_permission_codename('view', opts)}")


def may_restore(user, model):
    """Whoever may delete a kind of record may bring it back."""
    opts = model._meta
    return user.has_perm(f"{opts.app_label}.{get_permission_codename('delete', opts)}")


def deleted_records(user, limit=50):
    """Each kind's records that no longer exist, last deleted first, from their history."""
    sections = []
    for model in tracked_models().values():
        if not may_view(user, model):
            continue
        pk = model._meta.pk.attname
        related = LABEL_RELATED.get(model._meta.model_name, [])
        deletions = (
            model.history.filter(history_type="-")
            .alias(alive=Exists(model.objects.filter(pk=OuterRef(pk))))
            .filter(citing_existing_records(model), alive=False)
            .select_related("history_user", *related)
            .order_by("-history_date", "-history_id")
        )
        records, seen = [], set()
        for version in deletions[:limit]:
            if getattr(version, pk) in seen:
                continue  # deleted, restored and deleted again: the last deletion
            seen.add(getattr(version, pk))
            records.append(
                {
                    "id": getattr(version, pk),
                    "label": label(version),
                    "when": version.history_date,
                    "who": version.history_user,
                    "history": admin_url(model, "history", getattr(version, pk)),
                }
            )
        if records:
            sections.append(
                {
                    "model": model._meta.model_name,
                    "name": model._meta.verbose_name_plural,
                    "records": records,
                    "may_restore": may_restore(user, model),
                }
            )
    return sections


def citing_existing_records(model):
    """For citations, only those of records that exist: the others come back with them."""
    from django.contrib.contenttypes.models import ContentType

    from .models import Citation

    if model is not Citation:
        return Q()
    cited = Q(pk__in=[])
    for kind in claim_models():
        content_type = ContentType.objects.get_for_model(kind)
        cited |= Q(content_type_id=content_type.pk, object_id__in=kind.objects.values("pk"))
    return cited


def historic_links(version):
    """{field name: [ids]} of a version's many-to-many links, as they were then."""
    links = {}
    for field in getattr(version, "_history_m2m_fields", []):
        through = getattr(version, field.name).model
        target = field.remote_field.model
        column = next(f.attname for f in through._meta.fields if f.related_model is target)
        links[field.name] = list(getattr(version, field.name).values_list(column, flat=True))
    return links


@transaction.atomic
def restore_deleted(model, pk, user):
    """Bring a deleted record back as it was, with its links and the citations deleted with it.

    Returns the record and the number of citations restored. The record's history gets
    one version, "Restored after deletion", by the user.
    """
    from .models import Citation, Cited

    if model.objects.filter(pk=pk).exists():
        raise ValueError(_("it exists"))
    if model is Citation and not (
        Citation.history.filter(citing_existing_records(model), id=pk).exists()
    ):
        raise LookupError(_("its record was deleted: restore the record instead"))
    versions = model.history.filter(**{model._meta.pk.attname: pk}).order_by(
        "-history_date", "-history_id"
    )
    deletion = versions.filter(history_type="-").first()
    if deletion is None:
        raise LookupError(_("no deletion of this record is in its history"))
    # The version before the deletion carries the links (a deletion removes them first).
    last = versions.exclude(history_type="-").first() or deletion
    record = last.instance
    record.skip_history_when_saving = True  # one version below, with everything in it
    record.save(force_insert=True)
    for name, ids in historic_links(last).items():
        getattr(record, name).set(ids)
    restored = 0
    if isinstance(record, Cited):
        restored = restore_citations(record, deletion.history_date, user)
        problems = record.publication_problems() if record.is_published() else []
        if problems:
            # Rolls the restore back: a published claim never comes back unsourced.
            raise ValueError(
                _("it was published, and would come back without a valid source (%(why)s)")
                % {"why": " ".join(map(str, problems))}
            )
    del record.skip_history_when_saving
    if hasattr(last, "created_at"):
        record.created_at = last.created_at  # saving again keeps it (auto_now_add only adds)
    record._history_user = user
    record._change_reason = _("Restored after deletion")
    record.save()
    return record, restored


def restore_citations(record, deleted_at, user):
    from django.contrib.contenttypes.models import ContentType

    from .models import Citation, Source

    content_type = ContentType.objects.get_for_model(record)
    deletions = (
        Citation.history.filter(
            history_type="-",
            content_type=content_type,
            object_id=record.pk,
            history_date__range=(
                deleted_at - DELETED_WITH_RECORD,
                deleted_at + DELETED_WITH_RECORD,
            ),
        )
        .exclude(id__in=Citation.objects.values("pk"))
        .filter(source_id__in=Source.objects.values("pk"))
    )
    restored = 0
    for version in deletions:
        citation = version.instance
        citation._history_user = user
        citation._change_reason = _("Restored with its record")
        citation.save(force_insert=True)
        restored += 1
    return restored
