"""The partners' JSON API, version 1: read-only, published records only.

Every list uses its resource's FilterSet (the same one as its public page), so the same
parameters select the same records. Every response carries an ETag and Last-Modified
derived from the published dataset (`tracker.exports.dataset_version`) and a matching
conditional request gets 304. Lists paginate (`page`, `page_size` up to MAX_PAGE_SIZE) with
RFC 8288 Link headers, or with `format=csv` stream every matching row. Bad parameters get
400 with a JSON body naming them, and so do unknown parameters (KnownParametersMixin).
"""

import datetime
import functools
import itertools
import json

import django_filters
from django.conf import settings
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.db.models import F, Prefetch
from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.middleware.http import ConditionalGetMiddleware
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.decorators import decorator_from_middleware
from django.utils.http import http_date, quote_etag
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import exceptions, viewsets
from rest_framework.negotiation import BaseContentNegotiation, DefaultContentNegotiation
from rest_framework.pagination import PageNumberPagination
from rest_framework.renderers import BaseRenderer, BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.throttling import BaseThrottle
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from countries.filters import CountryFilter
from countries.serializers import CountryDetailSerializer, CountrySerializer
from practices.filters import (
    FigureFilter,
    IndicatorFilter,
    LawFilter,
    OrganisationFilter,
    PilotFilter,
    PledgeFilter,
    SourceFilter,
    StatusFilter,
    WithdrawalFilter,
)
from practices.models import (
    TIMELINE_LENGTH,
    Status,
    Withdrawal,
    records_applying_to,
)
from practices.serializers import (
    FigureSerializer,
    IndicatorSerializer,
    LawSerializer,
    OrganisationSerializer,
    PilotSerializer,
    PledgeSerializer,
    SourceSerializer,
    StatusSerializer,
    WithdrawalSerializer,
)
from tracker.filters import CountryCodesFilter, RegionFilter
from tracker.middleware import client_ip

from . import caching, downloads, exports, throttling
from .models import DatasetBuild
from .paginator import KeysFirstPaginator
from .release import release

PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
# Statuses are identified by a database id; anything past a 64-bit integer is no id.
MAX_ID = 2**63 - 1


# Throttling, negotiation, rendering -------------------------------------------------------


class AnonymousThrottle(BaseThrottle):
    """Anonymous requests per client address, at settings.API_ANON_THROTTLE_RATE.

    Counted atomically in the "ratelimit" cache (tracker.throttling): the limit holds across
    app containers and concurrent requests, and while Redis is down each process counts in
    memory. A refused request gets DRF's 429 with Retry-After, the seconds left in the
    window. The rate is read on every request so that it follows the settings.
    """

    def get_rate(self):
        return getattr(settings, "API_ANON_THROTTLE_RATE", "120/min")

    def allow_request(self, request, view):
        rate = self.get_rate()
        if rate is None or (request.user and request.user.is_authenticated):
            return True
        # The address as the trusted proxies report it, not whatever X-Forwarded-For says;
        # requests without one (no REMOTE_ADDR) share a count.
        address = client_ip(request) or ""
        self.usage = throttling.hit(request, "api-anonymous", address, rate)
        return self.usage is None or not self.usage["should_limit"]

    def wait(self):
        return throttling.seconds_left(self.usage)


class CSVRenderer(BaseRenderer):
    """Lists answer `format=csv` (or Accept: text/csv) with a streamed response.

    The list view builds the StreamingHttpResponse itself (tracker.exports.csv_response);
    this renderer only lets content negotiation pick CSV.
    """

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return b"" if data is None else JSONRenderer().render(data)


