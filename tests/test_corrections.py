"""Corrections from readers: sent from any record or country page, reviewed by researchers,
never published by themselves, protected from spam, and keeping nothing about the reader
beyond what they typed."""

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from corrections.models import Correction

from .conftest import (
    DRAFT,
    make_figure,
    make_indicator,
    make_law,
    make_pilot,
    make_pledge,
    make_source,
    make_status,
)

pytestmark = pytest.mark.django_db

FORM = "/corrections/new/"
LAW_FORM = f"{FORM}?kind=law&id=mx-2020-reform"
THANKS = "/corrections/thanks/?kind=law&id=mx-2020-reform"
WHAT_IS_WRONG = "The reform was published on 11 November 2020, not in 2019."


@pytest.fixture
def law():
    return make_law("mx-2020-reform", title="Reform of the Migration Law")


def send(client, url=LAW_FORM, **fields):
    data = {"what_is_wrong": WHAT_IS_WRONG, "source": "", "email": "", "website": ""}
    data.update(fields)
    return client.post(url, data)


@pytest.mark.parametrize(
    "kind, make, page",
    [
        ("country", lambda: make_status("mx"), "/countries/mx/"),
        ("law", lambda: make_law("mx-2020-reform"), "/laws/mx-2020-reform/"),
        ("pilot", lambda: make_pilot("th-case"), "/pilots/th-case/"),
        ("pledge", lambda: make_pledge("th-imrf"), "/pledges/th-imrf/"),
        ("figure", lambda: make_figure("mx-children"), "/figures/mx-children/"),
        ("source", lambda: make_source("idc-report"), "/sources/idc-report/"),
        ("indicator", lambda: make_indicator("child-ban"), "/indicators/child-ban/"),
    ],
)
def test_every_record_and_country_page_links_to_the_form_that_names_it(client, kind, make, page):
    make()
    identifier = page.strip("/").split("/")[-1]
    link = f"{FORM}?kind={kind}&amp;id={identifier}"
    html = client.get(page).content.decode()
    assert "Suggest a correction" in html and link in html

    form = client.get(link.replace("&amp;", "&"))
    assert form.status_code == 200
    text = form.content.decode()
    assert f'href="{page}"' in text  # the page concerned, linked
    assert 'name="what_is_wrong"' in text and "csrfmiddlewaretoken" in text


def test_the_form_and_its_answers_are_never_cached(client, law):
    for response in (client.get(LAW_FORM), send(client, what_is_wrong=""), send(client)):
        cache_control = response["Cache-Control"]
        assert "no-store" in cache_control and "private" in cache_control
        assert "public" not in cache_control and "s-maxage" not in cache_control
    assert "no-store" in client.get(THANKS)["Cache-Control"]


def test_a_correction_is_stored_with_its_page_and_language_then_thanks_the_reader(client, law):
    response = send(
        client,
        url=f"/es{LAW_FORM}",
        source="https://dof.gob.mx/nota_detalle.php?codigo=5604705",
        email="reader@example.org",
    )
    assert response.status_code == 302
    assert response["Location"] == f"/es{THANKS}"

    correction = Correction.objects.get()
    assert (correction.kind, correction.identifier, correction.record) == (
        "law",
        "mx-2020-reform",
        law,
    )
    assert correction.language == "es"
    assert correction.what_is_wrong == WHAT_IS_WRONG
    assert correction.source == "https://dof.gob.mx/nota_detalle.php?codigo=5604705"
    assert correction.email == "reader@example.org"
    assert correction.state == Correction.State.NEW and correction.notes == ""
    assert correction.page_url() == "/es/laws/mx-2020-reform/"

    thanks = client.get(response["Location"])
    assert thanks.status_code == 200
    assert 'href="/es/laws/mx-2020-reform/"' in thanks.content.decode()


def test_a_country_correction_names_the_country_by_its_code(client):
    make_status("mx")
    assert send(client, url=f"{FORM}?kind=country&id=MX").status_code == 302
    correction = Correction.objects.get()
    assert (correction.kind, correction.identifier, str(correction.record)) == (
        "country",
        "mx",
        "Mexico",
    )


def test_a_correction_reaches_the_dashboard_and_the_admin_where_researchers_review_it(
    client, researcher, law
):
    send(client)
    correction = Correction.objects.get()
    client.force_login(researcher)

    dashboard = client.get(reverse("admin:dashboard")).content.decode()
    assert "Corrections from readers" in dashboard and "(1 new)" in dashboard
    assert reverse("admin:corrections_correction_change", args=[correction.pk]) in dashboard

    listing = client.get(reverse("admin:corrections_correction_changelist") + "?state__exact=new")
    assert listing.status_code == 200 and "Reform of the Migration Law" in listing.content.decode()

    change_url = reverse("admin:corrections_correction_change", args=[correction.pk])
    page = client.get(change_url).content.decode()
    assert 'href="/laws/mx-2020-reform/"' in page  # the page concerned
    assert WHAT_IS_WRONG in page
    assert 'name="what_is_wrong"' not in page and 'name="state"' in page  # read-only

    response = client.post(
        change_url,
        {"state": "accepted", "notes": "Date fixed.", "what_is_wrong": "Rewritten by staff"},
    )
    assert response.status_code == 302
    correction.refresh_from_db()
    assert (correction.state, correction.notes) == ("accepted", "Date fixed.")
    assert correction.what_is_wrong == WHAT_IS_WRONG  # the reader's words stay theirs

    dashboard = client.get(reverse("admin:dashboard")).content.decode()
    assert "(0 new)" in dashboard and "No new corrections" in dashboard
    assert client.get(reverse("admin:corrections_correction_add")).status_code == 403


