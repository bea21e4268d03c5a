"""The admin: the matter catalog for system administrators only; cases read-only and scoped, ID masked."""
import pytest
from django.urls import reverse

from .factories import ensure_matters, open_case


@pytest.fixture
def staff(world):
    for name in ("worker_a", "worker_b"):
        world.users[name].is_staff = True
        world.users[name].save(update_fields=["is_staff"])
    return world


def test_matter_catalog_is_for_administrators(client, staff):
    ensure_matters()
    client.force_login(staff.users["admin"])
    page = client.get(reverse("admin:agency_matter_changelist"))
    assert page.status_code == 200 and "低保申请" in page.content.decode()
    client.force_login(staff.users["worker_a"])
    assert client.get(reverse("admin:agency_matter_changelist")).status_code == 403


def test_cases_are_scoped_and_masked(client, staff):
    case = open_case(staff)
    client.force_login(staff.users["worker_a"])
    page = client.get(reverse("admin:agency_agencycase_change", args=[case.pk]))
    text = page.content.decode()
    resident = staff.residents["A101h"]
    assert page.status_code == 200 and case.number in text and resident.id_number not in text and "受理登记" in text
    client.force_login(staff.users["worker_b"])
    assert case.number not in client.get(reverse("admin:agency_agencycase_changelist")).content.decode()
    assert client.get(reverse("admin:agency_agencycase_change", args=[case.pk])).status_code in (302, 404)
