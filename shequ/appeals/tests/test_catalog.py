"""The default time-limit classes and the starter catalog (migration 0002)."""
from shequ.appeals.models import ServiceCategory, TimeLimitClass, UnitKind

from .factories import ensure_catalog


def test_default_time_limit_classes_follow_the_spec(db):
    ensure_catalog()
    rows = {c.code: (c.dispatch_hours, c.completion_value, c.completion_unit) for c in TimeLimitClass.objects.all()}
    assert rows == {
        "emergency": (1, 2, "hours"),
        "utilities": (2, 24, "hours"),
        "general": (24, 7, "working_days"),
        "complex": (24, 15, "working_days"),
    }


def test_starter_catalog_is_complete_and_consistent(db):
    ensure_catalog()
    categories = list(ServiceCategory.objects.all())
    assert len(categories) >= 30
    names = {c.name for c in categories}
    for expected in ("物业报修", "环境卫生脏乱", "邻里噪声", "小区停车管理", "养老服务", "低保申请", "居住证明",
                     "停水", "停电", "燃气供应", "供暖不热"):
        assert expected in names
    for c in categories:
        assert (c.unit_kind == UnitKind.DEPARTMENT) == bool(c.department_kind), c.code


def test_loading_twice_keeps_admin_edits(db):
    ensure_catalog()
    ServiceCategory.objects.filter(code="other").update(name="其他(已改)")
    ensure_catalog()
    assert ServiceCategory.objects.get(code="other").name == "其他(已改)"
    assert ServiceCategory.objects.filter(code="other").count() == 1
