"""Volunteers in the admin: the skills catalog for system administrators; volunteers, activities and
call-outs read-only and scoped (their workflow runs through the services), phones masked."""
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from shequ.core.admin import ConfigAdmin, ScopedAdmin
from shequ.core.idcard import mask_phone

from .models import Activity, CallOut, Skill, Volunteer


@admin.register(Skill)
class SkillAdmin(ConfigAdmin):
    list_display = ("name", "code", "active", "sort")
    list_editable = ("active", "sort")


class _ReadOnlyScopedAdmin(ScopedAdmin):
    view_capability = "volunteers.view"
    change_capability = "volunteers.manage"
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Volunteer)
class VolunteerAdmin(_ReadOnlyScopedAdmin):
    list_display = ("__str__", "status", "community", "grid", "registered_at")
    list_filter = ("status", "emergency_ready")
    list_select_related = ("community", "grid")
    list_prefetch_related = ("resident",)
    fields = ("volunteer_name", "phone_masked", "status", "community", "grid", "emergency_ready", "registered_at", "note")

    @admin.display(description=_("姓名"))
    def volunteer_name(self, obj):
        return obj.display_name

    @admin.display(description=_("联系电话"))
    def phone_masked(self, obj):
        return mask_phone(obj.contact_phone)


@admin.register(Activity)
class ActivityAdmin(_ReadOnlyScopedAdmin):
    list_display = ("title", "kind", "status", "node", "starts_at", "capacity", "hours")
    list_filter = ("status", "kind")
    list_select_related = ("node",)
    fields = ("title", "kind", "status", "node", "place", "starts_at", "ends_at", "capacity", "hours", "description")


@admin.register(CallOut)
class CallOutAdmin(_ReadOnlyScopedAdmin):
    list_display = ("__str__", "kind", "status", "node", "called_at", "needed")
    list_filter = ("status", "kind")
    list_select_related = ("node",)
    fields = ("kind", "status", "node", "message", "needed", "called_at", "called_by", "closed_at")
