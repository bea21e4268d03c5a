"""Read queries compiled once per shape (``shequ.core.compiled``): later calls of a shape run its
SQL with their own values, and a shape whose values cannot be placed is built every time."""
import pytest

from shequ.core import compiled
from shequ.jurisdiction.models import Node

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh():
    compiled.forget()
    yield
    compiled.forget()


def _counting(build):
    calls = []

    def counted(*args):
        calls.append(args)
        return build(*args)
    return counted, calls


def test_a_shape_is_built_once_and_runs_with_each_calls_values(world, django_assert_num_queries):
    build, calls = _counting(lambda level, *codes: Node.objects.filter(level=level, code__in=codes)
                             .order_by("code").values("code", "name"))
    streets = compiled.rows(("t", 2), build, "street", "110105001", "110105002")
    assert [r["name"] for r in streets] == ["一街道", "二乡"]
    with django_assert_num_queries(1):
        one = compiled.rows(("t", 2), build, "district", "110105", "no-such-code")
    assert one == [{"code": "110105", "name": "测试区"}]  # the second call's values, not the first's
    assert len(calls) == 1
    # Another number of codes is another shape (its own SQL).
    assert [r["code"] for r in compiled.rows(("t", 1), build, "city", "110000")] == ["110000"]
    assert len(calls) == 2


def test_values_the_query_converts_leave_the_shape_uncompiled(world):
    # A number given as text is converted to an int by the field: the text is not among the
    # parameters, so the shape is not kept; each call is built (and answered) on its own.
    build, calls = _counting(lambda pk: Node.objects.filter(pk=pk).values("name"))
    city, district = world.nodes["city"], world.nodes["district"]
    assert compiled.rows("by-pk", build, str(city.pk)) == [{"name": "测试市"}]
    assert compiled.rows("by-pk", build, str(district.pk)) == [{"name": "测试区"}]
    assert len(calls) == 2


def test_rows_pass_through_each_fields_conversion(world):
    # Datetimes come back as aware datetimes, as values() gives them, on the compiled path too.
    build = lambda level: Node.objects.filter(level=level).order_by("code").values("code", "created_at")  # noqa: E731
    first = compiled.rows("dates", build, "street")
    again = compiled.rows("dates", build, "street")
    assert again == first == list(build("street"))
    assert all(row["created_at"].tzinfo is not None for row in again)
