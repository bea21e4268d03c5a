"""Navigation by role and small display helpers for the page templates."""
from __future__ import annotations

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shequ.jurisdiction import scoping

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_items(context) -> list[dict]:
    """The menu for the signed-in user: what their role may open."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return []
    current = request.path
    items = [("web:home", _("首页"), True)]
    staff = scoping.is_global(user) or user.role != "resident"
    if staff and scoping.can(user, "registry.view"):
        items += [("web:tree", _("辖区")), ("web:resident_list", pgettext_lazy("menu", "居民")),
                  ("web:household_list", pgettext_lazy("menu", "户")), ("web:house_list", pgettext_lazy("menu", "房屋")),
                  ("web:unit_list", _("实有单位")),
                  ("web:address_search", _("地址"))]
    if not staff and scoping.can(user, "appeals.own"):
        items.append(("selfservice:mine", _("我的诉求")))
    if not staff and getattr(user, "resident", None) is not None:
        items.append(("privacy:mine", _("我的个人信息")))
    if staff and scoping.can(user, "privacy.handle"):
        items.append(("privacy:desk", _("个人信息请求")))
    if staff and scoping.can(user, "appeals.view"):
        items.append(("appeals:list", _("诉求")))
    if staff and scoping.can(user, "proactive.view"):
        items.append(("proactive:problems", _("每月一题")))
    if staff and scoping.can(user, "whistle.view"):
        items.append(("whistle:list", _("吹哨报到")))
    if staff and scoping.can(user, "admission.view"):
        items.append(("admission:home", _("工作准入")))
    if staff and scoping.can(user, "party.view"):
        items += [("party:overview", _("党建")), ("socialorgs:list", _("社会组织"))]
    if scoping.can(user, "agency.view"):
        items += [("agency:list", _("代办"), True), ("agency:visits", _("上门"))] if staff else [("agency:mine", _("我的代办"))]
    if scoping.can(user, "stars.view") or scoping.can(user, "stars.rate"):
        items.append(("stars:desk", _("星级评定")) if staff else ("stars:rate", _("星级测评")))
    items += [("volunteers:list", _("志愿服务"))] if staff and scoping.can(user, "volunteers.view") else [("volunteers:mine", _("志愿服务"))] if scoping.can(user, "volunteers.self") else []
    items += [("consultation:list", _("社区协商"))] if staff and scoping.can(user, "consultation.view") else [("consultation:mine", _("社区协商"))] if scoping.can(user, "consultation.vote") else []
    if staff and (scoping.can(user, "workforce.view") or scoping.can(user, "workforce.review")):
        items.append(("workforce:overview" if scoping.can(user, "workforce.view") else "workforce:candidates", _("社区工作者")))
    if staff and scoping.can(user, "surveys.view"):
        items.append(("surveys:list", _("云调研")))
    if staff and scoping.can(user, "indicators.view"):
        items.append(("indicators:dashboard", _("指标")))
    if staff and any(scoping.can(user, c) for c in ("registry.import", "registry.export", "appeals.import")):
        items.append(("transfer:import", _("导入导出")))
    if scoping.can(user, "tree.report"):
        items.append(("web:tree_deviations", _("层级偏差")))
    if scoping.is_global(user):
        items.append(("web:audit", _("审计日志")))
    result = []
    for name, label, *exact in items:
        try:
            url = reverse(name)
        except NoReverseMatch:  # an optional app that is not installed
            continue
        active = current == url if exact else current.startswith(url) and not (
            name == "web:tree" and current.startswith(reverse("web:tree_deviations")))
        result.append({"url": url, "label": label, "active": active})
    return result


@register.filter
def dash(value):
    """Show an em dash for empty values."""
    return "—" if value in (None, "") else value


@register.simple_tag(takes_context=True)
def user_can(context, action: str) -> bool:
    """Whether the signed-in user's role has ``action`` (buttons only; the views check again)."""
    request = context.get("request")
    return scoping.can(getattr(request, "user", None), action)
