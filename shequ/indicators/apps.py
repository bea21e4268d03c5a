from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "shequ.indicators"
    label = "indicators"
    verbose_name = _("指标与调研报告")
    default_auto_field = "django.db.models.BigAutoField"
