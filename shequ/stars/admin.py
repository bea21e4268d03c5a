"""The star rating in the admin: cycles, their stars and score items are configuration (system
administrators); ratings are read-only and scoped (their steps run through the services and pages)."""
from django.contrib import admin

from shequ.core.admin import ConfigAdmin, ReadOnlyInline, ScopedAdmin

from .models import Rating, RatingStar, Star, StarChange, StarCycle, StarItem


class StarInline(admin.TabularInline):
    model = Star
    extra = 0
    fields = ("order", "code", "name", "pass_score", "gate")
    show_change_link = True


@admin.register(StarCycle)
class StarCycleAdmin(ConfigAdmin):
    list_display = ("year", "name", "mass_start", "mass_end", "publicity_days", "good_min", "fair_min", "average_min")
    fieldsets = (
        (None, {"fields": ("year", "name", "mass_start", "mass_end", "publicity_days")}),
        ("等次与推荐", {"fields": ("good_min", "fair_min", "average_min", "wuhao_min", "city_min", "region_min")}),
        ("群众测评", {"fields": ("mass_pass_rate", "mass_min_votes")}),
        ("绩效系数", {"fields": ("coef_good", "coef_fair", "coef_average", "coef_poor")}),
    )
    inlines = [StarInline]


class StarItemInline(admin.TabularInline):
    model = StarItem
    extra = 0
    fields = ("order", "text", "points")


@admin.register(Star)
class StarAdmin(ConfigAdmin):
    list_display = ("name", "cycle", "order", "pass_score", "gate")
    list_filter = ("cycle",)
    fields = ("cycle", "order", "code", "name", "criteria", "pass_score", "gate")
    inlines = [StarItemInline]


class RatingStarInline(ReadOnlyInline):
    model = RatingStar
    fields = ("star", "mass_rate", "score", "proposed", "review_passed", "approved")


class StarChangeInline(ReadOnlyInline):
    model = StarChange
    fields = ("star", "kind", "status", "effective_on", "quarter", "reason", "evidence")


@admin.register(Rating)
class RatingAdmin(ScopedAdmin):
    view_capability = "stars.view"
    change_capability = "stars.assess"
    list_display = ("organization", "cycle", "street", "status", "stars_held", "mass_votes", "publicity_end")
    list_filter = ("cycle", "status")
    search_fields = ("organization__name",)
    list_select_related = ("organization", "cycle", "street")
    inlines = [RatingStarInline, StarChangeInline]
    fields = ("cycle", "organization", "status", "stars_held", "mass_votes", "mass_households", "assessed_at",
              "reviewed_at", "approved_at", "publicity_start", "publicity_end", "published_at")

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_change_permission(self, request, obj=None):
        return False
