"""/api/registry/residents: scope, roles, masking, reveal, validation, audit."""
import datetime as dt

import pytest
from django.test import Client

from shequ.core.idcard import make_id_number
from shequ.core.models import AuditLog
from shequ.registry.models import Resident

from .apiclient import ApiClient, api_as

NEW_ID = make_id_number("110105", dt.date(1990, 5, 17), 123)


def names(answer):
    return {item["name"] for item in answer.data["items"]}


def test_worker_lists_only_own_community_masked(world):
    answer = api_as(world, "worker_a").get("/registry/residents")
    assert answer.status == 200, answer
    assert answer.data["count"] == 4 and answer.data["count_is_estimate"] is False
    assert all(n.startswith("甲社区") for n in names(answer))
    for item in answer.data["items"]:
        resident = Resident.objects.get(pk=item["id"])
        assert item["id_number"] != resident.id_number and "*" in item["id_number"]
        assert item["id_number"][:6] == resident.id_number[:6] and item["id_number"][-4:] == resident.id_number[-4:]
        assert item["phone"] == resident.phone[:3] + "****" + resident.phone[-4:]


def test_street_user_sees_both_communities(world):
    answer = api_as(world, "street_s1").get("/registry/residents")
    assert answer.data["count"] == 8
    assert {n[:3] for n in names(answer)} == {"甲社区", "乙社区"}


def test_street_user_filters_by_community_node(world):
    answer = api_as(world, "street_s1").get("/registry/residents", node=world.nodes["B"].pk)
    assert answer.status == 200 and answer.data["count"] == 4
    assert all(n.startswith("乙社区") for n in names(answer))


def test_worker_filtering_by_foreign_node_gets_404(world):
    answer = api_as(world, "worker_a").get("/registry/residents", node=world.nodes["B"].pk)
    assert answer.status == 404 and answer.data["code"] == "not_found"


def test_resident_user_sees_only_own_household(world):
    client = api_as(world, "resident_a")
    assert names(client.get("/registry/residents")) == {"甲社区101户主", "甲社区101配偶"}
    assert client.get(f"/registry/residents/{world.residents['A102h'].pk}").status == 404


def test_anonymous_gets_401(world):
    for answer in (ApiClient().get("/registry/residents"),
                   ApiClient().post("/registry/residents", {"name": "x"}),
                   ApiClient().get(f"/registry/residents/{world.residents['A101h'].pk}")):
        assert answer.status == 401 and answer.data["code"] == "unauthenticated"


def test_detail_is_masked_and_foreign_detail_is_404(world):
    own, foreign = world.residents["A101h"], world.residents["B101h"]
    client = api_as(world, "worker_a")
    answer = client.get(f"/registry/residents/{own.pk}")
    assert answer.status == 200
    assert answer.data["id_number"] == own.id_number[:6] + "********" + own.id_number[-4:]
    assert own.phone not in str(answer.data) and own.id_number not in str(answer.data)
    assert [t["code"] for t in answer.data["tags"]] == ["elderly_alone"]
    missing = client.get("/registry/residents/999999")
    foreign_answer = client.get(f"/registry/residents/{foreign.pk}")
    assert foreign_answer.status == missing.status == 404
    assert foreign_answer.data == missing.data


def test_worker_cannot_change_foreign_resident(world):
    foreign = world.residents["B101h"]
    client = api_as(world, "worker_a")
    assert client.patch(f"/registry/residents/{foreign.pk}", {"note": "x"}).status == 404
    assert client.post(f"/registry/residents/{foreign.pk}/move", {"household": None}).status == 404
    assert client.post(f"/registry/residents/{foreign.pk}/reveal").status == 404
    assert client.get(f"/registry/residents/{foreign.pk}/history").status == 404
    foreign.refresh_from_db()
    assert foreign.note == "" and foreign.status == "active"


def test_leader_may_read_but_not_patch(world):
    target = world.residents["A101h"]
    client = api_as(world, "leader")
    assert client.get(f"/registry/residents/{target.pk}").status == 200
    answer = client.patch(f"/registry/residents/{target.pk}", {"note": "x"})
    assert answer.status == 403 and answer.data["code"] == "not_allowed"


def test_resident_user_cannot_patch_own_record(world):
    answer = api_as(world, "resident_a").patch(f"/registry/residents/{world.residents['A101h'].pk}", {"note": "x"})
    assert answer.status == 403


def test_search_by_full_id_number_and_phone(world):
    target = world.residents["A102s"]
    client = api_as(world, "worker_a")
    by_id = client.get("/registry/residents", q=target.id_number)
    assert [i["id"] for i in by_id.data["items"]] == [target.pk]
    by_phone = client.get("/registry/residents", q=target.phone)
    assert [i["id"] for i in by_phone.data["items"]] == [target.pk]
    # Another community's resident is not found, even by exact ID number.
    assert client.get("/registry/residents", q=world.residents["B101h"].id_number).data["count"] == 0


