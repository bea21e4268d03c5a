"""Party building in the admin: records scoped and read-only (they change through the services and pages);
the thresholds (``PartyPolicy``) are configuration for system administrators."""
from django.contrib import admin

from shequ.core.admin import ConfigAdmin, ScopedAdmin

from .models import (CentralHousehold, DualRegistration, ExpectedRegistrant, JointMeeting, MeetingAttendance,
                     MeetingTopic, PartyOrganization, PartyPolicy, Resolution)


class ReadOnlyScopedAdmin(ScopedAdmin):
    view_capability = "party.view"
    change_capability = "party.manage"

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PartyPolicy)
class PartyPolicyAdmin(ConfigAdmin):
    list_display = ("__str__", "min_joint_meetings", "coverage_alert_below", "idle_months")
    raw_id_fields = ("node",)


@admin.register(PartyOrganization)
class PartyOrganizationAdmin(ReadOnlyScopedAdmin):
    list_display = ("name", "kind", "node", "member_count", "dissolved_on")
    list_filter = ("kind",)
    search_fields = ("name",)
    list_select_related = ("node",)
    exclude = ("units",)


class AttendanceInline(admin.TabularInline):
    model = MeetingAttendance
    extra = 0
    can_delete = False
    readonly_fields = ("unit", "representative", "present")


class TopicInline(admin.TabularInline):
    model = MeetingTopic
    extra = 0
    can_delete = False
    readonly_fields = ("title", "raised_by")


class ResolutionInline(admin.TabularInline):
    model = Resolution
    extra = 0
    can_delete = False
    fields = readonly_fields = ("text", "owner_name", "due_on", "status", "done_on")


@admin.register(JointMeeting)
class JointMeetingAdmin(ReadOnlyScopedAdmin):
    list_display = ("title", "community", "scheduled_on", "status", "held_on")
    list_filter = ("status",)
    search_fields = ("title",)
    list_select_related = ("community",)
    inlines = [AttendanceInline, TopicInline, ResolutionInline]


@admin.register(DualRegistration)
class DualRegistrationAdmin(ReadOnlyScopedAdmin):
    list_display = ("__str__", "kind", "community", "registered_on", "status")
    list_filter = ("kind", "status")
    list_select_related = ("community",)
    list_prefetch_related = ("resident",)


@admin.register(ExpectedRegistrant)
class ExpectedRegistrantAdmin(ReadOnlyScopedAdmin):
    list_display = ("name", "kind", "community", "workplace", "source")
    list_filter = ("kind",)
    list_select_related = ("community",)


@admin.register(CentralHousehold)
class CentralHouseholdAdmin(ReadOnlyScopedAdmin):
    list_display = ("__str__", "household", "building", "designated_on")
    list_select_related = ("member", "household", "building")
    exclude = ("served",)
