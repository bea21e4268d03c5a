"""Consultation services: the procedure (no vote without the required participants), one ballot per
household or per person (also under concurrent requests), no vote in another community, the
decision and its implementation, and the covenant's filing and publication."""
import datetime as dt
import os
import threading

import pytest
from django.utils import timezone

from shequ.accounts.models import Role
from shequ.accounts.services import user_create
from shequ.consultation import services
from shequ.consultation.models import Topic, Vote
from shequ.core.errors import (
    Conflict,
    InvalidInput,
    InvalidTransition,
    NotAllowed,
    NotInScope,
)
from shequ.core.models import AuditLog
from shequ.core.testing import PASSWORD

from .factories import FULL_PANEL, options_of, topic, voting_topic


def _resident_user(world, key: str, username: str):
    return user_create(actor=world.users["admin"], username=username, password=PASSWORD, role=Role.RESIDENT,
                       resident=world.residents[key])


def test_topic_raised_by_a_resident_is_numbered_located_and_audited(world):
    t = topic(world, raised_by="resident", raised_by_resident_id=world.residents["A102h"].pk)
    assert t.number.startswith("XS") and t.community_id == world.nodes["A"].pk and t.street_id == world.nodes["S1"].pk
    assert t.status == Topic.Status.PROPOSED
    assert AuditLog.objects.filter(verb="consultation.topic_raised", target_id=str(t.pk)).exists()


def test_a_resident_of_another_community_cannot_be_named_as_raiser(world):
    with pytest.raises(InvalidInput) as exc:
        topic(world, actor="street_s1", raised_by="resident", raised_by_resident_id=world.residents["B101h"].pk)
    assert exc.value.extra["field"] == "raised_by_resident_id"


def test_a_community_worker_cannot_raise_a_topic_in_a_sibling_community(world):
    with pytest.raises(NotInScope):
        topic(world, community="B")


def test_the_vote_waits_for_a_meeting_with_every_required_kind(world):
    user = world.users["worker_a"]
    t = topic(world)
    services.topic_accept(actor=user, topic_id=t.pk, required_kinds=["resident_rep", "deputy", "property", "owners_committee"])
    services.option_add(actor=user, topic_id=t.pk, text="方案一")
    closes = timezone.now() + dt.timedelta(days=3)
    with pytest.raises(InvalidInput) as exc:
        services.vote_open(actor=user, topic_id=t.pk, closes_at=closes)
    assert exc.value.code == "consultation_few_options"
    services.option_add(actor=user, topic_id=t.pk, text="方案二")
    with pytest.raises(InvalidInput) as exc:
        services.vote_open(actor=user, topic_id=t.pk, closes_at=closes)
    assert exc.value.code == "consultation_no_meeting"
    services.meeting_record(actor=user, topic_id=t.pk, held_at=timezone.now() - dt.timedelta(hours=2), minutes="讨论",
                            participants=[{"kind": "resident_rep", "name": "张"}, {"kind": "deputy", "name": "李"}])
    with pytest.raises(InvalidInput) as exc:
        services.vote_open(actor=user, topic_id=t.pk, closes_at=closes)
    assert exc.value.code == "consultation_missing_participants"
    assert exc.value.extra["missing"] == ["property", "owners_committee"]
    assert "物业服务企业" in exc.value.message and "业主委员会" in exc.value.message
    assert Topic.objects.get(pk=t.pk).status == Topic.Status.ACCEPTED  # nothing half-written
    services.meeting_record(actor=user, topic_id=t.pk, held_at=timezone.now() - dt.timedelta(hours=1), minutes="再议",
                            participants=[{"kind": "property", "name": "钱"}, {"kind": "owners_committee", "name": "孙"}])
    opened = services.vote_open(actor=user, topic_id=t.pk, closes_at=closes)
    assert opened.status == Topic.Status.VOTING and opened.eligible_count == 2  # A101 and A102 households


