"""Consultation in the admin: topics read-only and scoped (the procedure runs through the services,
so no step can be skipped from the admin); ballots are never listed."""
from django.contrib import admin

from shequ.core.admin import ScopedAdmin

from .models import Action, Meeting, Option, Topic


class _Inline(admin.TabularInline):
    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_view_permission(self, request, obj=None):
        return True  # shown only inside a topic the scoped parent screen already let the user open

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class OptionInline(_Inline):
    model = Option
    fields = ("order", "text")


class MeetingInline(_Inline):
    model = Meeting
    fields = ("held_at", "place", "minutes")


class ActionInline(_Inline):
    model = Action
    fields = ("text", "owner", "deadline", "done_at", "result")


@admin.register(Topic)
class TopicAdmin(ScopedAdmin):
    view_capability = "consultation.view"
    change_capability = "consultation.manage"
    show_full_result_count = False
    list_display = ("number", "title", "kind", "status", "community", "raised_at", "decided_at", "published_at")
    list_filter = ("status", "kind", "vote_basis")
    search_fields = ("number", "title")
    list_select_related = ("community",)
    inlines = [OptionInline, MeetingInline, ActionInline]
    fields = ("number", "kind", "title", "description", "covenant_text", "raised_by", "raised_at", "vote_basis",
              "required_kinds", "quorum_percent", "status", "status_note", "vote_opens_at", "vote_closes_at",
              "eligible_count", "decision", "decided_at", "filing_number", "filed_at", "published_at", "community")

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_change_permission(self, request, obj=None):
        return False
