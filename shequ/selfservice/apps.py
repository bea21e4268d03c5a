from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SelfserviceConfig(AppConfig):
    name = "shequ.selfservice"
    label = "selfservice"
    verbose_name = _("居民自助")