class StrictContentNegotiation(DefaultContentNegotiation):
    """An unknown `format` is a bad parameter (400 naming it), not a missing page (404)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        fmt = format_suffix or request.query_params.get(self.settings.URL_FORMAT_OVERRIDE)
        if fmt and not [r for r in renderers if r.format == fmt]:
            formats = ", ".join(r.format for r in renderers)
            raise exceptions.ValidationError(
                {"format": [_("Unknown format. Use one of: %(formats)s.") % {"formats": formats}]}
            )
        return super().select_renderer(request, renderers, format_suffix)


class FirstRendererNegotiation(BaseContentNegotiation):
    """For downloads with a single representation: ignore Accept."""

    def select_parser(self, request, parsers):
        return parsers[0]

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class ZipRenderer(BaseRenderer):
    media_type = "application/zip"
    format = "zip"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes) else JSONRenderer().render(data)


# Pagination -----------------------------------------------------------------------------


class Pagination(PageNumberPagination):
    """`page` (from 1) and `page_size` (1 to 500, default 50); Link headers per RFC 8288."""

    django_paginator_class = KeysFirstPaginator
    page_size = PAGE_SIZE
    max_page_size = MAX_PAGE_SIZE
    page_size_query_param = "page_size"
    page_query_description = _(
        "Page number, from 1 (or `last`). A page past the last one is a 400 error."
    )
    page_size_query_description = _(
        "Records per page: 1 to %(max)d, default %(default)d. Larger values are a 400 error; "
        "use format=csv or the bulk downloads for everything at once."
    ) % {"max": MAX_PAGE_SIZE, "default": PAGE_SIZE}

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None or raw == "":
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if not 1 <= size <= self.max_page_size:
            raise exceptions.ValidationError(
                {
                    "page_size": [
                        _("Enter a whole number from 1 to %(max)d.") % {"max": self.max_page_size}
                    ]
                }
            )
        return size

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        paginator = self.django_paginator_class(queryset, self.get_page_size(request))
        self.page = paginator.page(self.page_number(paginator, request))
        return list(self.page)

    def validate(self, queryset, request):
        """Refuse a bad page or page size as paginate_queryset would, reading no record."""
        paginator = self.django_paginator_class(queryset, self.get_page_size(request))
        self.page_number(paginator, request)

    def page_number(self, paginator, request):
        """The number of the page asked for; a 400 naming `page` when there is none."""
        number = request.query_params.get(self.page_query_param) or 1
        if number in self.last_page_strings:
            return paginator.num_pages
        try:
            return paginator.validate_number(number)
        except PageNotAnInteger:
            raise exceptions.ValidationError(
                {"page": [_("Enter a whole number from 1, or last.")]}
            ) from None
        except EmptyPage:
            raise exceptions.ValidationError(
                {
                    "page": [
                        _("There is no page %(number)s: pages run from 1 to %(last)d.")
                        % {"number": number, "last": paginator.num_pages}
                    ]
                }
            ) from None

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        links = {
            "first": self.page_link(1),
            "prev": self.get_previous_link(),
            "next": self.get_next_link(),
            "last": self.page_link(self.page.paginator.num_pages),
        }
        response["Link"] = ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items() if url)
        return response

    def page_link(self, number):
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.page_query_param, number)

    def get_paginated_response_schema(self, schema):
        paginated = super().get_paginated_response_schema(schema)
        descriptions = {
            "count": _("How many records match the filters, on every page."),
            "next": _("The next page, or null on the last one (also in the Link header)."),
            "previous": _("The previous page, or null on the first one."),
            "results": _("This page's records."),
        }
        for name, text in descriptions.items():
            paginated["properties"][name]["description"] = text
        return paginated

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
            else:
                parameter["schema"].update(minimum=1)
        return parameters


# Conditional requests -------------------------------------------------------------------


class Answered(exceptions.APIException):
    """Raised once a request is answered without running the view: a 304, or the cache."""

    def __init__(self, response):
        super().__init__()
        self.response = response


class ConditionalMixin:
    """ETag and Last-Modified on every successful response, 304s, and the response cache.

    Both derive from the published dataset's version (one query), so nothing else is
    read for a request that its client already has, and a response already rendered at
    this version comes from the cache (tracker.caching). The key also depends on the URL
    (with its query), the negotiated media type and the language, since those change the
    body. Throttling and negotiation come first, as for any request.

    A conditional request is answered only once the request is known to be valid: a bad
    parameter is a 400 even with `If-None-Match: *`. A response cached under the same key
    proves it (only successes are kept); otherwise the parameters are checked first.
    """

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method not in ("GET", "HEAD"):
            return
        version = exports.dataset_version()
        media_type = getattr(request, "accepted_media_type", "")
        self.cache_key = caching.response_key(request._request, version, media_type)
        self.etag = quote_etag(self.cache_key)
        self.dataset_version = version
        # The browsable API (HTML) shows the visitor's login state: never shared.
        shared = not media_type.startswith("text/html")
        response = caching.not_modified(request._request, self.etag, version)
        if response is not None and not (shared and caching.is_cached(self.cache_key)):
            self.validate_request(request)
        if response is None and shared:
            response = caching.cached_response(self.cache_key)
        if response is not None:
            raise Answered(response)

    def validate_request(self, request):
        """Raise what the view would answer instead of a success (a 400, a 404), reading as
        little as possible: the filters, the page number, the record asked for."""
        action = getattr(self, "action", None)
        if action == "list":
            queryset = self.filter_queryset(self.get_queryset())
            if request.accepted_renderer.format != "csv":
                self.paginator.validate(queryset, request)
        elif action == "retrieve":
            self.get_object()

    def handle_exception(self, exc):
        if isinstance(exc, Answered):
            return exc.response
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        renderer = getattr(request, "accepted_renderer", None)
        is_error = isinstance(response, Response) and response.status_code >= 400
        if is_error and renderer is not None and renderer.format in ("csv", "zip"):
            # Errors are JSON, whatever the request asked for.
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        response = super().finalize_response(request, response, *args, **kwargs)
        if getattr(self, "etag", None) and response.status_code in (200, 304):
            caching.stamp(response, self.etag, self.dataset_version)
            if not request.accepted_media_type.startswith("text/html"):
                self.keep(response)
        return response

    def keep(self, response):
        store = functools.partial(caching.store, self.cache_key)
        if hasattr(response, "add_post_render_callback") and not response.is_rendered:
            response.add_post_render_callback(store)
        else:
            store(response)


# Schema ---------------------------------------------------------------------------------

ERROR_400 = OpenApiResponse(
    {
        "type": "object",
        "description": "Each bad parameter with its messages.",
        "additionalProperties": {
            "oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]
        },
    },
    description=_(
        "A parameter is unknown (a misspelt name such as contry, or one this endpoint does "
        "not take) or malformed (an unknown country code, a bad date, a page past the end, a "
        "page size over the limit): the body names it, e.g. "
        '{"contry": ["Unknown parameter. This endpoint takes: …"]} or '
        '{"country": ["Select a valid choice. ZZ is not one of the available choices."]}.'
    ),
)
DETAIL_SCHEMA = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
ERROR_404 = OpenApiResponse(
    DETAIL_SCHEMA, description=_("No published record has this identifier.")
)
ERROR_429 = OpenApiResponse(
    DETAIL_SCHEMA,
    description=_("Too many requests: wait the number of seconds in the Retry-After header."),
)
NOT_MODIFIED = OpenApiResponse(
    None, description=_("Not modified since the request's If-None-Match or If-Modified-Since.")
)
CSV_LIST = OpenApiResponse(
    OpenApiTypes.STR,
    description=_("With format=csv: every matching row (no pagination), one column per field."),
)

CONDITIONAL_PARAMETERS = [
    OpenApiParameter(
        "If-None-Match",
        str,
        OpenApiParameter.HEADER,
        description=_("An ETag from an earlier response: 304 Not Modified if unchanged."),
    ),
    OpenApiParameter(
        "If-Modified-Since",
        str,
        OpenApiParameter.HEADER,
        description=_("An HTTP date: 304 Not Modified if nothing changed since."),
    ),
    OpenApiParameter(
        "ETag",
        str,
        OpenApiParameter.HEADER,
        description=_("Identifies this version of the response; send it back as If-None-Match."),
        response=[200, 304],
    ),
    OpenApiParameter(
        "Last-Modified",
        str,
        OpenApiParameter.HEADER,
        description=_("When the published dataset last changed (HTTP date)."),
        response=[200, 304],
    ),
    OpenApiParameter(
        "Retry-After",
        str,
        OpenApiParameter.HEADER,
        description=_("Seconds to wait before the next request."),
        response=[429],
    ),
]
LANGUAGE_PARAMETERS = [
    OpenApiParameter(
        "lang",
        str,
        OpenApiParameter.QUERY,
        enum=[code for code, _name in settings.LANGUAGES],
        description=_(
            "The language of labels and record text: en (the default), es, fr or ar. Without "
            "it, the Accept-Language header chooses. A record not translated into it keeps "
            "its original text; its `languages` field says which language each text is in. "
            "Quotes are never translated."
        ),
    ),
    OpenApiParameter(
        "Content-Language",
        str,
        OpenApiParameter.HEADER,
        description=_("The language of the response."),
        response=[200],
    ),
]
LINK_HEADER = OpenApiParameter(
    "Link",
    str,
    OpenApiParameter.HEADER,
    description=_('RFC 8288 links to the first, prev, next and last pages (rel="next"...).'),
    response=[200],
)
FORMAT_PARAMETER = OpenApiParameter(
    "format",
    str,
    OpenApiParameter.QUERY,
    enum=["json", "csv"],
    description=_(
        "json (the default) or csv: every matching row as CSV, streamed, ignoring page and "
        "page_size. (format=api shows the browsable API.)"
    ),
)


# The custom filters of tracker/filters.py take codes and slugs: strings, for the schema.
extend_schema_field({"type": "string", "pattern": "^[A-Za-z]{2}$"})(CountryCodesFilter)
extend_schema_field(OpenApiTypes.STR)(RegionFilter)

# What a filter's label and help text leave out, by parameter name.
PARAMETER_NOTES = {
    "country": _("For example country=mx&country=gt. An unknown code is a 400 error."),
    "region": _("For example europe, south-eastern-asia or central-america."),
    "indicator": _("An unknown slug is a 400 error."),
    "updated_since": _(
        "For example 2024-07-01 or 2024-07-01T10:00:00Z (encode + as %2B). Use the time of "
        "your last sync; combine with /api/v1/withdrawals/ to drop withdrawn records."
    ),
    "ordering": _("A leading - reverses; comma-separate several. Ties keep a fixed order."),
    "year_from": _("A year, such as 2020."),
    "year_to": _("A year, such as 2024."),
    "current": _("true or false (also 1 or 0); anything else is a 400 error."),
    "practice_differs": _("true or false (also 1 or 0); anything else is a 400 error."),
}


class TrackerSchema(AutoSchema):
    """Documents what every endpoint shares: errors, conditional requests, CSV on lists."""

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        filterset_class = getattr(self.view, "filterset_class", None)
        if operation and filterset_class and self._is_list_view():
            # Bound to a filterset, a filter without a label of its own takes its model
            # field's name ("Kind"), as on the pages.
            filters = filterset_class().filters
            for parameter in operation.get("parameters", []):
                name = parameter["name"]
                if parameter["in"] == "query" and name in filters:
                    parameter["description"] = self.describe_filter(
                        filters[name], name, parameter.get("description")
                    )
        return operation

    def describe_filter(self, filter_field, name, generated):
        parts = [f"{filter_field.label}."]
        if filter_field.extra.get("help_text"):
            parts.append(str(filter_field.extra["help_text"]))
        search_fields = getattr(filter_field, "search_fields", None)
        if search_fields:
            fields = ", ".join(field.replace("__", " ") for field in search_fields)
            parts.append(_("Case-insensitive, in: %(fields)s.") % {"fields": fields})
        if name in PARAMETER_NOTES:
            parts.append(str(PARAMETER_NOTES[name]))
        if generated and generated.lstrip().startswith("*"):
            parts.append(_("One of:") + "\n\n" + generated.split("\n\n")[-1])
        return " ".join(parts)

    def get_override_parameters(self):
        parameters = [
            *super().get_override_parameters(),
            *CONDITIONAL_PARAMETERS,
            *LANGUAGE_PARAMETERS,
        ]
        if self._is_list_view():
            parameters += [LINK_HEADER, FORMAT_PARAMETER]
        return parameters

    def get_response_serializers(self):
        serializer = getattr(self.view, "response_schema", None) or (
            super().get_response_serializers()
        )
        responses = {
            304: NOT_MODIFIED,
            (400, "application/json"): ERROR_400,
            (429, "application/json"): ERROR_429,
        }
        if isinstance(serializer, dict):
            return {**serializer, **responses}
        if getattr(self.view, "action", None) == "list":
            return {
                (200, "application/json"): serializer,
                (200, "text/csv"): CSV_LIST,
                **responses,
            }
        if getattr(self.view, "action", None) == "retrieve":
            responses[(404, "application/json")] = ERROR_404
        return {200: serializer, **responses}


# Viewsets -------------------------------------------------------------------------------


class KnownParametersMixin:
    """An unknown query parameter is a 400 naming it, so a misspelt filter (`contry=mx`)
    is never silently ignored and answered with every record."""

    # Every endpoint takes these: the representation (json, csv) and the language.
    common_parameters = {"format", "lang"}

    def known_parameters(self):
        known = set(self.common_parameters)
        if getattr(self, "action", None) == "list":
            filterset_class = getattr(self, "filterset_class", None)
            if filterset_class is not None:
                known |= set(filterset_class.base_filters)
            if self.pagination_class is not None:
                paginator = self.pagination_class
                known |= {paginator.page_query_param, paginator.page_size_query_param}
        return known

    def initial(self, request, *args, **kwargs):
        known = self.known_parameters()
        unknown = sorted(set(request.query_params) - known)
        if unknown:
            message = _("Unknown parameter. This endpoint takes: %(known)s.") % {
                "known": ", ".join(sorted(known))
            }
            raise exceptions.ValidationError({name: [message] for name in unknown})
        super().initial(request, *args, **kwargs)


class ApiViewMixin(KnownParametersMixin, ConditionalMixin):
    # Public and read-only: no accounts, so every client is throttled by address.
    authentication_classes = []
    throttle_classes = [AnonymousThrottle]
    content_negotiation_class = StrictContentNegotiation
    schema = TrackerSchema()


class StableOrderMixin:
    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        # A stable order, so that pages neither repeat nor skip records.
        ordering = queryset.query.order_by or queryset.model._meta.ordering
        return queryset.order_by(*ordering, "pk")


class TrackerViewSet(ApiViewMixin, StableOrderMixin, viewsets.ReadOnlyModelViewSet):
    """List (filtered, paginated or CSV) and detail of one resource's published records."""

    resource = ""
    lookup_field = "slug"
    # Anything up to the next slash reaches the view, which answers 404 in JSON.
    lookup_value_regex = "[^/]+"
    filter_backends = [DjangoFilterBackend]
    pagination_class = Pagination
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, CSVRenderer]

    def records(self):
        """The published records, before filtering and prefetching: the export's own set."""
        return exports.RESOURCES[self.resource].published()

    def prepare(self, queryset):
        """What the serializer reads, fetched in a fixed number of queries."""
        return exports.RESOURCES[self.resource].prepare(queryset)

    def get_queryset(self):
        return self.prepare(self.records())

    def get_renderers(self):
        renderers = super().get_renderers()
        if getattr(self, "action", None) != "list":
            renderers = [r for r in renderers if r.format != "csv"]
        return renderers

    def list(self, request, *args, **kwargs):
        if request.accepted_renderer.format == "csv":
            queryset = self.filter_queryset(self.records())
            return exports.csv_response(request, self.resource, queryset)
        return super().list(request, *args, **kwargs)

    def lookup_value(self, value):
        return value

    def get_object(self):
        value = self.kwargs[self.lookup_url_kwarg or self.lookup_field]
        try:
            if "\x00" in value:
                # No identifier holds a NUL, and PostgreSQL refuses one in a query.
                raise ValueError(value)
            return self.get_queryset().get(**{self.lookup_field: self.lookup_value(value)})
        except (ValueError, TypeError, OverflowError, self.get_queryset().model.DoesNotExist):
            raise exceptions.NotFound(
                _("No published record has the identifier %(value)s.") % {"value": value}
            ) from None

    @classmethod
    def everything(cls, request):
        """All published records, serialized as in the list, a chunk at a time (dataset.json)."""
        view = cls(request=request, format_kwarg=None, action="list", kwargs={})
        queryset = view.get_queryset()
        records = exports.in_chunks(queryset.order_by(*queryset.model._meta.ordering, "pk"))
        context = {"request": request}
        while chunk := list(itertools.islice(records, exports.CHUNK_SIZE)):
            yield from cls.serializer_class(chunk, many=True, context=context).data


