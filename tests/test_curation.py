"""Curation in the admin: groups, publishing with sources, history and undo, edit conflicts."""

import datetime
import re
from html import unescape
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import translation

from practices.dashboard import restore_deleted
from practices.models import (
    SOURCE_REQUIRED,
    Citation,
    Indicator,
    Law,
    Organisation,
    Pilot,
    Status,
    Withdrawal,
)

from .conftest import (
    DRAFT,
    PUBLISHED,
    cite,
    country,
    curator,
    make_indicator,
    make_law,
    make_organisation,
    make_pilot,
    make_source,
    make_status,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english():
    # The messages checked below are English; another test may leave a language active.
    with translation.override("en"):
        yield


def change_url(record):
    opts = record._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[record.pk])


def form_data(response):
    """What the browser would post back from an admin change page, unchanged."""
    forms = [response.context["adminform"].form]
    for inline in response.context.get("inline_admin_formsets", []):
        forms += [inline.formset.management_form, *inline.formset.forms]
    data = {}
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            key = form.add_prefix(name)
            if value is None or value is False:
                continue
            if value is True:
                data[key] = "on"
            elif isinstance(value, (list, tuple)):
                data[key] = [str(item) for item in value]
            else:
                data[key] = str(value)
    return data


def text_of(html):
    html = html.decode() if isinstance(html, bytes) else html
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def errors_of(response):
    html = response.content.decode()
    return " ".join(
        text_of(match) for match in re.findall(r'<ul class="errorlist[^>]*>(.*?)</ul>', html, re.S)
    )


