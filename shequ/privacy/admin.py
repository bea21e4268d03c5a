from django.contrib import admin

from shequ.core.admin import ScopedAdmin

from .models import DataRequest


@admin.register(DataRequest)
class DataRequestAdmin(ScopedAdmin):
    view_capability = change_capability = "privacy.handle"
    list_display = ("number", "kind", "status", "channel", "community", "due_on", "decided_at")
    list_filter = ("kind", "status")
    exclude = ("corrections",)
    readonly_fields = ("number", "kind", "status", "channel", "resident", "filed_by", "reason", "due_on",
                       "decided_by", "decided_at", "response")

    def has_change_permission(self, request, obj=None):
        return False  # decisions go through the desk (services), never a raw edit
