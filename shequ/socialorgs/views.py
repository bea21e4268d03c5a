"""Social organization pages (/socialorgs/): list with per-community counts against the target, an
organization with its purchased service projects, the projects, and a public directory (no login).
Thin: role first (403), selectors read (404 outside scope), services write via ``attempt``."""
from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.core.audit import audit_record
from shequ.jurisdiction import scoping
from shequ.jurisdiction import selectors as tree
from shequ.jurisdiction.models import Level, Node
from shequ.party.pages import community_choices, filter_node, query_string
from shequ.web.paging import capped_page
from shequ.web.views import _int, _require, _search_nodes, attempt, page, public

from . import forms, selectors, services
from .models import ServiceProject, SocialOrganization


def _can_manage(user) -> bool:
    return scoping.can(user, "socialorgs.manage")




def _choice(request, name: str, choices) -> str:
    value = request.GET.get(name, "")
    return value if value in dict(choices) else ""



@page
def organization_list(request):
    user = request.user
    selectors.ensure_view(user)
    node = filter_node(request)
    type_ = _choice(request, "type", SocialOrganization.Type.choices)
    filing = _choice(request, "filing", SocialOrganization.Filing.choices)
    qs = selectors.organization_list(user=user, node=node, type=type_, filing=filing, q=request.GET.get("q", ""))
    counts = selectors.community_counts(user=user, node=node)
    if request.GET.get("export") == "xlsx":
        from shequ.transfer.exports import xlsx_file

        rows = [[o.name, o.get_type_display(), o.get_served_group_display() if o.served_group else "", o.community.name,
                 o.get_filing_display(), o.filed_on or "", o.member_count, o.leader_name] for o in qs[:50000]]
        audit_record(actor=user, verb="socialorgs.exported", extra={"rows": len(rows), "query": query_string(request)})
        headers = [_("组织名称"), _("类型"), _("服务对象"), _("社区/村"), _("登记备案状态"), _("登记/备案日期"), _("成员数"), _("负责人")]
        return FileResponse(xlsx_file(headers, rows, title="socialorgs"), as_attachment=True, filename="socialorgs.xlsx")
    total = sum(r["total"] for r in counts)
    return render(request, "socialorgs/list.html", {
        "page": capped_page(qs, request.GET.get("page")), "query": query_string(request), "q": request.GET.get("q", ""),
        "types": SocialOrganization.Type.choices, "type": type_, "filings": SocialOrganization.Filing.choices,
        "filing": filing, "nodes": _search_nodes(user), "node": node, "counts": counts,
        "alerts": [r for r in counts if r["alert"]], "average": total / len(counts) if counts else None, "total": total,
        "by_type": selectors.type_counts(user=user, node=node), "can_manage": _can_manage(user),
    })


def _org_initial(org) -> dict:
    return {f: getattr(org, f) for f in ("name", "type", "served_group", "filing", "filed_on", "founded_on", "revoked_on",
                                         "leader_name", "member_count", "activities")}


@page
def organization_create(request):
    user = request.user
    _require(user, "socialorgs.manage")
    form = forms.OrganizationForm(request.POST or None, communities=community_choices(user))
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        community = tree.node_get(user=user, pk=d.pop("community"))
        ok, org = attempt(lambda: services.organization_create(actor=user, community=community, **d), form=form)
        if ok:
            messages.success(request, _("已登记社会组织"))
            return redirect("socialorgs:detail", pk=org.pk)
    return render(request, "party/form.html", {"form": form, "title": _("登记社会组织"), "back": "socialorgs:list"})


@page
def organization_edit(request, pk: int):
    user = request.user
    _require(user, "socialorgs.manage")
    org = selectors.organization_get(user=user, pk=pk)
    form = forms.OrganizationForm(request.POST or None, editing=True, initial=_org_initial(org))
    if request.method == "POST" and form.is_valid():
        ok, _org = attempt(lambda: services.organization_update(actor=user, organization_id=pk, **form.cleaned_data), form=form)
        if ok:
            messages.success(request, _("已保存"))
            return redirect("socialorgs:detail", pk=pk)
    return render(request, "party/form.html", {"form": form, "title": org.name, "back": "socialorgs:list"})


