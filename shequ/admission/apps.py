from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AdmissionConfig(AppConfig):
    name = "shequ.admission"
    label = "admission"
    verbose_name = _("社区工作准入与减负")
