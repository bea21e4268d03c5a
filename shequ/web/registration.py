"""Registration pages: register buildings' addresses, houses, households, residents, tenancies and units.

Same shape as ``views.py``: login required (``@page``), the role needs ``registry.change``
(else 403), every record is loaded through a scoped selector (out of scope: 404, for GET and
POST alike), services do the writes and audit them. A ``ShequError`` raised by a service is
shown on the form, on the field named in ``extra["field"]`` when there is one; refusals of a
delete (409) come back as a message on the record's page.

Each form page answers htmx requests with the form alone (``web/partials/registration_form.html``),
so a detail page can open it in place; success then answers ``HX-Redirect``.
"""
from __future__ import annotations

import re

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.core.errors import NotInScope
from shequ.core.idcard import mask_id_number, mask_phone, normalize_id_number
from shequ.jurisdiction import scoping
from shequ.jurisdiction import selectors as tree
from shequ.jurisdiction.models import Level
from shequ.registry import selectors as reg
from shequ.registry import services as reg_services
from shequ.registry.models import House

from . import forms
from .paging import capped_page
from .views import _int, _require, _require_staff, _search_nodes, attempt, page

CHANGE = "registry.change"
_ID_LIKE = re.compile(r"^\d{17}[\dXx]$")


def _looks_like_id_number(text: str) -> bool:
    return bool(_ID_LIKE.match(normalize_id_number(text or "")))


def _done(request, url: str, message: str = "") -> HttpResponse:
    """Redirect after a successful write (``HX-Redirect`` for htmx), with a success message."""
    if message:
        messages.success(request, message)
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _form_page(request, context: dict) -> HttpResponse:
    """Render a form page, or only its form for htmx (opened in place on a detail page)."""
    context.setdefault("action", request.path)
    context.setdefault("danger", False)
    template = "web/partials/registration_form.html" if request.htmx else "web/registration_form.html"
    return render(request, template, context)


def _keep_typed_masked(form, *names: str) -> None:
    """After an error, show what was typed in an unechoed field as a masked placeholder."""
    if not form.is_bound:
        return
    for name in names:
        raw = (form.data.get(name) or "").strip()
        if raw:
            if "phone" in name:
                masked = mask_phone(raw)
            elif _looks_like_id_number(raw) or name == "id_number":
                masked = mask_id_number(normalize_id_number(raw))
            else:
                masked = raw  # a tenant's name
            form.fields[name].widget.attrs["placeholder"] = masked
            form.fields[name].help_text = _("为保护个人信息,出错后请重新输入")


# --- buildings: standard address, houses ---------------------------------------------------

def _building(user, pk: int):
    building = tree.node_get(user=user, pk=pk)
    if building.level != Level.BUILDING:
        raise NotInScope(_("记录不存在或不在您的辖区内"))
    return building


def _building_units(user, building) -> list:
    return [n for n in tree.node_children(user=user, node=building) if n.level == Level.UNIT]


def _building_context(user, building, address_form=None, house_form=None) -> dict:
    address = reg_services.building_address(building)
    if address_form is None:
        initial = {"road": address.road, "number": address.number, "compound_name": address.compound_name,
                   "building_no": address.building_no} if address else {}
        address_form = forms.BuildingAddressForm(initial=initial, auto_id="addr_%s")
    if house_form is None:
        house_form = forms.HouseCreateForm(units=_building_units(user, building), auto_id="house_%s")
    return {"building": building, "address": address, "address_form": address_form, "house_form": house_form,
            "can_change": scoping.can(user, CHANGE),
            "houses": list(reg.house_list(user=user, node=building)[:500])}


@page
def building_panel(request, pk: int):
    """The building's registration panel: its standard address, a house form and its houses."""
    user = request.user
    _require_staff(user)
    building = _building(user, pk)
    context = _building_context(user, building)
    template = "web/partials/building_panel.html" if request.htmx else "web/building.html"
    return render(request, template, context)


