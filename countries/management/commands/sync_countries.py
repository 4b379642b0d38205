from django.core.management.base import BaseCommand

from countries.models import Country, Region, Subdivision
from countries.reference import sync_reference_data


class Command(BaseCommand):
    help = "Create or update every ISO 3166 country and subdivision and the UN M49 regions "
    "from pycountry, Babel and the M49 taxonomy (run after upgrading those libraries)."

    def handle(self, **options):
        count = sync_reference_data(Region, Country, Subdivision)
        self.stdout.write(f"{count} countries, {Subdivision.objects.count()} subdivisions")
