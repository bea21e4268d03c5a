from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgencyConfig(AppConfig):
    name = "shequ.agency"
    label = "agency"
    verbose_name = _("全程代办与上门服务")