@page
@require_POST
def building_address_set(request, pk: int):
    user = request.user
    _require(user, CHANGE)
    building = _building(user, pk)
    form = forms.BuildingAddressForm(request.POST, auto_id="addr_%s")
    if form.is_valid() and attempt(lambda: reg_services.building_address_set(actor=user, building=building, **form.cleaned_data),
                                   form=form)[0]:
        return _done(request, reverse("web:tree_node", args=[building.pk]), _("楼栋地址已保存"))
    return render(request, "web/building.html", _building_context(user, building, address_form=form))


@page
@require_POST
def house_create(request, pk: int):
    user = request.user
    _require(user, CHANGE)
    building = _building(user, pk)
    units = _building_units(user, building)
    form = forms.HouseCreateForm(request.POST, units=units, auto_id="house_%s")
    if form.is_valid():
        data = dict(form.cleaned_data)
        unit_id = data.pop("unit")
        unit_node = next((u for u in units if u.pk == unit_id), None)
        created, house = attempt(lambda: reg_services.house_create(actor=user, building=building, unit_node=unit_node, **data),
                                 form=form)
        if created:
            return _done(request, reverse("web:house_detail", args=[house.pk]), _("房屋已登记"))
    return render(request, "web/building.html", _building_context(user, building, house_form=form))


# --- houses: households, tenancies, delete -------------------------------------------------

@page
def household_create(request, pk: int):
    user = request.user
    _require(user, CHANGE)
    house = reg.house_get(user=user, pk=pk)
    form = forms.HouseholdCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        created, household = attempt(lambda: reg_services.household_create(actor=user, house=house, **form.cleaned_data), form=form)
        if created:
            return _done(request, reverse("web:household_detail", args=[household.pk]), _("户已登记"))
    return _form_page(request, {"form": form, "title": _("登记户"), "back": (reverse("web:house_detail", args=[house.pk]), str(house)),
                                "submit": _("登记")})


def _find_tenant(user, form):
    """The tenant named in the form: a full ID number, or a name that is unique in the user's area."""
    text = form.cleaned_data["tenant"].strip()
    found = list(reg.resident_list(user=user, q=text)[:2])
    if not _looks_like_id_number(text):
        found = [r for r in reg.resident_list(user=user).filter(name=text)[:2]]
    if not found:
        form.add_error("tenant", _("辖区内没有找到该居民;请先登记居民"))
    elif len(found) > 1:
        form.add_error("tenant", _("辖区内有同名居民,请输入完整身份证号"))
    else:
        return found[0]
    return None


@page
def tenancy_start(request, pk: int):
    user = request.user
    _require(user, CHANGE)
    house = reg.house_get(user=user, pk=pk)
    form = forms.TenancyStartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        tenant = _find_tenant(user, form)
        if tenant is not None:
            data = {k: v for k, v in form.cleaned_data.items() if k != "tenant"}
            if attempt(lambda: reg_services.tenancy_start(actor=user, house=house, tenant=tenant, **data), form=form)[0]:
                return _done(request, reverse("web:house_detail", args=[house.pk]), _("租住已登记"))
    _keep_typed_masked(form, "tenant")
    intro = "" if house.use == House.Use.RENTED else _("该房屋用途不是“出租”,请先修改房屋用途。")
    return _form_page(request, {"form": form, "title": _("登记租住"), "back": (reverse("web:house_detail", args=[house.pk]), str(house)),
                                "submit": _("登记"), "intro": intro})


@page
@require_POST
def tenancy_end(request, pk: int):
    user = request.user
    _require(user, CHANGE)
    tenancy = reg.tenancy_get(user=user, pk=pk)
    if attempt(lambda: reg_services.tenancy_end(actor=user, tenancy=tenancy), request=request)[0]:
        messages.success(request, _("已退租"))
    return redirect("web:house_detail", pk=tenancy.house_id)


