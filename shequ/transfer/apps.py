from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransferConfig(AppConfig):
    name = "shequ.transfer"
    label = "transfer"
    verbose_name = _("导入导出")