def describe(resource, noun, lookup_description, **extra):
    """The schema's words for a resource's list and detail."""
    return extend_schema_view(
        list=extend_schema(
            summary=f"List {resource}",
            description=extra.get("list")
            or f"Published {resource}, filtered by the same parameters as the public pages; "
            "paginated, or every matching row with format=csv.",
        ),
        retrieve=extend_schema(
            summary=f"One {noun}",
            description=extra.get("retrieve")
            or f"One published {noun}; 404 if there is none (drafts are never shown).",
            parameters=[
                OpenApiParameter(
                    extra.get("lookup", "slug"),
                    extra.get("lookup_type", str),
                    OpenApiParameter.PATH,
                    description=lookup_description,
                )
            ],
        ),
    )


def current_statuses():
    """Each country's statuses in force today, national first, for the country list."""
    return Prefetch(
        "statuses",
        queryset=Status.objects.current()
        .select_related("indicator", "value", "subdivision")
        .prefetch_related(exports.public_citations())
        .order_by(F("subdivision__name").asc(nulls_first=True), "indicator__order", "pk"),
        to_attr="current_statuses",
    )


@describe(
    "countries",
    "country",
    _("ISO 3166-1 alpha-2 code, in any case (mx, MX)."),
    lookup="code",
    list=_(
        "Every ISO 3166-1 country with its UN M49 regions and its current statuses at a "
        "glance. updated_since selects countries whose statuses changed (added, edited, "
        "unpublished or deleted) since then."
    ),
    retrieve=_(
        "A country with its current statuses (national and sub-national) and the full "
        "timeline of every indicator: law, practice, caveat and citations for each status."
    ),
)
class CountryViewSet(TrackerViewSet):
    resource = "countries"
    filterset_class = CountryFilter
    serializer_class = CountrySerializer
    lookup_field = "iso2"
    lookup_url_kwarg = "code"

    def get_queryset(self):
        queryset = self.prepare(self.records())
        if getattr(self, "action", None) == "retrieve":
            return queryset
        return queryset.prefetch_related(current_statuses())

    def get_serializer_class(self):
        if getattr(self, "action", None) == "retrieve":
            return CountryDetailSerializer
        return CountrySerializer

    def lookup_value(self, value):
        return value.upper()

    def get_object(self):
        country = super().get_object()
        statuses = Status.objects.published().filter(country=country)
        country.published_statuses = list(
            exports.prepare_statuses(statuses)
            .latest_per_timeline(TIMELINE_LENGTH + 1)
            .in_timeline_order()
        )
        country.applying = records_applying_to(country)
        return country


