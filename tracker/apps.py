from django.apps import AppConfig
from django.db.backends.signals import connection_created


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = "ATD Tracker"

    def ready(self):
        from . import login  # noqa: F401 - connects the sign-in signal receivers
        from .sqlite import use_write_ahead_log

        connection_created.connect(use_write_ahead_log)
