"""Admin sign-in: slow down guessing one account's password from many addresses.

django-axes locks a (user name, client address) pair after AXES_FAILURE_LIMIT failures, which
an attacker escapes by changing address. On top of it, the OWASP "device cookie" scheme:

- A successful sign-in gives the browser a signed, long-lived cookie naming that user
  (DEVICE_COOKIE, for LOGIN_DEVICE_COOKIE_AGE): the browser has proved itself for that user.
- A failed sign-in from a client without a valid device cookie for that user name counts
  against the user name itself, across every address, at LOGIN_UNTRUSTED_FAILURE_RATE
  ("10/h": 10 failures per hour).
- Once that count is reached, every sign-in for that user name from a client without the
  cookie is refused with 429 and Retry-After until the hour's window ends, even with the
  right password. A browser the user has signed in with before still signs in, so guessing
  cannot lock a real editor out of their usual browser. The cost, during an attack only: the
  editor cannot sign in from a new browser until the window ends.

Failures from a client with the device cookie do not count against the user name; axes'
per-address lockout still applies to them. Counts live in the "ratelimit" cache
(tracker/throttling.py): atomic and shared by every app container in Redis. axes' own
lockouts get the same 429 response, with Retry-After (AXES_LOCKOUT_CALLABLE).
"""

import logging
import unicodedata

from axes.helpers import get_cool_off, get_lockout_message
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core import signing
from django.dispatch import receiver
from django.http import HttpResponse

from . import throttling

log = logging.getLogger(__name__)

DEVICE_COOKIE = "atd_device"
DEVICE_COOKIE_SALT = "tracker.login.device"
# Set on a request that signed someone in; the middleware then gives the browser the cookie.
SIGNED_IN_USER = "_tracker_signed_in_user"
UNTRUSTED_FAILURES = "login-untrusted-failures"


def account_name(username):
    """The user name as the sign-in form cleans it (trimmed, NFKC), so variants count as one."""
    return unicodedata.normalize("NFKC", str(username or "").strip())


def is_trusted_device(request, username):
    """Whether this browser signed in as `username` before (a valid device cookie)."""
    try:
        signed_as = signing.loads(
            request.COOKIES.get(DEVICE_COOKIE, ""),
            salt=DEVICE_COOKIE_SALT,
            max_age=settings.LOGIN_DEVICE_COOKIE_AGE,
        )
    except signing.BadSignature:
        return False
    return signed_as == username


def untrusted_failures(request, username, increment=False):
    return throttling.hit(
        request,
        UNTRUSTED_FAILURES,
        username,
        settings.LOGIN_UNTRUSTED_FAILURE_RATE,
        increment=increment,
    )


def refusal(retry_after_seconds=None):
    """429 with Retry-After, for this protection and for axes' lockouts alike."""
    response = HttpResponse(get_lockout_message(), status=429, content_type="text/plain")
    if retry_after_seconds is not None:
        response["Retry-After"] = str(max(int(retry_after_seconds), 1))
    return response


def axes_lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: axes' lockout, told how long it lasts (its cool-off, if any)."""
    cool_off = get_cool_off(request)
    return refusal(cool_off.total_seconds() if cool_off else None)


@receiver(user_login_failed)
def count_failure_from_untrusted_client(sender, credentials, request=None, **kwargs):
    if request is None:  # authenticate() called outside a request: nothing to count against
        return
    username = account_name(credentials.get(get_user_model().USERNAME_FIELD))
    if not username or is_trusted_device(request, username):
        return
    usage = untrusted_failures(request, username, increment=True)
    if usage and usage["count"] == usage["limit"]:
        log.warning(
            "Sign-in: %d failures for user name %r from unrecognised browsers; refusing "
            "them for %d s.",
            usage["count"],
            username,
            throttling.seconds_left(usage),
        )


@receiver(user_logged_in)
def remember_signed_in_user(sender, request=None, user=None, **kwargs):
    if request is not None:
        setattr(request, SIGNED_IN_USER, user.get_username())


class LoginProtectionMiddleware:
    """Refuse admin sign-ins for a guessed-at account from unrecognised browsers (see above),
    and give the device cookie to a browser that signs in."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        username = getattr(request, SIGNED_IN_USER, None)
        if username is not None:
            response.set_cookie(
                DEVICE_COOKIE,
                signing.dumps(account_name(username), salt=DEVICE_COOKIE_SALT),
                max_age=settings.LOGIN_DEVICE_COOKIE_AGE,
                path="/" + settings.ADMIN_URL,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method != "POST" or request.resolver_match.view_name != "admin:login":
            return None
        username = account_name(request.POST.get(get_user_model().USERNAME_FIELD))
        if not username or is_trusted_device(request, username):
            return None
        usage = untrusted_failures(request, username)
        if usage and usage["count"] >= usage["limit"]:
            return refusal(throttling.seconds_left(usage))
        return None
