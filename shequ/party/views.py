"""Party building pages (/party/): overview, organizations, vacuum units, joint meetings and resolutions,
dual reporting, central households. Thin: the role is checked first (403), reads go through
``selectors`` (404 outside scope), writes through ``services`` via ``attempt``."""
from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.core.audit import audit_record
from shequ.jurisdiction import scoping
from shequ.jurisdiction import selectors as tree
from shequ.jurisdiction.models import Level
from shequ.registry import selectors as reg
from shequ.registry.models import Establishment
from shequ.web.paging import capped_page, list_page
from shequ.web.views import _int, _require, _search_nodes, attempt, page

from . import forms, selectors, services
from .pages import community_choices, filter_node, query_string
from .models import COVERED_KINDS, JointMeeting, PartyOrganization

UNIT_CHOICES_LIMIT = 300


def _view(user) -> None:
    selectors.ensure_view(user)


def _can_manage(user) -> bool:
    return scoping.can(user, "party.manage")




def _unit_choices(user, node=None, kinds=None) -> list[tuple[int, str]]:
    qs = reg.establishment_list(user=user, node=node)
    if kinds:
        qs = qs.filter(kind__in=kinds)
    return [(u.pk, f"{u.name}({u.get_kind_display()})") for u in qs[:UNIT_CHOICES_LIMIT]]



def _xlsx(request, *, verb: str, name: str, headers: list[str], rows: list[list]) -> FileResponse:
    """An .xlsx of what the page shows (same scope), audit-logged."""
    from shequ.transfer.exports import xlsx_file

    audit_record(actor=request.user, verb=verb, extra={"rows": len(rows), "query": query_string(request)})
    return FileResponse(xlsx_file(headers, rows, title=name), as_attachment=True, filename=f"{name}.xlsx")


# --- overview ------------------------------------------------------------------------------------

@page
def overview(request):
    user = request.user
    _view(user)
    node = filter_node(request)
    today = services.today_local()
    year = _int(request.GET.get("year")) if request.GET.get("year") else today.year
    coverage = selectors.coverage_by_sector(user=user, node=node)
    counts = selectors.meeting_counts(user=user, year=year, node=node)
    return render(request, "party/overview.html", {
        "node": node, "nodes": _search_nodes(user), "year": year, "coverage": coverage,
        "coverage_chart": [r for r in coverage if r["sector"]], "by_kind": selectors.coverage_by_kind(user=user, node=node),
        "counts": counts, "below": [r for r in counts if r["below"]],
        "idle": len(selectors.idle_registration_ids(user=user, today=today, node=node)),
        "unregistered": selectors.unregistered_expected(user=user, node=node).count(),
        "overdue": selectors.resolution_list(user=user, node=node, overdue_on=today).count(),
        "pending": selectors.pending_services(user=user, node=node).count(),
        "organizations": selectors.organization_list(user=user, node=node).count(),
        "can_manage": _can_manage(user),
    })


# --- organizations -------------------------------------------------------------------------------

@page
def organization_list(request):
    user = request.user
    _view(user)
    kind = request.GET.get("kind") if request.GET.get("kind") in PartyOrganization.Kind.values else ""
    node = filter_node(request)
    qs = selectors.organization_list(user=user, node=node, kind=kind, q=request.GET.get("q", ""),
                                     active_only=not request.GET.get("all"))
    return render(request, "party/organization_list.html", {
        "page": capped_page(qs, request.GET.get("page")), "query": query_string(request), "kinds": PartyOrganization.Kind.choices,
        "kind": kind, "q": request.GET.get("q", ""), "nodes": _search_nodes(user), "node": node,
        "can_manage": _can_manage(user),
    })


