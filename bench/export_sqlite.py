"""The published dataset as a SQLite file for Datasette.

    .venv/bin/python bench/export_sqlite.py OUT.db --metadata OUT.json

Run with the same environment as the app (DATABASE_URL, production settings). Writes:

- OUT.db: one table per resource of tracker.exports (countries, statuses, laws...) plus
  citations, with exactly the columns and cells of the CSV export (the same code makes
  them), typed per the column's Frictionless type, with the resource's primary key, its
  foreign keys (so Datasette expands labels) and an index on every foreign-key column and
  on updated_at (what the benchmark's queries filter on);
- the Datasette metadata naming each table's label column.

Prints the published record counts per table as JSON.
"""

import argparse
import json
import os
import sqlite3
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SQL_TYPES = {"integer": "INTEGER", "number": "REAL", "boolean": "INTEGER"}
# The column Datasette shows for a row referenced by a foreign key (`_labels=on`).
LABEL_COLUMNS = {"countries": "name", "indicators": "name", "sources": "title"}


def setup_django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    import django

    django.setup()


def typed(column, text):
    """A CSV cell back to a SQLite value: empty is NULL, numbers and booleans typed."""
    if text == "":
        return None
    if column.type == "integer":
        return int(text)
    if column.type == "number":
        return float(text)
    if column.type == "boolean":
        return int(text == "true")
    return text


def as_list(fields):
    return [fields] if isinstance(fields, str) else list(fields)


def quoted(names):
    return ", ".join(f'"{name}"' for name in names)


def create_table(db, spec, exported):
    """CREATE TABLE with the primary key and the foreign keys to exported tables."""
    lines = [f'"{c.name}" {SQL_TYPES.get(c.type, "TEXT")}' for c in spec.columns]
    if spec.primary_key:
        lines.append(f"PRIMARY KEY ({quoted(spec.primary_key)})")
    for key in spec.foreign_keys:
        reference = key["reference"]
        if reference["resource"] in exported:
            lines.append(
                f"FOREIGN KEY ({quoted(as_list(key['fields']))}) "
                f'REFERENCES "{reference["resource"]}" ({quoted(as_list(reference["fields"]))})'
            )
    db.execute(f'CREATE TABLE "{spec.name}" (\n  ' + ",\n  ".join(lines) + "\n)")


def create_indexes(db, spec):
    names = {column.name for column in spec.columns}
    indexed = [as_list(key["fields"]) for key in spec.foreign_keys]
    if "updated_at" in names:
        indexed.append(["updated_at"])
    for fields in indexed:
        db.execute(
            f'CREATE INDEX "{spec.name}_{"_".join(fields)}" ON "{spec.name}" ({quoted(fields)})'
        )


def insert(db, spec, records):
    """Insert the data rows (records yields the header first, as exports.rows does)."""
    header = next(records)
    assert header == [column.name for column in spec.columns], (spec.name, header)
    placeholders = ", ".join("?" for _ in spec.columns)
    db.executemany(
        f'INSERT INTO "{spec.name}" VALUES ({placeholders})',
        ([typed(c, text) for c, text in zip(spec.columns, row, strict=True)] for row in records),
    )
    return db.execute(f'SELECT count(*) FROM "{spec.name}"').fetchone()[0]


def citation_records():
    from tracker import exports

    yield [column.name for column in exports.CITATIONS.columns]
    for row in exports.citation_rows():
        yield [exports.cell(column.get(row)) for column in exports.CITATIONS.columns]


def export(path):
    """Write every published resource to a new SQLite file; the counts per table."""
    from tracker import exports

    tables = [
        (spec, exports.rows(name, spec.published())) for name, spec in exports.RESOURCES.items()
    ]
    tables.append((exports.CITATIONS, citation_records()))
    exported = {spec.name for spec, _ in tables}
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    counts = {}
    with db:
        for spec, records in tables:
            create_table(db, spec, exported)
            counts[spec.name] = insert(db, spec, records)
            create_indexes(db, spec)
    db.execute("ANALYZE")
    db.close()
    return counts


def metadata(database):
    tables = {name: {"label_column": column} for name, column in LABEL_COLUMNS.items()}
    return {"databases": {database: {"tables": tables}}}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database", type=Path, help="the SQLite file to (re)create")
    parser.add_argument("--metadata", type=Path, help="where to write Datasette's metadata")
    args = parser.parse_args()
    setup_django()
    counts = export(args.database)
    if args.metadata:
        args.metadata.write_text(json.dumps(metadata(args.database.stem), indent=2))
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
