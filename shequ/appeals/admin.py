"""Appeals in the admin: the catalog, time-limit classes and holidays for system administrators;
appeals read-only and scoped (their workflow runs through the services, not the admin)."""
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from shequ.core.admin import ConfigAdmin, ScopedAdmin
from shequ.core.idcard import mask_phone

from .models import Appeal, AppealEvent, Holiday, RateSettings, ServiceCategory, TimeLimitClass


@admin.register(TimeLimitClass)
class TimeLimitClassAdmin(ConfigAdmin):
    list_display = ("name", "code", "dispatch_hours", "response_hours", "completion_value", "completion_unit",
                    "warning_fraction", "sort")
    list_editable = ("sort",)


@admin.register(ServiceCategory)
class ServiceCategoryAdmin(ConfigAdmin):
    list_display = ("name", "code", "group", "unit_kind", "department_kind", "time_limit", "contact_kind", "active", "sort")
    list_editable = ("active", "sort")
    list_filter = ("group", "unit_kind", "department_kind", "time_limit", "active")
    search_fields = ("name", "code", "group")
    list_select_related = ("time_limit",)


@admin.register(Holiday)
class HolidayAdmin(ConfigAdmin):
    list_display = ("date", "name", "is_workday")
    list_filter = ("is_workday",)
    date_hierarchy = "date"


@admin.register(RateSettings)
class RateSettingsAdmin(ConfigAdmin):
    """Composite weights and minimum volume of the three rates (docs/metrics.md): one row."""

    list_display = ("__str__", "weight_response", "weight_resolution", "weight_satisfaction", "min_volume")

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not RateSettings.objects.exists()


class AppealEventInline(admin.TabularInline):
    model = AppealEvent
    fields = ("at", "actor_name", "verb", "from_status", "to_status", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Appeal)
class AppealAdmin(ScopedAdmin):
    view_capability = "appeals.view"
    change_capability = "appeals.handle"
    list_display = ("number", "category", "status", "channel", "community", "handling_unit_name",
                    "received_at", "completion_due_at")
    list_filter = ("status", "channel", "contact_kind", "category__group")
    search_fields = ("number",)
    list_select_related = ("category", "community", "handling_node", "handling_department")
    inlines = [AppealEventInline]
    show_full_result_count = False
    fields = ("number", "channel", "contact_kind", "category", "description", "address_text", "lng", "lat",
              "requester_name", "masked_phone", "status", "routing_reason", "first_receiver",
              "handling_node", "handling_department", "lead_node", "lead_department",
              "received_at", "accept_due_at", "dispatch_due_at", "response_due_at", "completion_due_at", "reply")

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("承办单位"))
    def handling_unit_name(self, obj):
        return obj.handling_unit.name if obj.handling_unit else ""

    @admin.display(description=_("诉求人电话"))
    def masked_phone(self, obj):
        return mask_phone(obj.requester_phone)
