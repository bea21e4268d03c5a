"""Possible duplicates 可能重复 and merging (issue 3 point 13): candidates are open appeals of the same
category within 100 m or at the same standard address and within 7 days; a merge closes the
duplicate with the reason in both timelines, keeps it out of the rates, and cannot be undone."""
import datetime as dt

import pytest
from django.test import override_settings
from django.urls import reverse

from shequ.appeals import metrics, selectors, services
from shequ.appeals.models import Appeal, AppealEvent
from shequ.core.errors import Conflict, InvalidInput, NotAllowed, NotInScope
from shequ.core.models import AuditLog
from shequ.registry.tests.apiclient import api_as

from .factories import POINT_IN, THURSDAY_10, submit

LNG, LAT = POINT_IN["A"]
DAY = dt.timedelta(days=1)


def _at(metres_east: float) -> dict:
    """A point ``metres_east`` of community A's point (1° of longitude at 39.2° ≈ 86.26 km)."""
    return {"lng": LNG + metres_east / 86_260, "lat": LAT}


@pytest.fixture
def near(world):
    office = world.users["office"]
    base = submit(actor=office, **_at(0))
    return {
        "base": base,
        "close": submit(actor=office, now=THURSDAY_10 + 2 * DAY, **_at(40)),          # 40 m, 2 days later
        "far": submit(actor=office, **_at(250)),                                       # 250 m
        "other_category": submit(actor=office, code="property_repair", **_at(10)),
        "old": submit(actor=office, now=THURSDAY_10 - 8 * DAY, **_at(5)),              # 8 days earlier
        "closed": submit(actor=office, now=THURSDAY_10 - DAY, **_at(5)),
    }


def _close(actor, appeal):
    services.appeal_close(actor=actor, appeal_id=appeal.pk, note="无效来电", now=appeal.received_at + dt.timedelta(hours=1))


def _numbers(appeals):
    return [a.number for a in appeals]


def _snapshot():
    return (list(Appeal.objects.order_by("pk").values_list("pk", "status", "merged_into_id", "closed_at")),
            AppealEvent.objects.count(), AuditLog.objects.filter(verb="appeal.merged").count())


def test_candidates_are_same_category_near_recent_and_open(world, near):
    _close(world.users["office"], near["closed"])
    found = selectors.appeal_duplicates(user=world.users["worker_a"], appeal=near["base"])
    assert _numbers(found) == [near["close"].number]
    assert 35 < found[0].distance_m < 45 and found[0].same_address is False
    # symmetric: the base is a candidate of the later appeal
    assert _numbers(selectors.appeal_duplicates(user=world.users["worker_a"], appeal=near["close"])) == [near["base"].number]


def test_radius_and_days_are_configurable(world, near):
    user = world.users["office"]
    wide = selectors.appeal_duplicates(user=user, appeal=near["base"], radius_m=300, days=10)
    assert _numbers(wide) == [near["old"].number, near["closed"].number, near["close"].number, near["far"].number]
    with override_settings(APPEALS_DUPLICATE_RADIUS_M=300, APPEALS_DUPLICATE_DAYS=1):
        assert _numbers(selectors.appeal_duplicates(user=user, appeal=near["base"])) == [near["closed"].number, near["far"].number]


def test_same_standard_address_without_a_point_is_a_candidate(world):
    first = submit(actor=world.users["office"], at=None, address_text="甲社区路10号")
    second = submit(actor=world.users["office"], at=None, address_text="甲社区路10号", now=THURSDAY_10 + DAY)
    assert first.address_id and first.address_id == second.address_id
    found = selectors.appeal_duplicates(user=world.users["worker_a"], appeal=second)
    assert _numbers(found) == [first.number] and found[0].same_address is True and found[0].distance_m is None


def test_candidates_respect_scope(world, near):
    dept = world.users["dept"]  # a department sees only the appeals it handles: none of these
    with pytest.raises(NotInScope):
        selectors.appeal_get(user=dept, pk=near["base"].pk)
    assert selectors.appeal_duplicates(user=dept, appeal=near["base"]) == []


