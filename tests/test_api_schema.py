"""The OpenAPI schema is valid and the live API conforms to it (schemathesis).

Each operation of /api/v1/schema/ gets a few generated requests; every response must be
no server error and match the schema (status code, content type, headers and body).
"""

import re

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tracker import api
from tracker.wsgi import application

from .conftest import (
    DRAFT,
    make_figure,
    make_indicator,
    make_law,
    make_organisation,
    make_pilot,
    make_pledge,
    make_status,
)

# Generated requests per operation: enough to vary every parameter, quick to run.
EXAMPLES = 10
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

# The coverage phase sends boundary and invalid values of every parameter (where most bugs
# hide); the fuzzing phase then sends EXAMPLES random requests per operation.
CONFIG = schemathesis.config.SchemathesisConfig.from_dict(
    {"phases": {"coverage": {"unexpected-methods": []}}}
)
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application, config=CONFIG)


@pytest.fixture
def in_test_transaction():
    """Calls through the WSGI app must not close the connection that holds the test's
    transaction (Django's test client disconnects the same handlers)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def dataset(db, settings, in_test_transaction):
    settings.API_ANON_THROTTLE_RATE = None
    cache.clear()
    indicator = make_indicator()
    make_indicator("electronic-monitoring", values=("used", "not-used"), order=200)
    make_status("mx", indicator, effective_from="2020-11-01", practice_differs=True)
    make_status("mx-chp", indicator, effective_from="2021-01-01")
    make_status("th", indicator, publication_status=DRAFT)
    organisation = make_organisation()
    law = make_law()
    law.indicators.add(indicator)
    law.organisations.add(organisation)
    make_pilot().implementers.add(organisation)
    make_pledge()
    make_figure()


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case, dataset):
    case.call_and_validate(checks=CHECKS)


def load_schema(client):
    response = client.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_schema_is_openapi_3_and_describes_every_parameter_and_field(client, db):
    document = load_schema(client)
    assert document["openapi"].startswith("3.")
    undescribed = []
    for path, methods in document["paths"].items():
        for operation in methods.values():
            assert operation.get("description"), path
            for parameter in operation.get("parameters", []):
                if not parameter.get("description"):
                    undescribed.append(f"{path} ?{parameter['name']}")
    for name, component in document["components"]["schemas"].items():
        for field, spec in component.get("properties", {}).items():
            if not spec.get("description"):
                undescribed.append(f"{name}.{field}")
    assert undescribed == []


def test_schema_documents_the_shared_filters_and_page_size_bound(client, db):
    operation = load_schema(client)["paths"]["/api/v1/laws/"]["get"]
    parameters = {parameter["name"]: parameter for parameter in operation["parameters"]}
    for name in (
        "country",
        "region",
        "indicator",
        "status",
        "kind",
        "q",
        "updated_since",
        "ordering",
        "page",
        "page_size",
        "format",
    ):
        assert name in parameters, name
    assert parameters["page_size"]["schema"]["maximum"] == 500
    assert parameters["country"]["explode"] is True
    assert {"200", "304", "400", "429"} <= set(operation["responses"])
    assert "text/csv" in operation["responses"]["200"]["content"]


def test_schema_documents_every_parameter_each_list_takes_and_nothing_else(client, db):
    # What an endpoint takes is exactly what the API does not refuse as unknown (a 400).
    paths = load_schema(client)["paths"]
    for resource, viewset in [*api.VIEWSETS.items(), ("withdrawals", api.WithdrawalViewSet)]:
        operation = paths[f"/api/v1/{resource}/"]["get"]
        documented = {p["name"] for p in operation["parameters"] if p["in"] == "query"}
        assert documented == viewset(action="list").known_parameters(), resource
        assert (
            "csv"
            in next(p for p in operation["parameters"] if p["name"] == "format")["schema"]["enum"]
        )
        assert "text/csv" in operation["responses"]["200"]["content"], resource
        assert "unknown" in operation["responses"]["400"]["description"], resource
    statuses = {p["name"]: p for p in paths["/api/v1/statuses/"]["get"]["parameters"]}
    assert "national" in statuses["subdivision"]["description"]
    assert statuses["lang"]["schema"]["enum"] == ["ar", "en", "es", "fr"]
    assert not any(p["description"].startswith("None") for p in statuses.values())


def test_docs_page_is_swagger_ui_served_from_this_site(client, db):
    response = client.get("/api/v1/docs/?lang=es")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="es"' in html
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert "/api/v1/docs/?lang=es&amp;script=" in assets
    assert all(url.startswith("/") and not url.startswith("//") for url in assets), assets
    for url in assets:
        if url.startswith("/static/"):
            assert client.get(url).status_code == 200, url
    assert "<script>" not in html and "style=" not in html

    script = client.get("/api/v1/docs/?lang=es&script=")
    assert script.status_code == 200
    assert script["Content-Type"] == "application/javascript"
    assert 'url: "/api/v1/schema/?lang\\u003Des"' in script.content.decode()
    # No CSRF token: nothing per visitor, so no cookie and one ETag for everyone.
    assert not script.cookies and "X-CSRFTOKEN" not in script.content.decode()
