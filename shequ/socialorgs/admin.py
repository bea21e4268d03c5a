"""Social organizations in the admin: records scoped and read-only (changes go through the services);
the targets (``SocialOrgPolicy``) are configuration for system administrators."""
from django.contrib import admin

from shequ.core.admin import ConfigAdmin
from shequ.party.admin import ReadOnlyScopedAdmin as PartyReadOnlyAdmin

from .models import ServiceProject, SocialOrganization, SocialOrgPolicy


class ReadOnlyScopedAdmin(PartyReadOnlyAdmin):
    view_capability = "socialorgs.view"
    change_capability = "socialorgs.manage"


@admin.register(SocialOrgPolicy)
class SocialOrgPolicyAdmin(ConfigAdmin):
    list_display = ("__str__", "target_per_community", "alert_below")
    raw_id_fields = ("node",)


@admin.register(SocialOrganization)
class SocialOrganizationAdmin(ReadOnlyScopedAdmin):
    list_display = ("name", "type", "community", "filing", "member_count")
    list_filter = ("type", "filing")
    search_fields = ("name",)
    list_select_related = ("community",)


@admin.register(ServiceProject)
class ServiceProjectAdmin(ReadOnlyScopedAdmin):
    list_display = ("title", "organization", "place", "budget", "status")
    list_filter = ("status",)
    search_fields = ("title",)
    list_select_related = ("organization", "place")
