"""The few steps every public list page shares: filter, paginate, answer 400 on bad input."""

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.shortcuts import render

PAGE_SIZE = 50


def filtered_list(request, template, filterset_class, queryset, context=None):
    filterset = filterset_class(request.GET, queryset=queryset, request=request)
    context = {"filter": filterset, **(context or {})}
    if not filterset.is_valid():
        return render(request, template, {**context, "page": None}, status=400)
    paginator = Paginator(filterset.qs, PAGE_SIZE)
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except (PageNotAnInteger, EmptyPage):
        filterset.form.add_error(None, "There is no such page.")
        return render(request, template, {**context, "page": None}, status=400)
    query = request.GET.copy()
    query.pop("page", None)
    context.update(page=page, query=query.urlencode())
    return render(request, template, context)
