import pytest
from django.contrib import admin
from django.urls import reverse

from .conftest import (
    make_figure,
    make_law,
    make_organisation,
    make_pilot,
    make_pledge,
    make_status,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def records():
    make_status("mx")
    make_law()
    make_pilot()
    make_pledge()
    make_figure()
    make_organisation()


def admin_urls():
    for model, model_admin in admin.site._registry.items():
        yield model, model_admin, f"admin:{model._meta.app_label}_{model._meta.model_name}"


def test_every_changelist_add_and_change_page_answers(client, staff, records):
    client.force_login(staff)
    for model, model_admin, info in admin_urls():
        assert client.get(reverse(f"{info}_changelist")).status_code == 200, info
        if model_admin.has_add_permission(rf_request(staff)):
            assert client.get(reverse(f"{info}_add")).status_code == 200, info
        record = model.objects.first()
        if record is not None:
            url = reverse(f"{info}_change", args=[record.pk])
            assert client.get(url).status_code == 200, info


def rf_request(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = user
    return request


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get(reverse("admin:practices_law_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_publish_action_publishes_drafts(client, staff):
    law = make_law(publication_status="draft")
    client.force_login(staff)
    client.post(
        reverse("admin:practices_law_changelist"),
        {"action": "publish", "_selected_action": [law.pk]},
    )
    law.refresh_from_db()
    assert law.is_published()
