"""Pages of the star rating: the review desk (乡镇考评台 and the organization department's desk),
one rating with the step its user may take, the public star board (亮星), the city overview with
the grade distribution and the eligibility lists (and its Excel export), the cadres' assessment
page, and the residents' mass-assessment survey.

Thin, like ``shequ.web.views``: the role is checked first (403), reads go through ``selectors``
(404 outside scope), writes through ``services`` via ``attempt`` (a refused step is shown on the
page that asked for it, with what was typed, and nothing is written).
"""
from __future__ import annotations

import datetime as dt
import io

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from shequ.core.audit import audit_record
from shequ.core.errors import NotAllowed, NotInScope, ShequError
from shequ.jurisdiction import scoping
from shequ.jurisdiction import selectors as tree
from shequ.web.paging import capped_page
from shequ.web.views import _form_error, _require, attempt, page, public

from . import forms, rules, selectors, services
from .cadre import cadre_coefficient
from .models import MassVote, Rating, StarChange
from .perms import may

R = Rating.Status

#: Timeline verbs as shown to people.
VERBS = {
    "assessed": gettext_lazy("乡镇考评"), "reassessed": gettext_lazy("乡镇重新考评"), "reviewed": gettext_lazy("市属部门复核验收"),
    "returned": gettext_lazy("退回"), "approved": gettext_lazy("市委审定授星"), "objected": gettext_lazy("公示期异议"),
    "objection_answered": gettext_lazy("答复异议"), "published": gettext_lazy("公示期满,亮星"),
    "star_removed": gettext_lazy("季度核查减星"), "star_add_proposed": gettext_lazy("申请增星"),
    "star_added": gettext_lazy("市委同意增星"), "star_add_refused": gettext_lazy("市委不同意增星"),
}

STEPS = [(R.MASS, gettext_lazy("群众测评")), (R.ASSESSED, gettext_lazy("乡镇考评")), (R.REVIEWED, gettext_lazy("市属部门复核验收")),
         (R.PUBLICITY, gettext_lazy("市委审定授星")), (R.PUBLISHED, gettext_lazy("公示亮星"))]
#: The step a rating is at (the one to be done next); PUBLISHED: all five done.
_ORDER = {R.MASS: 0, R.RETURNED: 1, R.ASSESSED: 2, R.REVIEWED: 3, R.PUBLICITY: 4, R.PUBLISHED: 5}


def _today() -> dt.date:
    return services.local_day(timezone.now())


def _date(value, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else default
    except ValueError:
        return default


def _cycle_from(request):
    """The cycle named by ``?year=``, else the current one; None when no cycle exists."""
    year = request.GET.get("year") or request.POST.get("year")
    if year and str(year).isdigit():
        return selectors.cycle_get(year=int(year))
    return selectors.current_cycle(_today())


def _steps(rating: Rating) -> list[dict]:
    at = {R.MASS: rating.mass_closed_at, R.ASSESSED: rating.assessed_at, R.REVIEWED: rating.reviewed_at,
          R.PUBLICITY: rating.approved_at, R.PUBLISHED: rating.published_at}
    current = _ORDER[rating.status]
    return [{"label": label, "at": at[status] if i < current else None, "done": i < current, "current": i == current}
            for i, (status, label) in enumerate(STEPS)]


# --- the desk ----------------------------------------------------------------------------------

@page
def desk(request):
    user = request.user
    _require(user, "stars.view")
    cycle = _cycle_from(request)
    if cycle is None:
        return render(request, "stars/desk.html", {"cycle": None, "can_configure": may(user, "stars.configure")})
    years = list(selectors.cycle_list().values_list("year", flat=True))
    streets = [n for n in selectors.overview_nodes(user=user) if n.level == "street"]
    filters = forms.FilterForm(request.GET or None, years=years, streets=streets, initial={"year": cycle.year})
    data = filters.cleaned_data if filters.is_bound and filters.is_valid() else {}
    qs = selectors.rating_list(user=user, cycle=cycle, street=data.get("street"), status=data.get("status", ""),
                               q=data.get("q", ""), grade=data.get("grade", ""))
    result = capped_page(qs, request.GET.get("page"))
    t = cycle.thresholds
    rows = [{"rating": r, "url": reverse("stars:rating", args=[r.pk]),
             "grade": rules.grade_label(rules.grade_of(r.stars_held, t)) if r.awarded else "",
             "grade_key": rules.grade_of(r.stars_held, t) if r.awarded else "",
             "participation": (r.mass_votes / r.mass_households) if r.mass_households else None} for r in result.rows]
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "stars/desk.html", {
        "cycle": cycle, "filters": filters, "rows": rows, "page": result, "query": params.urlencode(),
        "pending": list(selectors.pending_changes(user=user)[:50]) if may(user, "stars.approve") else [],
        "objections": list(selectors.open_objections(user=user)[:50]) if may(user, "stars.answer") else [],
        "can_open": may(user, "stars.assess") or may(user, "stars.configure"),
        "can_configure": may(user, "stars.configure"),
    })


