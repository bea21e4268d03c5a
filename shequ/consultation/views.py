"""Pages of community consultation: the staff pages (topics through their procedure), the resident
pages at /s/consultations/ (see the topics of one's community, vote from a phone, raise a topic)
and the public page of published results at /public/consultations/.

Thin like ``shequ.agency.views``: reads through ``selectors`` (404 outside scope), writes through
``services`` via ``attempt`` (a refusal is shown on the form that asked for it and nothing is
written), the role checked before anything is loaded (403).
"""
from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.core.errors import InvalidInput
from shequ.jurisdiction import scoping
from shequ.jurisdiction.models import Level
from shequ.registry import selectors as registry_selectors
from shequ.volunteers.views import _aware, node_options
from shequ.web.paging import capped_page
from shequ.web.views import _require, attempt, page, public

from . import forms, selectors, services
from .models import ParticipantKind, Topic

S = Topic.Status


def _today():
    return services.local_date(timezone.now())


def _resident_by_key(user, key: str) -> int:
    """A resident of the user's area by full ID number or phone (the registry's keyed-hash lookup)."""
    found = list(registry_selectors.resident_list(user=user, q=(key or "").strip())[:2]) if (key or "").strip() else []
    if len(found) != 1:
        raise InvalidInput(_("辖区内未找到唯一对应的居民,请填写完整身份证号或电话"), extra={"field": "voter"})
    return found[0].pk


# --- staff ----------------------------------------------------------------------------------------

