from django import forms
from django.db.models import Prefetch
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
from tracker.caching import cache_on_dataset
from tracker.filters import CountryCodesField
from tracker.pages import filtered_list

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
    )


@cache_on_dataset
def country_detail(request, code):
    country = get_country(code)
    statuses = (
        Status.objects.published()
        .filter(country=country)
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
    )

    def clean_country(self):
        countries = self.cleaned_data["country"]
        if len(countries) > COMPARE_SLOTS:
            raise forms.ValidationError(_("Compare at most four countries at a time."))
        return countries


@cache_on_dataset
def compare(request):
    """Two to four countries side by side, indicator by indicator, differences marked."""
    codes = [code.strip().upper() for code in request.GET.getlist("country") if code.strip()]
    form = CompareForm({"country": codes} if codes else None)
    context = {
        "form": form,
        "choices": Country.objects.values_list("iso2", "name"),
        "slots": (codes + [""] * COMPARE_SLOTS)[:COMPARE_SLOTS],
    }
    if not form.is_bound:
        return render(request, "countries/compare.html", context)
    if not form.is_valid():
        return render(request, "countries/compare.html", context, status=400)
    countries = sorted(
        form.cleaned_data["country"].prefetch_related(current_statuses()),
        key=lambda country: codes.index(country.iso2),
    )
    rows = []
    for indicator in Indicator.objects.published():
        cells = [
            next((s for s in country.current_statuses if s.indicator_id == indicator.pk), None)
            for country in countries
        ]
        values = {cell.value_id if cell else None for cell in cells}
        rows.append({"indicator": indicator, "cells": cells, "differs": len(values) > 1})
    context.update(countries=countries, rows=rows if len(countries) > 1 else [])
    return render(request, "countries/compare.html", context)
