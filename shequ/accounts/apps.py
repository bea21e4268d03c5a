from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "shequ.accounts"
    label = "accounts"
    verbose_name = _("用户与权限")

    def ready(self) -> None:
        from django.contrib.auth.models import Group
        from django.db.models.signals import m2m_changed

        from .models import ApiToken, Binding, User
        from .services import kept_tokens

        # Tokens checked by a process are kept a few seconds (services.api_token_user): any change to
        # what a token grants drops them everywhere.
        kept_tokens.watch(User, ApiToken, Binding, Group, uid="auth_changed")
        for through in (User.user_permissions.through, User.groups.through, Group.permissions.through):
            m2m_changed.connect(kept_tokens.changed, sender=through, dispatch_uid=f"auth_changed_m2m_{through.__name__}")
