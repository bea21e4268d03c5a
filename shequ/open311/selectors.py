"""Reads of the Open311 API. Everything here is public by the GeoReport v2 spec (no login):
the catalog, and the appeals of a jurisdiction without any personal data.

Appeals are read here without ``scoping`` because the reader is anonymous: instead of a
user's scope, the filter is the jurisdiction (a district), and the documents built from them
(``documents.request_doc``) never include the requester's name, phone, email, device or
account, and redact them if a requester typed them into the text.
"""
from __future__ import annotations

import datetime as dt

from django.db.models import Exists, Max, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from shequ.appeals.catalog import active_category
from shequ.appeals.deadlines import SHANGHAI
from shequ.appeals.models import Appeal, ServiceCategory
from shequ.core import compiled
from shequ.core.kept import Kept
from shequ.core.pagination import values_unjoined
from shequ.jurisdiction.models import Level, Node
from shequ.jurisdiction.selectors import district_list

from .errors import Open311Error
from .formats import W3C
from .models import ServiceAttribute, Submission

#: The spec's default window and cap of GET requests, and this server's default page size.
WINDOW = dt.timedelta(days=90)
MAX_RESULTS = 1000
PAGE_SIZE = 100
#: How far into one list the paging extension reaches (page × page_size).
MAX_DEPTH = 10_000

OPEN = (Appeal.Status.RECEIVED, Appeal.Status.ACCEPTED, Appeal.Status.DISPATCHED, Appeal.Status.IN_PROGRESS,
        Appeal.Status.REOPENED)
CLOSED = (Appeal.Status.REPLIED, Appeal.Status.EVALUATED, Appeal.Status.CLOSED)
STATUSES = {"open": OPEN, "closed": CLOSED}


def jurisdiction_get(jurisdiction_id: str | None) -> Node | None:
    """The district named by ``jurisdiction_id`` (its code). Optional while only one district
    exists (then that one); unknown -> 404, missing with several districts -> 400."""
    jurisdiction_id = (jurisdiction_id or "").strip()
    districts = district_list()  # as the process keeps them
    if jurisdiction_id:
        district = next((d for d in districts if d.code == jurisdiction_id), None)
        if district is None:
            raise Open311Error(404, _("jurisdiction_id %(j)s 不存在") % {"j": jurisdiction_id})
        return district
    if len(districts) > 1:
        raise Open311Error(400, _("本接口服务多个区:请提供 jurisdiction_id(区的行政区划代码)"))
    return districts[0] if districts else None


def _with_attributes(qs: QuerySet[ServiceCategory]) -> QuerySet[ServiceCategory]:
    return qs.annotate(has_attributes=Exists(
        ServiceAttribute.objects.filter(category=OuterRef("pk"), active=True)))


def service_list() -> QuerySet[ServiceCategory]:
    """The active catalog entries, each knowing whether it has attributes (one query)."""
    return _with_attributes(ServiceCategory.objects.filter(active=True).select_related("time_limit")
                            .order_by("sort", "code"))


def service_get(code: str | None) -> ServiceCategory:
    """An active catalog entry, knowing whether it has attributes (from the catalog and the
    attributes the process keeps: no query)."""
    code = (code or "").strip()
    if not code:
        raise Open311Error(400, _("缺少 service_code"))
    category = active_category(code)
    if category is None:
        raise Open311Error(404, _("service_code %(c)s 不存在或已停用") % {"c": code})
    category.has_attributes = bool(attribute_list(category))
    return category


#: The active attributes of every category, kept per process like the catalog (``appeals.catalog``;
#: ``ServiceAttribute`` is watched in ``apps``).
kept_attributes = Kept("open311-attributes", setting="SHEQU_CATALOG_CACHE_SECONDS")


def _attributes_by_category() -> dict[int, list[ServiceAttribute]]:
    found: dict[int, list[ServiceAttribute]] = {}
    for attribute in ServiceAttribute.objects.filter(active=True).order_by("order", "code"):
        found.setdefault(attribute.category_id, []).append(attribute)
    return found


def attribute_list(category: ServiceCategory) -> list[ServiceAttribute]:
    return list(kept_attributes.read("all", _attributes_by_category).get(category.pk, []))


def changeset() -> dt.datetime:
    """When the catalog or its attributes last changed (the discovery ``changeset``)."""
    stamps = [ServiceCategory.objects.aggregate(at=Max("updated_at"))["at"],
              ServiceAttribute.objects.aggregate(at=Max("updated_at"))["at"]]
    stamps = [s for s in stamps if s]
    return max(stamps) if stamps else timezone.now()