@describe("indicators", "indicator", _("The indicator's slug."))
class IndicatorViewSet(TrackerViewSet):
    resource = "indicators"
    filterset_class = IndicatorFilter
    serializer_class = IndicatorSerializer


@describe(
    "statuses",
    "status",
    _("The status's id."),
    lookup="id",
    lookup_type=int,
    list=_(
        "Every published status: a country's (or subdivision's) answer on an indicator from "
        "a date, with law, practice and citations. current=true keeps those in force today."
    ),
)
class StatusViewSet(TrackerViewSet):
    resource = "statuses"
    filterset_class = StatusFilter
    serializer_class = StatusSerializer
    lookup_field = "pk"
    lookup_url_kwarg = "id"

    def lookup_value(self, value):
        if not value.isdigit() or int(value) > MAX_ID:
            raise ValueError(value)
        return int(value)


@describe("laws", "law", _("The law's slug."))
class LawViewSet(TrackerViewSet):
    resource = "laws"
    filterset_class = LawFilter
    serializer_class = LawSerializer


@describe("pilots", "pilot", _("The pilot's slug."))
class PilotViewSet(TrackerViewSet):
    resource = "pilots"
    filterset_class = PilotFilter
    serializer_class = PilotSerializer


@describe("pledges", "pledge", _("The pledge's slug."))
class PledgeViewSet(TrackerViewSet):
    resource = "pledges"
    filterset_class = PledgeFilter
    serializer_class = PledgeSerializer


