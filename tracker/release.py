"""Which code is serving: part of every ETag and cache key, so a deploy never serves old pages.

RELEASE from the environment (a commit or image tag) when set; otherwise a digest of the
code, templates, translations and static files, the same in every worker and container
that runs the same files.
"""

import functools
import hashlib
import os

from django.conf import settings

SHAPING_FOLDERS = ("countries", "practices", "tracker", "templates", "locale", "static")
SHAPING_SUFFIXES = (".py", ".html", ".txt", ".mo", ".json", ".css", ".js", ".svg")


@functools.cache
def release():
    if os.environ.get("RELEASE"):
        return os.environ["RELEASE"]
    digest = hashlib.sha256()
    for folder in SHAPING_FOLDERS:
        for path in sorted((settings.BASE_DIR / folder).rglob("*")):
            if path.suffix in SHAPING_SUFFIXES and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(settings.BASE_DIR)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
