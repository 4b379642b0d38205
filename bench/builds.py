"""The whole-dataset builds, timed, and PostgreSQL's COPY of the same rows, for bench/run.py.

    .venv/bin/python bench/builds.py build dataset.json       # or datapackage.zip
    .venv/bin/python bench/builds.py copy [--repeat 2]

Run with the app's environment (DATABASE_URL, DOWNLOADS_DIR, SITE_URL...), one fresh process
per build, and print one line `BENCH_BUILD {...}` (JSON) that run.py reads.

build: the build of one download at the current dataset version, exactly as the app's
worker runs it (tracker.downloads.build_download: one REPEATABLE READ snapshot,
write_dataset_json or write_datapackage into a file in DOWNLOADS_DIR, the DatasetBuild row
marked ready), after forgetting any build of that version, so that it always builds; the
running app then serves that file. Reports its wall seconds, the file's size, the process's
peak memory (max RSS) and its max RSS before the build (Django and the app loaded).

copy: `COPY (SELECT ...) TO STDOUT WITH CSV` of every published row the downloads carry,
read to the end by psycopg: each resource's own published() queryset (the same SQL the app
runs to select them, via query.sql_with_params()), the citations of published records of
published sources, and the many-to-many link rows of published records. Lookup tables
(regions, subdivisions, country groups, target groups, approaches) are left out, which
makes COPY faster, never slower. Timed from the first COPY to the last byte read, `repeat`
times in a row; the fastest run is the one compared (the others are in "runs").
"""

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    import django

    django.setup()


def max_rss_mb():
    # Linux reports ru_maxrss in kilobytes.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build(kind):
    from tracker import siteurl
    from tracker.downloads import build_download
    from tracker.exports import dataset_version
    from tracker.models import DatasetBuild

    version = dataset_version()
    DatasetBuild.objects.filter(kind=kind, version_tag=version.tag).delete()
    before = max_rss_mb()
    started = time.perf_counter()
    build_download.call(kind=kind, base_url=siteurl.base_url())
    seconds = time.perf_counter() - started
    built = DatasetBuild.objects.ready(kind).filter(version_tag=version.tag).first()
    if built is None:
        raise SystemExit(f"no ready build of {kind} at {version.label} after the build")
    return {
        "kind": kind,
        "version": version.label,
        "seconds": round(seconds, 3),
        "bytes": built.size,
        "max_rss_mb": round(max_rss_mb(), 1),
        "rss_before_mb": round(before, 1),
    }


def published_selects():
    """(name, queryset) for every set of rows the downloads are made of."""
    from django.contrib.contenttypes.models import ContentType

    from practices.models import Citation
    from tracker import exports

    selects = []
    for name in exports.PACKAGE_RESOURCES:
        selects.append((name, exports.RESOURCES[name].published()))
    for name in exports.CITED_RESOURCES:
        records = exports.RESOURCES[name].published()
        model = records.model
        citations = Citation.objects.published().filter(
            content_type=ContentType.objects.get_for_model(model),
            object_id__in=records.values("pk"),
        )
        selects.append((f"citations of {name}", citations))
    for name in exports.PACKAGE_RESOURCES:
        records = exports.RESOURCES[name].published()
        for field in records.model._meta.many_to_many:
            through = field.remote_field.through
            links = through.objects.filter(
                **{f"{field.m2m_field_name()}__in": records.values("pk")}
            )
            selects.append((f"{name}.{field.name}", links))
    return selects


def copy_all(selects):
    """Seconds to COPY every select out and read all of it; the bytes read."""
    from django.db import connection

    total = 0
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor  # psycopg's own (client-side binding, Django's default)
        started = time.perf_counter()
        for _name, sql, params in selects:
            with cursor.copy(f"COPY ({sql}) TO STDOUT WITH CSV", params) as copy:
                for data in copy:
                    total += len(data)
        seconds = time.perf_counter() - started
    return seconds, total


def copy(repeat):
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit("COPY needs PostgreSQL (DATABASE_URL)")
    selects = []
    rows = {}
    for name, queryset in published_selects():
        sql, params = queryset.query.sql_with_params()
        selects.append((name, sql, params))
        rows[name] = queryset.count()
    runs = [copy_all(selects) for _ in range(repeat)]
    seconds, total = min(runs)
    return {
        "seconds": round(seconds, 3),
        "runs": [round(run, 3) for run, _bytes in runs],
        "bytes": total,
        "rows": sum(rows.values()),
        "tables": rows,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    one = commands.add_parser("build", help="build one download, as the app's worker does")
    one.add_argument("kind", choices=["dataset.json", "datapackage.zip"])
    copying = commands.add_parser("copy", help="COPY the same published rows out of PostgreSQL")
    copying.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    setup_django()
    result = build(args.kind) if args.command == "build" else copy(args.repeat)
    print("BENCH_BUILD " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
