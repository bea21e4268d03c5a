"""Work admission in the admin: the burden index settings for system administrators; the
community records read-only and scoped like the pages (their changes run through the services).
The lists are edited on their own pages (versioned drafts), so the admin shows them read-only."""
from django.contrib import admin

from shequ.core.admin import ConfigAdmin, ScopedAdmin

from .models import AdmissionItem, AdmissionList, Assignment, BurdenPolicy, Plaque, StampRecord, UnadmittedReport, WorkTask


@admin.register(BurdenPolicy)
class BurdenPolicyAdmin(ConfigAdmin):
    list_display = ("w_admitted", "w_unadmitted", "w_ledger", "w_form", "w_certificate", "w_seal", "w_plaque",
                    "heavy_index", "unadmitted_alert", "overdue_alert")


class _ReadOnly(ScopedAdmin):
    view_capability = "admission.view"
    change_capability = "admission.review"

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_change_permission(self, request, obj=None):
        return False


class ItemInline(admin.TabularInline):
    model = AdmissionItem
    extra = 0
    can_delete = False
    fields = ("category", "code", "name", "legal_basis")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(AdmissionList)
class AdmissionListAdmin(ConfigAdmin):
    list_display = ("district", "version", "title", "status", "effective_from", "effective_to", "is_default")
    list_filter = ("status",)
    inlines = [ItemInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in AdmissionList._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WorkTask)
class WorkTaskAdmin(_ReadOnly):
    list_display = ("title", "department", "duty_class", "status", "admission", "deadline", "submitted_at")
    list_filter = ("status", "duty_class", "admission")
    search_fields = ("title",)
    list_select_related = ("department",)


@admin.register(Assignment)
class AssignmentAdmin(_ReadOnly):
    list_display = ("task", "node", "status", "due_on", "completed_at")
    list_filter = ("status",)
    list_select_related = ("task", "node")


@admin.register(UnadmittedReport)
class UnadmittedReportAdmin(_ReadOnly):
    list_display = ("title", "community", "department", "department_name", "received_on", "status")
    list_filter = ("status", "channel")
    list_select_related = ("community", "department")


@admin.register(StampRecord)
class StampRecordAdmin(_ReadOnly):
    list_display = ("matter", "kind", "community", "outcome", "at")
    list_filter = ("kind", "outcome")
    list_select_related = ("community",)


@admin.register(Plaque)
class PlaqueAdmin(_ReadOnly):
    list_display = ("name", "community", "allowed", "put_up_on", "removed_on")
    list_filter = ("allowed",)
    list_select_related = ("community",)
