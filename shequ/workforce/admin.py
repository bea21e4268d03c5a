"""Workforce in the admin: the standards (minimum wage, pay multiple, area standard, thresholds) for
system administrators; workers, candidates, funds and facilities read-only and scoped (they are
written through the services and the pages), personal data masked."""
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from shequ.core.admin import ConfigAdmin, ScopedAdmin
from shequ.core.idcard import mask_id_number, mask_phone

from .models import Candidate, Facility, Funding, Worker, WorkforcePolicy


@admin.register(WorkforcePolicy)
class WorkforcePolicyAdmin(ConfigAdmin):
    list_display = ("__str__", "minimum_wage", "pay_multiple", "centre_area_standard", "max_households_per_worker",
                    "min_facility_coverage")


class ReadOnlyScopedAdmin(ScopedAdmin):
    view_capability = "workforce.view"

    def get_readonly_fields(self, request, obj=None):
        return self.fields or [f.name for f in self.model._meta.fields]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Worker)
class WorkerAdmin(ReadOnlyScopedAdmin):
    list_display = ("name", "community", "position", "education", "certificate", "monthly_pay", "masked_phone", "status")
    list_filter = ("status", "position", "education", "certificate")
    search_fields = ("name",)
    list_select_related = ("community",)
    fields = ("name", "community", "masked_id_number", "masked_phone", "sex", "birth_date", "position", "education",
              "certificate", "monthly_pay", "pension_insured", "medical_insured", "unemployment_insured", "injury_insured",
              "hired_on", "status", "left_on", "note")

    @admin.display(description=_("身份证号"))
    def masked_id_number(self, obj):
        return mask_id_number(obj.id_number)

    @admin.display(description=_("联系电话"))
    def masked_phone(self, obj):
        return mask_phone(obj.phone)


@admin.register(Candidate)
class CandidateAdmin(ReadOnlyScopedAdmin):
    list_display = ("name", "community", "position", "year", "overall")
    list_filter = ("overall", "year")
    list_select_related = ("community",)
    fields = ("name", "community", "position", "year", "overall", "note")


@admin.register(Funding)
class FundingAdmin(ReadOnlyScopedAdmin):
    list_display = ("community", "kind", "year", "amount", "allocated_on", "purpose")
    list_filter = ("kind", "year")
    list_select_related = ("community",)
    fields = ("community", "kind", "year", "amount", "allocated_on", "source", "purpose")


@admin.register(Facility)
class FacilityAdmin(ReadOnlyScopedAdmin):
    list_display = ("community", "area", "built_year")
    list_select_related = ("community",)
    fields = ("community", "area", "address_text", "built_year", "note")