@page
def house_delete(request, pk: int):
    user = request.user
    _require(user, CHANGE)
    house = reg.house_get(user=user, pk=pk)
    back = reverse("web:house_detail", args=[house.pk])
    if request.method == "POST":
        if not attempt(lambda: reg_services.house_delete(actor=user, house=house), request=request)[0]:
            return redirect(back)
        return _done(request, reverse("web:tree_node", args=[house.building_id]), _("房屋已删除"))
    return _form_page(request, {"form": forms.ConfirmForm(), "title": _("删除房屋(误登记)"), "back": (back, str(house)),
                                "submit": _("确认删除"), "danger": True,
                                "intro": _("只能删除误登记、没有户、居住人员、租住登记和单位的房屋。")})


# --- households: residents, delete ---------------------------------------------------------

@page
def resident_create(request, pk: int):
    user = request.user
    _require(user, CHANGE)
    household = reg.household_get(user=user, pk=pk)
    tags = list(reg.tag_list(user=user))
    form = forms.ResidentCreateForm(request.POST or None, tags=tags)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["ethnicity"] = data["ethnicity"] or "汉族"
        created, resident = attempt(lambda: reg_services.resident_create(actor=user, household=household, **data), form=form)
        if created:
            return _done(request, reverse("web:resident_detail", args=[resident.pk]), _("居民已登记"))
    _keep_typed_masked(form, "id_number", "phone")
    return _form_page(request, {"form": form, "title": _("登记居民"),
                                "back": (reverse("web:household_detail", args=[household.pk]), _("户号 %(n)s") % {"n": household.number}),
                                "submit": _("登记")})


@page
def household_delete(request, pk: int):
    user = request.user
    _require(user, CHANGE)
    household = reg.household_get(user=user, pk=pk)
    back = reverse("web:household_detail", args=[household.pk])
    if request.method == "POST":
        if not attempt(lambda: reg_services.household_delete(actor=user, household=household), request=request)[0]:
            return redirect(back)
        return _done(request, reverse("web:house_detail", args=[household.house_id]), _("户已删除"))
    return _form_page(request, {"form": forms.ConfirmForm(), "title": _("删除户(误登记)"),
                                "back": (back, _("户号 %(n)s") % {"n": household.number}), "submit": _("确认删除"), "danger": True,
                                "intro": _("只能删除从未有过成员的户;有成员的户请先将成员迁出。")})


# --- residents: delete ---------------------------------------------------------------------

@page
def resident_delete(request, pk: int):
    user = request.user
    _require(user, CHANGE)
    resident = reg.resident_get(user=user, pk=pk)
    form = forms.ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        after = (reverse("web:household_detail", args=[resident.household_id]) if resident.household_id
                 else reverse("web:resident_list"))
        if attempt(lambda: reg_services.resident_delete(actor=user, resident=resident, reason=form.cleaned_data["reason"]),
                   form=form)[0]:
            return _done(request, after, _("居民记录已删除"))
    return _form_page(request, {"form": form, "title": _("删除居民(误登记)"),
                                "back": (reverse("web:resident_detail", args=[resident.pk]), resident.name),
                                "submit": _("确认删除"), "danger": True,
                                "intro": _("仅用于重复登记、登记错人等误登记,连同其变动历史一并删除。"
                                           "搬走的居民请用“迁移到其他户”或迁出,去世的居民改为“已故”,以保留历史和统计。")})


# --- actual units (实有单位) ----------------------------------------------------------------

def _unit_address(user, form):
    """The standard address picked in the form, loaded in scope; a form error when it is not."""
    try:
        return reg.address_get(user=user, pk=form.cleaned_data["address"])
    except NotInScope:
        form.add_error("address", _("请从查询结果中选择辖区内的标准地址"))
        return None


def _unit_page(request, form, unit=None) -> HttpResponse:
    picked = None
    if form.is_bound:
        raw = form.data.get("address")
        if raw and str(raw).isdigit():
            try:
                picked = reg.address_get(user=request.user, pk=int(raw))
            except NotInScope:
                picked = None
    elif unit is not None:
        picked = unit.address
    _keep_typed_masked(form, "contact_phone")
    if unit is not None and not form.is_bound:
        form.fields["contact_phone"].widget.attrs["placeholder"] = mask_phone(unit.contact_phone)
    back = (reverse("web:unit_detail", args=[unit.pk]), unit.name) if unit else (reverse("web:unit_list"), _("实有单位"))
    return render(request, "web/unit_form.html", {"form": form, "unit": unit, "picked": picked, "back": back,
                                                  "title": _("编辑单位") if unit else _("登记单位")})