def test_a_correction_is_never_public(client, law):
    unique = "Zanzibarian-typo-report-4711"
    send(client, what_is_wrong=unique, email="private@example.org")
    assert Correction.objects.count() == 1
    for url in [
        "/laws/mx-2020-reform/",
        "/laws/",
        "/api/v1/laws/",
        "/api/v1/laws/mx-2020-reform/",
        "/api/v1/laws/?format=csv",
        "/feed/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert unique.encode() not in body and b"private@example.org" not in body, url
    assert client.get("/search/", {"q": unique}).context["found"].total == 0


def test_the_honeypot_answers_as_if_accepted_and_stores_nothing(client, law):
    robot = send(client, website="https://cheap-pills.example")
    person = send(client)
    assert robot.status_code == person.status_code == 302
    assert robot["Location"] == person["Location"]
    assert Correction.objects.count() == 1  # the person's


def test_the_honeypot_is_hidden_from_people_and_screen_readers_and_not_focusable(client, law):
    html = client.get(LAW_FORM).content.decode()
    trap = html[html.index('class="honeypot"') :]
    trap = trap[: trap.index("</div>")]
    assert 'aria-hidden="true"' in trap and 'tabindex="-1"' in trap and 'name="website"' in trap
    css = (settings.BASE_DIR / "static/css/tracker.css").read_text()
    assert ".honeypot { display: none; }" in css


def test_the_rate_limit_refuses_a_sixth_correction_within_the_hour_and_keeps_the_text(client, law):
    for number in range(5):
        assert send(client, what_is_wrong=f"Mistake {number}").status_code == 302
    refused = send(client, what_is_wrong="A sixth mistake")
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 3600
    text = refused.content.decode()
    assert "please send this one again in" in text and "minutes" in text
    assert "A sixth mistake</textarea>" in text
    assert Correction.objects.count() == 5

    # Robots count too: the honeypot is no way around the limit.
    assert send(client, website="spam").status_code == 429

    other_reader = Client(REMOTE_ADDR="198.51.100.20")
    assert send(other_reader, what_is_wrong="From elsewhere").status_code == 302
    assert Correction.objects.count() == 6


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"what_is_wrong": ""}, "what_is_wrong", "This field is required."),
        ({"what_is_wrong": "   \n  "}, "what_is_wrong", "This field is required."),
        ({"what_is_wrong": "x" * 2001}, "what_is_wrong", "at most 2000 characters"),
        ({"what_is_wrong": "A NUL \x00 here"}, "what_is_wrong", "Null characters are not allowed"),
        ({"source": "s" * 501}, "source", "at most 500 characters"),
        ({"email": "not-an-address"}, "email", "Enter a valid email address."),
    ],
)
def test_bad_input_shows_the_errors_and_keeps_what_was_typed(client, law, fields, field, message):
    typed = {"what_is_wrong": WHAT_IS_WRONG, "source": "Diario Oficial", "email": "me@example.org"}
    typed.update(fields)
    response = send(client, **typed)
    assert response.status_code == 400
    text = response.content.decode()
    assert message in text
    assert f'id="id_{field}_error"' in text
    assert "Please correct the fields marked below." in text
    kept = {name: value for name, value in typed.items() if name != field}
    for value in kept.values():
        assert value in text
    assert Correction.objects.count() == 0


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?kind=law",
        "?kind=law&id=no-such-law",
        "?kind=statute&id=mx-2020-reform",
        "?kind=country&id=zz",
        "?kind=law&id=a-draft-law",
    ],
)
def test_an_unknown_or_unpublished_page_is_a_clear_404(client, law, query):
    make_law("a-draft-law", publication_status=DRAFT)
    for response in (client.get(FORM + query), send(client, url=FORM + query)):
        assert response.status_code == 404
        assert "We could not find the page to correct" in response.content.decode()
    assert Correction.objects.count() == 0


def test_nothing_about_the_reader_is_stored_beyond_what_they_typed(law):
    reader = Client(
        REMOTE_ADDR="203.0.113.77",
        HTTP_USER_AGENT="Mozilla/5.0 (ReaderBrowser/9.9)",
        HTTP_X_FORWARDED_FOR="192.0.2.55",
        HTTP_REFERER="https://elsewhere.example/page",
    )
    response = send(reader)
    assert response.status_code == 302
    assert Session.objects.count() == 0  # no session either
    assert set(response.cookies) <= {"csrftoken"}

    row = Correction.objects.values().get()
    assert set(row) == {
        "id",
        "kind",
        "identifier",
        "content_type_id",
        "object_id",
        "language",
        "what_is_wrong",
        "source",
        "email",
        "created_at",
        "state",
        "notes",
    }
    stored = " ".join(str(value) for value in row.values())
    for trace in ["203.0.113.77", "ReaderBrowser", "192.0.2.55", "elsewhere.example"]:
        assert trace not in stored
    assert row["email"] == ""  # none given, none kept


def test_a_post_without_the_csrf_token_is_refused(law):
    careful = Client(enforce_csrf_checks=True)
    assert send(careful).status_code == 403
    assert Correction.objects.count() == 0


def test_the_form_holds_its_query_budget(client, law, django_assert_num_queries):
    # The law; on sending, the law again and the insert (content types are cached after
    # the first lookup, made here).
    client.get(LAW_FORM)
    with django_assert_num_queries(1):
        assert client.get(LAW_FORM).status_code == 200
    with django_assert_num_queries(2):
        assert send(client).status_code == 302