@page
def topic_list(request):
    user = request.user
    selectors.ensure_staff(user)
    filters = forms.TopicFilterForm(request.GET or None)
    d = filters.cleaned_data if filters.is_bound and filters.is_valid() else {}
    qs = selectors.topic_list(user=user, status=d.get("status", ""), kind=d.get("kind", ""), q=d.get("q", ""))
    result = capped_page(qs, request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    overdue = selectors.overdue_actions(user=user)[:10]
    return render(request, "consultation/list.html", {
        "filters": filters, "rows": result.rows, "page": result, "query": params.urlencode(),
        "can_manage": scoping.can(user, "consultation.manage"), "overdue": list(overdue)})


@page
def topic_create(request):
    user = request.user
    _require(user, "consultation.manage")
    services.ensure_not_resident(user)
    units = [(u.pk, u.name) for u in registry_selectors.establishment_list(user=user)[:200]]
    form = forms.TopicForm(request.POST or None, communities=node_options(user, (Level.COMMUNITY,)), units=units)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data

        def write():
            resident_id = None
            if d["raised_by"] == Topic.RaisedBy.RESIDENT:
                try:
                    resident_id = _resident_by_key(user, d["raiser_id_number"])
                except InvalidInput as exc:
                    raise InvalidInput(exc.message, extra={"field": "raiser_id_number"}) from None
            return services.topic_raise(
                actor=user, community_id=d["community"], title=d["title"], description=d["description"], kind=d["kind"],
                raised_by=d["raised_by"], raised_by_resident_id=resident_id, raised_by_unit_id=d["raised_by_unit"],
                vote_basis=d["vote_basis"], covenant_text=d["covenant_text"])

        ok, topic = attempt(write, form=form)
        if ok:
            messages.success(request, _("议题已登记:%(number)s") % {"number": topic.number})
            return redirect("consultation:detail", pk=topic.pk)
    return render(request, "consultation/topic_form.html", {"form": form},
                  status=422 if form.is_bound and form.errors else 200)


def _forms(topic: Topic, user) -> dict:
    """The forms the topic's state offers this user (none for a read-only role)."""
    result = {}
    manage = scoping.can(user, "consultation.manage")
    if manage and topic.status == S.PROPOSED:
        result["accept"] = forms.AcceptForm(prefix="accept", initial={
            "required_kinds": [str(k) for k in services.DEFAULT_REQUIRED[topic.kind]], "vote_basis": topic.vote_basis})
        result["reject"] = forms.ReasonForm(prefix="reject")
    if manage and topic.status in (S.PROPOSED, S.ACCEPTED):
        result["option"] = forms.OptionForm(prefix="option")
        if topic.kind == Topic.Kind.COVENANT:
            result["draft"] = forms.DraftForm(prefix="draft", initial={"covenant_text": topic.covenant_text})
    if manage and topic.status == S.ACCEPTED:
        result["meeting"] = forms.MeetingForm(prefix="meeting")
        result["participants"] = forms.ParticipantFormSet(prefix="p")
        result["open"] = forms.VoteOpenForm(prefix="open")
    if manage and topic.status == S.VOTING:
        result["paper"] = forms.PaperVoteForm(prefix="paper", options=topic.options.order_by("order"))
        result["extend"] = forms.VoteOpenForm(prefix="extend")
        result["decide"] = forms.DecideForm(prefix="decide")
    if manage and topic.status in services.DECIDED_STATUSES:
        result["action"] = forms.ActionForm(prefix="action")
        result["done"] = forms.ResultForm(prefix="done")
    if scoping.can(user, "consultation.file") and topic.status == S.FILING:
        result["file"] = forms.FileForm(prefix="file")
        result["return"] = forms.ReasonForm(prefix="return")
    return result


def _detail(request, topic: Topic, bound: tuple[str, object] | None = None, status: int = 200):
    user = request.user
    forms_ = _forms(topic, user)
    if bound:
        forms_[bound[0]] = bound[1]
    today = _today()
    actions = [{"a": a, "state": selectors.action_state(a, today)} for a in selectors.topic_actions(topic=topic)]
    missing = selectors.topic_missing_kinds(topic=topic)
    can_publish = scoping.can(user, "consultation.manage") and topic.status == S.FILED
    can_submit_filing = (scoping.can(user, "consultation.manage") and topic.status == S.DECIDED
                         and topic.kind == Topic.Kind.COVENANT)
    step_names = {"accept", "reject", "draft", "open", "paper", "extend", "decide", "file", "return"}
    return render(request, "consultation/detail.html", {
        "t": topic, "forms": forms_, "has_steps": bool(step_names & set(forms_)) or can_publish or can_submit_filing, "bound": bound[0] if bound else "",
        "tally": selectors.topic_tally(topic=topic), "meetings": selectors.topic_meetings(topic=topic),
        "actions": actions, "missing": [ParticipantKind(k).label for k in missing],
        "required": [ParticipantKind(k).label for k in topic.required_kinds if k in ParticipantKind.values],
        "votes_cast": topic.votes.count(), "can_manage": scoping.can(user, "consultation.manage"),
        "can_publish": can_publish, "can_submit_filing": can_submit_filing,
    }, status=status)


@page
def topic_detail(request, pk: int):
    return _detail(request, selectors.topic_get(user=request.user, pk=pk))


#: action -> (form class, write(user, topic, cleaned data, request)).
def _participants(request):
    formset = forms.ParticipantFormSet(request.POST, prefix="p")
    if not formset.is_valid():
        raise InvalidInput(_("参会人填写有误"), extra={"field": "participants"})
    return [f.cleaned_data for f in formset if f.cleaned_data.get("kind") or f.cleaned_data.get("name")]


ACTIONS = {
    "accept": (forms.AcceptForm, lambda u, t, d, r: services.topic_accept(
        actor=u, topic_id=t.pk, required_kinds=d["required_kinds"], vote_basis=d["vote_basis"],
        quorum_percent=d["quorum_percent"], note=d["note"])),
    "reject": (forms.ReasonForm, lambda u, t, d, r: services.topic_reject(actor=u, topic_id=t.pk, reason=d["reason"])),
    "option": (forms.OptionForm, lambda u, t, d, r: services.option_add(actor=u, topic_id=t.pk, text=d["text"])),
    "draft": (forms.DraftForm, lambda u, t, d, r: services.topic_draft_set(actor=u, topic_id=t.pk, covenant_text=d["covenant_text"])),
    "meeting": (forms.MeetingForm, lambda u, t, d, r: services.meeting_record(
        actor=u, topic_id=t.pk, held_at=_aware(d["held_at"]), place=d["place"], minutes=d["minutes"],
        participants=_participants(r))),
    "open": (forms.VoteOpenForm, lambda u, t, d, r: services.vote_open(actor=u, topic_id=t.pk, closes_at=_aware(d["closes_at"]))),
    "extend": (forms.VoteOpenForm, lambda u, t, d, r: services.vote_extend(actor=u, topic_id=t.pk, closes_at=_aware(d["closes_at"]))),
    "paper": (forms.PaperVoteForm, lambda u, t, d, r: services.vote_cast(
        actor=u, topic_id=t.pk, option_id=d["option"], resident_id=_resident_by_key(u, d["voter"]))),
    "decide": (forms.DecideForm, lambda u, t, d, r: services.topic_decide(actor=u, topic_id=t.pk, decision=d["decision"])),
    "action": (forms.ActionForm, lambda u, t, d, r: services.action_add(
        actor=u, topic_id=t.pk, text=d["text"], owner=d["owner"], deadline=d["deadline"])),
    "file": (forms.FileForm, lambda u, t, d, r: services.covenant_file(actor=u, topic_id=t.pk, filing_number=d["filing_number"])),
    "return": (forms.ReasonForm, lambda u, t, d, r: services.covenant_return(actor=u, topic_id=t.pk, reason=d["reason"])),
}


@page
@require_POST
def topic_action(request, pk: int, action: str):
    user = request.user
    topic = selectors.topic_get(user=user, pk=pk)
    if action == "filing":
        attempt(lambda: services.covenant_submit_filing(actor=user, topic_id=pk), request=request)
        return redirect("consultation:detail", pk=pk)
    if action == "publish":
        attempt(lambda: services.covenant_publish(actor=user, topic_id=pk), request=request)
        return redirect("consultation:detail", pk=pk)
    if action not in ACTIONS:
        raise Http404()
    form_class, write = ACTIONS[action]
    kwargs = {"options": topic.options.order_by("order")} if action == "paper" else {}
    form = form_class(request.POST, prefix=action, **kwargs)
    if form.is_valid():
        ok, _result = attempt(lambda: write(user, topic, form.cleaned_data, request), form=form)
        if ok:
            messages.success(request, _("已保存"))
            return redirect(reverse("consultation:detail", args=[pk]) + f"#{action}")
    return _detail(request, selectors.topic_get(user=user, pk=pk), bound=(action, form), status=422)


@page
@require_POST
def action_done(request, pk: int):
    user = request.user
    selectors.action_get(user=user, pk=pk)  # 404 before anything else for an item outside the area
    form = forms.ResultForm(request.POST, prefix="done")
    topic_id = request.POST.get("topic")
    if form.is_valid():
        ok, action = attempt(lambda: services.action_done(actor=user, action_id=pk, result=form.cleaned_data["result"]),
                             request=request)
        if ok:
            messages.success(request, _("已记录落实情况"))
            return redirect("consultation:detail", pk=action.topic_id)
    else:
        messages.error(request, _("请填写落实情况"))
    return redirect("consultation:detail", pk=int(topic_id)) if (topic_id or "").isdigit() else redirect("consultation:list")


# --- the resident's own community (/s/consultations/) ------------------------------------------

@page
def mine(request):
    user = request.user
    topics = list(selectors.my_topic_list(user=user)[:50])
    form = forms.ProposeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ok, _t = attempt(lambda: services.topic_propose_self(actor=user, title=form.cleaned_data["title"],
                                                             description=form.cleaned_data["description"]), form=form)
        if ok:
            messages.success(request, _("议题已提交,社区将在审议后答复"))
            return redirect("consultation:mine")
    return render(request, "consultation/mine.html", {"topics": topics, "form": form},
                  status=422 if form.is_bound and form.errors else 200)


def _my_detail(request, topic: Topic, form=None, status: int = 200):
    user = request.user
    vote = selectors.my_vote(user=user, topic=topic)
    now = timezone.now()
    voting = topic.status == S.VOTING and (topic.vote_closes_at is None or now < topic.vote_closes_at)
    options = list(topic.options.order_by("order"))
    if voting and vote is None and form is None:
        form = forms.VoteForm(options=options)
    today = _today()
    return render(request, "consultation/mine_detail.html", {
        "t": topic, "vote": vote, "voting": voting, "form": form if voting and vote is None else None,
        "tally": selectors.topic_tally(topic=topic) if topic.status != S.VOTING else None,
        "actions": [{"a": a, "state": selectors.action_state(a, today)} for a in selectors.topic_actions(topic=topic)],
        "household_basis": topic.vote_basis == Topic.VoteBasis.HOUSEHOLD,
        "vote_errors": [*form.non_field_errors(), *form["option"].errors] if form is not None and form.is_bound else [],
    }, status=status)


@page
def mine_detail(request, pk: int):
    return _my_detail(request, selectors.my_topic_get(user=request.user, pk=pk))


@page
@require_POST
def mine_vote(request, pk: int):
    user = request.user
    topic = selectors.my_topic_get(user=user, pk=pk)
    form = forms.VoteForm(request.POST, options=topic.options.order_by("order"))
    if form.is_valid():
        ok, _v = attempt(lambda: services.vote_cast(actor=user, topic_id=pk, option_id=form.cleaned_data["option"]), form=form)
        if ok:
            messages.success(request, _("投票成功,感谢参与"))
            return redirect("consultation:mine_detail", pk=pk)
    return _my_detail(request, selectors.my_topic_get(user=user, pk=pk), form=form, status=422)


# --- public ----------------------------------------------------------------------------------

@public
def public_list(request):
    communities = selectors.public_communities()
    chosen = next((c for c in communities if str(c.pk) == request.GET.get("community")), None)
    result = capped_page(selectors.public_topic_list(community=chosen), request.GET.get("page"))
    return render(request, "consultation/public_list.html", {
        "rows": result.rows, "page": result, "query": f"community={chosen.pk}" if chosen else "",
        "communities": communities, "chosen": chosen})


@public
def public_detail(request, pk: int):
    topic = selectors.public_topic_get(pk=pk)
    today = _today()
    meetings = [{"m": m, "kinds": sorted({str(p.get_kind_display()) for p in m.participants.all()})}
                for m in selectors.topic_meetings(topic=topic)]
    return render(request, "consultation/public_detail.html", {
        "t": topic, "tally": selectors.topic_tally(topic=topic), "meetings": meetings,
        "actions": [{"a": a, "state": selectors.action_state(a, today)} for a in selectors.topic_actions(topic=topic)],
        "votes_cast": topic.votes.count()})
