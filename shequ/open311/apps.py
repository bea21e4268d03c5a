from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Open311Config(AppConfig):
    name = "shequ.open311"
    label = "open311"
    verbose_name = _("Open311 接口")

    def ready(self) -> None:
        from .models import ApiKey, ServiceAttribute
        from .selectors import kept_attributes
        from .services import kept_keys

        # Keys checked by a process are kept a few seconds (services.api_key_check): a change to a
        # key (deactivated, moved to another district) drops them everywhere; so are the
        # attributes of the catalog (selectors.attribute_list).
        kept_keys.watch(ApiKey, uid="open311_key_changed")
        kept_attributes.watch(ServiceAttribute, uid="open311_attributes_changed")
