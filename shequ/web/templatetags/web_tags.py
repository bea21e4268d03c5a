"""Navigation by role and small display helpers for the page templates."""
from __future__ import annotations

from django import template
from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shequ.jurisdiction import scoping

register = template.Library()


#: Menu groups, in order: (key, label). An entry names its group; a group holding one entry shows
#: that entry as a plain link.
GROUPS = [
    ("registry", _("基础数据")),
    ("appeals", _("接诉即办")),
    ("burden", _("减负考评")),
    ("community", _("组织与参与")),
    ("leaders", _("决策")),
    ("admin", _("管理")),
]


def _entries(user) -> list[tuple]:
    """(url name, label, group, exact match?) of what this user's role may open."""
    staff = scoping.is_global(user) or user.role != "resident"
    can = scoping.capabilities(user)
    items = [("web:home", _("首页"), None, True)]
    if staff and can("registry.view"):
        items += [("web:tree", _("辖区"), "registry"), ("web:resident_list", pgettext_lazy("menu", "居民"), "registry"),
                  ("web:household_list", pgettext_lazy("menu", "户"), "registry"),
                  ("web:house_list", pgettext_lazy("menu", "房屋"), "registry"),
                  ("web:unit_list", _("实有单位"), "registry"), ("web:address_search", _("地址"), "registry")]
    if not staff and can("appeals.own"):
        items.append(("selfservice:mine", _("我的诉求"), None))
    if not staff and getattr(user, "resident", None) is not None:
        items.append(("privacy:mine", _("我的个人信息"), None))
    if staff and can("appeals.view"):
        items.append(("appeals:list", _("诉求"), "appeals"))
    if staff and can("proactive.view"):
        items.append(("proactive:problems", _("每月一题"), "appeals"))
    if staff and can("whistle.view"):
        items.append(("whistle:list", _("吹哨报到"), "appeals"))
    if can("agency.view"):
        items += ([("agency:list", _("代办"), "appeals", True), ("agency:visits", _("上门"), "appeals")] if staff
                  else [("agency:mine", _("我的代办"), None)])
    if staff and can("admission.view"):
        items.append(("admission:home", _("工作准入"), "burden"))
    if can("stars.view") or can("stars.rate"):
        items.append(("stars:desk", _("星级评定"), "burden") if staff else ("stars:rate", _("星级测评"), None))
    if staff and (can("workforce.view") or can("workforce.review")):
        items.append(("workforce:overview" if can("workforce.view") else "workforce:candidates", _("社区工作者"), "burden"))
    if staff and can("party.view"):
        items += [("party:overview", _("党建"), "community"), ("socialorgs:list", _("社会组织"), "community")]
    if staff and can("volunteers.view"):
        items.append(("volunteers:list", _("志愿服务"), "community"))
    elif can("volunteers.self"):
        items.append(("volunteers:mine", _("志愿服务"), None))
    if staff and can("consultation.view"):
        items.append(("consultation:list", _("社区协商"), "community"))
    elif can("consultation.vote"):
        items.append(("consultation:mine", _("社区协商"), None))
    if staff and can("surveys.view"):
        items.append(("surveys:list", _("云调研"), "community"))
    if staff and can("indicators.view"):
        items.append(("indicators:dashboard", _("指标"), "leaders"))
    if staff and any(can(c) for c in ("registry.import", "registry.export", "appeals.import")):
        items.append(("transfer:import", _("导入导出"), "registry"))
    if can("tree.report"):
        items.append(("web:tree_deviations", _("层级偏差"), "registry"))
    if staff and can("privacy.handle"):
        items.append(("privacy:desk", _("个人信息请求"), "admin"))
    if scoping.is_global(user):
        items.append(("web:audit", _("审计日志"), "admin"))
    return items


#: {(URL configuration, script prefix): {url name: path or None}}: each menu link reversed once.
_menu_urls: dict[tuple, dict[str, str | None]] = {}


def _menu_url(name: str) -> str | None:
    """The path of a menu entry; None for a name an optional app that is not installed lacks."""
    urls = _menu_urls.setdefault((settings.ROOT_URLCONF, get_urlconf(), get_script_prefix()), {})
    if name not in urls:
        try:
            urls[name] = reverse(name)
        except NoReverseMatch:
            urls[name] = None
    return urls[name]


@register.simple_tag(takes_context=True)
def nav_items(context) -> list[dict]:
    """The menu for the signed-in user, grouped: each group is {"label", "items", "active"}; a group
    without a label (or with one entry) is shown as plain links. Each item is {"url", "label", "active"}."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return []
    current = request.path
    groups: dict[str | None, list[dict]] = {}
    order: list[str | None] = []
    for name, label, group, *exact in _entries(user):
        url = _menu_url(name)
        if url is None:  # an optional app that is not installed
            continue
        active = current == url if exact else current.startswith(url) and not (
            name == "web:tree" and current.startswith(_menu_url("web:tree_deviations")))
        key = group if group is not None else f"_{name}"
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append({"url": url, "label": label, "active": active})
    labels = dict(GROUPS)
    rank = {key: i for i, (key, _label) in enumerate(GROUPS)}
    # Plain links first where they came (首页, a resident's own pages), then the groups in their order.
    order.sort(key=lambda key: (key in rank, rank.get(key, 0)))
    result = []
    for key in order:
        items = groups[key]
        label = labels.get(key) if len(items) > 1 else None
        result.append({"label": label, "items": items, "active": any(i["active"] for i in items)})
    return result


def _link(item: dict) -> str:
    if item["active"]:
        return format_html('<a href="{}" class="active" aria-current="page">{}</a>', item["url"], item["label"])
    return format_html('<a href="{}">{}</a>', item["url"], item["label"])


@register.simple_tag
def nav_menu(groups: list[dict]) -> str:
    """The menu (``nav_items``) as HTML: a labelled group is a drop-down, the others plain
    links. Made here rather than by template loops: it is on every page, and the loops took longer
    (about 1.3 ms a page) than the rest of a short page together."""
    parts = []
    for group in groups:
        links = mark_safe("".join(_link(item) for item in group["items"]))  # each escaped by _link
        if group["label"]:
            parts.append(format_html(
                '<details class="navgroup" data-navgroup><summary{}>{}</summary><div class="navmenu">{}</div></details>',
                mark_safe(' class="active"') if group["active"] else "", group["label"], links))
        else:
            parts.append(links)
    return mark_safe("".join(parts))  # noqa: S308 - every part built by format_html


@register.filter
def dash(value):
    """Show an em dash for empty values."""
    return "—" if value in (None, "") else value


@register.simple_tag(takes_context=True)
def user_can(context, action: str) -> bool:
    """Whether the signed-in user's role has ``action`` (buttons only; the views check again)."""
    request = context.get("request")
    return scoping.can(getattr(request, "user", None), action)
