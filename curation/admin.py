"""Source-first curation in the admin: add a document, review its candidates, draft records.

A candidate becomes a draft through the record's own add form, pre-filled from the query
string (its place, indicator, date or number, and the sentence as the citation quote), so
every rule of that form applies and only an editor can publish the result.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from curation.candidates import attach_matching_records, draft_url, refresh_candidates
from curation.documents import (
    ACCEPTED_EXTENSIONS,
    MAX_SIZE,
    UnreadableDocument,
    read_document,
    read_pasted_text,
)
from curation.models import Candidate, CuePhrase, PlaceName, RecordType
from practices.models import Source


@admin.register(CuePhrase)
class CuePhraseAdmin(admin.ModelAdmin):
    list_display = ["phrase", "language", "indicator", "value", "record_type", "law_kind"]
    list_filter = ["language", "indicator", "record_type", "law_kind"]
    search_fields = ["phrase"]
    autocomplete_fields = ["indicator", "value"]


@admin.register(PlaceName)
class PlaceNameAdmin(admin.ModelAdmin):
    list_display = ["name", "language", "country", "subdivision", "country_group"]
    list_filter = ["language"]
    search_fields = ["name", "country__name", "subdivision__name"]
    autocomplete_fields = ["country", "subdivision", "country_group"]


class DocumentForm(forms.Form):
    document = forms.FileField(
        label=_("Document"),
        required=False,
        help_text=_("An HTML, PDF, Word (.docx) or plain-text file."),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(ACCEPTED_EXTENSIONS)}),
    )
    text = forms.CharField(
        label=_("Or paste its text"), required=False, widget=forms.Textarea(attrs={"rows": 12})
    )
    url = forms.URLField(label=_("Where it is published"), required=False, max_length=500)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=Source.Kind.choices, initial=Source.Kind.NEWS
    )

    def clean(self):
        cleaned = super().clean()
        upload, text = cleaned.get("document"), cleaned.get("text", "").strip()
        if bool(upload) == bool(text):
            raise forms.ValidationError(_("Upload a document or paste its text (one of the two)."))
        try:
            if upload and upload.size > MAX_SIZE:
                raise UnreadableDocument(
                    _("%(name)s: files over %(megabytes)d MB cannot be read")
                    % {"name": upload.name, "megabytes": MAX_SIZE // 2**20}
                )
            if upload:
                cleaned["read"] = read_document(upload.name, upload.read())
            else:
                cleaned["read"] = read_pasted_text(text)
        except UnreadableDocument as error:
            raise forms.ValidationError(str(error)) from None
        if not cleaned["read"].text.strip():
            raise forms.ValidationError(_("No text was found in this document."))
        return cleaned


def unique_slug(title):
    base = slugify(title)[:90] or "document"
    slug, number = base, 1
    while Source.objects.filter(slug=slug).exists():
        number += 1
        slug = f"{base}-{number}"
    return slug


def source_from_document(read, url, kind):
    title = read.title or _("Untitled document")
    return Source.objects.create(
        slug=unique_slug(str(title)),
        title=str(title)[:300],
        author=read.author[:200],
        publisher=read.publisher[:200],
        published_on=read.published_on,
        published_precision=read.published_precision or "day",
        url=url,
        kind=kind,
        text=read.text,
    )


@admin.register(Candidate)
class CandidateAdmin(admin.ModelAdmin):
    list_display = ["short_text", "source", "country", "record_type", "state"]
    list_filter = ["state", "record_type", "language", "indicators"]
    search_fields = ["text", "source__title"]
    list_select_related = ["source", "country"]
    readonly_fields = [f.name for f in Candidate._meta.fields if f.name != "state"]
    fields = ["source", "text", "country", "subdivision", "country_group", "state"]

    @admin.display(description=_("sentence"))
    def short_text(self, candidate):
        return candidate.text[:120]

    def has_add_permission(self, request):
        return False

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("add-document/", view(self.add_document_view), name="curation_add_document"),
            path("source/<int:source_id>/", view(self.review_view), name="curation_review"),
            *super().get_urls(),
        ]

    def add_document_view(self, request):
        if not request.user.has_perm("practices.add_source"):
            raise PermissionDenied
        form = DocumentForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            source = source_from_document(data["read"], data["url"], data["kind"])
            found = refresh_candidates(source)
            self.message_user(
                request,
                ngettext(
                    "Source “%(title)s” saved as a draft, with %(count)d candidate.",
                    "Source “%(title)s” saved as a draft, with %(count)d candidates.",
                    found,
                )
                % {"title": source.title, "count": found},
                messages.SUCCESS,
            )
            return redirect("admin:curation_review", source.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Add a document"),
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/curation/add_document.html", context)

    def review_view(self, request, source_id):
        if not self.has_view_permission(request):
            raise PermissionDenied
        source = get_object_or_404(Source.objects.defer(None), pk=source_id)
        if request.method == "POST":
            if not self.has_change_permission(request):
                raise PermissionDenied
            self.review_action(request, source)
            return redirect(request.get_full_path())
        candidates = list(
            source.candidates.select_related(
                "country", "subdivision", "country_group"
            ).prefetch_related("indicators", "values")
        )
        attach_matching_records(candidates, source)
        for candidate in candidates:
            candidate.source = source
            candidate.matches = [
                (
                    record,
                    reverse(f"admin:practices_{record._meta.model_name}_change", args=[record.pk]),
                )
                for record in candidate.matches
            ]
            candidate.drafts = [
                (label, draft_url(candidate, record_type))
                for record_type, label in RecordType.choices
            ]
        context = {
            **self.admin_site.each_context(request),
            "title": _("Candidates in “%(title)s”") % {"title": source.title},
            "source": source,
            "highlighted": highlighted(source.text, candidates),
            "by_place": group_by_place(candidates),
            "open_count": sum(c.state == Candidate.State.OPEN for c in candidates),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/curation/review.html", context)

    def review_action(self, request, source):
        action = request.POST.get("action")
        if action == "find":
            found = refresh_candidates(source)
            self.message_user(request, _("%(count)d candidates to review.") % {"count": found})
            return
        candidate = get_object_or_404(Candidate, pk=request.POST.get("candidate"), source=source)
        if action == "dismiss":
            candidate.state = Candidate.State.DISMISSED
        elif action == "restore":
            candidate.state = Candidate.State.OPEN
        candidate.save(update_fields=["state"])


def highlighted(text, candidates):
    """The document as (text, candidate or None) pieces, candidates marked where they are."""
    pieces, position = [], 0
    for candidate in sorted(candidates, key=lambda c: c.start):
        if candidate.start < position:
            continue
        pieces.append((text[position : candidate.start], None))
        pieces.append((text[candidate.start : candidate.end], candidate))
        position = candidate.end
    pieces.append((text[position:], None))
    return pieces


def group_by_place(candidates):
    """[(place, [candidates])], the most discussed place first; candidates in text order."""
    groups = {}
    for candidate in candidates:
        place = candidate.place
        groups.setdefault(place, []).append(candidate)
    return sorted(groups.items(), key=lambda item: (-len(item[1]), str(item[0] or "")))