@page
def cycle_create(request):
    """Set up a rating year (the organization department): its dates and thresholds; stars are
    copied from the latest year (or the ten defaults) and every community in scope gets a rating."""
    user = request.user
    if not may(user, "stars.configure"):
        _require(user, "stars.configure")
    form = forms.CycleForm(request.POST or None, initial=selectors.cycle_defaults(timezone.localdate()))
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        ok, cycle = attempt(lambda: services.cycle_create(actor=user, year=d.pop("year"), mass_start=d.pop("mass_start"),
                                                          mass_end=d.pop("mass_end"), **d), form=form)
        if ok:
            messages.success(request, _("已设立 %(year)s 年度考评") % {"year": cycle.year})
            return redirect(f"{reverse('stars:desk')}?year={cycle.year}")
    return render(request, "stars/cycle_form.html", {"form": form}, status=422 if form.errors else 200)


@page
@require_POST
def ratings_open(request):
    cycle = _cycle_from(request)
    if cycle is None:
        raise NotInScope(_("尚未设立考评年度"))
    ok, opened = attempt(lambda: services.ratings_open(actor=request.user, cycle_id=cycle.pk), request=request)
    if ok:
        messages.success(request, _("已补开 %(n)s 个社区/村的评定") % {"n": opened})
    return redirect(f"{reverse('stars:desk')}?year={cycle.year}")


# --- one rating -------------------------------------------------------------------------------------

def _sheet(stars, rows: dict, data=None) -> list[dict]:
    sheet = []
    for star in stars:
        row = rows.get(star.pk)
        saved = row.item_scores if row else {}
        items = [{"item": item, "name": f"i{item.pk}",
                  "value": data.get(f"i{item.pk}", "") if data is not None else saved.get(str(item.pk), "")}
                 for item in star.items.all()]
        sheet.append({"star": star, "row": row, "items": items})
    return sheet


def _detail(request, rating: Rating, *, bound: dict | None = None, status: int = 200):
    user = request.user
    today = _today()
    on = _date(request.GET.get("on"), today)
    stars = selectors.cycle_stars(rating.cycle)
    rows = {row.star_id: row for row in rating.rows.all()}
    standing = selectors.standing_of(rating=rating, on=on)
    bound = bound or {}
    action = bound.get("action")
    s = rating.status
    may_review, may_approve = may(user, "stars.review"), may(user, "stars.approve")
    held_now = standing.stars if on == today else selectors.standing_of(rating=rating, on=today).stars
    change_form = bound.get("form") if action == "change" else forms.ChangeForm(stars=stars, prefix="change")
    pending = list(rating.changes.filter(status=StarChange.Status.PENDING).select_related("star", "proposed_by"))
    objections = list(selectors.rating_objections(rating=rating))
    answer_forms = {o.pk: (bound["form"] if action == f"answer{o.pk}" else forms.AnswerForm(prefix=f"o{o.pk}"))
                    for o in objections if o.answered_at is None}
    decide_forms = {c.pk: (bound["form"] if action == f"decide{c.pk}" else forms.DecideForm(prefix=f"c{c.pk}"))
                    for c in pending}
    return render(request, "stars/rating.html", {
        "rating": rating, "cycle": rating.cycle, "steps": _steps(rating), "on": on, "today": today,
        "standing": standing, "grade_key": standing.grade,
        "board": [{"star": st, "lit": st.pk in standing.stars} for st in stars],
        "recommendations": standing.recommendations() if rating.awarded else [],
        "rows": [{"star": st, "row": rows.get(st.pk)} for st in stars],
        "participation": (rating.mass_votes / rating.mass_households) if rating.mass_households else None,
        "can_assess": may(user, "stars.assess") and s in (R.MASS, R.RETURNED, R.ASSESSED),
        "sheet": _sheet(stars, rows, bound.get("data") if action == "assess" else None),
        "can_review": may_review and s == R.ASSESSED,
        "can_approve": may_approve and s == R.REVIEWED,
        "can_return": (may_review and s == R.ASSESSED) or (may_approve and s == R.REVIEWED),
        "can_publish": may_approve and s == R.PUBLICITY,
        "publicity_over": bool(rating.publicity_end and today > rating.publicity_end),
        "can_check": may(user, "stars.check") and rating.awarded,
        "can_decide": may_approve, "can_answer": may(user, "stars.answer"),
        "change_form": change_form, "held_now": held_now,
        "pending": [{"change": c, "form": decide_forms[c.pk]} for c in pending],
        "objections": [{"objection": o, "form": answer_forms.get(o.pk)} for o in objections],
        "history": list(selectors.rating_history(rating=rating)),
        "events": [{"event": e, "verb": VERBS.get(e.verb, e.verb)} for e in selectors.rating_timeline(rating=rating)],
        "error": bound.get("error"), "action": action, "data": bound.get("data") or {},
        "return_form": bound.get("form") if action == "return" else forms.NoteForm(prefix="return"),
    }, status=status)