@page
def unit_create(request):
    user = request.user
    _require(user, CHANGE)
    form = forms.EstablishmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        address = _unit_address(user, form)
        if address is not None:
            data = {k: v for k, v in form.cleaned_data.items() if k != "address"}
            created, unit = attempt(lambda: reg_services.establishment_save(actor=user, address=address, **data), form=form)
            if created:
                return _done(request, reverse("web:unit_detail", args=[unit.pk]), _("单位已登记"))
    return _unit_page(request, form)


@page
def unit_edit(request, pk: int):
    user = request.user
    _require(user, CHANGE)
    unit = reg.establishment_get(user=user, pk=pk)
    if request.method == "POST":
        form = forms.EstablishmentForm(request.POST, editing=True)
        if form.is_valid():
            address = _unit_address(user, form)
            if address is not None:
                data = {k: v for k, v in form.cleaned_data.items() if k != "address"}
                if not data["contact_phone"]:
                    data.pop("contact_phone")  # blank keeps the phone on file
                if attempt(lambda: reg_services.establishment_save(actor=user, address=address, establishment=unit, **data),
                           form=form)[0]:
                    return _done(request, reverse("web:unit_detail", args=[unit.pk]), _("单位已保存"))
    else:
        form = forms.EstablishmentForm(editing=True, initial={
            "address": unit.address_id, "name": unit.name, "kind": unit.kind, "sector": unit.sector, "credit_code": unit.credit_code,
            "contact_name": unit.contact_name, "employees": unit.employees, "is_resident_unit": unit.is_resident_unit})
    return _unit_page(request, form, unit)


@page
def unit_delete(request, pk: int):
    user = request.user
    _require(user, CHANGE)
    unit = reg.establishment_get(user=user, pk=pk)
    form = forms.ReasonForm(request.POST or None, required=False)
    if request.method == "POST" and form.is_valid():
        if attempt(lambda: reg_services.establishment_delete(actor=user, establishment=unit, reason=form.cleaned_data["reason"]),
                   form=form)[0]:
            return _done(request, reverse("web:unit_list"), _("单位已注销"))
    return _form_page(request, {"form": form, "title": _("注销单位"), "back": (reverse("web:unit_detail", args=[unit.pk]), unit.name),
                                "submit": _("确认注销"), "danger": True, "intro": _("单位已关闭或迁离辖区时注销;注销记入审计日志。")})


@page
def address_pick(request):
    """Standard-address search results to pick from (htmx fragment of the unit form)."""
    _require(request.user, CHANGE)
    q = request.GET.get("q", "").strip()
    results = list(reg.address_search(user=request.user, q=q, limit=50)) if q else []
    return render(request, "web/partials/address_pick.html", {"q": q, "results": results})


# --- lists ---------------------------------------------------------------------------------

def _list_filters(request):
    user = request.user
    q = request.GET.get("q", "").strip()
    node = tree.node_get(user=user, pk=_int(request.GET["node"])) if request.GET.get("node") else None
    params = request.GET.copy()
    params.pop("page", None)
    return q, node, params.urlencode()


@page
def household_list(request):
    _require_staff(request.user)
    q, node, query = _list_filters(request)
    result = capped_page(reg.household_list(user=request.user, q=q, node=node), request.GET.get("page"))
    return render(request, "web/household_list.html", {"page": result, "q": q, "node": node, "query": query,
                                                       "nodes": _search_nodes(request.user)})


@page
def house_list(request):
    _require_staff(request.user)
    q, node, query = _list_filters(request)
    use = request.GET.get("use", "")
    if use not in dict(House.Use.choices):
        use = ""
    result = capped_page(reg.house_list(user=request.user, q=q, node=node, use=use), request.GET.get("page"))
    return render(request, "web/house_list.html", {"page": result, "q": q, "node": node, "use": use, "uses": House.Use.choices,
                                                   "query": query, "nodes": _search_nodes(request.user)})
