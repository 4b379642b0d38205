"""Build the whole-dataset downloads of the current version now, in this process.

The start-up step runs it after migrations (deploy/start.sh), so that the first visitor
finds them ready; afterwards requests queue builds for the worker themselves. Several
containers starting together build each download once: the others find it claimed.
"""

from django.core.management.base import BaseCommand

from tracker.downloads import build_download
from tracker.exports import dataset_version
from tracker.models import DatasetBuild


class Command(BaseCommand):
    help = "Build dataset.json and datapackage.zip for the current dataset version."

    def handle(self, *args, **options):
        for kind in DatasetBuild.Kind.values:
            build_download.call(kind=kind, base_url="")
            build = DatasetBuild.objects.ready(kind).first()
            if build is None or build.version_tag != dataset_version().tag:
                self.stdout.write(f"{kind}: being built by another process, or queued.")
            else:
                self.stdout.write(f"{kind}: {build.version_label}, {build.size} bytes")