def _places(user, org) -> list[tuple[int, str]]:
    """A project serves the organization's community, or its whole street when the user's area covers it."""
    places = [(org.community_id, org.community.name)]
    street = Node.objects.filter(pk=org.street_id).first()
    if street is not None and scoping.node_in_scope(user, street):
        places.append((street.pk, street.name))
    return places


@page
def organization_detail(request, pk: int):
    user = request.user
    org = selectors.organization_get(user=user, pk=pk)
    form = None
    if _can_manage(user) and org.filing != SocialOrganization.Filing.REVOKED:
        form = forms.ProjectForm(request.POST or None, places=_places(user, org), initial={"place": org.community_id})
        if request.method == "POST" and form.is_valid():
            d = dict(form.cleaned_data)
            place = tree.node_get(user=user, pk=d.pop("place"))
            ok, project = attempt(lambda: services.project_create(actor=user, organization_id=pk, place=place, **d), form=form)
            if ok:
                messages.success(request, _("已登记项目"))
                return redirect("socialorgs:project_detail", pk=project.pk)
    elif request.method == "POST":
        _require(user, "socialorgs.manage")
    return render(request, "socialorgs/detail.html", {
        "org": org, "projects": selectors.project_list(user=user, organization=org), "form": form,
        "can_manage": _can_manage(user),
    })


@page
def project_list(request):
    user = request.user
    selectors.ensure_view(user)
    node = filter_node(request)
    status = _choice(request, "status", ServiceProject.Status.choices)
    qs = selectors.project_list(user=user, node=node, status=status)
    return render(request, "socialorgs/project_list.html", {
        "page": capped_page(qs, request.GET.get("page")), "query": query_string(request), "statuses": ServiceProject.Status.choices,
        "status": status, "nodes": _search_nodes(user), "node": node, "totals": selectors.project_totals(user=user, node=node),
    })


@page
def project_detail(request, pk: int):
    user = request.user
    project = selectors.project_get(user=user, pk=pk)
    finish = forms.FinishForm(prefix="finish") if _can_manage(user) and project.status == ServiceProject.Status.RUNNING else None
    return render(request, "socialorgs/project_detail.html", {"project": project, "finish": finish,
                                                              "can_manage": _can_manage(user)})


@page
@require_POST
def project_action(request, pk: int, action: str):
    user = request.user
    _require(user, "socialorgs.manage")
    project = selectors.project_get(user=user, pk=pk)
    if action == "start":
        attempt(lambda: services.project_start(actor=user, project_id=pk), request=request)
        return redirect("socialorgs:project_detail", pk=pk)
    if action != "finish":
        _int(None)
    form = forms.FinishForm(request.POST, prefix="finish")
    if form.is_valid():
        ok, _p = attempt(lambda: services.project_finish(actor=user, project_id=pk, **form.cleaned_data), form=form)
        if ok:
            messages.success(request, _("项目已结项"))
            return redirect("socialorgs:project_detail", pk=pk)
    return render(request, "socialorgs/project_detail.html", {"project": project, "finish": form, "can_manage": True})


@public
def directory(request):
    """The public directory of registered and filed organizations (no login, no personal data)."""
    type_ = _choice(request, "type", SocialOrganization.Type.choices)
    code = request.GET.get("area", "").strip()
    node = Node.objects.filter(code=code, level__in=[Level.DISTRICT, Level.STREET, Level.COMMUNITY]).first() if code else None
    qs = selectors.public_list(node=node, type=type_) if not code or node else SocialOrganization.objects.none()
    areas = Node.objects.filter(level=Level.STREET).order_by("path").values_list("code", "name")[:200]
    return render(request, "socialorgs/public.html", {
        "page": capped_page(qs, request.GET.get("page")), "query": query_string(request), "types": SocialOrganization.Type.choices,
        "type": type_, "areas": areas, "area": code,
    })
