"""The coverage ledger: what each article supports in the dataset, and what it leaves out.

`fixtures/coverage.yaml` is written by researchers: for each source, the facts it gives
that the dataset does not hold, with the reason. What each source supports is read from
the published citations. `coverage_report()` joins the two into COVERAGE.md.
"""

from collections import defaultdict
from pathlib import Path

import yaml
from django.contrib.contenttypes.models import ContentType

from .models import Citation, Source

LEDGER = "coverage.yaml"
REPORT = "COVERAGE.md"


def left_out(directory):
    """{source slug: [{'fact':…, 'reason':…}]} from the ledger."""
    document = yaml.safe_load((Path(directory) / LEDGER).read_text(encoding="utf-8"))
    return {entry["source"]: entry.get("left_out") or [] for entry in document["coverage"]}


def supported_records():
    """{source id: [(kind, record)]}: the published records each source supports."""
    supported = defaultdict(list)
    citations = Citation.objects.published().values_list(
        "source_id", "content_type_id", "object_id"
    )
    ids = defaultdict(set)
    for _source, content_type_id, object_id in citations:
        ids[content_type_id].add(object_id)
    records = {}
    for content_type_id, object_ids in ids.items():
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        for record in model.objects.published().filter(pk__in=object_ids):
            records[(content_type_id, record.pk)] = (model._meta.verbose_name, record)
    for source_id, content_type_id, object_id in citations.distinct():
        if (content_type_id, object_id) in records:
            supported[source_id].append(records[(content_type_id, object_id)])
    return supported


def coverage_report(directory):
    ledger = left_out(directory)
    supported = supported_records()
    sources = list(Source.objects.published().order_by("title"))
    lines = []
    for source in sources:
        records = sorted({(str(kind), str(record)) for kind, record in supported[source.pk]})
        facts = ledger.get(source.slug, [])
        lines += [f"## {source.title}", "", f"`{source.slug}`", ""]
        lines.append(f"Supports {len(records)} published record(s):")
        lines += [f"- {kind}: {name}" for kind, name in records] or ["- none"]
        lines += ["", f"Left out ({len(facts)}):"]
        lines += [f"- {fact['fact']} *Why:* {fact['reason']}" for fact in facts] or ["- nothing"]
        lines.append("")
    captured = sum(len({str(r) for _k, r in supported[s.pk]}) for s in sources)
    total_left = sum(len(ledger.get(s.slug, [])) for s in sources)
    head = [
        "# Coverage ledger",
        "",
        "Written by `python manage.py coverage_ledger` from `coverage.yaml` and the citations.",
        "",
        f"- Articles: {len(sources)}",
        f"- Records supported, counted once per article: {captured}",
        f"- Facts left out: {total_left}",
        "",
    ]
    return "\n".join(head + lines)