@describe("figures", "figure", _("The figure's slug."))
class FigureViewSet(TrackerViewSet):
    resource = "figures"
    filterset_class = FigureFilter
    serializer_class = FigureSerializer


@describe("sources", "source", _("The source's slug."))
class SourceViewSet(TrackerViewSet):
    resource = "sources"
    filterset_class = SourceFilter
    serializer_class = SourceSerializer


@describe("organisations", "organisation", _("The organisation's slug."))
class OrganisationViewSet(TrackerViewSet):
    resource = "organisations"
    filterset_class = OrganisationFilter
    serializer_class = OrganisationSerializer


@extend_schema_view(
    list=extend_schema(
        summary=_("List withdrawn records"),
        description=_(
            "Records that left the public dataset, unpublished or deleted, newest first: "
            "remove them from a mirror. Sync with updated_since (withdrawn at or after). When "
            "an indicator is withdrawn, drop its statuses too; when a source is, drop the "
            "citations of it. A record published again leaves this list and shows in its "
            "resource's updated_since."
        ),
    )
)
class WithdrawalViewSet(ApiViewMixin, StableOrderMixin, viewsets.GenericViewSet):
    resource = "withdrawals"
    filterset_class = WithdrawalFilter
    serializer_class = WithdrawalSerializer
    filter_backends = [DjangoFilterBackend]
    pagination_class = Pagination
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, CSVRenderer]

    def get_queryset(self):
        return Withdrawal.objects.all()

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        if request.accepted_renderer.format == "csv":
            return exports.csv_response(request, self.resource, queryset)
        page = self.paginate_queryset(queryset)
        serializer = self.get_serializer(page, many=True)
        return self.get_paginated_response(serializer.data)


