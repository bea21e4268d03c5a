"""Surveys in the admin: read-only and scoped (questionnaires are built and answered on the pages)."""
from django.contrib import admin

from shequ.core.admin import ScopedAdmin

from .models import Question, Survey


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 0
    can_delete = False
    fields = ("position", "kind", "text", "required")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Survey)
class SurveyAdmin(ScopedAdmin):
    view_capability = "surveys.view"
    list_display = ("title", "level", "scope", "status", "opened_at")
    list_filter = ("level", "status")
    search_fields = ("title",)
    list_select_related = ("scope",)
    fields = ("title", "level", "scope", "status", "description", "opened_at", "closes_on", "closed_at")
    readonly_fields = fields
    inlines = [QuestionInline]

    def has_change_permission(self, request, obj=None):
        return False
