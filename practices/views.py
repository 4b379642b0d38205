from collections import Counter

from django import forms
from django.db.models import F, Prefetch
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _

from countries.models import Country
from countries.worldmap import coloured_shapes
from tracker import exports
from tracker.caching import cache_on_dataset
from tracker.exports import LICENCE
from tracker.pages import filtered_list, redirect_renamed
from tracker.spreadsheets import UnknownFormat, download, requested_format

from .filters import (
    FigureFilter,
    LawFilter,
    PilotFilter,
    PledgeFilter,
    SourceFilter,
    StatusFilter,
)
from .models import (
    Figure,
    Indicator,
    IndicatorValue,
    Law,
    Organisation,
    Pilot,
    Pledge,
    Source,
    Status,
    latest_changes,
    published_coverage,
)


class MapViewForm(forms.Form):
    """The map's view, in the URL so that every view is a permalink: `?differs=1` keeps the
    statuses whose practice differs from law in full colour and mutes the others."""

    differs = forms.ChoiceField(
        choices=[("", _("Every status")), ("1", _("Where practice differs from law"))],
        required=False,
        label=_("Map view"),
    )


class IndicatorChoiceForm(MapViewForm):
    field_order = ["indicator", "differs"]

    indicator = forms.ModelChoiceField(
        queryset=Indicator.objects.published(),
        to_field_name="slug",
        required=False,
        empty_label=None,
        label=_("Indicator shown on the map"),
    )


def indicator_map(request, indicator, differs_only=False):
    """Everything a map of one indicator needs: shapes, legend with counts, and the table.

    The drawing and the table are the same on every page that shows this map at this
    dataset version, so the template keeps them under `map_key` (in each language).
    """
    statuses = list(
        Status.objects.current()
        .national()
        .filter(indicator=indicator)
        .select_related("country", "value")
        .order_by("country__name")
    )
    by_code = {status.country.code: status for status in statuses}
    names = dict(Country.objects.values_list("iso2", "name"))
    names = {code.lower(): name for code, name in names.items()}
    countries = Counter(status.value_id for status in statuses)
    differing = Counter(status.value_id for status in statuses if status.practice_differs)
    legend = list(indicator.public_values)
    for value in legend:
        value.country_count = countries[value.pk]
        value.differs_count = differing[value.pk]
    shapes = coloured_shapes(by_code, names, differs_only)
    return {
        "indicator": indicator,
        "shapes": shapes,
        "differs_marks": [shape for shape in shapes if shape["differs"]],
        "differs_only": differs_only,
        "differs_count": sum(differing.values()),
        "legend": legend,
        "map_statuses": statuses,
        "map_key": f"{request.dataset_version.tag}:{indicator.slug}:{differs_only:d}",
    }


@cache_on_dataset
def home(request):
    form = IndicatorChoiceForm(request.GET or None)
    status = 200
    indicator = None
    differs_only = False
    if form.is_bound and form.is_valid():
        indicator = form.cleaned_data["indicator"]
        differs_only = form.cleaned_data["differs"] == "1"
    elif form.is_bound:
        status = 400
    indicator = indicator or Indicator.objects.published().first()
    if indicator:
        indicator.public_values = IndicatorValue.objects.published().filter(indicator=indicator)
    context = {
        "form": form,
        "latest": latest_changes(limit=8),
        "counts": {
            "countries": Status.objects.current().national().values("country").distinct().count(),
            "laws": Law.objects.published().count(),
            "pilots": Pilot.objects.published().count(),
            "pledges": Pledge.objects.published().count(),
        },
    }
    if indicator:
        context.update(indicator_map(request, indicator, differs_only))
    return render(request, "home.html", context, status=status)


@cache_on_dataset
def indicator_list(request):
    indicators = Indicator.objects.published().with_values()
    return render(request, "practices/indicator_list.html", {"indicators": indicators})


