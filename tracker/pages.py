"""The few steps every public list page shares: filter, paginate, CSV, 400 on bad input."""

from functools import wraps

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from practices.models import Withdrawal

from .exports import csv_response

PAGE_SIZE = 50


def filtered_list(request, template, filterset_class, queryset, resource, context=None):
    """Render a filtered, paginated list, or with `format=csv` all its rows as CSV."""
    filterset = filterset_class(request.GET, queryset=queryset, request=request)
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    context = {"filter": filterset, "query": query.urlencode(), **(context or {})}
    if not filterset.is_valid():
        return render(request, template, {**context, "page": None}, status=400)
    if request.GET.get("format") == "csv":
        return csv_response(request, resource, filterset.qs)
    paginator = Paginator(filterset.qs, PAGE_SIZE)
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except (PageNotAnInteger, EmptyPage):
        filterset.form.add_error(None, _("There is no such page."))
        return render(request, template, {**context, "page": None}, status=400)
    filterset.show_choice_counts()
    return render(request, template, {**context, "page": page})


def redirect_renamed(resource):
    """A detail view whose record was renamed answers its old address with a redirect."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, slug, **kwargs):
            try:
                return view(request, slug, **kwargs)
            except Http404:
                renamed = Withdrawal.new_identifier(resource, slug)
                if renamed is None:
                    raise
                return redirect(request.resolver_match.view_name, slug=renamed, permanent=True)

        return wrapper

    return decorator
