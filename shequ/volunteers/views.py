"""Pages of volunteer service: the staff pages (volunteers, activities with sign-up, check-in and
hours, the leaderboard, call-outs by grid) and the resident's own page at /s/volunteer/.

Thin like ``shequ.agency.views``: reads through ``selectors`` (404 outside scope), writes through
``services`` via ``attempt`` (a refusal is shown on the page and nothing is written), the role
checked before anything is loaded (403).
"""
from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.appeals.deadlines import SHANGHAI
from shequ.core.idcard import mask_id_number, mask_phone
from shequ.jurisdiction import scoping
from shequ.jurisdiction import selectors as tree
from shequ.jurisdiction.models import Level
from shequ.registry import selectors as registry_selectors
from shequ.web.charts import bar_chart
from shequ.web.paging import capped_page
from shequ.web.views import _int, _require, attempt, page

from . import forms, selectors, services
from .models import Activity, CallOutReply, SignUp, Volunteer


def node_options(user, levels=(Level.COMMUNITY, Level.GRID)) -> list[tuple[int, str]]:
    """Communities and grids of the user's area as (id, name), in tree order."""
    rows = []
    for level in levels:
        rows += list(tree.node_search(user=user, q="", level=level, limit=300).values_list("path", "pk", "name"))
    return [(pk, name) for _path, pk, name in sorted(rows)]


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value if timezone.is_aware(value) else value.replace(tzinfo=SHANGHAI)


def _resident_label(resident) -> str:
    return " · ".join(p for p in (resident.name, mask_id_number(resident.id_number),
                                  resident.community.name if resident.community_id else "") if p)


# --- volunteers ---------------------------------------------------------------------------------

@page
def volunteer_list(request):
    user = request.user
    selectors.ensure_staff(user)
    skills = list(selectors.skill_list())
    filters = forms.VolunteerFilterForm(request.GET or None, skills=skills)
    data = filters.cleaned_data if filters.is_bound and filters.is_valid() else {}
    qs = selectors.volunteer_list(user=user, q=data.get("q", ""), skill=data.get("skill", ""),
                                  status=data.get("status", Volunteer.Status.ACTIVE) if filters.is_bound else Volunteer.Status.ACTIVE)
    result = capped_page(qs, request.GET.get("page"))
    rows = [{"v": v, "phone": mask_phone(v.contact_phone), "url": reverse("volunteers:detail", args=[v.pk])} for v in result.rows]
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "volunteers/list.html", {"filters": filters, "rows": rows, "page": result,
                                                    "query": params.urlencode(),
                                                    "can_manage": scoping.can(user, "volunteers.manage")})


@page
def volunteer_create(request):
    user = request.user
    _require(user, "volunteers.manage")
    services.ensure_not_resident(user)
    q = request.GET.get("q", "").strip()
    found = list(registry_selectors.resident_list(user=user, q=q)[:20]) if q else []
    residents = [{"id": r.pk, "label": _resident_label(r)} for r in found]
    chosen = request.POST.get("resident") if request.method == "POST" else None
    if chosen and _int(chosen) not in {r["id"] for r in residents}:
        r = registry_selectors.resident_get(user=user, pk=_int(chosen))
        residents.insert(0, {"id": r.pk, "label": _resident_label(r)})
    form = forms.VolunteerForm(request.POST or None, residents=residents, nodes=node_options(user),
                               skills=selectors.skill_list())
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        ok, volunteer = attempt(lambda: services.volunteer_register(
            actor=user, resident_id=d["resident"], name=d["name"], phone=d["phone"], node_id=d["node"],
            skills=d["skills"], emergency_ready=d["emergency_ready"], note=d["note"]), form=form)
        if ok:
            messages.success(request, _("志愿者已登记"))
            return redirect("volunteers:detail", pk=volunteer.pk)
    return render(request, "volunteers/volunteer_form.html", {"form": form, "q": q, "searched": bool(q)},
                  status=422 if form.is_bound and form.errors else 200)


