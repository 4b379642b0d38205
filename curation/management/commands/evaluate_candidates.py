from django.core.management.base import BaseCommand

from curation.evaluation import evaluate
from curation.vocabulary import candidate_finder


class Command(BaseCommand):
    help = (
        "Run the candidate finder over the stored text of every published source and compare "
        "its candidates with the published dataset's citations. The last line reads "
        "'recall R precision P'."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--missed", action="store_true", help="List the citation quotes no candidate holds."
        )

    def handle(self, missed, **options):
        evaluation = evaluate(candidate_finder())
        if missed:
            for source, record_type, quote in evaluation.missed:
                self.stdout.write(f"missed {record_type} in {source}: {quote}")
        for line in evaluation.lines():
            self.stdout.write(line)