def test_merge_closes_the_duplicate_with_the_reason_in_both_timelines(world, near):
    office = world.users["office"]
    dup, primary = near["close"], near["base"]
    services.appeal_accept(actor=office, appeal_id=dup.pk, now=THURSDAY_10 + 2 * DAY + dt.timedelta(hours=1))
    at = THURSDAY_10 + 3 * DAY
    services.appeal_merge(actor=office, appeal_id=dup.pk, into_id=primary.pk, reason="同一处噪声,已有工单", now=at)
    dup.refresh_from_db()
    primary.refresh_from_db()
    assert (dup.status, dup.merged_into_id, dup.closed_at) == ("closed", primary.pk, at)
    assert primary.status == "received" and primary.merged_into_id is None
    last = dup.events.order_by("-id").first()
    assert (last.verb, last.from_status, last.to_status, last.note) == ("merged", "accepted", "closed", "同一处噪声,已有工单")
    assert last.extra["into_number"] == primary.number
    other = primary.events.order_by("-id").first()
    assert (other.verb, other.from_status, other.to_status, other.note) == ("merged_in", "received", "received", "同一处噪声,已有工单")
    assert other.extra["from_number"] == dup.number
    assert AuditLog.objects.filter(verb="appeal.merged", target_id=str(dup.pk)).count() == 1
    assert _numbers(selectors.merged_followers(appeal=primary)) == [dup.number]
    # no longer a candidate, and no undo: a reopen is refused
    assert dup.number not in _numbers(selectors.appeal_duplicates(user=office, appeal=primary))
    with pytest.raises(Conflict):
        services.appeal_reopen(actor=office, appeal_id=dup.pk, reason="想撤销合并")


def test_merged_appeals_are_left_out_of_the_rates(world, near):
    office = world.users["office"]
    period = dict(group="street", start=dt.date(2026, 11, 1), end=dt.date(2026, 12, 31))
    before = metrics.appeal_rates(user=office, **period).rows[0].response_due
    services.appeal_merge(actor=office, appeal_id=near["close"].pk, into_id=near["base"].pk, reason="重复")
    assert metrics.appeal_rates(user=office, **period).rows[0].response_due == before - 1
    assert not metrics.rated_appeals(office).filter(pk=near["close"].pk).exists()


def test_earlier_duplicates_follow_to_the_new_primary(world, near):
    office = world.users["office"]
    services.appeal_merge(actor=office, appeal_id=near["old"].pk, into_id=near["closed"].pk, reason="重复")
    services.appeal_merge(actor=office, appeal_id=near["closed"].pk, into_id=near["base"].pk, reason="重复")
    near["old"].refresh_from_db()
    assert near["old"].merged_into_id == near["base"].pk
    assert near["old"].events.order_by("-id").first().extra["via"] == near["closed"].pk


def test_refused_merges_write_nothing(world, near):
    office = world.users["office"]
    _close(office, near["closed"])
    services.appeal_merge(actor=office, appeal_id=near["old"].pk, into_id=near["far"].pk, reason="重复")
    before = _snapshot()
    cases = [
        (InvalidInput, dict(appeal_id=near["base"].pk, into_id=near["base"].pk, reason="x")),     # itself
        (InvalidInput, dict(appeal_id=near["base"].pk, into_id=near["close"].pk, reason="  ")),   # no reason
        (Conflict, dict(appeal_id=near["base"].pk, into_id=near["closed"].pk, reason="x")),       # into a closed one
        (Conflict, dict(appeal_id=near["base"].pk, into_id=near["old"].pk, reason="x")),          # into a merged one
        (Conflict, dict(appeal_id=near["closed"].pk, into_id=near["base"].pk, reason="x")),       # a closed duplicate
        (NotInScope, dict(appeal_id=near["base"].pk, into_id=999999, reason="x")),                # missing
    ]
    for error, kwargs in cases:
        with pytest.raises(error):
            services.appeal_merge(actor=office, **kwargs)
    with pytest.raises(NotInScope):  # worker_b sees neither
        services.appeal_merge(actor=world.users["worker_b"], appeal_id=near["base"].pk, into_id=near["close"].pk, reason="x")
    with pytest.raises(NotAllowed):
        services.appeal_merge(actor=world.users["leader"], appeal_id=near["base"].pk, into_id=near["close"].pk, reason="x")
    assert _snapshot() == before


def test_merge_into_an_appeal_outside_scope_is_404(world, near):
    far_away = submit(actor=world.users["office"], at="B")
    with pytest.raises(NotInScope):
        services.appeal_merge(actor=world.users["worker_a"], appeal_id=near["base"].pk, into_id=far_away.pk, reason="x")
    near["base"].refresh_from_db()
    assert near["base"].status == "received"


# --- API ------------------------------------------------------------------------------------------

