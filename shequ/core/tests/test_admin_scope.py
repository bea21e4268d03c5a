"""The admin obeys the central scope: lists, change pages and POSTs."""
from shequ.core.models import AuditLog
from shequ.core.testing import PASSWORD
from shequ.registry.models import Resident


def login(client, world, username):
    assert client.login(username=username, password=PASSWORD)


def test_admin_resident_list_is_scoped(client, world):
    login(client, world, "worker_a")
    page = client.get("/admin/registry/resident/").content.decode()
    assert "甲社区101户主" in page
    assert "乙社区" not in page and "丙村" not in page


def test_admin_list_masks_personal_data(client, world):
    login(client, world, "worker_a")
    page = client.get("/admin/registry/resident/").content.decode()
    clear = world.residents["A101h"].id_number
    assert clear not in page
    assert clear[:6] + "********" + clear[-4:] in page


def test_street_user_sees_all_its_communities_in_admin(client, world):
    login(client, world, "street_s1")
    page = client.get("/admin/registry/resident/").content.decode()
    assert "甲社区101户主" in page and "乙社区101户主" in page
    assert "丙村" not in page


def test_admin_change_page_of_foreign_resident_is_not_found(client, world):
    login(client, world, "worker_a")
    foreign = world.residents["B101h"]
    response = client.get(f"/admin/registry/resident/{foreign.pk}/change/")
    assert response.status_code == 302  # the admin's "does not exist" redirect
    assert foreign.name not in client.get(response.url).content.decode()


def test_admin_post_to_foreign_resident_changes_nothing(client, world):
    login(client, world, "worker_a")
    foreign = world.residents["B101h"]
    client.post(f"/admin/registry/resident/{foreign.pk}/change/", {"name": "篡改", "ethnicity": "汉族", "residence_type": "registered", "status": "active"})
    foreign.refresh_from_db()
    assert foreign.name == "乙社区101户主"


def test_admin_edit_in_scope_goes_through_service_and_audit(client, world):
    login(client, world, "worker_a")
    own = world.residents["A101h"]
    response = client.post(f"/admin/registry/resident/{own.pk}/change/", {
        "name": "新名字", "ethnicity": "回族", "relation": "户主", "residence_type": "registered", "status": "active", "note": "",
        "tags": [t.pk for t in own.tags.all()],
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    own.refresh_from_db()
    assert (own.name, own.ethnicity) == ("新名字", "回族")
    entry = AuditLog.objects.filter(verb="resident.updated", target_id=str(own.pk)).latest("id")
    assert entry.actor_name == "worker_a" and set(entry.extra["fields"]) == {"name", "ethnicity"}


def test_configuration_screens_are_for_admins_only(client, world):
    login(client, world, "worker_a")
    assert client.get("/admin/registry/tag/").status_code == 403
    assert client.get("/admin/core/auditlog/").status_code == 403
    client.logout()
    login(client, world, "admin")
    assert client.get("/admin/registry/tag/").status_code == 200
    assert "独居老人" in client.get("/admin/registry/tag/").content.decode()


def test_leader_can_view_but_not_change_in_admin(client, world):
    login(client, world, "leader")
    own = world.residents["A101h"]
    assert client.get("/admin/registry/resident/").status_code == 200
    client.post(f"/admin/registry/resident/{own.pk}/change/", {"name": "领导改名", "ethnicity": "汉族", "residence_type": "registered", "status": "active"})
    assert Resident.objects.get(pk=own.pk).name == "甲社区101户主"
