"""Labels shown by shequ.web's menu for this app, marked here so that this app's catalog
(``locale/en``) carries their English (the menu lives in ``web/templatetags/web_tags.py``)."""
from django.utils.translation import gettext_lazy as _

NAV_LABELS = (_("代办"), _("上门"), _("我的代办"))
