"""Limits that hold under concurrency and faults: API throttling, admin sign-in protection.

The API throttle counts in Redis atomically (tracker/throttling.py), so concurrent requests on
several processes let exactly the limit through; with Redis down, each process still limits
in memory. Sign-in protection (tracker/login.py) refuses guessing one account from many
addresses, while the account holder's own browser still signs in.
"""

import logging
import os
import threading

import pytest
import redis
from django.core import signing
from django.core.cache import caches
from django.test import Client, RequestFactory
from rest_framework.request import Request

import tracker.cache
from tracker import login
from tracker.api import AnonymousThrottle

from .conftest import ready_processes

REDIS_URL = "redis://127.0.0.1:6379/14"  # a database of these tests' own
DEAD_REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
API_LIST = "/api/v1/laws/"


@pytest.fixture(autouse=True)
def no_counts_from_other_tests():
    caches["ratelimit"].clear()
    yield
    caches["ratelimit"].clear()


def rate_limits_in(settings, location):
    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {
            "BACKEND": "tracker.cache.RedisWithMemoryFallbackCache",
            "LOCATION": location,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        },
    }


@pytest.fixture
def redis_rate_limits(settings, monkeypatch):
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    monkeypatch.setattr(tracker.cache, "_breakers", {})
    rate_limits_in(settings, REDIS_URL)
    caches["ratelimit"].clear()
    yield
    caches["ratelimit"].clear()


@pytest.fixture
def dead_redis_rate_limits(settings, monkeypatch):
    monkeypatch.setattr(tracker.cache, "_breakers", {})
    rate_limits_in(settings, DEAD_REDIS_URL)
    caches["ratelimit"].memory.clear()  # what other tests counted; Redis is not asked


def throttle_allows(address):
    request = Request(RequestFactory().get(API_LIST, REMOTE_ADDR=address))
    return AnonymousThrottle().allow_request(request, view=None)


# API throttling -----------------------------------------------------------------------------


def test_the_api_limit_holds_under_concurrent_requests(redis_rate_limits, settings):
    # A day's window: a test never straddles two.
    settings.API_ANON_THROTTLE_RATE = "100/day"
    allowed = []
    start = threading.Barrier(8)

    def hammer():
        start.wait()
        for _ in range(40):
            if throttle_allows("198.51.100.1"):
                allowed.append(True)

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(allowed) == 100


HAMMER = """
import sys, threading
import django
django.setup()
from tests.test_limits import throttle_allows
allowed = []
def hammer():
    for _ in range(50):
        if throttle_allows("198.51.100.2"):
            allowed.append(True)
threads = [threading.Thread(target=hammer) for _ in range(4)]
print("ready", flush=True)
sys.stdin.readline()
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(len(allowed))
"""


def test_the_api_limit_holds_across_processes(redis_rate_limits):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tracker.settings",
        "REDIS_URL": REDIS_URL,
        "API_ANON_THROTTLE_RATE": "150/day",
    }
    processes = ready_processes(HAMMER, [env, env])
    for process in processes:  # both set up: go
        process.stdin.write("go\n")
        process.stdin.flush()
    allowed = [int(process.communicate(timeout=60)[0]) for process in processes]
    assert sum(allowed) == 150
    assert all(count > 0 for count in allowed)  # the two processes did race


@pytest.mark.django_db
def test_with_redis_down_the_api_still_answers_and_limits_in_memory(
    dead_redis_rate_limits, client, settings, monkeypatch, caplog
):
    settings.API_ANON_THROTTLE_RATE = "5/day"
    monkeypatch.setattr(tracker.cache, "RETRY_SECONDS", 0)  # every request tries Redis
    with caplog.at_level(logging.WARNING, logger="tracker.cache"):
        responses = [client.get(API_LIST) for _ in range(7)]
    assert [response.status_code for response in responses] == [200] * 5 + [429] * 2
    assert int(responses[-1]["Retry-After"]) > 0
    warnings = [record for record in caplog.records if record.name == "tracker.cache"]
    assert len(warnings) == 1
    assert "does not answer" in warnings[0].getMessage()


def test_with_redis_down_concurrent_requests_are_limited_per_process(
    dead_redis_rate_limits, settings
):
    settings.API_ANON_THROTTLE_RATE = "30/day"
    allowed = []

    def hammer():
        for _ in range(20):
            if throttle_allows("198.51.100.3"):
                allowed.append(True)

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(allowed) == 30