@page
def volunteer_detail(request, pk: int):
    user = request.user
    volunteer = selectors.volunteer_get(user=user, pk=pk)
    skills = list(selectors.skill_list())
    form = None
    if scoping.can(user, "volunteers.manage"):
        form = forms.VolunteerEditForm(request.POST or None, skills=skills, initial={
            "skills": [s.code for s in volunteer.skills.all()], "status": volunteer.status,
            "emergency_ready": volunteer.emergency_ready, "note": volunteer.note})
        if request.method == "POST" and form.is_valid():
            d = form.cleaned_data
            ok, _v = attempt(lambda: services.volunteer_update(actor=user, volunteer_id=pk, skills=d["skills"],
                                                               status=d["status"], emergency_ready=d["emergency_ready"],
                                                               note=d["note"]), form=form)
            if ok:
                messages.success(request, _("已保存"))
                return redirect("volunteers:detail", pk=pk)
    return render(request, "volunteers/detail.html", {
        "v": volunteer, "phone": mask_phone(volunteer.contact_phone), "form": form,
        "hours": selectors.volunteer_hours(volunteer=volunteer),
        "signups": list(selectors.volunteer_signups(volunteer=volunteer)[:50]),
    })


@page
def volunteer_export(request):
    """The register with confirmed hours as .xlsx (the same scope and filters as the list; phones
    masked; audited). Capped at ``EXPORT_MAX`` rows."""
    from django.http import FileResponse

    from shequ.core.audit import audit_record
    from shequ.transfer.exports import xlsx_file

    user = request.user
    _require(user, "volunteers.view")
    selectors.ensure_staff(user)
    filters = forms.VolunteerFilterForm(request.GET or None, skills=list(selectors.skill_list()))
    data = filters.cleaned_data if filters.is_bound and filters.is_valid() else {}
    qs = selectors.volunteer_list(user=user, q=data.get("q", ""), skill=data.get("skill", ""),
                                  status=data.get("status", Volunteer.Status.ACTIVE) if filters.is_bound else Volunteer.Status.ACTIVE)
    rows = [[v.display_name, _("登记居民") if v.resident_id else _("非本辖区登记居民"), mask_phone(v.contact_phone),
             v.community.name if v.community_id else "", v.grid.name if v.grid_id else "",
             "、".join(s.name for s in v.skills.all()), str(v.get_status_display()), float(v.total_hours or 0),
             v.registered_at.astimezone(SHANGHAI).date().isoformat()] for v in qs[:EXPORT_MAX]]
    headers = [_("姓名"), _("身份"), _("联系电话"), _("社区"), _("网格"), _("技能"), _("状态"), _("服务时长(小时)"), _("注册时间")]
    audit_record(actor=user, verb="volunteer.exported", target_type="volunteers.volunteer", target_repr=f"{len(rows)} records",
                 extra={"rows": len(rows), "filters": {k: str(v) for k, v in data.items()}})
    return FileResponse(xlsx_file([str(h) for h in headers], rows, title=str(_("志愿者"))), as_attachment=True,
                        filename="volunteers.xlsx")


#: The most rows one export holds.
EXPORT_MAX = 20000


# --- activities ---------------------------------------------------------------------------------

@page
def activity_list(request):
    user = request.user
    selectors.ensure_staff(user)
    status = request.GET.get("status", "")
    status = status if status in Activity.Status.values else ""
    result = capped_page(selectors.activity_list(user=user, status=status), request.GET.get("page"))
    return render(request, "volunteers/activities.html", {
        "rows": result.rows, "page": result, "query": f"status={status}" if status else "", "status": status,
        "statuses": Activity.Status.choices, "can_manage": scoping.can(user, "volunteers.manage")})


@page
def activity_create(request):
    user = request.user
    _require(user, "volunteers.manage")
    services.ensure_not_resident(user)
    form = forms.ActivityForm(request.POST or None, nodes=node_options(user), skills=selectors.skill_list())
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        ok, activity = attempt(lambda: services.activity_create(
            actor=user, title=d["title"], kind=d["kind"], node_id=d["node"], place=d["place"],
            starts_at=_aware(d["starts_at"]), ends_at=_aware(d["ends_at"]), capacity=d["capacity"], hours=d["hours"],
            skills=d["skills"], description=d["description"]), form=form)
        if ok:
            messages.success(request, _("活动已发布"))
            return redirect("volunteers:activity", pk=activity.pk)
    return render(request, "volunteers/activity_form.html", {"form": form},
                  status=422 if form.is_bound and form.errors else 200)


