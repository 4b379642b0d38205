"""The builds of the whole-dataset downloads, for staff to see (tracker/downloads.py)."""

from django.contrib import admin

from .models import DatasetBuild


@admin.register(DatasetBuild)
class DatasetBuildAdmin(admin.ModelAdmin):
    list_display = ["kind", "version_label", "state", "requested_at", "finished_at", "size"]
    list_filter = ["kind", "state"]
    ordering = ["-requested_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