def test_api_duplicates_and_merge(world, near):
    dup, primary = near["close"], near["base"]
    _close(world.users["office"], near["closed"])
    answer = api_as(world, "worker_a").get(f"/appeals/{primary.pk}/duplicates")
    assert answer.status == 200 and [a["number"] for a in answer.data] == [dup.number]
    assert answer.data[0]["same_address"] is False and 35 < answer.data[0]["distance_m"] < 45
    assert api_as(world, "worker_b").get(f"/appeals/{primary.pk}/duplicates").status == 404
    assert api_as(world, "resident_a").get(f"/appeals/{primary.pk}/duplicates").status == 404
    before = _snapshot()
    assert api_as(world, "worker_b").post(f"/appeals/{dup.pk}/merge", {"into_id": primary.pk, "reason": "重复"}).status == 404
    assert api_as(world, "leader").post(f"/appeals/{dup.pk}/merge", {"into_id": primary.pk, "reason": "重复"}).status == 403
    missing = api_as(world, "worker_a").post(f"/appeals/{dup.pk}/merge", {"into_id": primary.pk})
    assert missing.status == 422 and "reason" in missing.data["extra"]["fields"]
    itself = api_as(world, "worker_a").post(f"/appeals/{dup.pk}/merge", {"into_id": dup.pk, "reason": "重复"})
    assert itself.status == 422 and itself.data["code"] == "appeal_merge_self"
    assert _snapshot() == before
    done = api_as(world, "worker_a").post(f"/appeals/{dup.pk}/merge", {"into_id": primary.pk, "reason": "重复"})
    assert done.status == 200 and done.data["status"] == "closed" and done.data["merged_into"] == primary.pk
    assert [(e["verb"], e["note"]) for e in done.data["timeline"] if e["verb"] == "merged"] == [("merged", "重复")]
    again = api_as(world, "worker_a").post(f"/appeals/{dup.pk}/merge", {"into_id": primary.pk, "reason": "重复"})
    assert again.status == 409


# --- pages ----------------------------------------------------------------------------------------

def test_detail_page_shows_candidates_and_merges(client, world, near):
    dup, primary = near["close"], near["base"]
    _close(world.users["office"], near["closed"])
    client.force_login(world.users["worker_a"])
    text = client.get(reverse("appeals:detail", args=[primary.pk])).content.decode()
    assert "可能重复" in text and dup.number in text and near["far"].number not in text
    assert reverse("appeals:merge", args=[primary.pk]) in text
    empty = client.post(reverse("appeals:merge", args=[dup.pk]), {"merge-into": str(primary.pk), "merge-reason": ""})
    assert empty.status_code == 200 and 'class="error"' in empty.content.decode()
    unknown = client.post(reverse("appeals:merge", args=[dup.pk]), {"merge-into_number": "SQ-1", "merge-reason": "重复"})
    assert "未找到该编号的诉求" in unknown.content.decode()
    assert Appeal.objects.get(pk=dup.pk).status == "received"
    response = client.post(reverse("appeals:merge", args=[dup.pk]),
                           {"merge-into_number": primary.number.lower(), "merge-reason": "同一处噪声"})
    assert response.status_code == 302
    merged = client.get(reverse("appeals:detail", args=[dup.pk])).content.decode()
    assert "本诉求已作为重复诉求并入" in merged and primary.number in merged and "同一处噪声" in merged
    assert 'id="action-merge"' not in merged
    main = client.get(reverse("appeals:detail", args=[primary.pk])).content.decode()
    assert "并入本诉求的重复诉求" in main and dup.number in main and "并入重复诉求" in main


def test_merge_page_scope_and_role(client, world, near):
    dup, primary = near["close"], near["base"]
    before = _snapshot()
    client.force_login(world.users["worker_b"])
    assert client.post(reverse("appeals:merge", args=[dup.pk]), {"merge-into": primary.pk, "merge-reason": "x"}).status_code == 404
    client.force_login(world.users["leader"])
    assert "action-merge" not in client.get(reverse("appeals:detail", args=[dup.pk])).content.decode()
    assert client.post(reverse("appeals:merge", args=[dup.pk]), {"merge-into": primary.pk, "merge-reason": "x"}).status_code == 403
    assert _snapshot() == before


def test_detail_page_lists_the_nearest_candidates_and_counts_the_rest(client, world, near):
    """A burst of appeals about one place: the page lists the nearest DUPLICATES_SHOWN, says how many
    more there are, offers only the listed ones to choose from, and still merges into any by number."""
    from shequ.appeals.views import DUPLICATES_SHOWN

    office = world.users["office"]
    _close(office, near["closed"])
    burst = [submit(actor=office, **_at(metres)) for metres in range(1, DUPLICATES_SHOWN + 2)]  # 1 … 21 m
    client.force_login(world.users["worker_a"])
    text = client.get(reverse("appeals:detail", args=[near["base"].pk])).content.decode()
    listed = text.split('data-field="duplicates"', 1)[1].split("</ul>", 1)[0]
    assert all(a.number in listed for a in burst[:DUPLICATES_SHOWN])
    assert burst[-1].number not in listed and near["close"].number not in listed  # 21 m and 40 m: not listed
    assert "另有 2 条可能重复未列出" in text
    choices = text.split('name="merge-into"', 1)[1].split("</select>", 1)[0]
    assert choices.count("<option") == DUPLICATES_SHOWN + 1  # "—" and the listed ones
    response = client.post(reverse("appeals:merge", args=[near["base"].pk]),
                           {"merge-into_number": near["close"].number, "merge-reason": "同一处漏水"})
    assert response.status_code == 302
    assert Appeal.objects.get(pk=near["base"].pk).merged_into_id == near["close"].pk
