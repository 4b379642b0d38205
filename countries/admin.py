from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from practices.admin import SettlesSimultaneousSaves, StatusInline

from .models import Country, CountryGroup, Region, Subdivision


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "m49_code", "level"]
    list_filter = ["level"]
    search_fields = ["name", "m49_code"]
    readonly_fields = ["m49_code", "slug", "name", "level"]

    def has_add_permission(self, request):
        return False  # loaded from the UN M49 taxonomy


@admin.register(Country)
class CountryAdmin(SettlesSimultaneousSaves, admin.ModelAdmin):
    list_display = ["name", "iso2", "iso3", "region", "subregion", "status_count"]
    list_filter = ["region", "subregion"]
    search_fields = ["name", "official_name", "iso2", "iso3"]
    readonly_fields = [
        "iso2",
        "iso3",
        "numeric",
        "name",
        "official_name",
        "region",
        "subregion",
        "intermediate_region",
    ]
    inlines = [StatusInline]

    def get_queryset(self, request):
        from django.db.models import Count

        return (
            super()
            .get_queryset(request)
            .select_related("region", "subregion")
            .annotate(status_count=Count("statuses"))
        )

    @admin.display(description=_("statuses"), ordering="status_count")
    def status_count(self, country):
        return country.status_count

    def has_add_permission(self, request):
        return False  # every ISO 3166-1 country is loaded from pycountry


@admin.register(Subdivision)
class SubdivisionAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "country", "kind"]
    list_filter = ["kind"]
    search_fields = ["name", "code", "country__name"]
    list_select_related = ["country"]
    readonly_fields = ["code", "country", "name", "kind"]

    def has_add_permission(self, request):
        return False  # every ISO 3166-2 subdivision is loaded from pycountry


@admin.register(CountryGroup)
class CountryGroupAdmin(SettlesSimultaneousSaves, admin.ModelAdmin):
    list_display = ["name", "slug", "member_label"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["members"]