def test_when_redis_answers_again_counting_returns_there(redis_rate_limits, settings, caplog):
    settings.API_ANON_THROTTLE_RATE = "50/day"
    outage = caches["ratelimit"].breaker
    outage.failed(redis.exceptions.ConnectionError("a blip"))
    outage.retry_at = 0  # time to try again
    with caplog.at_level(logging.WARNING, logger="tracker.cache"):
        assert throttle_allows("198.51.100.4")
    assert not outage.down
    assert "answers again" in caplog.records[-1].getMessage()
    counts = redis.Redis.from_url(REDIS_URL)
    assert [int(counts.get(key)) for key in counts.keys("*rl:*")] == [1]


# Admin sign-in ------------------------------------------------------------------------------

PASSWORD = "a-long-real-password"
LIMIT = 10  # LOGIN_UNTRUSTED_FAILURE_RATE = "10/h"


@pytest.fixture
def erin(django_user_model, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast
    return django_user_model.objects.create_user("erin", password=PASSWORD, is_staff=True)


def sign_in(browser, password, address, username="erin"):
    return browser.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


def known_browser(username="erin", password=PASSWORD):
    """A browser that signed in before (it keeps the device cookie) and signed out."""
    browser = Client()
    assert sign_in(browser, password, "198.51.100.50", username).status_code == 302
    browser.cookies.pop("sessionid")
    return browser


def guess_from_many_addresses(count, username="erin"):
    return [
        sign_in(Client(), f"guess-{n}", f"203.0.113.{n}", username).status_code
        for n in range(1, count + 1)
    ]


@pytest.mark.django_db
def test_guessing_one_account_from_many_addresses_is_refused_after_the_limit(erin):
    assert guess_from_many_addresses(40) == [200] * LIMIT + [429] * (40 - LIMIT)
    response = sign_in(Client(), "another-guess", "192.0.2.99")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    # Another account is not held back.
    assert guess_from_many_addresses(1, username="someone-else") == [200]


@pytest.mark.django_db
def test_the_account_holder_still_signs_in_from_a_known_browser(erin):
    browser = known_browser()
    guess_from_many_addresses(40)
    response = sign_in(browser, PASSWORD, "198.51.100.50")
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


@pytest.mark.django_db
def test_a_new_browser_is_refused_during_the_attack_even_with_the_right_password(erin):
    guess_from_many_addresses(LIMIT)
    response = sign_in(Client(), PASSWORD, "198.51.100.60")
    assert response.status_code == 429
    assert "_auth_user_id" not in Client().session


@pytest.mark.django_db
def test_a_sign_in_gives_the_browser_a_signed_long_lived_device_cookie(erin):
    response = sign_in(Client(), PASSWORD, "198.51.100.70")
    cookie = response.cookies[login.DEVICE_COOKIE]
    assert cookie["httponly"] is True
    assert cookie["path"] == "/admin/"
    assert int(cookie["max-age"]) >= 300 * 24 * 3600
    assert signing.loads(cookie.value, salt=login.DEVICE_COOKIE_SALT) == "erin"


@pytest.mark.django_db
def test_a_device_cookie_for_another_user_or_forged_does_not_exempt(erin, django_user_model):
    django_user_model.objects.create_user("mallory", password="mallorys-password", is_staff=True)
    mallorys_browser = known_browser("mallory", "mallorys-password")
    forged = Client()
    forged.cookies[login.DEVICE_COOKIE] = "erin"
    guess_from_many_addresses(LIMIT)
    assert sign_in(mallorys_browser, PASSWORD, "198.51.100.50").status_code == 429
    assert sign_in(forged, PASSWORD, "198.51.100.51").status_code == 429


@pytest.mark.django_db
def test_failures_from_the_account_holders_browser_do_not_count_against_the_account(erin):
    browser = known_browser()
    # Mistyped passwords from three addresses, under axes' limit for each.
    for address in ("198.51.100.81", "198.51.100.82", "198.51.100.83"):
        for _ in range(4):
            assert sign_in(browser, "typo", address).status_code == 200
    assert sign_in(Client(), PASSWORD, "198.51.100.84").status_code == 302


@pytest.mark.django_db
def test_axes_still_locks_one_address_out_even_for_a_known_browser(erin, settings):
    browser = known_browser()
    statuses = [sign_in(browser, "typo", "198.51.100.90").status_code for _ in range(5)]
    assert statuses == [200] * 4 + [429]
    response = sign_in(browser, PASSWORD, "198.51.100.90")
    assert response.status_code == 429
    assert int(response["Retry-After"]) == settings.AXES_COOLOFF_TIME.total_seconds()
