"""List pages: related columns read without joins give the same rows; a count past its cap is
remembered for a while, an exact count never."""
from unittest import mock

from shequ.appeals.models import Appeal
from shequ.appeals.tests.factories import submit
from shequ.core import pagination
from shequ.open311.models import Submission
from shequ.open311.selectors import REQUEST_COLUMNS


def test_related_columns_without_joins_are_the_rows_values_gives(world):
    admin = world.users["admin"]
    plain = submit(actor=admin, at="A", requester_name="王小明")
    department = submit(actor=admin, at="B", code="subsistence_allowance")
    nowhere = submit(actor=admin, at=None, district=world.nodes["district"])
    from shequ.open311.services import api_key_create

    key, _secret = api_key_create(actor=admin, name="client")
    Submission.objects.create(appeal=plain, api_key=key, token="t1", email="a@example.org", device_id="d1")
    columns = (*REQUEST_COLUMNS, "id", "open311__email", "community__name", "grid__parent__name",
               "handling_department__district__code")
    qs = Appeal.objects.filter(pk__in=[plain.pk, department.pk, nowhere.pk]).order_by("id")
    expected = list(qs.values(*columns))
    got = list(pagination.values_unjoined(qs, columns))
    for g, e in zip(got, expected):
        assert {k: (g[k], e[k]) for k in e if g[k] != e[k]} == {}
    assert got == expected
    assert [row["open311__email"] for row in got] == ["a@example.org", None, None]  # reverse one-to-one, absent = None
    assert got[0]["grid__parent__name"] == "甲社区"  # two relations deep
    assert got[2]["community__name"] is None  # no place: no community


def test_sealed_columns_come_as_stored(world):
    """``sealed``: an encrypted column, plain or related, read as its ciphertext (decrypted only when needed)."""
    from shequ.core import crypto
    from shequ.open311.services import api_key_create

    admin = world.users["admin"]
    appeal = submit(actor=admin, at="A", requester_phone="13912345678")
    key, _secret = api_key_create(actor=admin, name="client")
    Submission.objects.create(appeal=appeal, api_key=key, token="t1", email="a@example.org")
    row, = pagination.values_unjoined(Appeal.objects.filter(pk=appeal.pk), ("number",),
                                      sealed=("requester_phone", "open311__email"))
    assert set(row) == {"number", "requester_phone_sealed", "open311__email_sealed"}
    assert row["requester_phone_sealed"].startswith(crypto.PREFIX) and "139" not in row["requester_phone_sealed"]
    assert crypto.decrypt(row["requester_phone_sealed"]) == "13912345678"
    assert crypto.decrypt(row["open311__email_sealed"]) == "a@example.org"


def test_a_count_past_the_cap_is_remembered_and_an_exact_one_is_not(world):
    from shequ.registry.models import Resident

    qs = Resident.objects.all()
    total = qs.count()
    assert total > 3
    assert pagination.capped_count(qs, cap=3) == (3, True)
    with mock.patch.object(type(qs), "count", side_effect=AssertionError("counted again")):
        assert pagination.capped_count(Resident.objects.all(), cap=3) == (3, True)  # remembered
    assert pagination.capped_count(qs, cap=total) == (total, False)
    Resident.objects.filter(pk=qs.order_by("id").first().pk).delete()
    assert pagination.capped_count(qs, cap=total) == (total - 1, False)  # exact counts are counted each time
    Resident.objects.filter(pk__in=list(qs.order_by("id").values_list("pk", flat=True)[1:])).delete()
    assert pagination.capped_count(qs, cap=3) == (3, True)  # still remembered: it is an estimate
    later = pagination.time.monotonic() + pagination.PAST_CAP_SECONDS + 1
    with mock.patch.object(pagination.time, "monotonic", return_value=later):
        assert pagination.capped_count(qs, cap=3) == (1, False)  # the memo expired: counted again


def test_a_list_that_can_match_nothing_counts_nothing(world):
    from shequ.core.pagination import PageParams
    from shequ.registry.models import Resident

    for qs in (Resident.objects.none(), Resident.objects.filter(pk__in=[])):
        assert pagination.capped_count(qs) == (0, False)
        page = pagination.paginate(qs, PageParams(limit=10, offset=20))
        assert (page["items"], page["count"], page["count_is_estimate"]) == ([], 0, False)


def test_a_compiled_page_runs_with_each_users_own_scope(world):
    """Lists with ``columns`` run SQL compiled once per shape (``pagination._rows``): two workers
    bound to different communities share the shape, and each still sees only their own appeals."""
    from shequ.appeals import selectors
    from shequ.core import compiled
    from shequ.core.pagination import PageParams

    admin = world.users["admin"]
    in_a, in_b = submit(actor=admin, at="A"), submit(actor=admin, at="B")
    columns = ("id", "number", "community__name")
    compiled.forget()
    built = []
    real = pagination.values_unjoined

    def counted(*args, **kwargs):
        built.append(args)
        return real(*args, **kwargs)

    def page(user):
        qs = selectors.appeal_list(user=world.users[user])
        return [row["number"] for row in pagination.paginate(qs, PageParams(), columns=columns)["items"]]

    with mock.patch.object(pagination, "values_unjoined", counted):
        assert page("worker_a") == [in_a.number]
        assert page("worker_b") == [in_b.number]
        assert page("worker_a") == [in_a.number]
        assert page("admin") == [in_b.number, in_a.number]  # another shape: no scope filter
    assert len(built) == 2  # compiled once for the two workers, once for the administrator


def test_a_page_with_parameters_outside_its_where_clause_is_built_every_time(world):
    """The shape of a compiled page is told by its WHERE clause: a parameter elsewhere (here an
    annotation's value) could differ between two calls of one shape, so such a page is not kept."""
    from django.db.models import CharField, Value

    from shequ.core import compiled
    from shequ.core.pagination import PageParams

    appeal = submit(actor=world.users["admin"], at="A")
    compiled.forget()

    def page(label):
        qs = Appeal.objects.filter(pk=appeal.pk).annotate(label=Value(label, output_field=CharField()))
        return [row["label"] for row in pagination.paginate(qs, PageParams(), columns=("id", "label"))["items"]]

    assert page("第一次") == ["第一次"]
    assert page("第二次") == ["第二次"]
