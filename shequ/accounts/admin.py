from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from shequ.core.admin import ConfigAdmin

from .models import ApiToken, Binding, User


class BindingInline(admin.TabularInline):
    model = Binding
    extra = 1
    raw_id_fields = ("node",)
    verbose_name = _("辖区绑定")


@admin.register(User)
class UserAdmin(ConfigAdmin, DjangoUserAdmin):
    list_display = ("username", "display_name", "role", "is_active", "is_staff", "last_login")
    list_filter = ("role", "is_active", "is_staff")
    search_fields = ("username", "display_name")
    raw_id_fields = ("resident",)
    inlines = [BindingInline]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("身份"), {"fields": ("display_name", "role", "resident", "must_change_password")}),
        (_("权限"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("时间"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "role", "display_name", "password1", "password2")}),
    )

    def save_model(self, request, obj, form, change):
        if not change or "password" in form.changed_data:
            # A password set by an administrator is an initial password: the user must change it
            # at the first sign-in (docs/security.md).
            obj.must_change_password = obj.pk != request.user.pk
        super().save_model(request, obj, form, change)

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302 and str(request.user.pk) != str(id):
            User.objects.filter(pk=id).update(must_change_password=True)
        return response


@admin.register(ApiToken)
class ApiTokenAdmin(ConfigAdmin):
    list_display = ("name", "user", "prefix", "expires_at", "last_used_at", "revoked")
    readonly_fields = ("prefix", "key_hash", "last_used_at")

    def has_add_permission(self, request):
        return False  # keys are shown once: create tokens through the API or the account page
