"""Stored reports in the admin: read-only, scoped like the pages (``scope_queryset``)."""
from django.contrib import admin

from shequ.jurisdiction import scoping

from .models import GovernanceReport


@admin.register(GovernanceReport)
class GovernanceReportAdmin(admin.ModelAdmin):
    list_display = ("title", "node", "start", "end", "status", "progress", "requested_by", "created_at")
    list_filter = ("status",)
    search_fields = ("title",)
    exclude = ("docx", "pdf", "content")
    readonly_fields = ("node", "start", "end", "title", "status", "progress", "step", "requested_by", "finished_at",
                       "error")

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("node", "requested_by").defer("docx", "pdf", "content")
        return scoping.scope_queryset(qs, request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
