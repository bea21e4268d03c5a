"""Every party and social-organization page opens for the roles that may read it, shows no management
controls to a leader, and is refused (403) to roles without access."""
import datetime as dt

import pytest

from shequ.party import services
from shequ.socialorgs import services as org_services

from .factories import party_member, units


@pytest.fixture
def records(world):
    u = units(world)
    office = world.users["office"]
    org = services.organization_create(actor=office, name="甲社区党委", kind="committee", node=world.nodes["A"])
    meeting = services.meeting_schedule(actor=office, community=world.nodes["A"], title="联席会", scheduled_on=dt.date(2026, 5, 1),
                                        unit_ids=[u["A_firm"].pk])
    member = party_member(world, "A101h")
    registration = services.registration_create(actor=office, kind="member", community=world.nodes["A"],
                                                registered_on=dt.date(2026, 1, 1), resident=member, today=dt.date(2026, 6, 1))
    center = services.central_household_create(actor=office, member=member)
    so = org_services.organization_create(actor=office, community=world.nodes["A"], name="甲协会", type="charity")
    project = org_services.project_create(actor=office, organization_id=so.pk, title="项目", place=world.nodes["A"],
                                          purchaser="街道", budget=100, start_on=dt.date(2026, 1, 1), end_on=dt.date(2026, 2, 1))
    return {"org": org.pk, "meeting": meeting.pk, "registration": registration.pk, "center": center.pk, "so": so.pk,
            "project": project.pk, "building": world.nodes["A_building"].pk}


PAGES = ["/party/", "/party/?year=2025", "/party/organizations/", "/party/organizations/{org}/", "/party/vacuum/",
         "/party/meetings/", "/party/meetings/{meeting}/", "/party/dual/", "/party/dual/?view=idle",
         "/party/dual/?view=unregistered", "/party/dual/?view=pending", "/party/dual/{registration}/", "/party/dual/roster/",
         "/party/central/", "/party/central/{center}/", "/socialorgs/", "/socialorgs/{so}/", "/socialorgs/projects/",
         "/socialorgs/projects/{project}/"]
MANAGE_PAGES = ["/party/organizations/new/", "/party/organizations/{org}/edit/", "/party/meetings/new/", "/party/dual/new/",
                "/party/central/new/?building={building}", "/socialorgs/new/", "/socialorgs/{so}/edit/"]


@pytest.mark.parametrize("username", ["office", "worker_a", "street_s1", "leader", "admin"])
def test_pages_open_for_readers(world, records, client, username):
    client.force_login(world.users[username])
    for url in PAGES + (MANAGE_PAGES if username != "leader" else []):
        response = client.get(url.format(**records))
        assert response.status_code == 200, (url, response.status_code)
    if username == "leader":
        for url in MANAGE_PAGES:
            assert client.get(url.format(**records)).status_code == 403, url
        assert "新建党组织" not in client.get("/party/organizations/").content.decode()


@pytest.mark.parametrize("username", ["grid_a", "dept", "resident_a"])
def test_pages_refused_without_the_role(world, records, client, username):
    client.force_login(world.users[username])
    for url in PAGES:
        assert client.get(url.format(**records)).status_code == 403, url