@page
def rating_detail(request, pk: int):
    _require(request.user, "stars.view")
    return _detail(request, selectors.rating_get(user=request.user, pk=pk))


def _flags(data, prefix: str, rows) -> dict[int, str]:
    """{star id: reason} for the stars whose ``<prefix>_<id>`` box is ticked."""
    return {row.star_id: data.get(f"reason_{row.star_id}", "") for row in rows if data.get(f"{prefix}_{row.star_id}")}


@page
@require_POST
def rating_action(request, pk: int, action: str):
    user = request.user
    _require(user, "stars.view")
    rating = selectors.rating_get(user=user, pk=pk)
    data = request.POST
    rows = list(rating.rows.all())
    form = None
    if action == "assess":
        stars = selectors.cycle_stars(rating.cycle)
        scores = {st.pk: {i.pk: data.get(f"i{i.pk}", "").strip() for i in st.items.all()} for st in stars}

        def write():
            return services.township_assess(actor=user, rating_id=pk, scores=scores, note=data.get("note", ""))
        done = _("已完成乡镇考评")
    elif action == "review":
        def write():
            return services.rating_review(actor=user, rating_id=pk, rejected=_flags(data, "reject", rows),
                                          note=data.get("note", ""))
        done = _("已复核验收")
    elif action == "approve":
        def write():
            return services.rating_approve(actor=user, rating_id=pk, struck=_flags(data, "strike", rows),
                                           note=data.get("note", ""))
        done = _("已审定授星,开始公示")
    elif action == "publish":
        def write():
            return services.rating_publish(actor=user, rating_id=pk)
        done = _("公示期满,已亮星")
    elif action == "return":
        form = forms.NoteForm(data, prefix="return")
        if not form.is_valid():
            return _detail(request, rating, bound={"action": action, "form": form}, status=422)

        def write():
            return services.rating_return(actor=user, rating_id=pk, note=form.cleaned_data["note"])
        done = _("已退回")
    elif action == "change":
        form = forms.ChangeForm(data, request.FILES, stars=selectors.cycle_stars(rating.cycle), prefix="change")
        if not form.is_valid():
            return _detail(request, rating, bound={"action": action, "form": form}, status=422)
        d = form.cleaned_data
        fn = services.star_remove if d["kind"] == StarChange.Kind.REMOVE else services.star_add_propose

        def write():
            return fn(actor=user, rating_id=pk, star_id=d["star"], reason=d["reason"], evidence=d["evidence"],
                      attachment=d["attachment"])
        done = _("已减星") if d["kind"] == StarChange.Kind.REMOVE else _("已申请增星,待市委审定")
    else:
        raise NotInScope(_("记录不存在或不在您的辖区内"))
    try:
        write()
    except (NotInScope, NotAllowed):
        raise
    except ShequError as exc:
        if form is not None:
            _form_error(form, exc)
        return _detail(request, rating, bound={"action": action, "form": form, "data": data, "error": exc.message},
                       status=422)
    messages.success(request, done)
    return redirect("stars:rating", pk=pk)