def citation_inline(prefix="practices-citation-content_type-object_id", sources=()):
    data = {
        f"{prefix}-TOTAL_FORMS": str(max(len(sources), 1)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for number, source in enumerate(sources):
        data[f"{prefix}-{number}-source"] = str(source.pk)
        data[f"{prefix}-{number}-quote"] = "A supporting sentence."
    return data


def new_law(**fields):
    return {
        "slug": "th-new-policy",
        "original_language": "en",
        "title_en": "A new policy",
        "country": str(country("th").pk),
        "kind": Law.Kind.POLICY,
        "status": Law.Status.ADOPTED,
        "adopted_on": "2023-01-10",
        "adopted_precision": "day",
        "in_force_precision": "day",
        "repealed_precision": "day",
        **fields,
    }


# Groups and permissions.


def test_the_migration_creates_researchers_and_editors_groups():
    researchers = {p.codename for p in Group.objects.get(name="Researchers").permissions.all()}
    editors = {p.codename for p in Group.objects.get(name="Editors").permissions.all()}
    assert {"add_law", "change_law", "view_law", "add_citation", "change_targetgroup"} <= (
        researchers
    )
    assert not {p for p in researchers if p.startswith(("delete_", "publish_"))}
    assert {"publish_law", "publish_status", "delete_law", "delete_citation"} <= editors
    assert "view_country" in researchers & editors
    assert "change_country" not in researchers | editors


def test_researchers_draft_but_cannot_publish_or_delete(client, researcher):
    law = make_law(publication_status=DRAFT)
    client.force_login(researcher)
    changelist = client.get(reverse("admin:practices_law_changelist"))
    assert changelist.context["action_form"] is None  # no publish, unpublish or delete action

    page = client.get(change_url(law))
    assert 'name="publication_status"' not in page.content.decode()  # shown, read-only
    data = {**form_data(page), "title_en": "Retitled", "publication_status": PUBLISHED}
    response = client.post(change_url(law), data)
    assert response.status_code == 302, errors_of(response)
    law.refresh_from_db()
    assert (law.title, law.publication_status) == ("Retitled", DRAFT)

    assert client.get(reverse("admin:practices_law_delete", args=[law.pk])).status_code == 403
    response = client.post(
        reverse("admin:practices_law_changelist"),
        {"action": "publish", "_selected_action": [law.pk]},
    )
    law.refresh_from_db()
    assert not law.is_published()


def test_a_researchers_new_record_is_a_draft(client, researcher):
    client.force_login(researcher)
    source = make_source()
    data = {**new_law(publication_status=PUBLISHED), **citation_inline(sources=[source])}
    response = client.post(reverse("admin:practices_law_add"), data)
    assert response.status_code == 302, errors_of(response)
    assert Law.objects.get(slug="th-new-policy").publication_status == DRAFT


def test_editors_publish_unpublish_and_delete(client, editor):
    law = make_law(publication_status=DRAFT)
    client.force_login(editor)
    client.post(
        reverse("admin:practices_law_changelist"),
        {"action": "publish", "_selected_action": [law.pk]},
    )
    law.refresh_from_db()
    assert law.is_published()
    page = client.get(change_url(law))
    assert 'name="publication_status"' in page.content.decode()
    response = client.post(reverse("admin:practices_law_delete", args=[law.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Law.objects.filter(pk=law.pk).exists()


def test_staff_without_a_group_see_nothing_and_non_staff_are_sent_to_log_in(
    client, django_user_model
):
    staff = django_user_model.objects.create_user("nogroup", password="pw", is_staff=True)
    client.force_login(staff)
    assert client.get(reverse("admin:practices_law_changelist")).status_code == 403
    visitor = django_user_model.objects.create_user("visitor", password="pw")
    client.force_login(visitor)
    for name in ["admin:index", "admin:dashboard", "admin:practices_law_changelist"]:
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/login/" in response["Location"], name


def test_the_dashboard_shows_only_what_a_person_may_view(client, django_user_model):
    make_law("th-draft", place="th", title="Draft MOU", publication_status=DRAFT)
    staff = django_user_model.objects.create_user("nogroup", password="pw", is_staff=True)
    client.force_login(staff)
    response = client.get(reverse("admin:dashboard"))
    assert response.status_code == 200
    assert "Draft MOU" not in response.content.decode()
    assert response.context["coverage"] is None


def test_add_curator_command_puts_a_person_in_one_group(django_user_model):
    from django.core.management import call_command

    call_command("add_curator", "ana", "--researcher", stdout=StringIO())
    ana = django_user_model.objects.get(username="ana")
    assert ana.is_staff and not ana.has_usable_password()
    assert ana.has_perm("practices.change_status") and not ana.has_perm("practices.publish_status")
    call_command("add_curator", "ana", "--editor", stdout=StringIO())
    ana = django_user_model.objects.get(username="ana")
    assert [group.name for group in ana.groups.all()] == ["Editors"]
    assert ana.has_perm("practices.publish_status")


def test_add_curator_sets_a_password_from_the_environment_without_a_prompt(
    django_user_model, monkeypatch
):
    from django.core.management import CommandError, call_command

    monkeypatch.setenv("CURATOR_PASSWORD", "correct horse battery staple")
    out = StringIO()
    call_command("add_curator", "ana", "--editor", "--password-from-env", stdout=out)
    assert "Password set from CURATOR_PASSWORD." in out.getvalue()
    assert django_user_model.objects.get(username="ana").check_password(
        "correct horse battery staple"
    )
    monkeypatch.setenv("WEAK", "ana")
    with pytest.raises(CommandError, match="WEAK: .*too similar to the username"):
        call_command("add_curator", "ana", "--editor", "--password-from-env", "WEAK")
    with pytest.raises(CommandError, match="UNSET is not set"):
        call_command("add_curator", "bea", "--researcher", "--password-from-env", "UNSET")
    assert not django_user_model.objects.filter(username="bea").exists()
    assert django_user_model.objects.get(username="ana").check_password(
        "correct horse battery staple"
    )


# Publishing requires a source.


def test_publishing_without_a_source_is_refused_with_a_clear_message(client, editor):
    client.force_login(editor)
    data = {**new_law(publication_status=PUBLISHED), **citation_inline()}
    response = client.post(reverse("admin:practices_law_add"), data)
    assert response.status_code == 200
    assert str(SOURCE_REQUIRED) in errors_of(response)
    assert not Law.objects.filter(slug="th-new-policy").exists()

    data = {**new_law(publication_status=PUBLISHED), **citation_inline(sources=[make_source()])}
    response = client.post(reverse("admin:practices_law_add"), data)
    assert response.status_code == 302, errors_of(response)
    assert Law.objects.get(slug="th-new-policy").is_published()


def test_removing_the_last_source_of_a_published_record_is_refused(client, editor):
    law = make_law()
    client.force_login(editor)
    data = form_data(client.get(change_url(law)))
    data["practices-citation-content_type-object_id-0-DELETE"] = "on"
    response = client.post(change_url(law), data)
    assert response.status_code == 200
    assert str(SOURCE_REQUIRED) in errors_of(response)
    assert law.citations.count() == 1


def test_the_last_citation_of_a_published_record_cannot_be_deleted_on_its_own(client, editor):
    law = make_law(title="Sourced law")
    citation = law.citations.get()
    client.force_login(editor)
    url = reverse("admin:practices_citation_delete", args=[citation.pk])
    page = text_of(client.get(url).content)
    assert "Sourced law (published: it must cite a source)" in page
    client.post(url, {"post": "yes"})
    assert law.citations.count() == 1
    law.publication_status = DRAFT
    law.save()
    client.post(url, {"post": "yes"})
    assert law.citations.count() == 0


def test_publish_action_refuses_records_without_sources_and_names_them(client, editor):
    sourced = make_law(publication_status=DRAFT)
    unsourced = make_law("th-mou", place="th", title="Unsourced MOU", publication_status=DRAFT)
    unsourced.citations.all().delete()
    assert list(Law.objects.missing_sources()) == [unsourced]
    client.force_login(editor)
    response = client.post(
        reverse("admin:practices_law_changelist"),
        {"action": "publish", "_selected_action": [sourced.pk, unsourced.pk]},
        follow=True,
    )
    text = " ".join(str(message) for message in response.context["messages"])
    assert "1 record published." in text
    assert "Not published: Unsourced MOU: Cite at least one published source" in text
    sourced.refresh_from_db(), unsourced.refresh_from_db()
    assert sourced.is_published() and not unsourced.is_published()


def test_a_status_added_on_its_country_page_is_published_only_with_sources(client, staff):
    indicator = make_indicator()
    make_status("mx", indicator, effective_from="2010-01-01")
    client.force_login(staff)
    url = reverse("admin:countries_country_change", args=[country("mx").pk])
    data = form_data(client.get(url))
    prefix = "statuses"
    number = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(number + 1)
    data.update(
        {
            f"{prefix}-{number}-indicator": str(indicator.pk),
            f"{prefix}-{number}-value": str(indicator.values.first().pk),
            f"{prefix}-{number}-effective_from": "2024-01-01",
            f"{prefix}-{number}-effective_precision": "day",
            f"{prefix}-{number}-observed_on": "2024-01-01",
            f"{prefix}-{number}-observed_precision": "day",
            f"{prefix}-{number}-publication_status": PUBLISHED,
        }
    )
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Add at least one source on the status's own page" in errors_of(response)
    data[f"{prefix}-{number}-publication_status"] = DRAFT
    response = client.post(url, data)
    assert response.status_code == 302, errors_of(response)
    assert Status.objects.get(effective_from="2024-01-01").publication_status == DRAFT


# History and undo.


def test_history_records_each_change_with_its_author_and_shows_the_differences(client, editor):
    law = make_law(title="Old title")
    client.force_login(editor)
    data = {**form_data(client.get(change_url(law))), "title_en": "New title"}
    assert client.post(change_url(law), data).status_code == 302
    latest = law.history.latest()
    assert latest.history_user == editor
    delta = latest.diff_against(latest.prev_record, excluded_fields=["updated_at"])
    assert [(c.field, c.old, c.new) for c in delta.changes] == [
        ("title", "Old title", "New title")
    ]
    page = client.get(reverse("admin:practices_law_history", args=[law.pk]))
    text = text_of(page.content.decode())
    assert "Title: Old title → New title" in text
    assert "eddie" in text
    assert "Updated:" not in text  # every save's timestamp is not a change worth listing


def test_history_keeps_a_laws_links_to_indicators(client, editor):
    law = make_law()
    indicator = make_indicator()
    law.indicators.add(indicator)
    law.indicators.remove(indicator)
    linked, unlinked = law.history.order_by("-history_id")[1], law.history.latest()
    assert [i.indicator_id for i in linked.indicators.all()] == [indicator.pk]
    assert list(unlinked.indicators.all()) == []


def test_reverting_to_an_old_version_brings_the_old_values_and_links_back(client, editor):
    law = make_law(title="First title")
    indicator = make_indicator()
    law.indicators.add(indicator)
    first = law.history.latest()
    client.force_login(editor)
    data = {**form_data(client.get(change_url(law))), "title_en": "Second title", "indicators": []}
    assert client.post(change_url(law), data).status_code == 302
    law.refresh_from_db()
    assert (law.title, list(law.indicators.all())) == ("Second title", [])

    revert_url = reverse("admin:practices_law_simple_history", args=[law.pk, first.history_id])
    page = client.get(revert_url)
    assert page.status_code == 200
    response = client.post(revert_url, form_data(page))
    assert response.status_code == 302, errors_of(response)
    law.refresh_from_db()
    assert law.title == "First title"
    assert list(law.indicators.all()) == [indicator]
    assert law.history.latest().history_user == editor
    assert law.history.latest().history_change_reason.startswith("Reverted to the version of")


def test_a_researcher_reverting_cannot_publish_or_unpublish(client, researcher):
    law = make_law(publication_status=DRAFT)
    draft_version = law.history.latest()
    law.publication_status = PUBLISHED
    law.save()
    client.force_login(researcher)
    revert_url = reverse(
        "admin:practices_law_simple_history", args=[law.pk, draft_version.history_id]
    )
    response = client.post(revert_url, form_data(client.get(revert_url)))
    assert response.status_code == 302, errors_of(response)
    law.refresh_from_db()
    assert law.is_published()


def test_a_deleted_record_is_restored_with_its_links_and_citations(client, editor):
    law = make_law(title="Deleted by mistake")
    organisation = make_organisation()
    law.organisations.add(organisation)
    quote = law.citations.get().quote
    Withdrawal.objects.all().delete()
    client.force_login(editor)
    client.post(reverse("admin:practices_law_delete", args=[law.pk]), {"post": "yes"})
    assert not Law.objects.filter(pk=law.pk).exists()
    assert Withdrawal.objects.filter(resource="laws", identifier=law.slug).exists()

    page = client.get(reverse("admin:deleted"))
    assert "Deleted by mistake" in page.content.decode()
    response = client.post(reverse("admin:deleted"), {"model": "law", "id": law.pk}, follow=True)
    assert "Restored “Deleted by mistake”. With 1 citation(s)." in response.content.decode()
    restored = Law.objects.get(pk=law.pk)
    assert restored.is_published() and restored.created_at == law.created_at
    assert list(restored.organisations.all()) == [organisation]
    assert [c.quote for c in restored.citations.all()] == [quote]
    assert not Withdrawal.objects.filter(resource="laws", identifier=law.slug).exists()
    latest = restored.history.latest()
    assert (latest.history_user, latest.history_change_reason) == (
        editor,
        "Restored after deletion",
    )
    assert "Deleted by mistake" not in client.get(reverse("admin:deleted")).content.decode()


def test_a_citation_removed_by_mistake_is_restored_on_its_own(client, editor):
    law = make_law()
    removed = cite(law, make_source("second"), quote="The quote removed by mistake.")
    citation_pk = removed.pk
    client.force_login(editor)
    data = form_data(client.get(change_url(law)))
    data["practices-citation-content_type-object_id-1-DELETE"] = "on"
    assert client.post(change_url(law), data).status_code == 302
    assert law.citations.count() == 1

    history = text_of(client.get(reverse("admin:practices_law_history", args=[law.pk])).content)
    assert "Sources cited: changes" in history
    assert "eddie removed Second The quote removed by mistake." in history

    page = text_of(client.get(reverse("admin:deleted")).content)
    assert "Second – The quote removed by mistake." in page
    client.post(reverse("admin:deleted"), {"model": "citation", "id": citation_pk})
    assert law.citations.count() == 2


def test_citations_of_a_deleted_record_come_back_only_with_it(client, editor):
    law = make_law()
    citation_pk, law_pk = law.citations.get().pk, law.pk
    law.delete()
    client.force_login(editor)
    page = client.get(reverse("admin:deleted"))
    assert [s["name"] for s in page.context["deleted"]] == ["laws and policies"]
    response = client.post(
        reverse("admin:deleted"), {"model": "citation", "id": citation_pk}, follow=True
    )
    assert "restore the record instead" in response.content.decode()
    assert not Citation.objects.exists()
    restore_deleted(Law, law_pk, editor)
    assert Citation.objects.get().pk == citation_pk


def test_reverting_to_a_published_version_needs_a_source_today(client, editor):
    law = make_law()
    published = law.history.latest()
    law.citations.all().delete()
    law.publication_status = DRAFT
    law.save()
    client.force_login(editor)
    url = reverse("admin:practices_law_simple_history", args=[law.pk, published.history_id])
    response = client.post(url, form_data(client.get(url)))
    assert response.status_code == 200
    assert str(SOURCE_REQUIRED) in errors_of(response)
    law.refresh_from_db()
    assert not law.is_published()


def test_researchers_cannot_restore_deleted_records(client, researcher):
    pilot = make_pilot()
    pk = pilot.pk
    pilot.delete()
    client.force_login(researcher)
    page = client.get(reverse("admin:deleted"))
    assert pilot.name in page.content.decode() and 'value="Restore"' not in page.content.decode()
    response = client.post(reverse("admin:deleted"), {"model": "pilot", "id": pk})
    assert response.status_code == 403
    assert not Pilot.objects.filter(pk=pk).exists()


def test_restoring_a_record_that_exists_again_is_refused(editor):
    law = make_law()
    pk = law.pk
    law.delete()
    restore_deleted(Law, pk, editor)
    with pytest.raises(ValueError):
        restore_deleted(Law, pk, editor)


# No lost updates.


def test_a_concurrent_edit_is_refused_and_the_first_edit_survives(client, researcher, editor):
    status = make_status("mx", make_indicator(), caveat="Original caveat.")
    client.force_login(researcher)
    first = form_data(client.get(change_url(status)))
    client.force_login(editor)
    second = form_data(client.get(change_url(status)))

    client.force_login(researcher)
    first["caveat_en"] = "Children are still held in referral offices."
    assert client.post(change_url(status), first).status_code == 302

    client.force_login(editor)
    second["caveat_en"] = "Nothing to add."
    second["legal_position_en"] = "Rewritten."
    response = client.post(change_url(status), second)
    assert response.status_code == 200
    errors = errors_of(response)
    assert "rita saved this record after you opened it" in errors
    assert "Your changes were not saved" in errors
    assert "Caveat: Original caveat. → Children are still held in referral offices." in errors
    status.refresh_from_db()
    assert status.caveat == "Children are still held in referral offices."
    assert status.legal_position == "What the law says."
    # Saving again from the refused form is refused again: reopen the record first.
    assert client.post(change_url(status), second).status_code == 200


def test_saving_a_record_deleted_meanwhile_says_so(client, editor):
    law = make_law()
    client.force_login(editor)
    data = form_data(client.get(change_url(law)))
    Law.objects.filter(pk=law.pk).delete()
    response = client.post(change_url(law), data, follow=True)
    # The admin itself answers a missing record, and nothing is created again.
    assert "Perhaps it was deleted?" in text_of(response.content)
    assert not Law.objects.exists()


# Validation on every form.


def test_dates_out_of_order_are_errors_on_the_later_date(client, editor):
    client.force_login(editor)
    data = {
        **new_law(adopted_on="2023-05-01", in_force_on="2023-01-01"),
        **citation_inline(sources=[make_source()]),
    }
    response = client.post(reverse("admin:practices_law_add"), data)
    assert response.status_code == 200
    assert "It cannot come into force before adoption." in errors_of(response)
    assert "constraint" not in errors_of(response).lower()


def test_pilot_and_figure_periods_must_be_in_order():
    from django.core.exceptions import ValidationError

    from practices.models import Figure

    pilot = Pilot(
        slug="x",
        name="X",
        status=Pilot.Status.ACTIVE,
        started_on=datetime.date(2022, 1, 1),
        ended_on=datetime.date(2021, 1, 1),
    )
    with pytest.raises(ValidationError) as error:
        pilot.full_clean()
    assert error.value.message_dict["ended_on"] == ["A pilot cannot end before it starts."]
    figure = Figure(
        slug="y",
        measure="people-detained",
        description="People",
        value=1,
        unit=Figure.Unit.PEOPLE,
        period_start=datetime.date(2022, 1, 1),
        period_end=datetime.date(2021, 1, 1),
    )
    with pytest.raises(ValidationError) as error:
        figure.full_clean()
    assert error.value.message_dict["period_end"] == ["The period cannot end before it starts."]


def test_a_url_must_be_a_url(client, editor):
    client.force_login(editor)
    response = client.post(
        reverse("admin:practices_organisation_add"),
        {"slug": "x", "name": "X", "kind": Organisation.Kind.NGO, "url": "not a url"},
    )
    assert "Enter a valid URL." in errors_of(response)


@pytest.mark.parametrize("place", ["mx", "mx-chp"])
def test_a_second_status_for_the_same_place_indicator_and_dates_is_a_form_error(
    client, editor, place
):
    indicator = make_indicator()
    existing = make_status(place, indicator, effective_from="2020-01-01")
    client.force_login(editor)
    data = {
        "country": str(existing.country_id),
        "subdivision": str(existing.subdivision_id or ""),
        "indicator": str(indicator.pk),
        "value": str(indicator.values.last().pk),
        "effective_from": "2020-01-01",
        "effective_precision": "day",
        "observed_on": "2020-01-01",
        "observed_precision": "day",
        "original_language": "en",
        "publication_status": DRAFT,
        **citation_inline(sources=[make_source("another")]),
    }
    response = client.post(reverse("admin:practices_status_add"), data)
    assert response.status_code == 200
    assert "This place already has a status on this indicator with these dates." in errors_of(
        response
    )
    assert Status.objects.count() == 1
    # Another date, or the national level next to a state's status, is fine.
    data["effective_from"] = "2021-01-01"
    response = client.post(reverse("admin:practices_status_add"), data)
    assert response.status_code == 302, errors_of(response)


# The dashboard.


def test_the_dashboard_lists_what_it_claims(client, researcher):
    child, monitoring = make_indicator(), make_indicator("electronic-monitoring", order=200)
    make_status("mx", child, last_reviewed_on=datetime.date.today())
    make_status("mx", monitoring, last_reviewed_on=datetime.date.today())
    make_status("th", child, publication_status=DRAFT, last_reviewed_on=datetime.date.today())
    make_status("be", child, last_reviewed_on=datetime.date(2019, 5, 1))
    make_law(title="Never reviewed law")
    make_law("th-draft", place="th", title="Draft MOU", publication_status=DRAFT)
    law = Law.objects.get(slug="mx-2020-reform")
    client.force_login(curator(get_user_model(), "ed", "Editors"))
    data = {**form_data(client.get(change_url(law))), "summary_en": "Now summarised."}
    assert client.post(change_url(law), data).status_code == 302
    client.force_login(researcher)

    response = client.get(reverse("admin:dashboard"))
    assert response.status_code == 200
    context = response.context
    drafts = {s["name"]: [r["label"] for r in s["records"]] for s in context["drafts"]}
    assert drafts["laws and policies"] == ["Draft MOU"]
    assert [label.split(":")[0] for label in drafts["statuses"]] == ["Thailand"]

    stale = {s["name"]: [r["label"] for r in s["records"]] for s in context["stale"]}
    assert stale["laws and policies"] == ["Never reviewed law"]
    assert [label.split(":")[0] for label in stale["statuses"]] == ["Belgium"]

    coverage = context["coverage"]
    assert coverage["countries"] == 3 and coverage["complete"] == 1
    gaps = {
        row["country"].iso2: [cell["state"] for cell in row["cells"]] for row in coverage["rows"]
    }
    assert gaps == {"BE": [PUBLISHED, None], "TH": [DRAFT, None]}

    latest = context["changes"][0]
    assert (latest["who"].username, latest["label"], latest["fields"]) == (
        "ed",
        "Never reviewed law",
        ["summary"],
    )
    text = response.content.decode()
    assert "Never reviewed law" in text and "missing: add" in text


# Expect 37 queries, however many records there are:
# * the session, the user, and the user's permissions, own and from groups (4)
# * each of 8 kinds' latest drafts, with their number (8)
# * each of 5 kinds of claims not reviewed for a year, with their number (5)
# * each of 5 kinds of claims with a translation, to find the outdated ones (5)
# * coverage: the places and indicators with a status, the indicators, the countries (3)
# * the latest new corrections from readers, with their number (1)
# * each of 8 kinds' latest versions (8), and the versions before them where they are
#   changes: here statuses, laws and pilots (3; at most one per kind)
DASHBOARD_QUERIES = 37


def test_the_dashboard_holds_its_query_budget(client, editor, django_assert_num_queries):
    def add_records(places, suffix):
        indicator = Indicator.objects.first() or make_indicator()
        for place in places:
            records = [
                make_status(place, indicator, publication_status=DRAFT),
                make_law(f"{place}-law-{suffix}", place=place, publication_status=DRAFT),
                make_pilot(f"{place}-pilot-{suffix}", place=place),
            ]
            for record in records:
                record.last_reviewed_on = datetime.date(2020, 1, 1)
                record.save()
        make_organisation(f"org-{suffix}", publication_status=DRAFT)

    add_records(["mx", "th"], "a")
    client.force_login(editor)
    with django_assert_num_queries(DASHBOARD_QUERIES):
        small = client.get(reverse("admin:dashboard"))
    add_records(["be", "my", "id", "au", "gb", "us"], "b")
    with django_assert_num_queries(DASHBOARD_QUERIES):
        large = client.get(reverse("admin:dashboard"))
    assert small.status_code == large.status_code == 200
    assert len(large.context["changes"]) == 20
    assert {change["fields"][0] for change in large.context["changes"] if change["fields"]} == {
        "last reviewed"
    }


def test_the_admin_index_links_the_dashboard_and_deleted_records(client, researcher):
    client.force_login(researcher)
    text = client.get(reverse("admin:index")).content.decode()
    assert reverse("admin:dashboard") in text and reverse("admin:deleted") in text
