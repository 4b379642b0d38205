from urllib.parse import urlencode

from django import forms
from django.db.models import Case, Prefetch, Q, When, prefetch_related_objects
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from practices.models import (
    TIMELINE_LENGTH,
    Indicator,
    Status,
    records_applying_to,
    timelines,
)
from tracker import exports
from tracker.caching import cache_on_dataset
from tracker.filters import CountryCodesField, CountryPicker
from tracker.pages import filtered_list
from tracker.spreadsheets import Table, UnknownFormat, download, requested_format

from .filters import CountryFilter
from .models import Country


def current_statuses():
    return Prefetch(
        "statuses",
        queryset=Status.objects.current()
        .national()
        .select_related("indicator", "value")
        .order_by("indicator__order"),
        to_attr="current_statuses",
    )


def get_country(code):
    if len(code) != 2 or not code.isalpha():
        # Not an ISO alpha-2 code (a NUL byte would even fail on PostgreSQL): no such country.
        raise Http404(_("No country has the ISO code %(code)s.") % {"code": code})
    try:
        return Country.objects.select_related("region", "subregion", "intermediate_region").get(
            iso2=code.upper()
        )
    except Country.DoesNotExist:
        raise Http404(_("No country has the ISO code %(code)s.") % {"code": code}) from None


@cache_on_dataset
def country_list(request):
    countries = Country.objects.select_related("region", "subregion").prefetch_related(
        current_statuses()
    )
    return filtered_list(
        request,
        "countries/country_list.html",
        CountryFilter,
        countries,
        "countries",
        {"indicators": Indicator.objects.published()},
        download_table=countries_with_matched_status,
    )


def countries_with_matched_status(filterset):
    """The countries download keeps the status the list was filtered on."""
    chosen = filterset.form.cleaned_data
    return exports.countries_table(filterset.qs, chosen.get("indicator"), chosen.get("value"))


# A country page shows the timelines of its first subdivisions by name, so that its size
# does not grow with the records; the statuses list, filtered on the country, has them all.
SUBDIVISIONS_SHOWN = 12


@cache_on_dataset
def country_detail(request, code):
    country = get_country(code)
    published = Status.objects.published().filter(country=country)
    places = list(
        published.subnational()
        .order_by("subdivision__name")
        .values_list("subdivision_id", "subdivision__name")
        .distinct()
    )
    shown = [subdivision for subdivision, _name in places[:SUBDIVISIONS_SHOWN]]
    statuses = (
        published.filter(Q(subdivision__isnull=True) | Q(subdivision__in=shown))
        .select_related("indicator", "value", "subdivision")
        .with_citations()
        .latest_per_timeline(TIMELINE_LENGTH + 1)
        .in_timeline_order()
    )
    grouped = timelines(statuses, TIMELINE_LENGTH)
    for timeline in grouped:  # said on each folded timeline, before it is opened
        timeline.source_count = sum(len(status.public_citations) for status in timeline.statuses)
    records = records_applying_to(country)
    last_reviewed = Status.objects.published().filter(country=country).last_reviewed()
    context = {
        "country": country,
        "national": [t for t in grouped if t.subdivision is None],
        "subnational": [t for t in grouped if t.subdivision is not None],
        "subdivisions_left_out": len(places) - len(shown),
        "last_reviewed": last_reviewed,
        **records,
    }
    return render(request, "countries/country_detail.html", context)


COMPARE_SLOTS = 4


class CompareForm(forms.Form):
    country = CountryCodesField(
        queryset=Country.objects.all(),
        to_field_name="iso2",
        label=_("Countries to compare"),
        help_text=_("Type a country's name or ISO code: two to four countries."),
        widget=CountryPicker(boxes=COMPARE_SLOTS),
    )

    def clean_country(self):
        countries = self.cleaned_data["country"]
        if len(countries) > COMPARE_SLOTS:
            raise forms.ValidationError(
                _("Compare at most four countries at a time: remove one or more.")
            )
        return countries


@cache_on_dataset
def compare(request):
    """Two to four countries side by side, indicator by indicator, differences marked."""
    submitted = [text for text in request.GET.getlist("country") if text.strip()]
    form = CompareForm({"country": submitted} if submitted else None)
    context = {"form": form}
    if not form.is_bound:
        return render(request, "countries/compare.html", context)
    if not form.is_valid():
        return render(request, "countries/compare.html", context, status=400)
    try:
        format = requested_format(request)
    except UnknownFormat as error:
        format, context["download_error"] = None, str(error)
    countries = form.cleaned_data["country"]
    prefetch_related_objects(countries, current_statuses())
    context["query"] = urlencode([("country", country.iso2.lower()) for country in countries])
    rows = []
    for indicator in Indicator.objects.published():
        cells = [
            next((s for s in country.current_statuses if s.indicator_id == indicator.pk), None)
            for country in countries
        ]
        values = {cell.value_id if cell else None for cell in cells}
        rows.append({"indicator": indicator, "cells": cells, "differs": len(values) > 1})
    if format:
        differing = {row["indicator"].pk for row in rows if row["differs"]}
        filename = "compare-" + "-".join(country.code for country in countries)
        return download(request, compared_statuses(countries, differing), format, filename)
    context.update(
        countries=countries,
        rows=rows if len(countries) > 1 else [],
        download_count=sum(1 for row in rows for cell in row["cells"] if cell),
    )
    status = 400 if "download_error" in context else 200
    return render(request, "countries/compare.html", context, status=status)


def compared_statuses(countries, differing):
    """The compared countries' current statuses, by indicator then in the compared order,
    each saying whether the countries differ on its indicator."""
    in_compared_order = Case(
        *[When(country=country, then=index) for index, country in enumerate(countries)]
    )
    statuses = (
        Status.objects.current()
        .national()
        .filter(country__in=countries)
        .order_by("indicator__order", "indicator__slug", in_compared_order)
    )
    table = exports.table("statuses", statuses)
    differs = exports.Column(
        "differs",
        "boolean",
        "True when the compared countries do not all have the same value on this indicator.",
        lambda status: status.indicator_id in differing,
    )
    return Table((*table.columns, differs), table.records)
