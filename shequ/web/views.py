"""Pages. Thin: read through selectors, write through services, let scoping decide.

Errors from services map to HTTP: ``NotInScope`` -> 404, ``NotAllowed`` -> 403; any other
``ShequError`` from a form submission is shown inline on the form.
"""
from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.core.versioning import version_of
from shequ.core.errors import NotAllowed, NotInScope, ShequError
from shequ.jurisdiction import scoping
from shequ.jurisdiction import selectors as tree
from shequ.jurisdiction.models import Level
from shequ.registry import selectors as reg
from shequ.registry import services as reg_services

from . import forms
from .geo import boundary_svg
from .paging import capped_page
from .selectors import audit_list


def public(view):
    """Turn scope and permission errors into 404 and 403 pages (no login asked: public pages)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotInScope as exc:
            raise Http404(exc.message) from None
        except NotAllowed as exc:
            raise PermissionDenied(exc.message) from None

    return wrapper


def page(view):
    """Require login and turn scope and permission errors into 404 and 403 pages."""
    return login_required(public(view))


def _require(user, action: str) -> None:
    if not scoping.can(user, action):
        raise NotAllowed(_("您的角色无权执行此操作"))


def _require_staff(user) -> None:
    """The working pages (tree, search, units, addresses) are for staff; a resident has their home page."""
    _require(user, "registry.view")
    if user.role == "resident" and not scoping.is_global(user):
        raise NotAllowed(_("您的角色无权执行此操作"))


def _form_error(form, exc: ShequError) -> None:
    """Attach a service error to the field it names (``extra["field"]``), else to the form."""
    field = exc.extra.get("field")
    fields = exc.extra.get("fields")
    if not field and isinstance(fields, dict) and len(fields) == 1:
        field = next(iter(fields))
    visible = field in form.fields and not form.fields[field].widget.is_hidden
    form.add_error(field if visible else None, exc.message)


def attempt(write, *, form=None, request=None) -> tuple[bool, object]:
    """Run a service write; return (succeeded, its result).

    Scope and role errors propagate (the page answers 404 / 403); any other ``ShequError``
    goes onto ``form`` (on the field it names) or, without a form, into the page messages.
    """
    try:
        return True, write()
    except (NotInScope, NotAllowed):
        raise
    except ShequError as exc:
        if form is not None:
            _form_error(form, exc)
        else:
            messages.error(request, exc.message)
        return False, None


def _visible_tags(user, resident) -> list:
    visible = {t.pk for t in reg.tag_list(user=user)}
    return [t for t in resident.tags.all() if t.pk in visible]


def _with_counts(nodes) -> list[dict]:
    nodes = list(nodes)
    counts = tree.node_counts(nodes)
    return [{"node": n, "counts": counts.get(n.pk, {})} for n in nodes]


def _search_nodes(user) -> list[tuple[int, str]]:
    """Nodes offered in the search filter: streets, communities and grids of the user's area,
    as (id, name) in tree order (no model instances: up to 600 options per page)."""
    nodes = []
    for level in (Level.STREET, Level.COMMUNITY, Level.GRID):
        nodes += list(tree.node_search(user=user, q="", level=level, limit=200).values_list("path", "pk", "name"))
    return [(pk, name) for _path, pk, name in sorted(nodes, key=lambda n: n[0])]


def _pk_url(name: str):
    """``reverse(name, args=[pk])`` for many pks: reversed once, then formatted."""
    marker = "2147483647"
    prefix, suffix = reverse(name, args=[int(marker)]).split(marker)
    return lambda pk: f"{prefix}{pk}{suffix}"


# --- home ---------------------------------------------------------------------------------

@page
def home(request):
    user = request.user
    if user.role == "resident" and not scoping.is_global(user):
        household = members = None
        resident = getattr(user, "resident", None)
        if resident is not None and resident.household_id:
            household = reg.household_get(user=user, pk=resident.household_id)
            members = [{"resident": m, "masked": reg.masked_personal(m)} for m in reg.household_members(user=user, household=household)]
        return render(request, "web/home_resident.html", {"household": household, "members": members})
    roots = _with_counts(tree.node_roots(user=user))
    return render(request, "web/home.html", {
        "roots": roots,
        "can_report": scoping.can(user, "tree.report"),
        "can_audit": scoping.is_global(user),
        "can_unmask": scoping.can_unmask(user),
    })


# --- tree ---------------------------------------------------------------------------------

@page
def tree_root(request):
    _require_staff(request.user)
    return render(request, "web/tree.html", {"node": None, "rows": _with_counts(tree.node_roots(user=request.user)),
                                             "crumbs": [], "can_report": scoping.can(request.user, "tree.report")})


@page
def tree_node(request, pk: int):
    _require_staff(request.user)
    user = request.user
    node = tree.node_get(user=user, pk=pk)
    children = list(tree.node_children(user=user, node=node))
    counts = tree.node_counts([node, *children])
    crumbs = [n for n in tree.breadcrumbs(node) if n.pk != node.pk and scoping.node_in_scope(user, n)]
    return render(request, "web/tree.html", {
        "node": node,
        "node_counts": counts.get(node.pk, {}),
        "rows": [{"node": c, "counts": counts.get(c.pk, {})} for c in children],
        "crumbs": crumbs,
        "svg": boundary_svg(node.boundary) if node.boundary else None,
        "can_report": scoping.can(user, "tree.report"),
    })


@page
def tree_deviations(request):
    _require(request.user, "tree.report")
    node = None
    if request.GET.get("node"):
        node = tree.node_get(user=request.user, pk=_int(request.GET["node"]))
    report = tree.level_deviation_report(user=request.user, node=node)
    return render(request, "web/deviations.html", {"report": report, "node": node})


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NotInScope(_("记录不存在或不在您的辖区内")) from None


# --- residents ----------------------------------------------------------------------------

@page
def resident_list(request):
    _require_staff(request.user)
    user = request.user
    q = request.GET.get("q", "").strip()
    tag = request.GET.get("tag", "").strip()
    node = tree.node_get(user=user, pk=_int(request.GET["node"])) if request.GET.get("node") else None
    tags = list(reg.tag_list(user=user))
    tag_codes = {t.code for t in tags}
    if tag and tag not in tag_codes:
        tag = ""
    qs = reg.resident_list_rows(reg.resident_list(user=user, q=q, node=node, tag=tag)).prefetch_related(None)
    result = capped_page(qs, request.GET.get("page"))
    # Display values computed here, once per row, so the row template is plain variable output.
    tag_ids = reg.resident_tag_ids([r.pk for r in result.rows])
    resident_url, household_url = _pk_url("web:resident_detail"), _pk_url("web:household_detail")
    rows = []
    for r in result.rows:
        own = tag_ids.get(r.pk, ())
        rows.append({
            "resident": r, "masked": reg.masked_personal(r),
            "tags": [t for t in tags if t.pk in own],  # visible tags only, in tag order (sort, code)
            "url": resident_url(r.pk), "sex": r.get_sex_display(),
            "birth_date": r.birth_date.isoformat() if r.birth_date else "",
            "household_url": household_url(r.household_id) if r.household_id else "",
            "household_number": r.household.number if r.household_id else "",
            "place": (r.community.name if r.community_id else "") + (f" / {r.grid.name}" if r.grid_id else ""),
        })
    params = request.GET.copy()
    params.pop("page", None)
    nodes = _search_nodes(user)
    selected = node.pk if node is not None else None
    # Up to 600 <option>s: built here in one pass rather than by a template loop.
    node_options = mark_safe("".join(f'<option value="{pk}"{" selected" if pk == selected else ""}>{escape(name)}</option>'
                                     for pk, name in nodes))
    context = {"page": result, "rows": rows, "q": q, "tag": tag, "node": node, "tags": tags,
               "nodes": nodes, "node_options": node_options,
               "node_listed": selected is not None and any(pk == selected for pk, _name in nodes),
               "query": params.urlencode()}
    template = "web/partials/resident_results.html" if request.htmx and request.htmx.target == "results" else "web/resident_list.html"
    return render(request, template, context)


def _resident_context(user, resident) -> dict:
    return {
        "resident": resident,
        "masked": reg.masked_personal(resident),
        "tags": _visible_tags(user, resident),
        "memberships": reg.membership_list(user=user, resident=resident),
        "tenancies": reg.tenancy_list(user=user, tenant=resident),
        "can_unmask": scoping.can_unmask(user),
        "can_change": scoping.can(user, "registry.change"),
    }


@page
def resident_detail(request, pk: int):
    resident = reg.resident_get(user=request.user, pk=pk)
    return render(request, "web/resident_detail.html", _resident_context(request.user, resident))


@page
@require_POST
def resident_reveal(request, pk: int):
    resident = reg.resident_get(user=request.user, pk=pk)
    clear = reg_services.resident_reveal(actor=request.user, resident=resident, channel="page")
    return render(request, "web/partials/personal.html", {"resident": resident, "personal": clear, "revealed": True})


@page
def resident_edit(request, pk: int):
    user = request.user
    _require(user, "registry.change")
    resident = reg.resident_get(user=user, pk=pk)
    tags = list(reg.tag_list(user=user))
    visible = {t.code for t in tags}
    current = [t.code for t in resident.tags.all()]
    if request.method == "POST":
        form = forms.ResidentForm(request.POST, tags=tags)
        if form.is_valid():
            data = dict(form.cleaned_data)
            # Tags the user cannot see (sensitive ones) are kept as they are.
            data["tags"] = sorted(set(data["tags"]) | {c for c in current if c not in visible})
            for key in ("id_number", "phone"):
                if not data[key]:
                    data.pop(key)
            data["expected_version"] = data.pop("version")
            if attempt(lambda: reg_services.resident_update(actor=user, resident=resident, **data), form=form)[0]:
                return redirect("web:resident_detail", pk=resident.pk)
    else:
        form = forms.ResidentForm(tags=tags, initial={
            "name": resident.name, "ethnicity": resident.ethnicity, "relation": resident.relation,
            "residence_type": resident.residence_type, "note": resident.note,
            "tags": [c for c in current if c in visible], "version": version_of(resident),
        })
    masked = reg.masked_personal(resident)
    form.fields["id_number"].widget.attrs["placeholder"] = masked["id_number"]
    form.fields["phone"].widget.attrs["placeholder"] = masked["phone"]
    return render(request, "web/resident_edit.html", {"resident": resident, "form": form})


@page
def resident_move(request, pk: int):
    user = request.user
    _require(user, "registry.change")
    resident = reg.resident_get(user=user, pk=pk)
    form = forms.MoveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        number = form.cleaned_data["household_number"].strip()
        target = reg.household_list(user=user, q=number).filter(number=number).first()
        if target is None:
            form.add_error("household_number", _("户号不存在或不在您的辖区内"))
        else:
            moved, _resident = attempt(lambda: reg_services.resident_move(
                actor=user, resident=resident, household=target, relation=form.cleaned_data["relation"],
                on=form.cleaned_data["on"], reason=form.cleaned_data["reason"]), form=form)
            if moved:
                return redirect("web:resident_detail", pk=resident.pk)
    return render(request, "web/resident_move.html", {"resident": resident, "form": form})


# --- households and houses ----------------------------------------------------------------

@page
def household_detail(request, pk: int):
    user = request.user
    household = reg.household_get(user=user, pk=pk)
    members = [{"resident": m, "masked": reg.masked_personal(m)} for m in reg.household_members(user=user, household=household)]
    return render(request, "web/household_detail.html", {"household": household, "members": members})


@page
def house_detail(request, pk: int):
    user = request.user
    house = reg.house_get(user=user, pk=pk)
    return render(request, "web/house_detail.html", {
        "house": house,
        "households": reg.house_households(user=user, house=house),
        "occupants": [{"resident": r, "masked": reg.masked_personal(r)} for r in reg.house_occupants(user=user, house=house)],
        "tenancies": reg.tenancy_list(user=user, house=house),
        "can_change": scoping.can(user, "registry.change"),
    })


@page
def house_edit(request, pk: int):
    user = request.user
    _require(user, "registry.change")
    house = reg.house_get(user=user, pk=pk)
    if request.method == "POST":
        form = forms.HouseForm(request.POST)
        if form.is_valid():
            if attempt(lambda: reg_services.house_update(actor=user, house=house, **form.cleaned_data), form=form)[0]:
                return redirect("web:house_detail", pk=house.pk)
    else:
        form = forms.HouseForm(initial={"use": house.use, "area": house.area, "floor": house.floor, "owner_name": house.owner_name})
    return render(request, "web/house_edit.html", {"house": house, "form": form})


# --- units and addresses ------------------------------------------------------------------

@page
def unit_list(request):
    _require_staff(request.user)
    from shequ.registry.models import Establishment

    q = request.GET.get("q", "").strip()
    kind = request.GET.get("kind", "")
    kinds = Establishment.Kind.choices
    if kind not in dict(kinds):
        kind = ""
    result = capped_page(reg.establishment_list(user=request.user, q=q, kind=kind), request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "web/unit_list.html", {"page": result, "q": q, "kind": kind, "kinds": kinds, "query": params.urlencode()})


@page
def unit_detail(request, pk: int):
    from shequ.core.idcard import mask_phone

    unit = reg.establishment_get(user=request.user, pk=pk)
    return render(request, "web/unit_detail.html", {"unit": unit, "contact_phone": mask_phone(unit.contact_phone)})


@page
def address_search(request):
    _require_staff(request.user)
    q = request.GET.get("q", "").strip()
    results = list(reg.address_search(user=request.user, q=q, limit=50).select_related("house")) if q else []
    return render(request, "web/address_search.html", {"q": q, "results": results})


# --- audit --------------------------------------------------------------------------------

@page
def audit(request):
    if not scoping.is_global(request.user):
        raise NotAllowed(_("仅系统管理员可查看审计日志"))
    form = forms.AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    result = capped_page(audit_list(user=request.user, **filters), request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "web/audit.html", {"form": form, "page": result, "query": params.urlencode()})

