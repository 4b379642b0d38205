from django.apps import AppConfig


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = "ATD Tracker"

    def ready(self):
        from . import login  # noqa: F401 - connects the sign-in signal receivers