#: The columns a request document is built from (``documents.request_doc``): read as plain rows,
#: one query (related columns by subqueries, ``values_unjoined``), no model instances. The
#: requester's own data is read only to be blanked out of the free text; it never leaves
#: ``request_doc``.
#: The category and department are named from the catalog the process keeps (``appeals.catalog``),
#: the handling node by ``jurisdiction.selectors.node_names``.
REQUEST_COLUMNS = (
    "number", "status", "reply", "description", "address_text", "address_id", "lat", "lng", "requester_name",
    "category_id", "handling_department_id", "handling_node_id", "open311__id", "open311__media_url",
)
#: Read as stored (``<column>_sealed``): decrypted by ``documents`` only if the text could hold them.
REQUEST_SEALED = ("requester_phone", "open311__email", "open311__device_id", "open311__account_id")


def _requests() -> QuerySet[Appeal]:
    return Appeal.objects.all()


#: Datetime columns, read as W3C text (``formats.W3C``) under these keys.
REQUEST_DATETIMES = ("received_at", "updated_at", "closed_at", "completion_due_at")


def _values(qs: QuerySet[Appeal]) -> QuerySet:
    return values_unjoined(qs, REQUEST_COLUMNS, sealed=REQUEST_SEALED,
                           **{f"{name}_w3c": W3C(name) for name in REQUEST_DATETIMES})


def _rows(qs: QuerySet[Appeal]) -> list[dict]:
    return list(_values(qs))


