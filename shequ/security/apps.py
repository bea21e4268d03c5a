from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SecurityConfig(AppConfig):
    name = "shequ.security"
    verbose_name = _("账号安全")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from . import checks  # noqa: F401 - registers the deployment checks
        from .middleware import mark_seen

        user_logged_in.connect(mark_seen, dispatch_uid="shequ.security.mark_seen")
