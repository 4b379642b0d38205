from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from practices.coverage import REPORT, coverage_report


class Command(BaseCommand):
    help = "Write COVERAGE.md: what each article supports in the dataset, and what it leaves out."

    def add_arguments(self, parser):
        parser.add_argument("--directory", default=settings.DATASET_DIR)

    def handle(self, *args, directory, **options):
        path = Path(directory) / REPORT
        path.write_text(coverage_report(directory) + "\n", encoding="utf-8")
        self.stdout.write(f"Wrote {path}")
