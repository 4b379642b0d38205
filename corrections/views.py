"""The public form that sends a correction to the researchers, and its thank-you page.

Neither is ever cached: not by the app (no tracker.caching), not by a proxy or the browser
(`never_cache`: Cache-Control private, no-store). The client's address is only the key of
the rate limit (tracker.throttling); it is never stored.
"""

import math
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from tracker import throttling
from tracker.middleware import client_ip
from tracker.views import citable

from .forms import CorrectionForm
from .models import Correction


def page_concerned(request):
    """The published record or country named by `?kind=…&id=…`, or None."""
    kind, identifier = request.GET.get("kind", ""), request.GET.get("id", "")
    try:
        record, _reviewed = citable(kind, identifier)
    except Http404:
        return None, kind
    return record, kind


def too_many(request):
    """The rate limit's usage when this client has sent too many corrections, else None."""
    if not settings.CORRECTION_RATE:
        return None
    address = client_ip(request) or ""
    usage = throttling.hit(request, "corrections", address, settings.CORRECTION_RATE)
    return usage if usage and usage["should_limit"] else None


@never_cache
@csrf_protect
def suggest(request):
    record, kind = page_concerned(request)
    if record is None:
        return render(request, "corrections/unknown_page.html", status=404)
    context = {"record": record, "kind_label": Correction.Kind(kind).label}
    if request.method != "POST":
        context["form"] = CorrectionForm()
        return render(request, "corrections/form.html", context)

    form = context["form"] = CorrectionForm(request.POST)
    if not form.is_valid():
        return render(request, "corrections/form.html", context, status=400)
    refused = too_many(request)
    if refused:
        seconds = throttling.seconds_left(refused)
        minutes = math.ceil(seconds / 60)
        context["refused"] = ngettext(
            "You have sent several corrections in a short time. To keep this form free of "
            "spam, please send this one again in %(minutes)d minute. What you typed is kept "
            "below.",
            "You have sent several corrections in a short time. To keep this form free of "
            "spam, please send this one again in %(minutes)d minutes. What you typed is kept "
            "below.",
            minutes,
        ) % {"minutes": minutes}
        response = render(request, "corrections/form.html", context, status=429)
        response["Retry-After"] = str(seconds)
        return response
    if not form.filled_by_a_robot():
        correction = form.save(commit=False)
        correction.kind = kind
        correction.identifier = record.code if kind == "country" else record.slug
        correction.record = record
        correction.language = translation.get_language()
        correction.save()
    query = urlencode({"kind": kind, "id": request.GET.get("id", "")})
    return redirect(f"{reverse('corrections:thanks')}?{query}")


@never_cache
def thanks(request):
    record, _kind = page_concerned(request)
    return render(request, "corrections/thanks.html", {"record": record})