@redirect_renamed("indicators")
@cache_on_dataset
def indicator_detail(request, slug):
    indicator = get_object_or_404(Indicator.objects.published().with_values(), slug=slug)
    download_error = None
    try:
        format = requested_format(request)
    except UnknownFormat as error:
        format, download_error = None, str(error)
    if format:
        statuses = (
            Status.objects.current()
            .filter(indicator=indicator)
            .order_by("country__name", F("subdivision__name").asc(nulls_first=True))
        )
        table = exports.table("statuses", statuses)
        return download(request, table, format, f"{indicator.slug}-statuses")
    form = MapViewForm(request.GET)
    valid = form.is_valid()
    differs_only = valid and form.cleaned_data["differs"] == "1"
    subnational = list(
        Status.objects.current()
        .subnational()
        .filter(indicator=indicator)
        .select_related("country", "subdivision", "value")
        .order_by("country__name", "subdivision__name")
    )
    context = {
        **indicator_map(request, indicator, differs_only),
        "subnational": subnational,
        "form": form,
        "query": "",
        "download_error": download_error,
    }
    context["download_count"] = len(context["map_statuses"]) + len(subnational)
    status = 200 if valid and not download_error else 400
    return render(request, "practices/indicator_detail.html", context, status=status)


@cache_on_dataset
def about(request):
    context = {
        "indicators": Indicator.objects.published().with_values(),
        "coverage": published_coverage(),
        "licence": LICENCE,
    }
    return render(request, "about.html", context)


@cache_on_dataset
def status_list(request):
    statuses = (
        Status.objects.published()
        .select_related("country", "subdivision", "indicator", "value")
        .with_current_flag()
        .in_list_order()
    )
    return filtered_list(request, "practices/status_list.html", StatusFilter, statuses, "statuses")


@cache_on_dataset
def law_list(request):
    laws = Law.objects.published().select_related("country", "subdivision").with_places()
    return filtered_list(request, "practices/law_list.html", LawFilter, laws, "laws")


@redirect_renamed("laws")
@cache_on_dataset
def law_detail(request, slug):
    law = get_object_or_404(
        Law.objects.published()
        .select_related("country", "subdivision")
        .with_places()
        .prefetch_related(
            Prefetch("indicators", queryset=Indicator.objects.published()),
            Prefetch("organisations", queryset=Organisation.objects.published()),
        )
        .with_citations(),
        slug=slug,
    )
    return render(request, "practices/law_detail.html", {"law": law, "record": law})


@cache_on_dataset
def pilot_list(request):
    pilots = Pilot.objects.published().select_related("country", "subdivision").with_places()
    return filtered_list(request, "practices/pilot_list.html", PilotFilter, pilots, "pilots")


@redirect_renamed("pilots")
@cache_on_dataset
def pilot_detail(request, slug):
    pilot = get_object_or_404(
        Pilot.objects.published()
        .select_related("country", "subdivision")
        .with_places()
        .prefetch_related(
            Prefetch("implementers", queryset=Organisation.objects.published()),
            Prefetch("government_partners", queryset=Organisation.objects.published()),
            "target_groups",
            "approaches",
        )
        .with_citations(),
        slug=slug,
    )
    return render(request, "practices/pilot_detail.html", {"pilot": pilot, "record": pilot})


@cache_on_dataset
def pledge_list(request):
    pledges = Pledge.objects.published().select_related("country").with_places()
    return filtered_list(request, "practices/pledge_list.html", PledgeFilter, pledges, "pledges")


@redirect_renamed("pledges")
@cache_on_dataset
def pledge_detail(request, slug):
    pledge = get_object_or_404(
        Pledge.objects.published()
        .select_related("country")
        .with_places()
        .with_citations()
        .with_progress(),
        slug=slug,
    )
    return render(request, "practices/pledge_detail.html", {"pledge": pledge, "record": pledge})


@cache_on_dataset
def figure_list(request):
    figures = Figure.objects.published().select_related("country", "subdivision")
    return filtered_list(request, "practices/figure_list.html", FigureFilter, figures, "figures")


@redirect_renamed("figures")
@cache_on_dataset
def figure_detail(request, slug):
    figure = get_object_or_404(
        Figure.objects.published().select_related("country", "subdivision").with_citations(),
        slug=slug,
    )
    return render(request, "practices/figure_detail.html", {"figure": figure, "record": figure})


@cache_on_dataset
def source_list(request):
    return filtered_list(
        request,
        "practices/source_list.html",
        SourceFilter,
        Source.objects.published(),
        "sources",
    )


@redirect_renamed("sources")
@cache_on_dataset
def source_detail(request, slug):
    source = get_object_or_404(Source.objects.published(), slug=slug)
    context = {"source": source, "record": source, "cited_by": source.published_records_citing()}
    return render(request, "practices/source_detail.html", context)
