"""Notification records in the admin, for system administrators: read-only (addresses masked)."""
from django.contrib import admin

from shequ.core.admin import ConfigAdmin

from .models import Delivery, Notification, WeChatBinding


class ReadOnlyAdmin(ConfigAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "appeal", "event_verb", "to_status", "channel", "recipient_masked", "status", "tries",
                    "sent_at")
    list_filter = ("status", "channel", "event_verb")
    search_fields = ("appeal__number",)
    list_select_related = ("appeal",)
    fields = ("appeal", "event_verb", "to_status", "channel", "recipient_masked", "status", "tries", "error",
              "sent_at", "created_at")
    readonly_fields = fields
    show_full_result_count = False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "user", "appeal", "subject", "read_at")
    fields = ("user", "appeal", "subject", "created_at", "read_at")
    readonly_fields = fields
    list_select_related = ("user", "appeal")


@admin.register(WeChatBinding)
class WeChatBindingAdmin(ConfigAdmin):
    list_display = ("user", "created_at")
    raw_id_fields = ("user",)
