from django.core.management.base import BaseCommand, CommandError

from curation.vocabulary import CUES, PLACE_NAMES, load_vocabulary
from practices.dataset import DatasetError


class Command(BaseCommand):
    help = (
        "Add the candidate finder's starting vocabulary (cue phrases and place names) to the "
        "database. Entries already there, and researchers' edits, are kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("--cues", default=str(CUES))
        parser.add_argument("--place-names", default=str(PLACE_NAMES))

    def handle(self, cues, place_names, **options):
        try:
            cues_added, names_added = load_vocabulary(cues, place_names)
        except DatasetError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"cue phrases: {cues_added} added; place names: {names_added} added")
