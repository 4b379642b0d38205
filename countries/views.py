from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import render

from practices.models import Figure, Indicator, Law, Pilot, Pledge, Status
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


def country_list(request):
    countries = Country.objects.select_related("region", "subregion").prefetch_related(
        current_statuses()
    )
    indicators = Indicator.objects.published()
    return filtered_list(
        request,
        "countries/country_list.html",
        CountryFilter,
        countries,
        {"indicators": indicators},
    )


def country_detail(request, code):
    try:
        country = Country.objects.select_related("region", "subregion").get(iso2=code.upper())
    except Country.DoesNotExist:
        raise Http404("No country with that ISO code") from None
    statuses = (
        Status.objects.published()
        .filter(country=country)
        .select_related("indicator", "value", "subdivision")
        .with_citations()
        .order_by("indicator__order", "subdivision__name", "-effective_from")
    )
    context = {
        "country": country,
        "statuses": statuses,
        "current": Status.objects.current().filter(country=country).values_list("pk", flat=True),
        "laws": Law.objects.published().for_country(country).with_citations(),
        "pilots": Pilot.objects.published().for_country(country).with_citations(),
        "pledges": Pledge.objects.published().for_country(country).with_citations(),
        "figures": Figure.objects.published().for_country(country).with_citations(),
    }
    return render(request, "countries/country_detail.html", context)