def _activity_page(request, activity: Activity, *, signup_form=None, status: int = 200):
    user = request.user
    can_manage = scoping.can(user, "volunteers.manage")
    signups = selectors.activity_signups(activity=activity)
    if can_manage and signup_form is None:
        taken = {s.volunteer_id for s in signups if s.status != SignUp.Status.CANCELLED}
        pool = selectors.volunteer_list(user=user, node=activity.community).exclude(pk__in=taken)[:200]
        signup_form = forms.SignUpForm(volunteers=pool, prefix="signup")
    return render(request, "volunteers/activity.html", {
        "a": activity, "signups": signups, "signup_form": signup_form, "can_manage": can_manage,
        "is_open": activity.status in (Activity.Status.OPEN, Activity.Status.CLOSED),
        "places_left": max(activity.capacity - activity.taken, 0),
    }, status=status)


@page
def activity_detail(request, pk: int):
    return _activity_page(request, selectors.activity_get(user=request.user, pk=pk))


@page
@require_POST
def activity_action(request, pk: int, action: str):
    user = request.user
    _require(user, "volunteers.manage")
    activity = selectors.activity_get(user=user, pk=pk)
    if action == "signup":
        form = forms.SignUpForm(request.POST, prefix="signup",
                                volunteers=selectors.volunteer_list(user=user, node=activity.community)[:200])
        if form.is_valid():
            ok, _s = attempt(lambda: services.signup_create(actor=user, activity_id=pk,
                                                            volunteer_id=form.cleaned_data["volunteer"]), form=form)
            if ok:
                messages.success(request, _("已报名"))
                return redirect("volunteers:activity", pk=pk)
        return _activity_page(request, selectors.activity_get(user=user, pk=pk), signup_form=form, status=422)
    if action in ("closed", "open", "finished", "cancelled"):
        ok, _a = attempt(lambda: services.activity_set_status(actor=user, activity_id=pk, status=action), request=request)
        if ok:
            messages.success(request, _("活动状态已更新"))
        return redirect("volunteers:activity", pk=pk)
    raise_404()


def raise_404():
    from django.http import Http404

    raise Http404()


@page
@require_POST
def signup_action(request, pk: int, action: str):
    user = request.user
    writes = {
        "check-in": lambda: services.signup_check_in(actor=user, signup_id=pk),
        "absent": lambda: services.signup_mark_absent(actor=user, signup_id=pk),
        "cancel": lambda: services.signup_cancel(actor=user, signup_id=pk),
        "confirm": lambda: services.signup_confirm_hours(actor=user, signup_id=pk, hours=request.POST.get("hours") or None),
    }
    if action not in writes:
        raise_404()
    ok, signup = attempt(writes[action], request=request)
    if ok:
        messages.success(request, _("已记录"))
        return redirect("volunteers:activity", pk=signup.activity_id)
    activity_id = SignUp.objects.filter(pk=pk).values_list("activity_id", flat=True).first()
    return redirect("volunteers:activity", pk=activity_id) if activity_id else redirect("volunteers:activities")


# --- leaderboard --------------------------------------------------------------------------------

@page
def leaderboard(request):
    user = request.user
    selectors.ensure_staff(user)
    period = forms.PeriodForm(request.GET or None)
    d = period.cleaned_data if period.is_bound and period.is_valid() else {}
    rows = selectors.leaderboard(user=user, start=d.get("start"), end=d.get("end"), limit=30)
    chart = bar_chart([{"name": r["name"], "hours": float(r["hours"])} for r in rows[:15]], "name", "hours",
                      title=_("服务时长(小时)")) if rows else ""
    return render(request, "volunteers/leaderboard.html", {"rows": rows, "period": period, "chart": chart})


# --- call-outs ----------------------------------------------------------------------------------

