from django.contrib import admin
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from .models import Correction


@admin.register(Correction)
class CorrectionAdmin(admin.ModelAdmin):
    """Readers send corrections; researchers read them and set their state and notes."""

    list_display = ["created_at", "page", "summary", "language", "state"]
    list_filter = ["state", "kind", "language"]
    search_fields = ["what_is_wrong", "identifier", "source", "notes"]
    date_hierarchy = "created_at"
    # What the reader sent stays as they sent it.
    readonly_fields = [
        "page",
        "language",
        "created_at",
        "what_is_wrong",
        "source",
        "reply_to",
    ]
    fieldsets = [
        (
            _("What the reader sent"),
            {"fields": ["page", "language", "created_at", "what_is_wrong", "source", "reply_to"]},
        ),
        (_("Review"), {"fields": ["state", "notes"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("record")

    def has_add_permission(self, request):
        return False  # corrections come from readers

    @admin.display(description=_("page concerned"), ordering="identifier")
    def page(self, correction):
        url = correction.page_url()
        if url is None:
            return format_html("{} ({})", correction.page_label(), _("no longer published"))
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>',
            url,
            correction.record,
        )

    @admin.display(description=_("what is wrong"))
    def summary(self, correction):
        return Truncator(correction.what_is_wrong).chars(100)

    @admin.display(description=_("e-mail"))
    def reply_to(self, correction):
        if not correction.email:
            return _("none given")
        return format_html('<a href="mailto:{0}">{0}</a>', correction.email)
