"""Admin integration: every registry screen is filtered by the central scope; the audit log is read-only."""
from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from shequ.jurisdiction import scoping

from .models import AuditLog

admin.site.site_header = _("社区治理平台 管理后台")
admin.site.site_title = _("社区治理平台")
admin.site.index_title = _("配置与数据")


class ConfigAdmin(admin.ModelAdmin):
    """Configuration screens (tags, levels, users): system administrators only."""

    def _is_admin(self, request) -> bool:
        return scoping.is_global(request.user)

    def has_module_permission(self, request):
        return self._is_admin(request)

    def has_view_permission(self, request, obj=None):
        return self._is_admin(request)

    def has_add_permission(self, request):
        return self._is_admin(request)

    def has_change_permission(self, request, obj=None):
        return self._is_admin(request)

    def has_delete_permission(self, request, obj=None):
        return self._is_admin(request)


class ScopedAdmin(admin.ModelAdmin):
    """A screen for located records: rows come from ``scoping.scope_queryset``.

    Django's admin loads single objects through ``get_queryset`` too, so a record outside
    the user's jurisdiction is "not found" on its change page as well as in the list.
    Changes go through the domain services (``save_model``), which check scope and audit.
    """

    view_capability = "registry.view"
    change_capability = "registry.change"
    #: Relations read for the page's rows in one more query each rather than joined: a relation to a
    #: large table (the registry's residents) joined to every row in scope made the database
    #: hash-join the whole table before it could take a page.
    list_prefetch_related: tuple[str, ...] = ()

    def get_queryset(self, request):
        qs = scoping.scope_queryset(super().get_queryset(request), request.user)
        return qs.prefetch_related(*self.list_prefetch_related) if self.list_prefetch_related else qs

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff and scoping.can(request.user, self.view_capability)

    def has_view_permission(self, request, obj=None):
        if not self.has_module_permission(request):
            return False
        return obj is None or scoping.obj_in_scope(request.user, obj)

    def has_change_permission(self, request, obj=None):
        if not (request.user.is_active and request.user.is_staff and scoping.can(request.user, self.change_capability)):
            return False
        return obj is None or scoping.obj_in_scope(request.user, obj)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    """Rows shown under a record that only its services change (a timeline, a workflow's rows)."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AuditLog)
class AuditLogAdmin(ConfigAdmin):
    list_display = ("at", "actor_name", "verb", "target_type", "target_id", "target_repr", "ip")
    list_filter = ("verb", "target_type")
    search_fields = ("actor_name", "verb", "target_type", "target_id")
    date_hierarchy = "at"
    actions = ["export_csv"]

    @admin.action(description=_("导出所选审计记录(CSV,含审计链摘要)"))
    def export_csv(self, request, queryset):
        from django.http import HttpResponse

        from .audit import audit_record
        from .audit_chain import export_to, seal_pending

        seal_pending()
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="audit-log.csv"'
        response.write("\ufeff")
        count = export_to(queryset, response, "csv")
        audit_record(actor=request.user, verb="audit.exported", target_type="core.auditlog",
                     target_repr=f"{count} rows", extra={"rows": count, "channel": "admin"})
        return response

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in AuditLog._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
