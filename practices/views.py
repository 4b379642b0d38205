from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404, render

from tracker.pages import filtered_list

from .filters import FigureFilter, LawFilter, PilotFilter, PledgeFilter, SourceFilter
from .models import Figure, Indicator, Law, Organisation, Pilot, Pledge, Source, Status


def home(request):
    indicators = Indicator.objects.published().annotate(
        country_count=Count(
            "statuses__country",
            filter=Q(statuses__in=Status.objects.current().national()),
            distinct=True,
        )
    )
    latest = (
        Status.objects.published()
        .select_related("country", "subdivision", "indicator", "value")
        .order_by("-updated_at")[:10]
    )
    return render(request, "home.html", {"indicators": indicators, "latest": latest})


def indicator_list(request):
    indicators = Indicator.objects.published().prefetch_related("values")
    return render(request, "practices/indicator_list.html", {"indicators": indicators})


def indicator_detail(request, slug):
    indicator = get_object_or_404(
        Indicator.objects.published().prefetch_related("values"), slug=slug
    )
    statuses = (
        Status.objects.current()
        .filter(indicator=indicator)
        .select_related("country", "subdivision", "value")
        .with_citations()
        .order_by("country__name", "subdivision__name")
    )
    return render(
        request,
        "practices/indicator_detail.html",
        {"indicator": indicator, "statuses": statuses},
    )


def law_list(request):
    laws = Law.objects.published().select_related("country", "subdivision")
    return filtered_list(request, "practices/law_list.html", LawFilter, laws)


def law_detail(request, slug):
    law = get_object_or_404(
        Law.objects.published()
        .select_related("country", "subdivision")
        .prefetch_related(
            Prefetch("indicators", queryset=Indicator.objects.published()),
            Prefetch("organisations", queryset=Organisation.objects.published()),
        )
        .with_citations(),
        slug=slug,
    )
    return render(request, "practices/law_detail.html", {"law": law})


def pilot_list(request):
    pilots = Pilot.objects.published().select_related("country", "subdivision")
    return filtered_list(request, "practices/pilot_list.html", PilotFilter, pilots)


def pilot_detail(request, slug):
    pilot = get_object_or_404(
        Pilot.objects.published()
        .select_related("country", "subdivision")
        .prefetch_related("implementers", "government_partners", "target_groups", "approaches")
        .with_citations(),
        slug=slug,
    )
    return render(request, "practices/pilot_detail.html", {"pilot": pilot})


def pledge_list(request):
    pledges = Pledge.objects.published().select_related("country")
    return filtered_list(request, "practices/pledge_list.html", PledgeFilter, pledges)


def pledge_detail(request, slug):
    pledge = get_object_or_404(
        Pledge.objects.published().select_related("country").with_citations(), slug=slug
    )
    return render(request, "practices/pledge_detail.html", {"pledge": pledge})


def figure_list(request):
    figures = Figure.objects.published().select_related("country", "subdivision")
    return filtered_list(request, "practices/figure_list.html", FigureFilter, figures)


def figure_detail(request, slug):
    figure = get_object_or_404(
        Figure.objects.published().select_related("country", "subdivision").with_citations(),
        slug=slug,
    )
    return render(request, "practices/figure_detail.html", {"figure": figure})


def source_list(request):
    return filtered_list(
        request, "practices/source_list.html", SourceFilter, Source.objects.published()
    )


def source_detail(request, slug):
    source = get_object_or_404(Source.objects.published(), slug=slug)
    return render(request, "practices/source_detail.html", {"source": source})
