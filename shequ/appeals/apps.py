from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppealsConfig(AppConfig):
    name = "shequ.appeals"
    label = "appeals"
    verbose_name = _("接诉即办")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from .deadlines import clear_calendar_cache
        from .models import Holiday

        post_save.connect(clear_calendar_cache, sender=Holiday, dispatch_uid="appeals_holiday_saved")
        post_delete.connect(clear_calendar_cache, sender=Holiday, dispatch_uid="appeals_holiday_deleted")
