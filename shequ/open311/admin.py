"""Open311 in the admin (system administrators): service attributes, client keys (the key is
shown once, when created) and the submissions (read-only; personal fields masked)."""
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from shequ.core.admin import ConfigAdmin

from . import services
from .models import ApiKey, ServiceAttribute, Submission


@admin.register(ServiceAttribute)
class ServiceAttributeAdmin(ConfigAdmin):
    list_display = ("category", "code", "description", "datatype", "required", "variable", "order", "active")
    list_editable = ("order", "active")
    list_filter = ("datatype", "required", "active", "category__group")
    search_fields = ("code", "description", "category__name", "category__code")
    list_select_related = ("category",)


@admin.register(ApiKey)
class ApiKeyAdmin(ConfigAdmin):
    list_display = ("name", "prefix", "district", "batch", "active", "last_used_at", "created_at")
    list_filter = ("active", "batch")
    search_fields = ("name", "prefix")
    fields = ("name", "district", "batch", "active", "prefix", "last_used_at")
    readonly_fields = ("prefix", "last_used_at")

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        created, key = services.api_key_create(actor=request.user, name=obj.name, district=obj.district,
                                               batch=obj.batch)
        obj.pk, obj.prefix, obj.key_hash = created.pk, created.prefix, created.key_hash
        if not obj.active:
            ApiKey.objects.filter(pk=created.pk).update(active=False)
        messages.warning(request, _("密钥只显示这一次,请立即复制保存:%(key)s") % {"key": key})


@admin.register(Submission)
class SubmissionAdmin(ConfigAdmin):
    list_display = ("appeal", "api_key", "created_at")
    list_select_related = ("appeal", "api_key")
    search_fields = ("appeal__number", "token")
    fields = ("appeal", "api_key", "token", "media_url", "attributes", "has_email", "created_at")
    readonly_fields = fields

    @admin.display(description=_("留有邮箱"), boolean=True)
    def has_email(self, obj):
        return bool(obj.email)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
