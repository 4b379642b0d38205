from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PracticesConfig(AppConfig):
    name = "practices"
    verbose_name = _("Laws, pilots, pledges and statuses")

    def ready(self):
        from . import signals  # noqa: F401
