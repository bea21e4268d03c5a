from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WhistleConfig(AppConfig):
    name = "shequ.whistle"
    label = "whistle"
    verbose_name = _("吹哨报到")
