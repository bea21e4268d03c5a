"""Registry screens in the admin: scoped, masked, and written through the services."""
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from shequ.core.admin import ConfigAdmin, ScopedAdmin
from shequ.core.idcard import mask_id_number, mask_phone

from . import services
from .models import Address, Establishment, House, Household, Resident, Tag, Tenancy


@admin.register(Tag)
class TagAdmin(ConfigAdmin):
    list_display = ("name", "code", "category", "sensitive", "active", "sort")
    list_editable = ("active", "sort")
    list_filter = ("category", "sensitive", "active")
    search_fields = ("name", "code")


@admin.register(Resident)
class ResidentAdmin(ScopedAdmin):
    list_display = ("name", "masked_id_number", "masked_phone", "sex", "birth_date", "community", "grid", "status")
    list_filter = ("status", "residence_type", "sex")
    search_fields = ("name",)
    list_select_related = ("community", "grid")
    fields = ("name", "masked_id_number", "masked_phone", "sex", "birth_date", "ethnicity", "relation",
              "residence_type", "status", "note", "tags", "household", "house", "community", "grid")
    readonly_fields = ("masked_id_number", "masked_phone", "sex", "birth_date", "household", "house", "community", "grid")
    filter_horizontal = ("tags",)
    show_full_result_count = False

    @admin.display(description=_("身份证号"))
    def masked_id_number(self, obj):
        return mask_id_number(obj.id_number)

    @admin.display(description=_("联系电话"))
    def masked_phone(self, obj):
        return mask_phone(obj.phone)

    def save_model(self, request, obj, form, change):
        changes = {k: form.cleaned_data[k] for k in form.changed_data if k in services.RESIDENT_EDITABLE}
        services.resident_update(actor=request.user, resident=obj, **changes)

    def save_related(self, request, form, formsets, change):
        if "tags" in form.changed_data:
            services.resident_update(actor=request.user, resident=form.instance, tags=list(form.cleaned_data["tags"]))


@admin.register(House)
class HouseAdmin(ScopedAdmin):
    list_display = ("code", "address", "use", "area", "community", "grid")
    list_filter = ("use",)
    search_fields = ("code", "address__search_text")
    list_select_related = ("address", "community", "grid")
    fields = ("code", "address", "room", "floor", "area", "use", "owner_name", "community", "grid", "building")
    readonly_fields = ("code", "address", "room", "community", "grid", "building")
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        changes = {k: form.cleaned_data[k] for k in form.changed_data if k in {"floor", "area", "use", "owner_name"}}
        services.house_update(actor=request.user, house=House.objects.get(pk=obj.pk), **changes)


@admin.register(Household)
class HouseholdAdmin(ScopedAdmin):
    list_display = ("number", "house", "kind", "registration", "community")
    list_filter = ("kind", "registration")
    search_fields = ("number",)
    list_select_related = ("house__address", "community")
    readonly_fields = ("number", "house", "kind", "registration", "head", "group", "community", "grid")
    fields = readonly_fields
    show_full_result_count = False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Address)
class AddressAdmin(ScopedAdmin):
    list_display = ("full_text", "kind", "community", "grid")
    list_filter = ("kind",)
    search_fields = ("search_text",)
    list_select_related = ("community", "grid")
    readonly_fields = ("full_text", "kind", "road", "number", "compound_name", "building_no", "unit_no", "room", "community", "grid", "building")
    fields = readonly_fields
    show_full_result_count = False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Establishment)
class EstablishmentAdmin(ScopedAdmin):
    list_display = ("name", "kind", "sector", "address", "masked_contact_phone", "community")
    list_filter = ("kind", "sector", "is_resident_unit")
    search_fields = ("name", "credit_code")
    list_select_related = ("address", "community")
    fields = ("name", "kind", "sector", "credit_code", "address", "contact_name", "masked_contact_phone", "employees", "is_resident_unit", "community")
    readonly_fields = ("address", "masked_contact_phone", "community")

    @admin.display(description=_("联系电话"))
    def masked_contact_phone(self, obj):
        return mask_phone(obj.contact_phone)

    def save_model(self, request, obj, form, change):
        fields = {k: form.cleaned_data[k] for k in form.changed_data if k in services.ESTABLISHMENT_EDITABLE}
        services.establishment_save(actor=request.user, address=obj.address, establishment=Establishment.objects.get(pk=obj.pk), **fields)


@admin.register(Tenancy)
class TenancyAdmin(ScopedAdmin):
    list_display = ("tenant", "house", "start_on", "end_on", "ended_on")
    list_select_related = ("tenant", "house__address")
    readonly_fields = ("tenant", "house", "landlord_name", "contract_no", "start_on", "end_on", "ended_on")
    fields = readonly_fields

    def has_change_permission(self, request, obj=None):
        return False
