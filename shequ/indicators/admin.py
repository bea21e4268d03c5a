"""Stored reports in the admin: read-only, scoped like the pages (``core.admin.ScopedAdmin``)."""
from django.contrib import admin

from shequ.core.admin import ScopedAdmin

from .models import GovernanceReport


@admin.register(GovernanceReport)
class GovernanceReportAdmin(ScopedAdmin):
    view_capability = "indicators.report"
    change_capability = "indicators.none"  # reports are generated, never edited
    list_display = ("title", "node", "start", "end", "status", "progress", "requested_by", "created_at")
    list_filter = ("status",)
    search_fields = ("title",)
    exclude = ("docx", "pdf", "content")
    readonly_fields = ("node", "start", "end", "title", "status", "progress", "step", "requested_by", "finished_at",
                       "error")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("node", "requested_by").defer("docx", "pdf", "content")