def test_one_vote_per_household(world):
    t = voting_topic(world)
    first, second = options_of(t)
    head, spouse = _resident_user(world, "A102h", "r_a102h"), _resident_user(world, "A102s", "r_a102s")
    services.vote_cast(actor=head, topic_id=t.pk, option_id=first.pk)
    with pytest.raises(Conflict) as exc:
        services.vote_cast(actor=spouse, topic_id=t.pk, option_id=second.pk)
    assert exc.value.code == "consultation_already_voted" and "本户已投票" in exc.value.message
    with pytest.raises(Conflict):
        services.vote_cast(actor=head, topic_id=t.pk, option_id=first.pk)
    assert Vote.objects.filter(topic=t).count() == 1


def test_one_vote_per_person_lets_each_adult_of_a_household_vote_once(world):
    t = voting_topic(world, vote_basis="person")
    first, second = options_of(t)
    head, spouse = _resident_user(world, "A102h", "r_a102h"), _resident_user(world, "A102s", "r_a102s")
    services.vote_cast(actor=head, topic_id=t.pk, option_id=first.pk)
    services.vote_cast(actor=spouse, topic_id=t.pk, option_id=second.pk)
    with pytest.raises(Conflict) as exc:
        services.vote_cast(actor=spouse, topic_id=t.pk, option_id=first.pk)
    assert "您已投票" in exc.value.message
    assert Vote.objects.filter(topic=t).count() == 2


def test_a_paper_ballot_counts_for_the_household_too(world):
    t = voting_topic(world)
    first, _second = options_of(t)
    services.vote_cast(actor=world.users["worker_a"], topic_id=t.pk, option_id=first.pk,
                       resident_id=world.residents["A101s"].pk)
    vote = Vote.objects.get(topic=t)
    assert vote.channel == "paper" and vote.recorded_by == world.users["worker_a"]
    with pytest.raises(Conflict):
        services.vote_cast(actor=world.users["resident_a"], topic_id=t.pk, option_id=first.pk)  # A101h, same household


def test_no_vote_in_another_communitys_consultation(world):
    t = voting_topic(world, actor="worker_b", community="B")
    first, _ = options_of(t)
    with pytest.raises(NotInScope):
        services.vote_cast(actor=world.users["resident_a"], topic_id=t.pk, option_id=first.pk)
    with pytest.raises(NotInScope):  # nor may staff enter a paper ballot for a resident of another community
        services.vote_cast(actor=world.users["worker_b"], topic_id=t.pk, option_id=first.pk,
                           resident_id=world.residents["A101h"].pk)
    assert not Vote.objects.exists()


def test_an_option_of_another_topic_is_refused(world):
    t = voting_topic(world)
    other = voting_topic(world, title="另一议题")
    with pytest.raises(InvalidInput) as exc:
        services.vote_cast(actor=world.users["resident_a"], topic_id=t.pk, option_id=options_of(other)[0].pk)
    assert exc.value.extra["field"] == "option_id"


def test_minors_do_not_vote_on_a_per_person_topic(world):
    from shequ.core.idcard import make_id_number
    from shequ.registry import services as reg

    child = reg.resident_create(actor=world.users["admin"], household=world.households["A102"], name="小明", relation="子",
                                id_number=make_id_number("110105", dt.date.today().replace(year=dt.date.today().year - 10), 901))
    t = voting_topic(world, vote_basis="person")
    with pytest.raises(InvalidInput) as exc:
        services.vote_cast(actor=world.users["worker_a"], topic_id=t.pk, option_id=options_of(t)[0].pk, resident_id=child.pk)
    assert exc.value.code == "consultation_not_eligible"
    assert t.eligible_count == 4  # four adults in community A