# The resources of the API, in the order the root and dataset.json list them.
VIEWSETS = {
    "countries": CountryViewSet,
    "indicators": IndicatorViewSet,
    "statuses": StatusViewSet,
    "laws": LawViewSet,
    "pilots": PilotViewSet,
    "pledges": PledgeViewSet,
    "figures": FigureViewSet,
    "sources": SourceViewSet,
    "organisations": OrganisationViewSet,
}


def string_parameters(filterset_classes):
    """Filters whose choices come from the data (slugs) are strings in the schema."""
    for filterset_class in filterset_classes:
        for filter_field in filterset_class.base_filters.values():
            dynamic_choices = callable(filter_field.extra.get("choices"))
            by_method = filter_field.method and isinstance(
                filter_field, (django_filters.ChoiceFilter, django_filters.ModelChoiceFilter)
            )
            if dynamic_choices or by_method:
                extend_schema_field(OpenApiTypes.STR)(filter_field)


string_parameters([viewset.filterset_class for viewset in VIEWSETS.values()] + [WithdrawalFilter])

ROUTE_NAMES = {
    "countries": "country",
    "indicators": "indicator",
    "statuses": "status",
    "laws": "law",
    "pilots": "pilot",
    "pledges": "pledge",
    "figures": "figure",
    "sources": "source",
    "organisations": "organisation",
    "withdrawals": "withdrawal",
}


# Root and bulk downloads ----------------------------------------------------------------


def uri(description):
    return {"type": "string", "format": "uri", "description": description}


VERSION_PROPERTIES = {
    "version": {
        "type": "string",
        "description": "The published dataset's version: its last change and a hash of it.",
    },
    "last_modified": {
        "type": "string",
        "format": "date-time",
        "description": "When the published dataset last changed (ISO 8601, UTC).",
    },
    "licence": {
        "type": "object",
        "additionalProperties": {"type": "string"},
        "description": "The data's licence: name, title and path.",
    },
}
ROOT_SCHEMA = {
    "type": "object",
    "properties": {
        "resources": {
            "type": "object",
            "additionalProperties": {"type": "string", "format": "uri"},
            "description": "Each resource's list, by resource name.",
        },
        "withdrawals": uri("Records that left the public dataset, to remove from mirrors."),
        "dataset_json": uri("The whole published dataset as one JSON document."),
        "datapackage": uri("The whole published dataset as a Frictionless Data Package."),
        "schema": uri("The OpenAPI 3 schema of this API."),
        "docs": uri("This API's documentation."),
        **VERSION_PROPERTIES,
    },
}


