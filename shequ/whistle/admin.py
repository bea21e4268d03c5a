"""Whistles in the admin: the time limits per urgency for system administrators; whistles
read-only and scoped (their workflow runs through the services and the pages)."""
from django.contrib import admin

from shequ.core.admin import ConfigAdmin, ReadOnlyInline, ScopedAdmin

from .models import Whistle, WhistleEvent, WhistleTarget, WhistleTimeLimit


@admin.register(WhistleTimeLimit)
class WhistleTimeLimitAdmin(ConfigAdmin):
    list_display = ("urgency", "report_minutes", "reply_value", "reply_unit")


class WhistleTargetInline(ReadOnlyInline):
    model = WhistleTarget
    fields = ("department", "status", "acknowledged_at", "on_site_at", "on_site_people", "acted_at", "replied_at",
              "score", "score_comment", "scored_at")


class WhistleEventInline(ReadOnlyInline):
    model = WhistleEvent
    fields = ("at", "actor_name", "verb", "target", "note")


@admin.register(Whistle)
class WhistleAdmin(ScopedAdmin):
    view_capability = "whistle.view"
    change_capability = "whistle.create"
    list_display = ("title", "street", "place", "urgency", "status", "whistled_at", "report_due_at", "reply_due_at")
    list_filter = ("status", "urgency")
    search_fields = ("title",)
    list_select_related = ("street", "place")
    inlines = [WhistleTargetInline, WhistleEventInline]
    fields = ("title", "description", "place", "address_text", "lng", "lat", "urgency", "status", "whistled_at",
              "whistled_by", "report_due_at", "reply_due_at", "closed_at")

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_change_permission(self, request, obj=None):
        return False