def test_the_unique_constraint_refuses_a_second_ballot_even_past_the_check(world, monkeypatch):
    """The database, not the friendly check, is what guarantees one ballot: with the check skipped
    (as when two requests pass it at the same moment), the second insert still fails."""
    t = voting_topic(world)
    first, second = options_of(t)
    services.vote_cast(actor=_resident_user(world, "A102h", "r1"), topic_id=t.pk, option_id=first.pk)

    class NoCheck:
        def filter(self, *a, **k):
            return self

        def exists(self):
            return False

        def __getattr__(self, name):
            return getattr(Vote._default_manager, name)

    monkeypatch.setattr(Vote, "objects", NoCheck())
    with pytest.raises(Conflict) as exc:
        services.vote_cast(actor=_resident_user(world, "A102s", "r2"), topic_id=t.pk, option_id=second.pk)
    assert exc.value.code == "consultation_already_voted"
    monkeypatch.undo()
    assert Vote.objects.filter(topic=t).count() == 1


@pytest.mark.skipif(os.environ.get("SHEQU_TEST_DB") != "postgres",
                    reason="concurrent writers need PostgreSQL (SQLite serializes the whole database)")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_ballots_from_one_household_count_once(world):
    t = voting_topic(world)
    first, second = options_of(t)
    users = [_resident_user(world, "A102h", "c1"), _resident_user(world, "A102s", "c2")] * 3
    barrier = threading.Barrier(len(users))
    outcomes = []

    def cast(user, option):
        from django.db import connections

        try:
            barrier.wait()
            services.vote_cast(actor=user, topic_id=t.pk, option_id=option.pk)
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=cast, args=(u, first if i % 2 else second)) for i, u in enumerate(users)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert outcomes.count("ok") == 1 and outcomes.count("conflict") == len(users) - 1
    assert Vote.objects.filter(topic=t).count() == 1


def test_decision_needs_the_quorum_and_no_tie_then_is_published(world):
    t = voting_topic(world, kind="covenant", title="修订居民公约", vote_basis="household")
    assert t.quorum_percent == 67 and t.eligible_count == 2
    first, second = options_of(t)
    user = world.users["worker_a"]
    services.vote_cast(actor=user, topic_id=t.pk, option_id=first.pk, resident_id=world.residents["A101h"].pk)
    with pytest.raises(Conflict) as exc:
        services.topic_decide(actor=user, topic_id=t.pk, decision="通过")
    assert exc.value.code == "consultation_quorum_not_met" and exc.value.extra == {"cast": 1, "eligible": 2, "quorum": 67}
    services.vote_cast(actor=user, topic_id=t.pk, option_id=second.pk, resident_id=world.residents["A102h"].pk)
    with pytest.raises(Conflict) as exc:
        services.topic_decide(actor=user, topic_id=t.pk, decision="通过")
    assert exc.value.code == "consultation_tie"
    Vote.objects.filter(topic=t, option=second).update(option=first)
    decided = services.topic_decide(actor=user, topic_id=t.pk, decision="以方案一通过修订后的居民公约")
    assert decided.status == "decided" and decided.chosen_option == first
    assert decided.published_at is None  # a covenant is published only after filing


def test_covenant_procedure_filing_by_the_township_then_publication(world):
    t = voting_topic(world, kind="covenant", title="修订居民公约", vote_basis="person", options=("同意修订稿", "不同意"))
    user, street = world.users["worker_a"], world.users["street_s1"]
    first = options_of(t)[0]
    for key in ("A101h", "A101s", "A102h"):
        services.vote_cast(actor=user, topic_id=t.pk, option_id=first.pk, resident_id=world.residents[key].pk)
    services.topic_decide(actor=user, topic_id=t.pk, decision="修订稿获通过")
    with pytest.raises(InvalidTransition):
        services.covenant_publish(actor=user, topic_id=t.pk)  # not before filing
    services.covenant_submit_filing(actor=user, topic_id=t.pk)
    with pytest.raises(NotAllowed):
        services.covenant_file(actor=user, topic_id=t.pk, filing_number="x")  # the community cannot file itself
    with pytest.raises(NotInScope):
        services.covenant_file(actor=user_create(actor=world.users["admin"], username="s2", password=PASSWORD,
                                                 role=Role.STREET_STAFF, nodes=[world.nodes["S2"]]),
                               topic_id=t.pk, filing_number="x")
    filed = services.covenant_file(actor=street, topic_id=t.pk, filing_number="一街备〔2026〕3号")
    assert filed.status == "filed" and filed.filed_by == street
    published = services.covenant_publish(actor=user, topic_id=t.pk)
    assert published.status == "published" and published.published_at is not None
    verbs = list(AuditLog.objects.filter(target_id=str(t.pk), target_type="consultation.topic").values_list("verb", flat=True))
    for verb in ("consultation.filing_submitted", "consultation.filed", "consultation.published"):
        assert verb in verbs


