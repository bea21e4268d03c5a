"""The admin: topics and volunteers scoped and read-only; phones masked; ballots not listed."""
import pytest
from django.urls import reverse

from shequ.volunteers.tests.factories import outsider

from .factories import topic


@pytest.fixture
def staff(world):
    for name in ("worker_a", "worker_b"):
        world.users[name].is_staff = True
        world.users[name].save(update_fields=["is_staff"])
    return world


def test_topics_are_scoped(client, staff):
    t = topic(staff)
    client.force_login(staff.users["worker_a"])
    page = client.get(reverse("admin:consultation_topic_change", args=[t.pk]))
    assert page.status_code == 200 and t.title in page.content.decode()
    client.force_login(staff.users["worker_b"])
    assert t.title not in client.get(reverse("admin:consultation_topic_changelist")).content.decode()
    assert client.get(reverse("admin:consultation_topic_change", args=[t.pk])).status_code in (302, 404)


def test_volunteers_are_scoped_and_masked(client, staff):
    v = outsider(staff)
    client.force_login(staff.users["worker_a"])
    page = client.get(reverse("admin:volunteers_volunteer_change", args=[v.pk])).content.decode()
    assert "139****5678" in page and "13912345678" not in page
    client.force_login(staff.users["worker_b"])
    assert client.get(reverse("admin:volunteers_volunteer_change", args=[v.pk])).status_code in (302, 404)
