"""`reverse()`, remembered: a list or a map asks for the same records' paths on every render.

A path depends only on the view, its arguments, the language (the URL's prefix), the
script prefix and the URL configuration, so those make the key.
"""

import functools

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language


@functools.lru_cache(maxsize=20_000)
def _reversed(viewname, args, language, script_prefix, urlconf):
    return reverse(viewname, args=args, urlconf=urlconf)


def path_to(viewname, *args):
    """The path of a view with positional arguments, as `reverse` gives it."""
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    return _reversed(viewname, args, get_language(), get_script_prefix(), urlconf)