def _row_action(request, pk: int, key: str, form, write, done: str):
    """A decision on one row of a rating's page (an addition, an objection): the form, then the service."""
    _require(request.user, "stars.view")
    rating = selectors.rating_get(user=request.user, pk=pk)
    if form.is_valid():
        ok, _r = attempt(lambda: write(form.cleaned_data), form=form)
        if ok:
            messages.success(request, done)
            return redirect("stars:rating", pk=pk)
    return _detail(request, rating, bound={"action": key, "form": form}, status=422)


@page
@require_POST
def change_decide(request, pk: int, change_id: int):
    return _row_action(request, pk, f"decide{change_id}", forms.DecideForm(request.POST, prefix=f"c{change_id}"),
                       lambda d: services.star_change_decide(actor=request.user, change_id=change_id,
                                                             approve=d["approve"], note=d["note"]),
                       _("已审定增星申请"))


@page
@require_POST
def objection_answer(request, pk: int, objection_id: int):
    return _row_action(request, pk, f"answer{objection_id}", forms.AnswerForm(request.POST, prefix=f"o{objection_id}"),
                       lambda d: services.objection_answer(actor=request.user, objection_id=objection_id,
                                                           outcome=d["outcome"], answer=d["answer"],
                                                           remove_star=d["remove_star"]),
                       _("已答复异议"))


# --- the public star board (亮星) ------------------------------------------------------------------------

@public
def board(request, community_id: int):
    year = request.GET.get("year")
    cycle = selectors.cycle_get(year=int(year)) if year and year.isdigit() else None
    rating = selectors.board_rating(community_id=community_id, cycle=cycle)
    today = _today()
    on = _date(request.GET.get("on"), today)
    standing = selectors.standing_of(rating=rating, on=on)
    stars = selectors.cycle_stars(rating.cycle)
    in_publicity = rating.status == R.PUBLICITY and today <= rating.publicity_end
    user = request.user
    may_object = bool(in_publicity and user.is_authenticated and services.may_object(user, rating))
    form = forms.ObjectionForm(stars=stars, prefix="objection")
    status = 200
    if request.method == "POST":
        if not may_object:
            raise NotInScope(_("记录不存在或不在您的辖区内"))
        form = forms.ObjectionForm(request.POST, stars=stars, prefix="objection")
        if form.is_valid():
            ok, _r = attempt(lambda: services.objection_file(actor=user, rating_id=rating.pk, text=form.cleaned_data["text"],
                                                             star_id=form.cleaned_data["star"]), form=form)
            if ok:
                messages.success(request, _("异议已提交,将在公示期内答复"))
                return redirect(request.path)
        status = 422
    counts = list(rating.objections.values_list("answered_at", flat=True))
    return render(request, "stars/board.html", {
        "rating": rating, "cycle": rating.cycle, "on": on, "today": today, "standing": standing,
        "board": [{"star": st, "lit": st.pk in standing.stars} for st in stars],
        "recommendations": standing.recommendations(), "in_publicity": in_publicity, "may_object": may_object,
        "form": form, "objections_filed": len(counts), "objections_answered": sum(1 for a in counts if a),
        "login_url": f"{reverse('web:login')}?next={request.path}",
    }, status=status)


# --- the resident's survey (群众测评) --------------------------------------------------------------------

@page
def rate(request):
    user = request.user
    _require(user, "stars.rate")
    cycle = selectors.current_cycle(_today())
    rating = selectors.resident_rating(user=user, cycle=cycle) if cycle else None
    stars = selectors.cycle_stars(cycle) if rating else []
    today = _today()
    open_ = bool(rating and rating.status == R.MASS and rating.mass_closed_at is None
                 and cycle.mass_start <= today <= cycle.mass_end)
    voted = bool(rating and selectors.has_voted(user=user, rating=rating))
    error, status, chosen = None, 200, {}
    if request.method == "POST" and rating is not None:
        chosen = {st.pk: request.POST.get(f"s{st.pk}", "") for st in stars}
        ok, _r = attempt(lambda: services.mass_vote(actor=user, cycle_id=cycle.pk, answers=chosen,
                                                    comment=request.POST.get("comment", "")), request=request)
        if ok:
            messages.success(request, _("感谢您参加测评"))
            return redirect("stars:rate")
        status = 422
    return render(request, "stars/rate.html", {
        "cycle": cycle, "rating": rating, "open": open_, "voted": voted, "error": error,
        "stars": [{"star": st, "name": f"s{st.pk}", "chosen": chosen.get(st.pk, "")} for st in stars],
        "answers": MassVote.Answer.choices, "linked": services.resident_community_id(user) is not None,
    }, status=status)


