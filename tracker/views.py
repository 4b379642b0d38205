from django.shortcuts import render
from django.utils.translation import gettext as _

from .caching import cache_on_dataset
from .search import MAX_QUERY_LENGTH, search


@cache_on_dataset
def search_page(request):
    query = request.GET.get("q", "").strip()
    context = {"query": query, "results": []}
    if len(query) > MAX_QUERY_LENGTH:
        context["error"] = _("Use at most %(count)d characters.") % {"count": MAX_QUERY_LENGTH}
        return render(request, "search.html", context, status=400)
    if "\x00" in query:
        # No stored text holds a NUL character, and PostgreSQL refuses to compare with one.
        context["error"] = _("Remove the control characters from the search.")
        return render(request, "search.html", context, status=400)
    if query:
        context["results"] = search(query)
    return render(request, "search.html", context)
