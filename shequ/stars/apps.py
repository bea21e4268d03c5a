from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StarsConfig(AppConfig):
    name = "shequ.stars"
    label = "stars"
    verbose_name = _("星级化考评")