def parse_w3c(name: str, value: str | None) -> dt.datetime | None:
    """A W3C datetime argument; without an offset it is taken as Asia/Shanghai time."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        parsed = parse_datetime(value.replace(" ", "+") if "T" in value and " " in value else value)
    except ValueError:
        parsed = None
    if parsed is None:
        raise Open311Error(400, _("%(n)s 应为 W3C 日期时间,如 2026-01-01T00:00:00+08:00") % {"n": name})
    return parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=SHANGHAI)


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _page_number(name: str, value: str | None, default: int, maximum: int | None = None) -> int:
    value = (value or "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) < 1 or (maximum is not None and int(value) > maximum):
        limit = _("1 到 %(m)d 的整数") % {"m": maximum} if maximum else _("正整数")
        raise Open311Error(400, _("%(n)s 应为%(limit)s") % {"n": name, "limit": limit})
    return int(value)


def _district_id_sql(jurisdiction_id: str | None) -> RawSQL:
    """The id of the district ``jurisdiction_get`` would find, as a subquery (NULL where it would
    refuse): the list filters by it without a query of its own."""
    table = Node._meta.db_table
    jurisdiction_id = (jurisdiction_id or "").strip()
    if jurisdiction_id:
        return RawSQL(f"SELECT id FROM {table} WHERE level = %s AND code = %s", (Level.DISTRICT, jurisdiction_id))  # noqa: S608
    return RawSQL(f"SELECT CASE WHEN COUNT(*) = 1 THEN MIN(id) END FROM {table} WHERE level = %s",  # noqa: S608
                  (Level.DISTRICT,))


def request_list_in(*, jurisdiction_id: str | None, **filters) -> list[dict]:
    """GET requests (``request_list``) in the district named by ``jurisdiction_id`` as
    ``jurisdiction_get`` finds it, in one query: the district is looked up on its own (for its
    404 or 400) only when the list comes back empty."""
    rows = request_list(district=_district_id_sql(jurisdiction_id), **filters)
    if rows:
        return rows
    district = jurisdiction_get(jurisdiction_id)  # refuses an unknown or missing jurisdiction
    return request_list(district=None, **filters) if district is None else []


def request_list(*, district: Node | RawSQL | None, service_request_id: str = "", service_code: str = "",
                 start_date: str = "", end_date: str = "", status: str = "", page: str = "", page_size: str = "",
                 now: dt.datetime | None = None) -> list[dict]:
    """GET requests: the filters and defaults of the spec, as rows of ``REQUEST_COLUMNS``.

    ``service_request_id`` (comma-separated appeal numbers) overrides every other filter. Otherwise
    the window is at most 90 days (both dates given), else the 90 days up to ``end_date``, from
    ``start_date``, or up to now; newest first, one page of ``page_size`` requests (default 100, at
    most 1,000: the spec lets a server limit its answer) — ``page`` and ``page_size`` are this
    server's extension, numbered from 1.
    """
    size = _page_number("page_size", page_size, min(PAGE_SIZE, MAX_RESULTS), MAX_RESULTS)
    # Deep pages make the database skip rows it has read: at most MAX_DEPTH requests into a list
    # (narrow start_date/end_date to go further back).
    page_no = _page_number("page", page, 1, max(1, MAX_DEPTH // size))
    numbers = list(dict.fromkeys(n.upper() for n in _split(service_request_id)))
    if numbers:
        if len(numbers) > MAX_RESULTS:
            raise Open311Error(400, _("service_request_id 最多 %(n)d 个") % {"n": MAX_RESULTS})
        return _page(district, numbers=numbers)
    start, end = parse_w3c("start_date", start_date), parse_w3c("end_date", end_date)
    if start and end:
        if start > end:
            raise Open311Error(400, _("start_date 不能晚于 end_date"))
        if end - start > WINDOW:
            raise Open311Error(400, _("start_date 到 end_date 不能超过 90 天"))
    elif start:
        end = start + WINDOW
    elif end:
        start = end - WINDOW
    else:
        end = now or timezone.now()
        start = end - WINDOW
    codes = list(dict.fromkeys(_split(service_code)))
    if codes:
        known = set(ServiceCategory.objects.filter(code__in=codes).values_list("code", flat=True))
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise Open311Error(400, *[_("service_code %(c)s 不存在") % {"c": c} for c in unknown])
    statuses = sorted(set(_split(status)))
    if any(s not in STATUSES for s in statuses):
        raise Open311Error(400, _("status 只能是 open 或 closed,多个用逗号分隔"))
    return _page(district, start=start, end=end, codes=codes, statuses=tuple(statuses),
                 offset=(page_no - 1) * size, size=size)


def _page(district: Node | RawSQL | None, *, numbers: list[str] = (), start: dt.datetime | None = None,
          end: dt.datetime | None = None, codes: list[str] = (), statuses: tuple[str, ...] = (), offset: int = 0,
          size: int = 0) -> list[dict]:
    """The rows of one list, its SQL compiled once per shape (``shequ.core.compiled``): the shape
    is which filters are given and with how many values, the statuses and the page; the district's
    parameters, the numbers, the dates and the codes are the values."""
    if district is None:
        where, district_args = None, ()
    elif isinstance(district, RawSQL):  # the subquery finding it (``request_list_in``)
        where, district_args = district.sql, tuple(district.params)
    else:
        where, district_args = "node", (district.pk,)
    n = len(district_args)
    key = ("open311.requests", where, n, len(numbers), len(codes), statuses, offset, size)

    def build(*args) -> QuerySet:
        qs = _requests()
        if where == "node":
            qs = qs.filter(district_id=args[0])
        elif where is not None:
            qs = qs.filter(district=RawSQL(where, args[:n]))
        if numbers:
            return _values(qs.filter(number__in=args[n:]).order_by("-received_at", "-id"))
        qs = qs.filter(received_at__gte=args[n], received_at__lte=args[n + 1])
        if codes:
            qs = qs.filter(category__code__in=args[n + 2:])
        if statuses:
            q = Q()
            for name in statuses:
                q |= Q(status__in=STATUSES[name])
            qs = qs.filter(q)
        return _values(qs.order_by("-received_at", "-id")[offset: offset + size])

    values = (*district_args, *numbers) if numbers else (*district_args, start, end, *codes)
    return compiled.rows(key, build, *values)


def request_get(*, district: Node | None, service_request_id: str) -> dict:
    """One request as a row of ``REQUEST_COLUMNS`` (404 when unknown in the jurisdiction)."""
    qs = _requests()
    if district is not None:
        qs = qs.filter(district=district)
    appeal = next(iter(_rows(qs.filter(number=(service_request_id or "").strip().upper())[:1])), None)
    if appeal is None:
        raise Open311Error(404, _("service_request_id %(i)s 不存在") % {"i": service_request_id})
    return appeal


def submission_by_id(pk: int) -> Submission:
    """A submission by id: only for one its client already made (an idempotent retry, shequ.core.idempotency)."""
    return Submission.objects.select_related("appeal__category__time_limit").get(pk=pk)


def token_get(*, district: Node | None, token: str) -> Submission:
    qs = Submission.objects.select_related("appeal")
    if district is not None:
        qs = qs.filter(appeal__district=district)
    submission = qs.filter(token=(token or "").strip()).first()
    if submission is None:
        raise Open311Error(404, _("token %(t)s 不存在") % {"t": token})
    return submission
