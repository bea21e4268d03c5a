"""The admission demo: every state appears, the office's desk has work, and it runs once."""
import pytest

from shequ.admission.demo import load_admission_demo
from shequ.admission.models import AdmissionList, Assignment, Plaque, StampRecord, UnadmittedReport, WorkTask
from shequ.demo.loader import DemoLoader
from shequ.demo.logins import ensure_demo_logins

pytestmark = pytest.mark.django_db


def test_the_demo_fills_every_part_of_the_module():
    DemoLoader(scale="tiny", seed=7).run()
    ensure_demo_logins()
    counts = load_admission_demo(seed=7)
    assert counts["tasks"] == WorkTask.objects.count() > 5
    statuses = set(WorkTask.objects.values_list("status", flat=True))
    assert {"pending", "returned", "rejected", "dispatched"} <= statuses
    assert Assignment.objects.filter(status="completed").exists() and Assignment.objects.exclude(status="completed").exists()
    assert UnadmittedReport.objects.count() == 15
    assert {"allowed", "refused"} <= set(StampRecord.objects.values_list("outcome", flat=True))
    assert Plaque.objects.filter(allowed=True).exists() and Plaque.objects.filter(allowed=False).exists()
    assert AdmissionList.objects.get().is_default
    assert load_admission_demo(seed=7) == {}  # once only
