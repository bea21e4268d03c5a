"""Agency in the admin: the matter catalog with its step template for system administrators;
cases and visits read-only and scoped (their workflow runs through the services, not the admin)."""
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from shequ.core.admin import ConfigAdmin, ScopedAdmin
from shequ.core.idcard import mask_id_number

from .models import AgencyCase, CaseStep, Matter, MatterStep, Trip, Visit


class MatterStepInline(admin.TabularInline):
    model = MatterStep
    fields = ("order", "name")
    extra = 1


@admin.register(Matter)
class MatterAdmin(ConfigAdmin):
    list_display = ("name", "code", "group", "level", "department_kind", "limit_value", "limit_unit", "active", "sort")
    list_editable = ("active", "sort")
    list_filter = ("group", "level", "active")
    search_fields = ("name", "code", "group")
    inlines = [MatterStepInline]


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_view_permission(self, request, obj=None):
        return True  # shown only inside a case the scoped parent screen already let the user open

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class CaseStepInline(_ReadOnlyInline):
    model = CaseStep
    fields = ("order", "name", "status", "done_at", "done_by", "note")


class TripInline(_ReadOnlyInline):
    model = Trip
    fields = ("at", "reason", "recorded_by")


class _ReadOnlyScopedAdmin(ScopedAdmin):
    view_capability = "agency.view"
    change_capability = "agency.handle"
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("居民"))
    def resident_masked(self, obj):
        return f"{obj.resident.name} {mask_id_number(obj.resident.id_number)}"


@admin.register(AgencyCase)
class AgencyCaseAdmin(_ReadOnlyScopedAdmin):
    list_display = ("number", "matter", "status", "community", "agent", "received_at", "due_at", "closed_at", "trip_count")
    list_filter = ("status", "matter", "delivery")
    search_fields = ("number",)
    list_select_related = ("matter", "community", "agent")
    inlines = [CaseStepInline, TripInline]
    fields = ("number", "resident_masked", "matter", "agent", "appeal", "status", "note", "received_at", "due_at",
              "materials_received", "trip_count", "delivery", "result", "closed_at", "cancel_reason", "created_by")


@admin.register(Visit)
class VisitAdmin(_ReadOnlyScopedAdmin):
    list_display = ("id", "kind", "status", "community", "assigned_node", "assignee", "due_at", "visited_at", "solved_at_door")
    list_filter = ("status", "kind", "solved_at_door")
    list_select_related = ("community", "assigned_node", "assignee")
    fields = ("resident_masked", "kind", "case", "appeal", "purpose", "status", "requested_at", "requested_by", "due_at",
              "assigned_node", "assignee", "assignment_note", "visited_at", "outcome", "solved_at_door", "notes",
              "recorded_by")
