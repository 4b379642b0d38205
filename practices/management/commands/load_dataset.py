from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from practices.dataset import DatasetError, load_dataset


class Command(BaseCommand):
    help = (
        "Load the YAML dataset (fixtures/ by default) idempotently: new entries are created, "
        "edited entries updated, nothing duplicated. An error writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", nargs="?", default=str(settings.DATASET_DIR))

    def handle(self, directory, **options):
        try:
            report = load_dataset(directory)
        except DatasetError as error:
            raise CommandError(str(error)) from None
        for line in report.lines():
            self.stdout.write(line)
