"""Writes of the star rating: cycles, the five steps, quarterly checks and objections.

Each service owns its transaction, checks the actor's capability and scope (``perms.ensure``,
404 outside scope, 403 for a wrong role), moves a rating only through ``models.TRANSITIONS``
(409 otherwise), and writes the timeline event and the audit record in the same transaction.
``now`` may be passed so that tests control the clock; dates are Asia/Shanghai days.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Mapping

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.accounts.models import Role
from shequ.core.audit import audit_record
from shequ.core.errors import Conflict, InvalidInput, NotInScope
from shequ.jurisdiction import scoping
from shequ.jurisdiction.models import Level, Node

from . import rules
from .defaults import DEFAULT_STARS
from .errors import StarsErrorCode
from .models import MassVote, Objection, Rating, RatingEvent, RatingStar, Star, StarChange, StarCycle, StarItem
from .perms import ensure, may

R = Rating.Status
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def local_day(now: dt.datetime) -> dt.date:
    return now.astimezone(SHANGHAI).date()


def _event(rating: Rating, *, actor, verb: str, at: dt.datetime, note: str = "", extra: dict | None = None) -> None:
    RatingEvent.objects.create(rating=rating, at=at, actor=actor if getattr(actor, "pk", None) else None,
                               actor_name=getattr(actor, "username", "") or "system", verb=verb, note=note,
                               extra=extra or {})


def _text(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(message, code=StarsErrorCode.REASON_REQUIRED, extra={"field": field})
    return value


def _locked(actor, rating_id: int, action: str) -> Rating:
    """The rating (404 outside the actor's scope), row-locked, after the capability check (403)."""
    ensure(actor, action)
    found = scoping.get_in_scope(Rating.objects.all(), actor, pk=rating_id)
    return Rating.objects.select_for_update(of=("self",)).select_related("cycle", "organization").get(pk=found.pk)


# --- cycles ----------------------------------------------------------------------------------

@transaction.atomic
def cycle_create(*, actor, year: int, mass_start: dt.date, mass_end: dt.date, copy_stars: bool = True,
                 now: dt.datetime | None = None, **settings) -> StarCycle:
    """Open a year: its thresholds (defaults unless given), its stars (copied with their items from
    the latest earlier cycle, else the ten defaults), and a rating for every community and village
    in the actor's jurisdiction."""
    ensure(actor, "stars.configure")
    now = now or timezone.now()
    if StarCycle.objects.filter(year=year).exists():
        raise Conflict(_("该年度已存在"), code=StarsErrorCode.CYCLE_EXISTS, extra={"field": "year", "year": year})
    unknown = set(settings) - {f.name for f in StarCycle._meta.fields}
    if unknown:
        raise InvalidInput(_("未知的设置项"), extra={"field": sorted(unknown)[0]})
    cycle = StarCycle(year=year, mass_start=mass_start, mass_end=mass_end, **settings)
    _validate(cycle)
    cycle.save()
    previous = StarCycle.objects.filter(year__lt=year).order_by("-year").first() if copy_stars else None
    if previous is not None and previous.stars.exists():
        for star in previous.stars.prefetch_related("items"):
            items = list(star.items.all())
            copy = Star.objects.create(cycle=cycle, code=star.code, name=star.name, order=star.order,
                                       criteria=star.criteria, pass_score=star.pass_score, gate=star.gate)
            StarItem.objects.bulk_create([StarItem(star=copy, order=i.order, text=i.text, points=i.points) for i in items])
    else:
        for order, (code, name, gate, criteria, items) in enumerate(DEFAULT_STARS, start=1):
            star = Star.objects.create(cycle=cycle, code=code, name=name, order=order, criteria=criteria, gate=gate)
            StarItem.objects.bulk_create([StarItem(star=star, order=i, text=text, points=points)
                                          for i, (text, points) in enumerate(items, start=1)])
    opened = _open(cycle, actor)
    audit_record(actor=actor, verb="stars.cycle_created", target=cycle,
                 extra={"year": year, "ratings": opened, "copied_from": previous.year if previous else None})
    return cycle


def _validate(cycle: StarCycle) -> None:
    from django.core.exceptions import ValidationError

    try:
        cycle.full_clean(exclude=["year"] if cycle.pk else None, validate_unique=False)
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise InvalidInput(messages[0], code=StarsErrorCode.BAD_THRESHOLDS, extra={"field": field}) from None


def _open(cycle: StarCycle, actor) -> int:
    communities = scoping.scope_queryset(Node.objects.filter(level=Level.COMMUNITY), actor)
    have = set(Rating.objects.filter(cycle=cycle).values_list("organization_id", flat=True))
    new = []
    for node in communities.exclude(pk__in=have).order_by("path"):
        rating = Rating(cycle=cycle, organization=node)
        rating.copy_location(node)
        new.append(rating)
    Rating.objects.bulk_create(new, batch_size=500)
    return len(new)


@transaction.atomic
def ratings_open(*, actor, cycle_id: int) -> int:
    """Add the missing ratings of a cycle for the communities and villages in the actor's
    jurisdiction (those created after the cycle was opened). Returns how many were added."""
    if not (may(actor, "stars.assess") or may(actor, "stars.configure")):
        ensure(actor, "stars.assess")
    cycle = StarCycle.objects.filter(pk=cycle_id).first()
    if cycle is None:
        raise NotInScope(_("记录不存在或不在您的辖区内"))
    opened = _open(cycle, actor)
    if opened:
        audit_record(actor=actor, verb="stars.ratings_opened", target=cycle, extra={"ratings": opened})
    return opened


# --- step 1: mass assessment -----------------------------------------------------------------

def resident_community_id(user) -> int | None:
    """The community of a resident account: that of the household it is linked to (``User.resident``
    → household, as ``scoping.OWN_HOUSEHOLD_LOOKUP`` reaches it)."""
    if getattr(user, "role", None) != Role.RESIDENT:
        return None
    resident = getattr(user, "resident", None)
    if resident is None or not resident.household_id:
        return None
    return resident.household.community_id


@transaction.atomic
def mass_vote(*, actor, cycle_id: int, answers: Mapping[int, str], comment: str = "",
              now: dt.datetime | None = None) -> MassVote:
    """A resident rates their own community's party organization, star by star (满意 / 基本满意 /
    不满意), once per cycle, during the cycle's mass-assessment dates and before the township
    closes it. Every star must be answered."""
    ensure(actor, "stars.rate")
    now = now or timezone.now()
    community_id = resident_community_id(actor)
    if community_id is None:
        raise InvalidInput(_("您的账号尚未关联到登记的户,不能参加测评"), code=StarsErrorCode.NO_HOUSEHOLD)
    try:
        rating = Rating.objects.select_for_update(of=("self",)).select_related("cycle").get(cycle_id=cycle_id, organization_id=community_id)
    except Rating.DoesNotExist:
        raise NotInScope(_("本社区本年度没有开展星级评定")) from None
    today = local_day(now)
    if rating.status != R.MASS or rating.mass_closed_at is not None or not (rating.cycle.mass_start <= today <= rating.cycle.mass_end):
        raise Conflict(_("不在群众测评期内"), code=StarsErrorCode.NOT_IN_MASS_PERIOD,
                       extra={"mass_start": rating.cycle.mass_start.isoformat(), "mass_end": rating.cycle.mass_end.isoformat()})
    if MassVote.objects.filter(rating=rating, voter=actor).exists():
        raise Conflict(_("您已参加过本年度测评"), code=StarsErrorCode.ALREADY_RATED)
    stars = {s.pk for s in rating.cycle.stars.all()}
    clean = {}
    for star_id in stars:
        value = answers.get(star_id, answers.get(str(star_id)))
        if value not in MassVote.Answer.values:
            raise InvalidInput(_("请对每一颗星作出评价"), code=StarsErrorCode.BAD_STAR, extra={"field": f"star_{star_id}"})
        clean[str(star_id)] = value
    extra_keys = {int(k) for k in answers} - stars
    if extra_keys:
        raise InvalidInput(_("评价中有不属于本年度的星"), code=StarsErrorCode.BAD_STAR, extra={"field": "answers"})
    try:
        with transaction.atomic():
            vote = MassVote.objects.create(rating=rating, voter=actor, household_id=actor.resident.household_id,
                                           answers=clean, comment=(comment or "").strip()[:1000], voted_at=now)
    except IntegrityError:
        raise Conflict(_("您已参加过本年度测评"), code=StarsErrorCode.ALREADY_RATED) from None
    audit_record(actor=actor, verb="stars.mass_voted", target=rating, extra={"vote": vote.pk})
    return vote


def mass_tally(rating: Rating) -> tuple[int, dict[int, tuple[int, int, int]]]:
    """(participants, star id -> (满意, 基本满意, 不满意)) of a rating's mass assessment."""
    tally: dict[int, list[int]] = {}
    votes = 0
    for answers in MassVote.objects.filter(rating=rating).values_list("answers", flat=True):
        votes += 1
        for star_id, value in answers.items():
            row = tally.setdefault(int(star_id), [0, 0, 0])
            row[("satisfied", "basic", "unsatisfied").index(value)] += 1
    return votes, {k: tuple(v) for k, v in tally.items()}


# --- step 2: township assessment ---------------------------------------------------------------

@transaction.atomic
def township_assess(*, actor, rating_id: int, scores: Mapping[int, Mapping[int, int | float | Decimal]],
                    note: str = "", now: dt.datetime | None = None) -> Rating:
    """The street/township scores every item of every star 乡镇考评. The first assessment closes
    the mass assessment (its totals are kept with the rating). A star is proposed 申报 when its
    score (items' points ÷ their maximum × 100) reaches the star's pass score and its mass
    satisfaction rate reaches the cycle's pass rate (when at least ``mass_min_votes`` took part).
    May be redone until the city departments have reviewed it."""
    now = now or timezone.now()
    rating = _locked(actor, rating_id, "stars.assess")
    ensure(actor, "stars.assess", rating)
    previous = rating.transition_to(R.ASSESSED)
    cycle = rating.cycle
    if rating.mass_closed_at is None:
        from shequ.registry.models import Household

        rating.mass_closed_at = now
        rating.mass_households = Household.objects.filter(community_id=rating.organization_id).count()
    votes, tally = mass_tally(rating)
    rating.mass_votes = votes
    stars = list(cycle.stars.prefetch_related("items"))
    existing = {row.star_id: row for row in RatingStar.objects.filter(rating=rating)}
    proposed = []
    for star in stars:
        given = scores.get(star.pk, scores.get(str(star.pk)))
        if not isinstance(given, Mapping):
            raise InvalidInput(_("请为“%(star)s”的每一项评分") % {"star": star.name}, code=StarsErrorCode.BAD_SCORE,
                               extra={"field": f"star_{star.pk}"})
        items, total, points = {}, Decimal(0), 0
        for item in star.items.all():
            value = given.get(item.pk, given.get(str(item.pk)))
            try:
                value = Decimal(str(value))
            except Exception:  # noqa: BLE001 - any unparsable value is the same input error
                value = None
            if value is None or not value.is_finite() or value < 0 or value > item.points:
                raise InvalidInput(_("“%(item)s”的得分须在 0 至 %(max)s 之间") % {"item": item.text, "max": item.points},
                                   code=StarsErrorCode.BAD_SCORE, extra={"field": f"item_{item.pk}"})
            items[str(item.pk)] = str(value)
            total += value
            points += item.points
        score = (total * 100 / points).quantize(Decimal("0.01")) if points else Decimal(0)
        satisfied, basic, unsatisfied = tally.get(star.pk, (0, 0, 0))
        rate = rules.mass_rate(satisfied, basic, votes)
        mass_ok = votes < cycle.mass_min_votes or (rate is not None and rate >= cycle.mass_pass_rate)
        row = existing.get(star.pk) or RatingStar(rating=rating, star=star)
        row.mass_satisfied, row.mass_basic, row.mass_unsatisfied, row.mass_rate = satisfied, basic, unsatisfied, rate
        row.item_scores, row.score = items, score
        row.proposed = bool(points) and score >= star.pass_score and mass_ok
        row.review_passed = row.approved = None
        row.review_note = ""
        row.save()
        if row.proposed:
            proposed.append(star.name)
    rating.assessed_at, rating.assessed_by, rating.assessment_note = now, actor, (note or "").strip()
    rating.save(update_fields=["status", "mass_closed_at", "mass_votes", "mass_households", "assessed_at",
                               "assessed_by", "assessment_note", "updated_at"])
    verb = "reassessed" if previous == R.ASSESSED else "assessed"
    _event(rating, actor=actor, verb=verb, at=now, note=rating.assessment_note,
           extra={"proposed": proposed, "mass_votes": votes})
    audit_record(actor=actor, verb=f"stars.{verb}", target=rating,
                 extra={"from": previous, "proposed": proposed, "mass_votes": votes})
    return rating


# --- step 3: review and acceptance by city departments -----------------------------------------

@transaction.atomic
def rating_review(*, actor, rating_id: int, rejected: Mapping[int, str] | None = None, note: str = "",
                  now: dt.datetime | None = None) -> Rating:
    """City departments review and accept 复核验收 the township's proposals: every proposed star
    passes unless listed in ``rejected`` (star id -> reason, required)."""
    now = now or timezone.now()
    rating = _locked(actor, rating_id, "stars.review")
    ensure(actor, "stars.review", rating)
    rejected = {int(k): (v or "").strip() for k, v in (rejected or {}).items()}
    rows = {row.star_id: row for row in RatingStar.objects.select_related("star").filter(rating=rating)}
    for star_id, reason in rejected.items():
        if star_id not in rows or not rows[star_id].proposed:
            raise InvalidInput(_("只能对乡镇申报的星作出复核结论"), code=StarsErrorCode.BAD_STAR, extra={"field": f"star_{star_id}"})
        if not reason:
            raise InvalidInput(_("复核不通过须说明理由"), code=StarsErrorCode.REASON_REQUIRED, extra={"field": f"star_{star_id}"})
    previous = rating.transition_to(R.REVIEWED)
    passed = []
    for row in rows.values():
        row.review_passed = row.proposed and row.star_id not in rejected
        row.review_note = rejected.get(row.star_id, "")
        row.approved = None
        row.save(update_fields=["review_passed", "review_note", "approved", "updated_at"])
        if row.review_passed:
            passed.append(row.star.name)
    rating.reviewed_at, rating.reviewed_by, rating.review_note = now, actor, (note or "").strip()
    rating.save(update_fields=["status", "reviewed_at", "reviewed_by", "review_note", "updated_at"])
    _event(rating, actor=actor, verb="reviewed", at=now, note=rating.review_note,
           extra={"passed": passed, "rejected": {str(k): v for k, v in rejected.items()}})
    audit_record(actor=actor, verb="stars.reviewed", target=rating,
                 extra={"from": previous, "passed": len(passed), "rejected": sorted(rejected)})
    return rating


@transaction.atomic
def rating_return(*, actor, rating_id: int, note: str, now: dt.datetime | None = None) -> Rating:
    """Send a rating back one step, with the reason: a reviewer returns an assessed rating to the
    township (重新考评); the city committee returns a reviewed one to the reviewers."""
    now = now or timezone.now()
    note = _text(note, "note", _("退回须说明理由"))
    if not (may(actor, "stars.review") or may(actor, "stars.approve")):
        ensure(actor, "stars.review")  # 403
    found = scoping.get_in_scope(Rating.objects.all(), actor, pk=rating_id)
    action = "stars.approve" if found.status == R.REVIEWED else "stars.review"
    rating = _locked(actor, rating_id, action)
    target = R.ASSESSED if rating.status == R.REVIEWED else R.RETURNED
    previous = rating.transition_to(target)
    rating.save(update_fields=["status", "updated_at"])
    _event(rating, actor=actor, verb="returned", at=now, note=note, extra={"from": previous, "to": target})
    audit_record(actor=actor, verb="stars.returned", target=rating, extra={"from": previous, "to": target, "note": note})
    return rating


# --- step 4: approval by the city committee, step 5: publicity ---------------------------------

@transaction.atomic
def rating_approve(*, actor, rating_id: int, struck: Mapping[int, str] | None = None, note: str = "",
                   now: dt.datetime | None = None) -> Rating:
    """The city committee approves 审定授星 the reviewed stars (less any in ``struck``: star id ->
    reason). The awarded stars enter the history (effective today) and the publicity period
    starts today for the cycle's ``publicity_days``."""
    now = now or timezone.now()
    rating = _locked(actor, rating_id, "stars.approve")
    ensure(actor, "stars.approve", rating)
    struck = {int(k): (v or "").strip() for k, v in (struck or {}).items()}
    rows = {row.star_id: row for row in RatingStar.objects.select_related("star").filter(rating=rating)}
    for star_id, reason in struck.items():
        if star_id not in rows or not rows[star_id].review_passed:
            raise InvalidInput(_("只能对复核通过的星作出审定"), code=StarsErrorCode.BAD_STAR, extra={"field": f"star_{star_id}"})
        if not reason:
            raise InvalidInput(_("不予授星须说明理由"), code=StarsErrorCode.REASON_REQUIRED, extra={"field": f"star_{star_id}"})
    previous = rating.transition_to(R.PUBLICITY)
    today = local_day(now)
    awarded = []
    for row in rows.values():
        row.approved = bool(row.review_passed) and row.star_id not in struck
        row.save(update_fields=["approved", "updated_at"])
        if row.approved:
            awarded.append(row.star)
    StarChange.objects.bulk_create([
        StarChange(rating=rating, star=star, kind=StarChange.Kind.AWARD, status=StarChange.Status.EFFECTIVE,
                   effective_on=today, quarter=rules.quarter_of(today), reason=_("市委审定授星"), proposed_by=actor,
                   proposed_at=now, decided_by=actor, decided_at=now) for star in awarded])
    rating.approved_at, rating.approved_by, rating.approval_note = now, actor, (note or "").strip()
    rating.publicity_start = today
    rating.publicity_end = today + dt.timedelta(days=rating.cycle.publicity_days - 1)
    rating.stars_held = len(awarded)
    rating.save(update_fields=["status", "approved_at", "approved_by", "approval_note", "publicity_start",
                               "publicity_end", "stars_held", "updated_at"])
    names = [s.name for s in awarded]
    _event(rating, actor=actor, verb="approved", at=now, note=rating.approval_note,
           extra={"awarded": names, "struck": {str(k): v for k, v in struck.items()},
                  "publicity_end": rating.publicity_end.isoformat()})
    audit_record(actor=actor, verb="stars.approved", target=rating,
                 extra={"from": previous, "awarded": len(awarded), "struck": sorted(struck)})
    return rating


def may_object(actor, rating: Rating) -> bool:
    if getattr(actor, "role", None) == Role.RESIDENT and not scoping.is_global(actor):
        return resident_community_id(actor) == rating.organization_id
    return scoping.can(actor, "stars.view") and scoping.obj_in_scope(actor, rating)


@transaction.atomic
def objection_file(*, actor, rating_id: int, text: str, star_id: int | None = None,
                   now: dt.datetime | None = None) -> Objection:
    """File an objection during the publicity period 公示期 (a resident of the community, or staff
    whose jurisdiction covers it). It stays open until answered; the result cannot be made final
    while any objection is open."""
    now = now or timezone.now()
    text = _text(text, "text", _("请填写异议内容"))
    rating = Rating.objects.filter(pk=rating_id).select_related("cycle").first()
    if rating is None or not (actor and actor.is_authenticated and may_object(actor, rating)):
        raise NotInScope(_("记录不存在或不在您的辖区内"))
    rating = Rating.objects.select_for_update(of=("self",)).select_related("cycle").get(pk=rating.pk)
    today = local_day(now)
    if rating.status != R.PUBLICITY or today > rating.publicity_end:
        raise Conflict(_("不在公示期内,不能提出异议"), code=StarsErrorCode.PUBLICITY_OVER)
    if star_id is not None and not Star.objects.filter(pk=star_id, cycle=rating.cycle).exists():
        raise InvalidInput(_("所选的星不属于本年度"), code=StarsErrorCode.BAD_STAR, extra={"field": "star"})
    objection = Objection.objects.create(rating=rating, star_id=star_id, filed_by=actor, filed_at=now, text=text[:2000])
    _event(rating, actor=actor, verb="objected", at=now, extra={"objection": objection.pk})
    audit_record(actor=actor, verb="stars.objection_filed", target=rating, extra={"objection": objection.pk, "star": star_id})
    return objection


@transaction.atomic
def objection_answer(*, actor, objection_id: int, outcome: str, answer: str, remove_star: bool = False,
                     now: dt.datetime | None = None) -> Objection:
    """Answer an objection (the township or the organization department). An upheld objection
    about a star held may take the star away at once (``remove_star``), recorded in its history."""
    ensure(actor, "stars.answer")
    now = now or timezone.now()
    qs = scoping.scope_queryset(Objection.objects.all(), actor, via="rating__")
    found = qs.filter(pk=objection_id).first()
    if found is None:
        raise NotInScope(_("记录不存在或不在您的辖区内"))
    rating = Rating.objects.select_for_update(of=("self",)).select_related("cycle").get(pk=found.rating_id)
    objection = Objection.objects.select_for_update(of=("self",)).select_related("star").get(pk=found.pk)
    if objection.answered_at is not None:
        raise Conflict(_("该异议已答复"), code=StarsErrorCode.OBJECTION_ANSWERED)
    if outcome not in Objection.Outcome.values:
        raise InvalidInput(_("请选择处理结果"), extra={"field": "outcome"})
    answer = _text(answer, "answer", _("请填写答复"))
    objection.outcome, objection.answer, objection.answered_by, objection.answered_at = outcome, answer, actor, now
    objection.save(update_fields=["outcome", "answer", "answered_by", "answered_at", "updated_at"])
    removed = None
    if remove_star:
        if outcome != Objection.Outcome.UPHELD or objection.star_id is None:
            raise InvalidInput(_("只有成立且涉及某颗星的异议才能据此减星"), extra={"field": "remove_star"})
        removed = _remove(rating, star=objection.star, actor=actor, now=now, reason=_("公示异议成立:%(answer)s") % {"answer": answer},
                          evidence=objection.text, objection=objection)
    _event(rating, actor=actor, verb="objection_answered", at=now, note=answer,
           extra={"objection": objection.pk, "outcome": outcome, "removed": objection.star.name if removed else None})
    audit_record(actor=actor, verb="stars.objection_answered", target=rating,
                 extra={"objection": objection.pk, "outcome": outcome, "removed_star": objection.star_id if removed else None})
    return objection


@transaction.atomic
def rating_publish(*, actor, rating_id: int, now: dt.datetime | None = None) -> Rating:
    """End the public display 亮星: after the publicity period, with every objection answered."""
    now = now or timezone.now()
    rating = _locked(actor, rating_id, "stars.approve")
    ensure(actor, "stars.approve", rating)
    if rating.status == R.PUBLICITY and local_day(now) <= rating.publicity_end:
        raise Conflict(_("公示期尚未结束"), code=StarsErrorCode.PUBLICITY_RUNNING,
                       extra={"publicity_end": rating.publicity_end.isoformat()})
    open_count = Objection.objects.filter(rating=rating, answered_at__isnull=True).count()
    if open_count:
        raise Conflict(_("还有 %(n)s 条异议未答复") % {"n": open_count}, code=StarsErrorCode.OPEN_OBJECTIONS,
                       extra={"open": open_count})
    previous = rating.transition_to(R.PUBLISHED)
    rating.published_at = now
    rating.save(update_fields=["status", "published_at", "updated_at"])
    _event(rating, actor=actor, verb="published", at=now, extra={"stars": rating.stars_held})
    audit_record(actor=actor, verb="stars.published", target=rating, extra={"from": previous, "stars": rating.stars_held})
    return rating


# --- quarterly checks: 减星 / 增星 ----------------------------------------------------------------

def held_now(rating: Rating, on: dt.date) -> set[int]:
    rows = StarChange.objects.filter(rating=rating, status=StarChange.Status.EFFECTIVE).values_list(
        "star_id", "kind", "effective_on", "id")
    return rules.held_on(rows, on)


def _refresh_count(rating: Rating, today: dt.date) -> None:
    rating.stars_held = len(held_now(rating, today))
    rating.save(update_fields=["stars_held", "updated_at"])


def _remove(rating: Rating, *, star: Star, actor, now: dt.datetime, reason: str, evidence: str,
            attachment=None, objection: Objection | None = None) -> StarChange:
    today = local_day(now)
    if not rating.awarded:
        raise Conflict(_("尚未审定授星,不能减星或增星"), code=StarsErrorCode.NOT_AWARDED)
    if star.pk not in held_now(rating, today):
        raise Conflict(_("“%(star)s”当前未获评,不能减星") % {"star": star.name}, code=StarsErrorCode.STAR_NOT_HELD,
                       extra={"field": "star"})
    change = StarChange.objects.create(
        rating=rating, star=star, kind=StarChange.Kind.REMOVE, status=StarChange.Status.EFFECTIVE, effective_on=today,
        quarter=rules.quarter_of(today), reason=reason, evidence=evidence, attachment=attachment or "",
        proposed_by=actor, proposed_at=now, decided_by=actor, decided_at=now, objection=objection)
    _refresh_count(rating, today)
    return change


def _star_of(rating: Rating, star_id: int) -> Star:
    star = Star.objects.filter(pk=star_id, cycle_id=rating.cycle_id).first()
    if star is None:
        raise InvalidInput(_("所选的星不属于本年度"), code=StarsErrorCode.BAD_STAR, extra={"field": "star"})
    return star


@transaction.atomic
def star_remove(*, actor, rating_id: int, star_id: int, reason: str, evidence: str, attachment=None,
                now: dt.datetime | None = None) -> StarChange:
    """Quarterly check 一季一核查: the township takes away a star the organization no longer
    deserves 减星, at once, with the reason and the evidence (text, optionally a file)."""
    now = now or timezone.now()
    rating = _locked(actor, rating_id, "stars.check")
    ensure(actor, "stars.check", rating)
    reason = _text(reason, "reason", _("减星须说明理由"))
    evidence = _text(evidence, "evidence", _("减星须提供依据"))
    star = _star_of(rating, star_id)
    change = _remove(rating, star=star, actor=actor, now=now, reason=reason, evidence=evidence, attachment=attachment)
    _event(rating, actor=actor, verb="star_removed", at=now, note=reason, extra={"star": star.name, "change": change.pk})
    audit_record(actor=actor, verb="stars.star_removed", target=rating,
                 extra={"star": star.pk, "change": change.pk, "quarter": change.quarter, "reason": reason})
    return change


@transaction.atomic
def star_add_propose(*, actor, rating_id: int, star_id: int, reason: str, evidence: str, attachment=None,
                     now: dt.datetime | None = None) -> StarChange:
    """Quarterly check: the township proposes a star the organization now deserves 增星; it takes
    effect when the city committee agrees (``star_change_decide``)."""
    now = now or timezone.now()
    rating = _locked(actor, rating_id, "stars.check")
    ensure(actor, "stars.check", rating)
    reason = _text(reason, "reason", _("增星须说明理由"))
    evidence = _text(evidence, "evidence", _("增星须提供依据"))
    star = _star_of(rating, star_id)
    today = local_day(now)
    if not rating.awarded:
        raise Conflict(_("尚未审定授星,不能减星或增星"), code=StarsErrorCode.NOT_AWARDED)
    if star.pk in held_now(rating, today):
        raise Conflict(_("“%(star)s”已获评") % {"star": star.name}, code=StarsErrorCode.STAR_HELD, extra={"field": "star"})
    if StarChange.objects.filter(rating=rating, star=star, status=StarChange.Status.PENDING).exists():
        raise Conflict(_("该星已有待审定的增星申请"), code=StarsErrorCode.CHANGE_DECIDED, extra={"field": "star"})
    change = StarChange.objects.create(
        rating=rating, star=star, kind=StarChange.Kind.ADD, status=StarChange.Status.PENDING,
        quarter=rules.quarter_of(today), reason=reason, evidence=evidence, attachment=attachment or "",
        proposed_by=actor, proposed_at=now)
    _event(rating, actor=actor, verb="star_add_proposed", at=now, note=reason, extra={"star": star.name, "change": change.pk})
    audit_record(actor=actor, verb="stars.star_add_proposed", target=rating,
                 extra={"star": star.pk, "change": change.pk, "quarter": change.quarter})
    return change


@transaction.atomic
def star_change_decide(*, actor, change_id: int, approve: bool, note: str = "",
                       now: dt.datetime | None = None) -> StarChange:
    """The city committee agrees to (effective today) or refuses a proposed additional star."""
    ensure(actor, "stars.approve")
    now = now or timezone.now()
    found = scoping.scope_queryset(StarChange.objects.all(), actor, via="rating__").filter(pk=change_id).first()
    if found is None:
        raise NotInScope(_("记录不存在或不在您的辖区内"))
    rating = Rating.objects.select_for_update(of=("self",)).select_related("cycle").get(pk=found.rating_id)
    change = StarChange.objects.select_for_update(of=("self",)).select_related("star").get(pk=found.pk)
    if change.status != StarChange.Status.PENDING:
        raise Conflict(_("该申请已审定"), code=StarsErrorCode.CHANGE_DECIDED)
    note = (note or "").strip()
    if not approve and not note:
        raise InvalidInput(_("不同意须说明理由"), code=StarsErrorCode.REASON_REQUIRED, extra={"field": "note"})
    today = local_day(now)
    if approve and change.star_id in held_now(rating, today):
        raise Conflict(_("“%(star)s”已获评") % {"star": change.star.name}, code=StarsErrorCode.STAR_HELD)
    change.status = StarChange.Status.EFFECTIVE if approve else StarChange.Status.REJECTED
    change.decided_by, change.decided_at, change.decision_note = actor, now, note
    change.effective_on = today if approve else None
    change.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "effective_on", "updated_at"])
    if approve:
        _refresh_count(rating, today)
    verb = "star_added" if approve else "star_add_refused"
    _event(rating, actor=actor, verb=verb, at=now, note=note, extra={"star": change.star.name, "change": change.pk})
    audit_record(actor=actor, verb=f"stars.{verb}", target=rating, extra={"star": change.star_id, "change": change.pk})
    return change

