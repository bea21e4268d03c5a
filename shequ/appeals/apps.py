from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppealsConfig(AppConfig):
    name = "shequ.appeals"
    label = "appeals"
    verbose_name = _("接诉即办")

    def ready(self):
        from . import catalog
        from .deadlines import kept_calendar
        from .models import Holiday

        # Kept per process (shequ.core.kept): a change through the application drops them everywhere.
        kept_calendar.watch(Holiday, uid="appeals_holiday")
        catalog.kept_catalog.watch(*catalog.MODELS, uid="appeals_catalog")
