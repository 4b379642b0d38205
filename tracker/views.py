import sys
from urllib.parse import urlencode

from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views import defaults

from .caching import cache_on_dataset
from .citations import FORMATS, PageCitation
from .search import MAX_QUERY_LENGTH, search
from .siteurl import base_url
from .spreadsheets import UnknownFormat, download, requested_format

# Seconds a client is asked to wait when the database is unreachable.
RETRY_AFTER_SECONDS = 30


@cache_on_dataset
def search_page(request):
    query = request.GET.get("q", "").strip()
    context = {"query": query, "found": None}
    if len(query) > MAX_QUERY_LENGTH:
        context["error"] = _("Use at most %(count)d characters.") % {"count": MAX_QUERY_LENGTH}
        return render(request, "search.html", context, status=400)
    if "\x00" in query:
        # No stored text holds a NUL character, and PostgreSQL refuses to compare with one.
        context["error"] = _("Remove the control characters from the search.")
        return render(request, "search.html", context, status=400)
    try:
        format = requested_format(request)
    except UnknownFormat as error:
        context["error"] = str(error)
        return render(request, "search.html", context, status=400)
    if query and format:
        found = search(query, per_kind=None, version=getattr(request, "dataset_version", None))
        return download(request, found.table(), format, "search")
    if query:
        context["found"] = search(query, version=getattr(request, "dataset_version", None))
        context["download_query"] = urlencode({"q": query})
    return render(request, "search.html", context)


def server_error(request):
    """handler500: 503 while the database is unreachable; JSON under /api/; never a traceback.

    The page for a 503 (templates/503.html) reads nothing from the database.
    """
    api = request.path_info.startswith("/api/")
    if not isinstance(sys.exc_info()[1], (OperationalError, InterfaceError)):
        if api:
            return JsonResponse({"detail": _("A server error occurred.")}, status=500)
        return defaults.server_error(request)
    if api:
        detail = _("The service is temporarily unavailable. Try again in a few minutes.")
        response = JsonResponse({"detail": detail}, status=503)
    else:
        page = render_to_string("503.html", {"path": request.get_full_path()})
        response = HttpResponse(page, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def citable(kind, identifier):
    """The page of a record or country to cite: its record, and when it was last reviewed."""
    from countries.models import Country
    from practices.models import Figure, Indicator, Law, Pilot, Pledge, Source, Status

    if kind == "country":
        country = get_object_or_404(Country, iso2=identifier.upper())
        return country, Status.objects.published().filter(country=country).last_reviewed()
    models = {
        "law": Law,
        "pilot": Pilot,
        "pledge": Pledge,
        "figure": Figure,
        "source": Source,
        "indicator": Indicator,
    }
    if kind not in models:
        raise Http404
    record = get_object_or_404(models[kind].objects.published(), slug=identifier)
    return record, record.last_reviewed_on


@cache_on_dataset
def citation(request, kind, identifier, format):
    """A page's citation for reference managers: `.ris`, `.bib` (BibTeX) or `.json` (CSL)."""
    if format not in FORMATS:
        raise Http404
    record, reviewed = citable(kind, identifier)
    page = PageCitation(
        key=f"atd-tracker-{kind}-{identifier}".lower(),
        title=str(record),
        url=base_url(request) + record.get_absolute_url(),
        language=translation.get_language(),
        accessed=timezone.localdate(),
        reviewed=reviewed,
    )
    content_type, extension, write = FORMATS[format]
    response = HttpResponse(write(page), content_type=content_type)
    filename = f"{page.key}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