def test_filter_by_tag_and_status(world):
    client = api_as(world, "worker_a")
    tagged = client.get("/registry/residents", tag="elderly_alone")
    assert names(tagged) == {"甲社区101户主"}
    assert client.get("/registry/residents", status="moved_out").data["count"] == 0
    assert client.get("/registry/residents", status="all").data["count"] == 4
    bad = client.get("/registry/residents", status="nonsense")
    assert bad.status == 422 and bad.data["message"].startswith("status")


def test_sensitive_tag_hidden_without_unmask_right(world):
    target = world.residents["A101h"]
    assert api_as(world, "worker_a").patch(f"/registry/residents/{target.pk}",
                                           {"tags": ["elderly_alone", "subsistence"]}).status == 200
    plain = api_as(world, "worker_a").get(f"/registry/residents/{target.pk}")
    assert [t["code"] for t in plain.data["tags"]] == ["elderly_alone"]
    assert api_as(world, "worker_a").get("/registry/residents", tag="subsistence").status == 422
    cleared = api_as(world, "worker_a_unmask").get(f"/registry/residents/{target.pk}")
    assert {t["code"] for t in cleared.data["tags"]} == {"elderly_alone", "subsistence"}
    assert names(api_as(world, "worker_a_unmask").get("/registry/residents", tag="subsistence")) == {target.name}


def test_create_resident_derives_birth_and_sex_and_audits(world):
    household = world.households["A101"]
    answer = api_as(world, "worker_a").post("/registry/residents", {
        "name": "新居民", "household": household.pk, "id_number": NEW_ID, "phone": "139 1234 5678",
        "relation": "子", "tags": ["party_member"],
    })
    assert answer.status == 201, answer
    assert answer.data["birth_date"] == "1990-05-17" and answer.data["sex"] == "M"
    assert answer.data["id_number"] == NEW_ID[:6] + "********" + NEW_ID[-4:]
    assert answer.data["phone"] == "139****5678"
    assert answer.data["household"]["id"] == household.pk
    assert [t["code"] for t in answer.data["tags"]] == ["party_member"]
    log = AuditLog.objects.filter(verb="resident.created", target_id=str(answer.data["id"])).get()
    assert log.actor == world.users["worker_a"]
    assert NEW_ID not in str(log.extra) and NEW_ID not in log.target_repr


def test_create_resident_in_foreign_household_is_404(world):
    answer = api_as(world, "worker_a").post("/registry/residents", {"name": "x", "household": world.households["B101"].pk})
    assert answer.status == 404
    assert not Resident.objects.filter(name="x").exists()


def test_create_resident_bad_check_digit_is_422_naming_the_field(world):
    bad = NEW_ID[:17] + ("0" if NEW_ID[17] != "0" else "1")
    answer = api_as(world, "worker_a").post("/registry/residents", {"name": "x", "household": world.households["A101"].pk,
                                                                    "id_number": bad})
    assert answer.status == 422
    assert answer.data["code"] == "invalid"
    assert answer.data["message"].startswith("id_number:") and "校验位" in answer.data["message"]
    assert "id_number" in answer.data["extra"]["fields"]


def test_create_resident_validation_messages(world):
    client = api_as(world, "worker_a")
    household = world.households["A101"].pk
    cases = [
        ({"household": household}, "name"),
        ({"name": "x", "household": household, "phone": "12345"}, "phone"),
        ({"name": "x", "household": household, "residence_type": "alien"}, "residence_type"),
        ({"name": "x"}, "household"),
        ({"name": "x", "household": household, "tags": ["no_such_tag"]}, None),
    ]
    for body, field in cases:
        answer = client.post("/registry/residents", body)
        assert answer.status == 422, (body, answer)
        if field:
            assert answer.data["message"].startswith(field), answer
        assert answer.data["message"]


def test_create_resident_duplicate_id_is_409(world):
    answer = api_as(world, "worker_a").post("/registry/residents", {
        "name": "重复", "household": world.households["A102"].pk, "id_number": world.residents["A101h"].id_number})
    assert answer.status == 409 and answer.data["code"] == "conflict"


def test_patch_resident_fields_and_tags(world):
    target = world.residents["A102h"]
    answer = api_as(world, "grid_a").patch(f"/registry/residents/{target.pk}",
                                           {"note": "已走访", "phone": "13900001111", "tags": ["veteran"]})
    assert answer.status == 200, answer
    assert answer.data["note"] == "已走访" and answer.data["phone"] == "139****1111"
    assert [t["code"] for t in answer.data["tags"]] == ["veteran"]
    target.refresh_from_db()
    assert target.phone == "13900001111"
    log = AuditLog.objects.filter(verb="resident.updated", target_id=str(target.pk)).latest("id")
    assert "13900001111" not in str(log.extra)