class ApiRootView(ApiViewMixin, APIView):
    """The ATD Tracker API: published records on alternatives to immigration detention."""

    renderer_classes = [JSONRenderer, BrowsableAPIRenderer]
    response_schema = {200: OpenApiResponse(ROOT_SCHEMA)}

    @extend_schema(
        tags=["root"],
        summary=_("API root"),
        description=_("Links to every resource, the bulk downloads and the documentation."),
    )
    def get(self, request, format=None):
        def link(name):
            return reverse(name, request=request)

        return Response(
            {
                "resources": {
                    name: link(f"api:{route}-list")
                    for name, route in ROUTE_NAMES.items()
                    if name in VIEWSETS
                },
                "withdrawals": link("api:withdrawal-list"),
                "dataset_json": link("api:dataset-json"),
                "datapackage": link("api:datapackage"),
                "schema": link("api:schema"),
                "docs": link("api:docs"),
                "version": self.dataset_version.label,
                "last_modified": self.dataset_version.last_modified.isoformat().replace(
                    "+00:00", "Z"
                ),
                "licence": exports.LICENCE,
            }
        )


DATASET_SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "description": "The dataset's name: atd-tracker."},
        **VERSION_PROPERTIES,
        **{
            name: {
                "type": "array",
                "items": {
                    "$ref": f"#/components/schemas/{viewset.serializer_class.__name__[:-10]}"
                },
                "description": f"Every published record of {name}, as in its list.",
            }
            for name, viewset in VIEWSETS.items()
        },
    },
}


def write_dataset_json(file, version, request):
    """Write dataset.json to `file` (binary), record by record: memory stays flat.

    The bytes are those JSONRenderer would give for the whole document at once.
    """
    renderer = JSONRenderer()

    def encoded(data):
        text = json.dumps(
            data,
            cls=renderer.encoder_class,
            ensure_ascii=renderer.ensure_ascii,
            allow_nan=not renderer.strict,
            separators=(",", ":") if renderer.compact else (", ", ": "),
        )
        return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").encode()

    header = {
        "name": "atd-tracker",
        "version": version.label,
        "last_modified": version.last_modified.isoformat().replace("+00:00", "Z"),
        "licence": exports.LICENCE,
    }
    file.write(encoded(header)[:-1])
    for name, viewset in VIEWSETS.items():
        file.write(b"," + encoded(name) + b":[")
        for index, record in enumerate(viewset.everything(request)):
            file.write((b"," if index else b"") + encoded(record))
        file.write(b"]")
    file.write(b"}")


class DownloadView(APIView):
    """A whole-dataset download, served from its latest build (tracker/downloads.py)."""

    kind = ""
    authentication_classes = []
    throttle_classes = [AnonymousThrottle]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = FirstRendererNegotiation
    schema = TrackerSchema()

    def get(self, request, format=None):
        return downloads.serve(request._request, self.kind)


class DatasetView(DownloadView):
    kind = DatasetBuild.Kind.DATASET_JSON
    response_schema = {200: OpenApiResponse(DATASET_SCHEMA)}

    @extend_schema(
        tags=["downloads"],
        operation_id="dataset_json",
        summary=_("The whole published dataset as JSON"),
        description=_(
            "Every published record of every resource, as in the lists, in one response. "
            "It is built in the background after each change: until the new build is ready, "
            "the previous one is served, and its Dataset-Version header names its version."
        ),
    )
    def get(self, request, format=None):
        return super().get(request, format)


class DataPackageView(DownloadView):
    kind = DatasetBuild.Kind.DATAPACKAGE
    response_schema = {(200, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY)}

    @extend_schema(
        tags=["downloads"],
        operation_id="datapackage",
        summary=_("The whole published dataset as a Frictionless Data Package"),
        description=_(
            "A zip of one CSV per resource (plus indicator values and citations) and "
            "datapackage.json describing every field, with the dataset's version and licence "
            "(CC-BY-4.0). Open it with frictionless, pandas or R. Built in the background "
            "after each change, like dataset.json."
        ),
    )
    def get(self, request, format=None):
        return super().get(request, format)


# Schema and documentation ---------------------------------------------------------------

STARTED = datetime.datetime.now(datetime.UTC).replace(microsecond=0)


def with_content_etag(view):
    """ETag from the content, Last-Modified from the start of the process, and 304s.

    For the schema and the docs, which change with the code (a deploy), not the data.
    """

    def stamped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Last-Modified"] = http_date(STARTED.timestamp())
        return response

    return decorator_from_middleware(ConditionalGetMiddleware)(stamped)


@functools.lru_cache(maxsize=len(settings.LANGUAGES) * 2)
def generated_schema(language, code_release):
    """The OpenAPI schema in one language, for one release of the code.

    Generating it takes a good part of a second, and only a deploy changes it, so each
    process generates it once per language (and per release, should the code change).
    """
    with translation.override(language):
        return SchemaGenerator().get_schema(request=None, public=True)


def current_schema():
    return generated_schema(translation.get_language(), release())


class CachedSchemaGenerator(SchemaGenerator):
    def get_schema(self, request=None, public=False):
        return current_schema()


