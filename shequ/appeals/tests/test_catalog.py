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


def test_kept_catalog_sees_changes_made_through_the_application_at_once(db, settings):
    """With the catalog kept (SHEQU_CATALOG_CACHE_SECONDS), a save or delete is seen by the next
    read; a bulk update only after the seconds have passed (documented in shequ.appeals.catalog)."""
    import pytest

    from shequ.appeals import catalog, selectors
    from shequ.core.errors import NotInScope

    ensure_catalog()
    settings.SHEQU_CATALOG_CACHE_SECONDS = 60
    catalog.kept_catalog.changed()
    category = selectors.category_get(code="other")
    assert category.time_limit.code and catalog.catalog() is catalog.catalog()  # read once, then kept
    category.name = "changed by one caller"  # callers get copies
    assert selectors.category_get(code="other").name != "changed by one caller"
    stored = ServiceCategory.objects.get(code="other")
    stored.active = False
    stored.save()
    with pytest.raises(NotInScope):
        selectors.category_get(code="other")
    ServiceCategory.objects.filter(code="other").update(active=True)
    with pytest.raises(NotInScope):
        selectors.category_get(code="other")  # a bulk update: still the kept catalog
    catalog.kept_catalog.entries.clear()  # as when the seconds have passed
    assert selectors.category_get(code="other").active
    catalog.kept_catalog.changed()