# --- the city overview --------------------------------------------------------------------------------------

def _overview(request):
    user = request.user
    _require(user, "stars.view")
    cycle = _cycle_from(request)
    if cycle is None:
        raise NotInScope(_("尚未设立考评年度"))
    node_id = request.GET.get("node")
    node = tree.node_get(user=user, pk=int(node_id)) if node_id and node_id.isdigit() else None
    on = _date(request.GET.get("on"), _today())
    return selectors.overview(user=user, cycle=cycle, on=on, node=node), node


@page
def overview(request):
    result, node = _overview(request)
    nodes = selectors.overview_nodes(user=request.user)
    params = request.GET.copy()
    return render(request, "stars/overview.html", {
        "o": result, "node": node, "nodes": nodes, "years": list(selectors.cycle_list().values_list("year", flat=True)),
        "chart_rows": [{"label": d["label"], "count": d["count"]} for d in result.distribution],
        "can_export": scoping.can(request.user, "stars.export"), "query": params.urlencode(),
    })


@page
def overview_export(request):
    _require(request.user, "stars.export")
    from openpyxl import Workbook
    from openpyxl.styles import Font

    result, node = _overview(request)
    wb = Workbook()
    ws = wb.active
    ws.title = _("星级评定")
    ws.append([_("年度"), result.cycle.year, _("截至"), result.on.isoformat(), _("范围"), node.name if node else _("本辖区")])
    keys = ["wuhao", "city", "region", rules.Gate.DOUBLE_FIVE, rules.Gate.CIVILIZED, rules.Gate.SAFE]
    header = [_("街道/乡镇"), _("社区/村党组织"), _("环节"), _("星数"), _("等次"), _("获评的星"), _("参评人数"), _("户数")]
    header += [str(rules.RECOMMENDATION_LABELS[k]) for k in keys]
    ws.append([str(h) for h in header])
    for cell in ws[2]:
        cell.font = Font(bold=True)
    names = dict(result.cycle.stars.values_list("pk", "name"))
    for row in result.rows:
        r, s = row["rating"], row["standing"]
        recs = {rec.key: rec.eligible for rec in s.recommendations()} if s else {}
        ws.append([r.street.name if r.street_id else "", r.organization_label, str(r.get_status_display()),
                   s.count if s else None, s.grade_label if s else "",
                   "、".join(names[pk] for pk in sorted(s.stars, key=lambda pk: list(names).index(pk))) if s else "",
                   r.mass_votes, r.mass_households]
                  + [("" if k not in recs else (_("是") if recs[k] else _("否"))) for k in keys])
    out = io.BytesIO()
    wb.save(out)
    audit_record(actor=request.user, verb="stars.exported", node_id=node.pk if node else None,
                 extra={"year": result.cycle.year, "on": result.on.isoformat(), "rows": len(result.rows)})
    response = HttpResponse(out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="stars-{result.cycle.year}-{result.on:%Y%m%d}.xlsx"'
    return response


# --- the cadres' assessment -----------------------------------------------------------------------------------

@page
def cadres(request):
    user = request.user
    _require(user, "stars.view")
    communities = list(selectors.community_choices(user=user)[:2000])
    community_id = request.GET.get("community")
    community = None
    if community_id and community_id.isdigit():
        community = tree.node_get(user=user, pk=int(community_id))
    elif len(communities) == 1:
        community = communities[0]
    years = list(selectors.cycle_list().values_list("year", flat=True))
    year = request.GET.get("year")
    year = int(year) if year and year.isdigit() else (years[0] if years else _today().year)
    workers = selectors.community_workers(user=user, community=community) if community else []
    result = cadre_coefficient(community.pk, year) if community else None
    return render(request, "stars/cadres.html", {
        "communities": communities, "community": community, "years": years, "year": year,
        "workers": workers, "result": result,
    })