class SchemaView(SpectacularAPIView):
    authentication_classes = []
    throttle_classes = [AnonymousThrottle]
    generator_class = CachedSchemaGenerator


schema_view = with_content_etag(SchemaView.as_view())


class DocsView(SpectacularSwaggerSplitView):
    """The API's documentation for people: Swagger UI on the OpenAPI schema, with "Try it out".

    Swagger UI's files come from drf-spectacular-sidecar as our own static files, and its
    initialising script is a separate request (?script), so the page needs no inline script
    and asks no other host for anything. `?lang=` carries over to the schema it shows.
    Throttled like the rest of the API.
    """

    authentication_classes = []
    throttle_classes = [AnonymousThrottle]
    url_name = "api:schema"
    title = _("ATD Tracker API, version 1")
    template_name = "api/docs.html"
    template_name_js = "api/docs.js"


docs_view = with_content_etag(DocsView.as_view())


def describe_the_api(result, generator, request, public):
    """The schema's introduction (a drf-spectacular postprocessing hook): what every
    endpoint shares, shown at the top of the docs page."""
    conventions = [
        gettext(
            "**Identifiers never change**: countries by ISO 3166-1 alpha-2 code (any case in "
            "URLs and filters), statuses by id, everything else by slug. Each record has `url` "
            "(itself in the API) and, where the site has a page for it, `public_url`."
        ),
        gettext(
            "**Dates** are ISO 8601. `*_on` and `*_from` fields are full dates; the matching "
            "`*_date` field gives the date as precisely as the source does (`2020`, `2020-11` "
            "or `2020-11-15`). Times are UTC."
        ),
        gettext(
            "**Citations** are embedded in every record that makes a claim: the source (slug, "
            "title, publisher, date, address) with a quote."
        ),
        gettext(
            "**Lists** are paginated: `page` from 1 and `page_size` from 1 to %(max)d "
            "(default %(default)d); the `Link` header carries the first, prev, next and last "
            "pages. `format=csv` returns every matching row instead, streamed."
        )
        % {"max": MAX_PAGE_SIZE, "default": PAGE_SIZE},
        gettext(
            "**Filters** are those of the public pages, listed under each operation. An "
            "unknown parameter (a misspelt `contry=mx`) or a malformed value gets HTTP 400 "
            "with a JSON body naming the parameter."
        ),
        gettext(
            "**Languages**: `lang=es`, `fr` or `ar` (or the Accept-Language header) gives "
            "labels and translated text in that language; each record says which language its "
            "text is in. This page takes `?lang=` too."
        ),
        gettext(
            "**Syncing**: every response has an `ETag` and `Last-Modified`; send them back as "
            "`If-None-Match` or `If-Modified-Since` to get 304 Not Modified. Fetch changes with "
            "`updated_since` and remove what [withdrawals](%(withdrawals)s) lists."
        )
        % {"withdrawals": reverse("api:withdrawal-list")},
        gettext(
            "**Bulk**: [dataset.json](%(dataset)s) and the [Frictionless Data Package]"
            "(%(datapackage)s) (a zip of CSVs and datapackage.json), licensed %(licence)s."
        )
        % {
            "dataset": reverse("api:dataset-json"),
            "datapackage": reverse("api:datapackage"),
            "licence": exports.LICENCE["name"],
        },
        gettext(
            "**Limits**: %(rate)s requests per client address; past that, 429 with a "
            "`Retry-After` header. Browser apps may call the API from any origin (CORS)."
        )
        % {"rate": AnonymousThrottle().get_rate()},
    ]
    introduction = gettext(
        "Read-only JSON over HTTP, no key needed: the published records of the [ATD "
        "Tracker](%(site)s), the same ones and with the same filters as its pages. Every "
        "operation below can be tried out from this page. The machine-readable description "
        "is the [OpenAPI 3 schema](%(schema)s); every URL also opens in a browser as the "
        "[browsable API](%(root)s)."
    ) % {
        "site": reverse("practices:home"),
        "schema": reverse("api:schema"),
        "root": reverse("api:root"),
    }
    result["info"]["description"] = "\n\n".join(
        [introduction, "\n".join(f"- {item}" for item in conventions)]
    )
    # The docs page groups operations by tag in this order: the resources as the root lists
    # them, then what serves mirrors.
    result["tags"] = [{"name": name} for name in [*VIEWSETS, "withdrawals", "downloads", "root"]]
    return result


def not_found(request, path=""):
    """Any other URL under /api/v1/: 404 in JSON (or the same URL with its trailing slash)."""
    if not request.path.endswith("/"):
        try:
            match = resolve(request.path + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not not_found:
            query = request.META.get("QUERY_STRING", "")
            return HttpResponsePermanentRedirect(
                request.path + "/" + (f"?{query}" if query else "")
            )
    return JsonResponse({"detail": str(_("Not found."))}, status=404)
