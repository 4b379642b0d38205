from django.core.management.base import BaseCommand, CommandError

from practices import scaling


class Command(BaseCommand):
    help = (
        "Add synthetic records (slugs starting with 'synthetic-') so each total is about "
        "SCALE times the real dataset's, or remove them all with --remove."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, help="Target multiple of the real totals (≥ 2).")
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")
        parser.add_argument(
            "--remove", action="store_true", help="Delete every synthetic record and stop."
        )

    def handle(self, scale=None, seed=1, remove=False, **options):
        if remove:
            if scale is not None:
                raise CommandError("Give either --scale or --remove, not both.")
            report = scaling.remove()
        else:
            if scale is None or scale < 2:
                raise CommandError("Give --scale N with N ≥ 2, or --remove.")
            report = scaling.generate(scale, seed)
            removed = sum(report.removed.counts.values())
            if removed:
                self.stdout.write(f"Removed {removed} earlier synthetic rows first.")
            real = ", ".join(f"{name} {count}" for name, count in report.real.items())
            self.stdout.write(f"Real dataset: {real}. Scale {scale}, seed {seed}.")
        for line in report.lines():
            self.stdout.write(line)
        scaling.refresh_statistics()
