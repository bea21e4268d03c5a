"""Multi-unit appeals: the handling unit leads, co-handlers answer their part, the lead's reply
waits for them; a co-handling department sees the appeal but cannot move it."""
import pytest

from shequ.appeals import cohandling, services
from shequ.appeals.models import CoHandler
from shequ.core.errors import Conflict, InvalidInput, NotAllowed, NotInScope
from shequ.jurisdiction.models import Department
from shequ.registry.tests.apiclient import api_as

from .test_timing import handled


@pytest.fixture
def housing(world):
    return Department.objects.create(district=world.nodes["district"], kind="housing", name="住建委", code="D-ZJ")


def test_lead_waits_for_cohandlers(world):
    appeal = handled(world)
    worker = world.users["worker_a"]
    part = cohandling.cohandler_add(actor=worker, appeal_id=appeal.pk, department=world.departments["civil"],
                                    task="核实困难情况")
    with pytest.raises(Conflict) as refused:
        services.appeal_reply(actor=worker, appeal_id=appeal.pk, reply="已处理")
    assert refused.value.extra["units"] == ["民政局"]
    # The co-handling department sees the appeal, answers its part, but cannot move the appeal.
    dept = world.users["dept"]
    with pytest.raises(NotAllowed):
        services.appeal_reply(actor=dept, appeal_id=appeal.pk, reply="越权")
    cohandling.cohandler_reply(actor=dept, cohandler_id=part.pk, reply="已核实,符合临时救助条件")
    with pytest.raises(Conflict):
        cohandling.cohandler_reply(actor=dept, cohandler_id=part.pk, reply="again")
    services.appeal_reply(actor=worker, appeal_id=appeal.pk, reply="已处理,民政局已核实")
    appeal.refresh_from_db()
    assert appeal.status == "replied"


def test_cohandler_rules(world, housing):
    appeal = handled(world)
    worker = world.users["worker_a"]
    with pytest.raises(InvalidInput):  # a node must hold the appeal's place
        cohandling.cohandler_add(actor=worker, appeal_id=appeal.pk, node=world.nodes["B"], task="x")
    with pytest.raises(InvalidInput):
        cohandling.cohandler_add(actor=worker, appeal_id=appeal.pk, department=housing, task=" ")
    part = cohandling.cohandler_add(actor=worker, appeal_id=appeal.pk, node=world.nodes["S1"], task="协调执法力量")
    with pytest.raises(Conflict):
        cohandling.cohandler_add(actor=worker, appeal_id=appeal.pk, node=world.nodes["S1"], task="again")
    with pytest.raises(NotAllowed):  # only that unit answers its part
        cohandling.cohandler_reply(actor=worker, cohandler_id=part.pk, reply="x")
    with pytest.raises(NotInScope):
        cohandling.cohandler_add(actor=world.users["worker_b"], appeal_id=appeal.pk, department=housing, task="x")
    with pytest.raises(InvalidInput):
        cohandling.cohandler_remove(actor=worker, cohandler_id=part.pk, reason="")
    cohandling.cohandler_remove(actor=worker, cohandler_id=part.pk, reason="街道已另行安排")
    assert not CoHandler.objects.exists()


def test_department_sees_only_appeals_it_handles_or_cohandles(world, housing):
    appeal = handled(world)
    other = handled(world, at="B", user="worker_b")
    dept = api_as(world, "dept")
    assert dept.get(f"/appeals/{appeal.pk}").status == 404
    added = api_as(world, "worker_a").post(f"/appeals/{appeal.pk}/cohandlers",
                                          {"department_id": world.departments["civil"].pk, "task": "核实低保"})
    assert added.status == 201, added
    listed = dept.get("/appeals").data["items"]
    assert [a["id"] for a in listed] == [appeal.pk]  # co-handled, once; not the other appeal
    assert dept.get(f"/appeals/{other.pk}").status == 404
    assert dept.post(f"/appeals/{appeal.pk}/reply", {"reply": "x"}).status == 403
    part = added.data["id"]
    assert api_as(world, "worker_b").post(f"/appeals/cohandlers/{part}/reply", {"reply": "x"}).status == 404
    answered = dept.post(f"/appeals/cohandlers/{part}/reply", {"reply": "已核实"})
    assert answered.status == 200 and answered.data["reply"] == "已核实"
    assert api_as(world, "worker_a").get(f"/appeals/{appeal.pk}/cohandlers").data[0]["reply"] == "已核实"


def test_reveal_requester_is_permission_checked_and_audited(world):
    from shequ.core.models import AuditLog

    appeal = handled(world)
    appeal.requester_name, appeal.requester_phone = "王小明", "13912345678"
    appeal.save()
    assert api_as(world, "worker_a").post(f"/appeals/{appeal.pk}/reveal", {}).status == 403
    assert api_as(world, "worker_b").post(f"/appeals/{appeal.pk}/reveal", {}).status == 404
    clear = api_as(world, "worker_a_unmask").post(f"/appeals/{appeal.pk}/reveal", {})
    assert clear.status == 200 and clear.data == {"name": "王小明", "phone": "13912345678"}
    entry = AuditLog.objects.get(verb="appeal.requester_unmasked")
    assert entry.target_id == str(appeal.pk) and entry.extra == {"channel": "api"}
