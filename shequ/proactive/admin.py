"""每月一题 in the admin: scoped and read-only (topics change through the services and pages)."""
from django.contrib import admin

from shequ.core.admin import ScopedAdmin

from .models import Topic, TopicMilestone, TopicNote


class MilestoneInline(admin.TabularInline):
    model = TopicMilestone
    extra = 0
    can_delete = False
    readonly_fields = ("due_on", "title")


class NoteInline(admin.TabularInline):
    model = TopicNote
    extra = 0
    can_delete = False
    fields = readonly_fields = ("at", "author_name", "kind", "text")


@admin.register(Topic)
class TopicAdmin(ScopedAdmin):
    view_capability = "proactive.view"
    change_capability = "proactive.manage"
    list_display = ("title", "month", "place", "category", "status", "owner_person")
    list_filter = ("status", "month")
    search_fields = ("title",)
    list_select_related = ("place", "category")
    inlines = [MilestoneInline, NoteInline]
    fields = ("title", "month", "place", "category", "owner_node", "owner_department", "owner_person", "plan",
              "status", "result", "started_at", "done_at", "created_by")

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_change_permission(self, request, obj=None):
        return False