def test_move_resident_keeps_history(world):
    target, destination = world.residents["A101s"], world.households["A102"]
    client = api_as(world, "worker_a")
    answer = client.post(f"/registry/residents/{target.pk}/move",
                         {"household": destination.pk, "relation": "亲属", "reason": "投靠"})
    assert answer.status == 200, answer
    assert answer.data["household"]["id"] == destination.pk
    history = client.get(f"/registry/residents/{target.pk}/history")
    assert history.status == 200
    assert [h["household"]["id"] for h in history.data] == [destination.pk, world.households["A101"].pk]
    assert history.data[1]["left_on"] == dt.date.today().isoformat() and history.data[0]["left_on"] is None
    assert history.data[1]["leave_reason"] == "投靠"
    out = client.post(f"/registry/residents/{target.pk}/move", {"household": None, "reason": "迁往外地"})
    assert out.status == 200 and out.data["status"] == "moved_out"


def test_move_into_foreign_household_is_404(world):
    answer = api_as(world, "worker_a").post(f"/registry/residents/{world.residents['A101s'].pk}/move",
                                            {"household": world.households["B101"].pk})
    assert answer.status == 404


def test_reveal_requires_permission_and_is_audited(world):
    target = world.residents["A101h"]
    denied = api_as(world, "worker_a").post(f"/registry/residents/{target.pk}/reveal")
    assert denied.status == 403 and denied.data["code"] == "not_allowed"
    assert not AuditLog.objects.filter(verb="resident.unmasked").exists()
    answer = api_as(world, "worker_a_unmask").post(f"/registry/residents/{target.pk}/reveal")
    assert answer.status == 200
    assert answer.data == {"id_number": target.id_number, "phone": target.phone}
    log = AuditLog.objects.get(verb="resident.unmasked")
    assert log.actor == world.users["worker_a_unmask"] and log.target_id == str(target.pk)
    assert log.extra == {"channel": "api"}


def test_unmask_user_still_gets_masked_lists(world):
    answer = api_as(world, "worker_a_unmask").get("/registry/residents")
    assert all("*" in item["id_number"] for item in answer.data["items"])


def test_token_auth_works_without_csrf_and_revoked_token_is_refused(world):
    from shequ.accounts.services import api_token_create, api_token_revoke

    user = world.users["worker_a"]
    token, key = api_token_create(actor=user, user=user, name="sync")
    client = ApiClient(token=key, client=Client(enforce_csrf_checks=True))
    assert client.get("/registry/residents").data["count"] == 4
    answer = client.patch(f"/registry/residents/{world.residents['A101h'].pk}", {"note": "令牌修改"})
    assert answer.status == 200, answer
    api_token_revoke(actor=user, token=token)
    refused = client.get("/registry/residents")
    assert refused.status == 401 and refused.data["code"] == "unauthenticated"
    assert ApiClient(token="sq_not-a-token").get("/registry/residents").status == 401


def test_session_write_requires_csrf(world):
    client = ApiClient(world.users["worker_a"], client=Client(enforce_csrf_checks=True))
    assert client.get("/registry/residents").status == 200
    answer = client.patch(f"/registry/residents/{world.residents['A101h'].pk}", {"note": "x"})
    assert answer.status == 403 and "CSRF" in answer.data["message"]


def test_pagination_limits(world):
    client = api_as(world, "street_s1")
    page = client.get("/registry/residents", limit=3, offset=3)
    assert page.status == 200
    assert (page.data["count"], page.data["limit"], page.data["offset"], len(page.data["items"])) == (8, 3, 3, 3)
    last = client.get("/registry/residents", limit=3, offset=6)
    assert len(last.data["items"]) == 2 and last.data["count"] == 8
    assert client.get("/registry/residents", limit=201).status == 422
    assert client.get("/registry/residents", limit=0).status == 422
    assert client.get("/registry/residents", offset=-1).status == 422


def test_list_query_count_does_not_grow_with_page_size(world, django_assert_max_num_queries):
    client = api_as(world, "street_s1")
    client.get("/registry/residents")  # warm the session
    with django_assert_max_num_queries(8):
        answer = client.get("/registry/residents", node=world.nodes["S1"].pk, limit=8)
    assert len(answer.data["items"]) == 8


@pytest.mark.parametrize("cap", [5])
def test_count_is_capped(world, cap, monkeypatch):
    from shequ.core import pagination

    monkeypatch.setattr(pagination, "COUNT_CAP", cap)
    monkeypatch.setattr(pagination.paginate, "__kwdefaults__", {**pagination.paginate.__kwdefaults__, "cap": cap})
    answer = api_as(world, "street_s1").get("/registry/residents", limit=2)
    assert answer.data["count"] == 5 and answer.data["count_is_estimate"] is True
