"""Absolute addresses: SITE_URL when set, else the address the visitor used."""

import csv
import io

import pytest

from .conftest import make_law

pytestmark = pytest.mark.django_db


@pytest.fixture
def law():
    return make_law("mx-2020-reform", title="Migration Law reform")


def public_urls(response):
    body = b"".join(response.streaming_content).decode()
    return [row["public_url"] for row in csv.DictReader(io.StringIO(body))]


def test_without_site_url_links_follow_the_host_and_port_of_the_request(client, law, settings):
    settings.SITE_URL = ""
    settings.ALLOWED_HOSTS = ["localhost"]
    html = client.get("/laws/mx-2020-reform/", HTTP_HOST="localhost:8001").content.decode()
    assert 'rel="canonical" href="http://localhost:8001/laws/mx-2020-reform/"' in html
    assert "http://localhost:8001/laws/mx-2020-reform/</bdi>" in html  # "Cite this"
    page_csv = client.get("/laws/?format=csv", HTTP_HOST="localhost:8001")
    assert public_urls(page_csv) == ["http://localhost:8001/laws/mx-2020-reform/"]
    api_csv = client.get("/api/v1/laws/?format=csv", HTTP_HOST="localhost:8001")
    assert public_urls(api_csv) == ["http://localhost:8001/laws/mx-2020-reform/"]
    api = client.get("/api/v1/laws/", HTTP_HOST="localhost:8001").json()
    assert api["results"][0]["public_url"] == "http://localhost:8001/laws/mx-2020-reform/"


def test_site_url_wins_over_the_request(client, law, settings):
    settings.SITE_URL = "https://tracker.example.org/"
    html = client.get("/laws/mx-2020-reform/").content.decode()
    assert 'rel="canonical" href="https://tracker.example.org/laws/mx-2020-reform/"' in html
    page_csv = client.get("/laws/?format=csv")
    assert public_urls(page_csv) == ["https://tracker.example.org/laws/mx-2020-reform/"]
