"""The few steps every public list page shares: filter, paginate, download, 400 on bad input."""

from functools import wraps

from django.core.paginator import EmptyPage, PageNotAnInteger
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from practices.models import Withdrawal

from . import exports
from .paginator import KeysFirstPaginator
from .spreadsheets import UnknownFormat, download, requested_format

PAGE_SIZE = 50


def filtered_list(
    request, template, filterset_class, queryset, resource, context=None, download_table=None
):
    """Render a filtered, paginated list, or with `format=csv|xlsx` all its rows as a file.

    The file has the resource's columns (tracker.exports), or those of
    `download_table(filterset)` where a list adds its own (the countries' matched status).
    """
    filterset = filterset_class(request.GET, queryset=queryset, request=request)
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    context = {"filter": filterset, "query": query.urlencode(), **(context or {})}
    if not filterset.is_valid():
        return render(request, template, {**context, "page": None}, status=400)
    try:
        format = requested_format(request)
    except UnknownFormat as error:
        filterset.form.add_error(None, str(error))
        return render(request, template, {**context, "page": None}, status=400)
    if format:
        table = (download_table or default_table(resource))(filterset)
        return download(request, table, format, resource)
    paginator = KeysFirstPaginator(filterset.qs, PAGE_SIZE)
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except (PageNotAnInteger, EmptyPage):
        filterset.form.add_error(None, _("There is no such page."))
        return render(request, template, {**context, "page": None}, status=400)
    filterset.show_choice_counts()
    return render(request, template, {**context, "page": page})


def default_table(resource):
    return lambda filterset: exports.table(resource, filterset.qs)


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