def test_a_returned_covenant_goes_back_for_a_new_consultation_and_vote(world):
    t = voting_topic(world, kind="covenant", title="修订村规民约", vote_basis="person")
    user = world.users["worker_a"]
    for key in ("A101h", "A101s", "A102h"):
        services.vote_cast(actor=user, topic_id=t.pk, option_id=options_of(t)[0].pk, resident_id=world.residents[key].pk)
    services.topic_decide(actor=user, topic_id=t.pk, decision="通过")
    services.covenant_submit_filing(actor=user, topic_id=t.pk)
    back = services.covenant_return(actor=world.users["street_s1"], topic_id=t.pk, reason="第三条与法律不符")
    assert back.status == "accepted" and not Vote.objects.filter(topic=t).exists() and back.status_note == "第三条与法律不符"


def test_ordinary_decision_is_published_and_actions_track_deadlines(world):
    t = voting_topic(world)
    first, _ = options_of(t)
    user = world.users["worker_a"]
    services.vote_cast(actor=user, topic_id=t.pk, option_id=first.pk, resident_id=world.residents["A101h"].pk)
    with pytest.raises(InvalidTransition):
        services.action_add(actor=user, topic_id=t.pk, text="施工", owner="物业", deadline=dt.date(2026, 12, 1))
    decided = services.topic_decide(actor=user, topic_id=t.pk, decision="在3号楼北侧设置充电桩")
    assert decided.published_at is not None
    action = services.action_add(actor=user, topic_id=t.pk, text="安装充电桩", owner="某某物业", deadline=dt.date(2026, 12, 1))
    with pytest.raises(NotInScope):
        services.action_done(actor=world.users["worker_b"], action_id=action.pk, result="完成")
    done = services.action_done(actor=user, action_id=action.pk, result="已安装8个",
                                now=dt.datetime(2026, 12, 1, 15, 0, tzinfo=dt.UTC))  # 23:00 in Shanghai
    assert done.on_time() is True
    with pytest.raises(Conflict):
        services.action_done(actor=user, action_id=action.pk, result="again")


def test_a_leader_reads_but_cannot_run_a_topic(world):
    with pytest.raises(NotAllowed):
        topic(world, actor="leader")


def test_a_resident_proposes_a_topic_for_their_own_community(world):
    t = services.topic_propose_self(actor=world.users["resident_a"], title="增设休闲座椅", description="广场缺少座椅")
    assert t.community_id == world.nodes["A"].pk and t.raised_by_resident == world.residents["A101h"]


def test_meeting_participants_need_a_valid_kind_and_a_name(world):
    t = topic(world)
    services.topic_accept(actor=world.users["worker_a"], topic_id=t.pk)
    with pytest.raises(InvalidInput) as exc:
        services.meeting_record(actor=world.users["worker_a"], topic_id=t.pk, held_at=timezone.now() - dt.timedelta(hours=1),
                                minutes="x", participants=[*FULL_PANEL, {"kind": "deputy"}])
    assert exc.value.extra == {"field": "participants", "index": 5}
    assert not t.meetings.exists()