def _org_form(request, user, org=None):
    place = org.node if org is not None else None
    nodes = _search_nodes(user)
    parents = [(o.pk, o.name) for o in selectors.organization_list(user=user) if org is None or o.pk != org.pk][:300]
    unit_node = place or (tree.node_get(user=user, pk=_int(request.POST.get("node"))) if request.POST.get("node") else None)
    initial = {}
    if org is not None:
        initial = {"name": org.name, "kind": org.kind, "parent": org.parent_id, "member_count": org.member_count,
                   "founded_on": org.founded_on, "units": list(org.units.values_list("pk", flat=True))}
    return forms.OrganizationForm(request.POST or None, nodes=nodes, parents=parents, editing=org is not None,
                                  units=_unit_choices(user, unit_node), initial=initial)


@page
def organization_create(request):
    user = request.user
    _require(user, "party.manage")
    form = _org_form(request, user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        ok, org = attempt(lambda: services.organization_create(
            actor=user, name=d["name"], kind=d["kind"], node=tree.node_get(user=user, pk=d["node"]),
            parent=selectors.organization_get(user=user, pk=d["parent"]) if d["parent"] else None,
            unit_ids=d["units"], member_count=d["member_count"] or 0, founded_on=d["founded_on"]), form=form)
        if ok:
            messages.success(request, _("已建立党组织"))
            return redirect("party:organization_detail", pk=org.pk)
    return render(request, "party/form.html", {"form": form, "title": _("新建党组织"), "multipart": False,
                                               "back": "party:organization_list"})


@page
def organization_edit(request, pk: int):
    user = request.user
    _require(user, "party.manage")
    org = selectors.organization_get(user=user, pk=pk)
    form = _org_form(request, user, org)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        ok, _org = attempt(lambda: services.organization_update(
            actor=user, organization_id=org.pk, name=d["name"], kind=d["kind"],
            parent=selectors.organization_get(user=user, pk=d["parent"]) if d["parent"] else None,
            unit_ids=d["units"], member_count=d["member_count"] or 0, founded_on=d["founded_on"]), form=form)
        if ok:
            messages.success(request, _("已保存"))
            return redirect("party:organization_detail", pk=org.pk)
    return render(request, "party/form.html", {"form": form, "title": org.name, "back": "party:organization_list"})


@page
def organization_detail(request, pk: int):
    user = request.user
    org = selectors.organization_get(user=user, pk=pk)
    dissolve = forms.DissolveForm(request.POST or None, initial={"on": services.today_local()})
    if request.method == "POST":
        _require(user, "party.manage")
        if dissolve.is_valid():
            ok, _org = attempt(lambda: services.organization_dissolve(actor=user, organization_id=org.pk, **dissolve.cleaned_data),
                               form=dissolve)
            if ok:
                messages.success(request, _("已撤销该党组织"))
                return redirect("party:organization_detail", pk=org.pk)
    return render(request, "party/organization_detail.html", {
        "org": org, "units": selectors.organization_units(user=user, organization=org),
        "children": selectors.organization_list(user=user).filter(parent=org),
        "dissolve": dissolve if _can_manage(user) and org.active else None, "can_manage": _can_manage(user),
    })


@page
def vacuum(request):
    user = request.user
    _view(user)
    node = filter_node(request)
    sector = request.GET.get("sector", "") if request.GET.get("sector") in Establishment.Sector.values else ""
    kind = request.GET.get("kind", "") if request.GET.get("kind") in COVERED_KINDS else ""
    qs = selectors.vacuum_units(user=user, node=node, sector=sector, kind=kind)
    if request.GET.get("export") == "xlsx":
        rows = [[u.name, u.get_kind_display(), u.get_sector_display(), u.community.name if u.community_id else "",
                 u.address.full_text] for u in qs[:50000]]
        return _xlsx(request, verb="party.vacuum_exported", name="party-vacuum",
                     headers=[_("单位名称"), _("单位类型"), _("行业/领域"), _("社区/村"), _("地址")], rows=rows)
    labels = dict(Establishment.Kind.choices)
    return render(request, "party/vacuum.html", {
        "page": capped_page(qs, request.GET.get("page")), "query": query_string(request), "nodes": _search_nodes(user),
        "node": node, "sector": sector, "kind": kind, "sectors": Establishment.Sector.choices,
        "kinds": [(k, labels[k]) for k in COVERED_KINDS], "coverage": selectors.coverage_by_sector(user=user, node=node),
    })


# --- joint meetings ------------------------------------------------------------------------------

@page
def meeting_list(request):
    user = request.user
    _view(user)
    today = services.today_local()
    year = _int(request.GET.get("year")) if request.GET.get("year") else today.year
    node = filter_node(request)
    status = request.GET.get("status") if request.GET.get("status") in JointMeeting.Status.values else ""
    qs = selectors.meeting_list(user=user, node=node, status=status, year=year)
    return render(request, "party/meeting_list.html", {
        "page": capped_page(qs, request.GET.get("page")), "query": query_string(request), "year": year, "status": status,
        "statuses": JointMeeting.Status.choices, "nodes": _search_nodes(user), "node": node,
        "counts": selectors.meeting_counts(user=user, year=year, node=node),
        "overdue": selectors.resolution_list(user=user, node=node, overdue_on=today)[:50],
        "can_manage": _can_manage(user), "today": today,
    })


@page
def meeting_create(request):
    user = request.user
    _require(user, "party.manage")
    form = forms.MeetingForm(request.POST or None, communities=community_choices(user), units=_unit_choices(user))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        ok, meeting = attempt(lambda: services.meeting_schedule(
            actor=user, community=tree.node_get(user=user, pk=d["community"]), title=d["title"],
            scheduled_on=d["scheduled_on"], place=d["place"], unit_ids=d["units"],
            topics=d["topics"].splitlines()), form=form)
        if ok:
            messages.success(request, _("已安排联席会议"))
            return redirect("party:meeting_detail", pk=meeting.pk)
    return render(request, "party/form.html", {"form": form, "title": _("安排联席会议"), "back": "party:meeting_list"})


MEETING_ACTIONS = ("hold", "cancel", "topic", "resolution")


def _meeting_forms(user, meeting, detail, bound=None) -> dict:
    if not _can_manage(user):
        return {}
    actions = {}
    invited = [(a.unit_id, a.unit.name) for a in detail["attendance"]]
    if meeting.status == JointMeeting.Status.SCHEDULED:
        actions["hold"] = forms.HoldForm(prefix="hold", invited=invited, initial={"held_on": services.today_local()})
        actions["cancel"] = forms.ReasonForm(prefix="cancel")
    if meeting.status != JointMeeting.Status.CANCELLED:
        actions["topic"] = forms.TopicForm(prefix="topic")
    if meeting.status == JointMeeting.Status.HELD:
        actions["resolution"] = forms.ResolutionForm(prefix="resolution", units=invited)
    if bound:
        actions[bound[0]] = bound[1]
    return actions


def _meeting_page(request, meeting, bound=None):
    user = request.user
    detail = selectors.meeting_detail(meeting)
    return render(request, "party/meeting_detail.html", {
        "meeting": meeting, **detail, "actions": _meeting_forms(user, meeting, detail, bound),
        "followup": forms.FollowUpForm(prefix="followup") if _can_manage(user) else None, "today": services.today_local(),
    })


@page
def meeting_detail(request, pk: int):
    return _meeting_page(request, selectors.meeting_get(user=request.user, pk=pk))


@page
@require_POST
def meeting_action(request, pk: int, action: str):
    user = request.user
    _require(user, "party.manage")
    if action not in MEETING_ACTIONS:
        _int(None)
    meeting = selectors.meeting_get(user=user, pk=pk)
    invited = [(a.unit_id, a.unit.name) for a in meeting.attendance.select_related("unit")]
    form = {"hold": lambda: forms.HoldForm(request.POST, prefix="hold", invited=invited),
            "cancel": lambda: forms.ReasonForm(request.POST, prefix="cancel"),
            "topic": lambda: forms.TopicForm(request.POST, prefix="topic"),
            "resolution": lambda: forms.ResolutionForm(request.POST, prefix="resolution", units=invited)}[action]()
    if form.is_valid():
        d = form.cleaned_data
        write = {
            "hold": lambda: services.meeting_hold(actor=user, meeting_id=pk, held_on=d["held_on"], minutes=d["minutes"],
                                                  present_unit_ids=d["present"]),
            "cancel": lambda: services.meeting_cancel(actor=user, meeting_id=pk, reason=d["reason"]),
            "topic": lambda: services.meeting_topic_add(actor=user, meeting_id=pk, title=d["title"]),
            "resolution": lambda: services.resolution_add(actor=user, meeting_id=pk, text=d["text"],
                                                          owner_name=d["owner_name"], owner_unit_id=d["owner_unit"],
                                                          due_on=d["due_on"]),
        }[action]
        ok, _result = attempt(write, form=form)
        if ok:
            return redirect("party:meeting_detail", pk=pk)
    return _meeting_page(request, selectors.meeting_get(user=user, pk=pk), bound=(action, form))


@page
@require_POST
def resolution_follow_up(request, pk: int):
    user = request.user
    _require(user, "party.manage")
    resolution = selectors.resolution_get(user=user, pk=pk)
    form = forms.FollowUpForm(request.POST, prefix="followup")
    if form.is_valid():
        attempt(lambda: services.resolution_follow_up(actor=user, resolution_id=pk, **form.cleaned_data), request=request)
    else:
        messages.error(request, _("请填写落实情况和跟进后状态"))
    return HttpResponseRedirect(f"{resolution_url(resolution)}")


def resolution_url(resolution) -> str:
    from django.urls import reverse

    return reverse("party:meeting_detail", args=[resolution.meeting_id]) + f"#resolution-{resolution.pk}"


# --- dual reporting ------------------------------------------------------------------------------

DUAL_VIEWS = ("all", "idle", "unregistered", "pending")


@page
def dual_list(request):
    user = request.user
    _view(user)
    node = filter_node(request)
    view = request.GET.get("view") if request.GET.get("view") in DUAL_VIEWS else "all"
    today = services.today_local()
    ctx = {"view": view, "nodes": _search_nodes(user), "node": node, "query": query_string(request),
           "can_manage": _can_manage(user), "q": request.GET.get("q", "")}
    if view == "idle":
        ids = selectors.idle_registration_ids(user=user, today=today, node=node)
        ctx["page"] = list_page(ids, request.GET.get("page"), lambda chunk: selectors.idle_registrations(
            user=user, today=today, node=node, ids=chunk))
    elif view == "unregistered":
        ctx["page"] = capped_page(selectors.unregistered_expected(user=user, node=node), request.GET.get("page"))
    elif view == "pending":
        ctx["pending"] = selectors.pending_services(user=user, node=node)[:200]
    else:
        ctx["page"] = capped_page(selectors.registration_list(user=user, node=node, q=ctx["q"]), request.GET.get("page"))
    if request.GET.get("export") == "xlsx" and view in ("idle", "unregistered"):
        if view == "idle":
            rows = [[r.get_kind_display(), r.display_name, r.community.name, r.workplace, r.registered_on,
                     r.last_served or ""] for r in selectors.idle_registrations(user=user, today=today, node=node)]
            headers = [_("报到类型"), _("名称/姓名"), _("报到社区"), _("工作单位"), _("报到日期"), _("最近服务日期")]
        else:
            rows = [[e.get_kind_display(), e.name, e.community.name, e.workplace]
                    for e in selectors.unregistered_expected(user=user, node=node)[:50000]]
            headers = [_("报到类型"), _("名称/姓名"), _("应报到社区"), _("工作单位")]
        return _xlsx(request, verb=f"party.dual_{view}_exported", name=f"dual-{view}", headers=headers, rows=rows)
    return render(request, "party/dual_list.html", ctx)


def _member_choices(user, community_pk=None) -> list[tuple[int, str]]:
    qs = reg.resident_list(user=user, tag=selectors.PARTY_MEMBER_TAG)
    if community_pk:
        qs = qs.filter(community_id=community_pk)
    return [(r.pk, f"{r.name}({r.community.name if r.community_id else ''})") for r in qs[:500]]


@page
def dual_create(request):
    user = request.user
    _require(user, "party.manage")
    form = forms.RegistrationForm(request.POST or None, communities=community_choices(user), residents=_member_choices(user),
                                  units=_unit_choices(user), initial={"registered_on": services.today_local()})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        ok, registration = attempt(lambda: services.registration_create(
            actor=user, kind=d["kind"], community=tree.node_get(user=user, pk=d["community"]),
            registered_on=d["registered_on"], resident=reg.resident_get(user=user, pk=d["resident"]) if d["resident"] else None,
            organization_name=d["organization_name"], unit_id=d["unit"], workplace=d["workplace"]), form=form)
        if ok:
            messages.success(request, _("已登记报到"))
            return redirect("party:dual_detail", pk=registration.pk)
    return render(request, "party/form.html", {"form": form, "title": _("登记双报到"), "back": "party:dual_list"})


def _dual_page(request, registration, service_form=None, withdraw_form=None):
    user = request.user
    manage = _can_manage(user) and registration.status == registration.Status.ACTIVE
    return render(request, "party/dual_detail.html", {
        "registration": registration, "services": selectors.registration_services(registration),
        "service_form": (service_form or forms.ServiceForm(prefix="service", initial={"served_on": services.today_local()}))
        if manage else None,
        "withdraw_form": (withdraw_form or forms.ReasonForm(prefix="withdraw")) if manage else None,
        "can_confirm": _can_manage(user),
    })


@page
def dual_detail(request, pk: int):
    return _dual_page(request, selectors.registration_get(user=request.user, pk=pk))


@page
@require_POST
def dual_action(request, pk: int, action: str):
    user = request.user
    _require(user, "party.manage")
    registration = selectors.registration_get(user=user, pk=pk)
    if action == "service":
        form = forms.ServiceForm(request.POST, prefix="service")
        if form.is_valid():
            ok, _r = attempt(lambda: services.service_log(actor=user, registration_id=pk, **form.cleaned_data), form=form)
            if ok:
                messages.success(request, _("已登记服务,待社区确认"))
                return redirect("party:dual_detail", pk=pk)
        return _dual_page(request, registration, service_form=form)
    if action == "withdraw":
        form = forms.ReasonForm(request.POST, prefix="withdraw")
        if form.is_valid():
            ok, _r = attempt(lambda: services.registration_withdraw(actor=user, registration_id=pk,
                                                                    on=services.today_local(), reason=form.cleaned_data["reason"]),
                             form=form)
            if ok:
                return redirect("party:dual_detail", pk=pk)
        return _dual_page(request, registration, withdraw_form=form)
    _int(None)


@page
@require_POST
def service_confirm(request, pk: int):
    user = request.user
    _require(user, "party.manage")
    record = selectors.service_get(user=user, pk=pk)
    confirmed = request.POST.get("decision") == "confirm"
    ok, _r = attempt(lambda: services.service_confirm(actor=user, service_id=pk, confirmed=confirmed,
                                                      note=request.POST.get("note", "")), request=request)
    if ok:
        messages.success(request, _("已确认") if confirmed else _("已标记为不予确认"))
    target = request.POST.get("next", "")
    if target == "pending":
        return redirect(f"{_url('party:dual_list')}?view=pending")
    return redirect("party:dual_detail", pk=record.registration_id)


def _url(name: str) -> str:
    from django.urls import reverse

    return reverse(name)


@page
def roster(request):
    user = request.user
    _view(user)
    form = forms.RosterForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST":
        _require(user, "party.manage")
        if form.is_valid():
            upload = form.cleaned_data["file"]
            ok, result = attempt(lambda: services.roster_import_file(actor=user, binary=upload.file, filename=upload.name),
                                 form=form)
            if ok and not result["errors"]:
                messages.success(request, _("已导入:新增 %(c)s 条,更新 %(u)s 条") % {"c": result["created"], "u": result["updated"]})
                return redirect("party:roster")
    qs = selectors.expected_list(user=user, node=filter_node(request))
    return render(request, "party/roster.html", {
        "form": form if _can_manage(user) else None, "result": result,
        "page": capped_page(qs, request.GET.get("page")), "query": query_string(request),
    })


# --- central households --------------------------------------------------------------------------

@page
def central_list(request):
    user = request.user
    _view(user)
    node = filter_node(request)
    # A district has thousands of buildings with party members: a page of them at a time.
    keys, members, centers = selectors.building_keys(user=user, node=node)
    buildings = list_page(keys, request.GET.get("bpage"),
                          lambda chunk: selectors.building_rows(chunk, members, centers))
    return render(request, "party/central_list.html", {
        "buildings": buildings,
        "page": capped_page(selectors.central_list(user=user, node=node), request.GET.get("page")),
        "query": query_string(request), "bquery": query_string(request, "bpage"), "nodes": _search_nodes(user),
        "node": node, "can_manage": _can_manage(user),
    })


def _household_choices(user, building) -> list[tuple[int, str]]:
    return [(h.pk, f"{h.number} {h.house.address.full_text if h.house_id else ''}")
            for h in selectors.building_households(user=user, building=building)[:300]]


@page
def central_create(request):
    user = request.user
    _require(user, "party.manage")
    building = tree.node_get(user=user, pk=_int(request.GET.get("building")))
    if building.level != Level.BUILDING:
        _int(None)
    members = [(r.pk, f"{r.name}({r.household.number})") for r in selectors.building_party_members(user=user, building=building)]
    form = forms.CentralForm(request.POST or None, members=members, households=_household_choices(user, building),
                             initial={"designated_on": services.today_local()})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        ok, center = attempt(lambda: services.central_household_create(
            actor=user, member=reg.resident_get(user=user, pk=d["member"]), served_ids=d["served"],
            designated_on=d["designated_on"], note=d["note"]), form=form)
        if ok:
            messages.success(request, _("已设立党员中心户"))
            return redirect("party:central_detail", pk=center.pk)
    return render(request, "party/form.html", {"form": form, "title": _("设立党员中心户") + f" · {building.name}",
                                               "back": "party:central_list"})


@page
def central_detail(request, pk: int):
    user = request.user
    center = selectors.central_get(user=user, pk=pk)
    households = _household_choices(user, center.building) if _can_manage(user) else []
    served = selectors.central_served(user=user, center=center)
    form = forms.ServedForm(request.POST or None, households=[h for h in households if h[0] != center.household_id],
                            initial={"served": [h.pk for h in served]})
    remove = forms.ReasonForm(prefix="remove")
    if request.method == "POST":
        _require(user, "party.manage")
        if "remove-reason" in request.POST:
            remove = forms.ReasonForm(request.POST, prefix="remove")
            if remove.is_valid():
                ok, _r = attempt(lambda: services.central_household_remove(actor=user, center_id=pk,
                                                                           reason=remove.cleaned_data["reason"]), form=remove)
                if ok:
                    messages.success(request, _("已撤销党员中心户"))
                    return redirect("party:central_list")
        elif form.is_valid():
            ok, _r = attempt(lambda: services.central_household_serve(actor=user, center_id=pk,
                                                                      served_ids=form.cleaned_data["served"]), form=form)
            if ok:
                messages.success(request, _("已保存"))
                return redirect("party:central_detail", pk=pk)
    return render(request, "party/central_detail.html", {
        "center": center, "served": served, "form": form if _can_manage(user) else None,
        "remove": remove if _can_manage(user) else None,
    })