@page
def callout_list(request):
    user = request.user
    selectors.ensure_staff(user)
    form = None
    if scoping.can(user, "volunteers.manage"):
        form = forms.CallOutForm(request.POST or None, grids=node_options(user, (Level.GRID,)))
        if request.method == "POST" and form.is_valid():
            d = form.cleaned_data
            ok, callout = attempt(lambda: services.callout_create(actor=user, grid_id=d["grid"], kind=d["kind"],
                                                                  message=d["message"], needed=d["needed"]), form=form)
            if ok:
                messages.success(request, _("已召集 %(n)d 名志愿者") % {"n": callout.replies.count()})
                return redirect("volunteers:callout", pk=callout.pk)
    result = capped_page(selectors.callout_list(user=user), request.GET.get("page"))
    return render(request, "volunteers/callouts.html", {"rows": result.rows, "page": result, "query": "", "form": form},
                  status=422 if form is not None and form.is_bound and form.errors else 200)


@page
def callout_detail(request, pk: int):
    user = request.user
    callout = selectors.callout_get(user=user, pk=pk)
    replies = selectors.callout_replies(callout=callout)
    form = None
    if scoping.can(user, "volunteers.manage") and callout.status == callout.Status.OPEN:
        form = forms.AnswerForm(request.POST or None, volunteers=[(r.volunteer_id, r.volunteer.display_name) for r in replies])
        if request.method == "POST" and form.is_valid():
            ok, _r = attempt(lambda: services.callout_answer(actor=user, callout_id=pk, answer=form.cleaned_data["answer"],
                                                             volunteer_id=form.cleaned_data["volunteer"]), form=form)
            if ok:
                return redirect("volunteers:callout", pk=pk)
    yes = sum(1 for r in replies if r.answer == CallOutReply.Answer.YES)
    rows = [{"r": r, "phone": mask_phone(r.volunteer.contact_phone)} for r in replies]
    return render(request, "volunteers/callout.html", {"c": callout, "rows": rows, "called": len(rows), "form": form,
                                                       "yes": yes})


@page
@require_POST
def callout_close(request, pk: int):
    _ok, _c = attempt(lambda: services.callout_close(actor=request.user, callout_id=pk), request=request)
    return redirect("volunteers:callout", pk=pk)


# --- the resident's own page (/s/volunteer/) -------------------------------------------------------

@page
def mine(request):
    user = request.user
    volunteer = selectors.my_volunteer(user=user)
    now = timezone.now()
    activities = list(selectors.my_open_activities(user=user, now=now)[:30])
    signups = list(selectors.my_signups(volunteer=volunteer)[:30]) if volunteer else []
    signed = {s.activity_id: s for s in signups if s.status != SignUp.Status.CANCELLED}
    calls = list(selectors.my_callout_replies(volunteer=volunteer)) if volunteer else []
    return render(request, "volunteers/mine.html", {
        "volunteer": volunteer, "activities": [{"a": a, "signup": signed.get(a.pk),
                                                "full": a.taken >= a.capacity} for a in activities],
        "signups": signups, "calls": calls, "skills": list(selectors.skill_list()),
        "hours": selectors.volunteer_hours(volunteer=volunteer) if volunteer else 0,
    })


@page
@require_POST
def mine_register(request):
    ok, _v = attempt(lambda: services.volunteer_self_register(actor=request.user, skills=request.POST.getlist("skills")),
                     request=request)
    if ok:
        messages.success(request, _("您已注册为志愿者,感谢参与!"))
    return redirect("volunteers:mine")


@page
@require_POST
def mine_signup(request, pk: int):
    ok, _s = attempt(lambda: services.signup_create(actor=request.user, activity_id=pk), request=request)
    if ok:
        messages.success(request, _("报名成功"))
    return redirect("volunteers:mine")


@page
@require_POST
def mine_cancel(request, pk: int):
    ok, _s = attempt(lambda: services.signup_cancel(actor=request.user, signup_id=pk), request=request)
    if ok:
        messages.success(request, _("已取消报名"))
    return redirect("volunteers:mine")


@page
@require_POST
def mine_answer(request, pk: int):
    ok, _r = attempt(lambda: services.callout_answer(actor=request.user, callout_id=pk,
                                                     answer=request.POST.get("answer", "")), request=request)
    if ok:
        messages.success(request, _("已回复"))
    return redirect("volunteers:mine")
