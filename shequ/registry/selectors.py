"""Scoped reads of the registry. Every query starts from ``scoping.scope_queryset``."""
from __future__ import annotations

import re

from django.db.models import Q, QuerySet

from shequ.core.idcard import mask_id_number, mask_phone, normalize_id_number, normalize_phone
from shequ.jurisdiction import scoping

from . import addresses
from .models import Address, Establishment, House, Household, HouseholdMembership, Resident, Tag, Tenancy

_ID_LIKE = re.compile(r"^\d{17}[\dXx]$")
_PHONE_LIKE = re.compile(r"^(1\d{10}|0\d{9,11})$")


class ResidentPageQuerySet(QuerySet):
    """A resident list whose deep pages are cut by id first, then joined ("deferred join").

    ``qs[4950:5000]`` with ``select_related`` makes the database join household, house and
    address for the 4,950 skipped rows too (45 ms on PostgreSQL at a million residents). Past
    ``DEEP_OFFSET`` the slice becomes ``WHERE id IN (SELECT id ... LIMIT 50 OFFSET 4950)``:
    the subquery walks the list index alone and only the page's rows are joined. Same rows,
    same order, still one query.
    """

    DEEP_OFFSET = 200

    def __getitem__(self, k):
        if (isinstance(k, slice) and self._result_cache is None and self.query.select_related
                and (k.start or 0) >= self.DEEP_OFFSET and k.stop is not None and k.step is None):
            return self.filter(pk__in=self.values("pk")[k])
        return super().__getitem__(k)


def resident_list(*, user, q: str = "", node=None, tag: str = "", status: str | None = Resident.Status.ACTIVE) -> QuerySet[Resident]:
    """Residents the user may see, optionally under ``node``, with a tag, or matching ``q``.

    ``q`` is a full ID number or phone (found through their keyed hash) or part of a name.
    """
    qs = scoping.scope_queryset(ResidentPageQuerySet(Resident), user)
    if node is not None:
        qs = qs.filter(**node.scope_filter())
    if status:
        qs = qs.filter(status=status)
    if tag:
        qs = qs.filter(tags__code=tag)
    q = (q or "").strip()
    if q:
        compact = normalize_id_number(q)
        if _ID_LIKE.match(compact):
            from .services import id_hash_of

            qs = qs.filter(id_hash=id_hash_of(compact)).exclude(id_hash="")  # lets SQLite use the partial unique index
        elif _PHONE_LIKE.match(normalize_phone(q)):
            from .services import phone_hash_of

            qs = qs.filter(phone_hash=phone_hash_of(q))
        else:
            qs = qs.filter(name__startswith=q) if len(q) < 2 else qs.filter(name__contains=q)
    return qs.select_related("household", "house__address", "community", "grid").prefetch_related("tags").order_by("id")


#: The columns a resident list shows (page and API): no house/address join, no audit columns.
LIST_FIELDS = ("id", "name", "sex", "birth_date", "id_number", "phone", "relation", "residence_type", "status",
               "household_id", "community_id", "grid_id", "household__number",
               "community__name", "community__level", "grid__name", "grid__level")


def resident_list_rows(qs: QuerySet[Resident]) -> QuerySet[Resident]:
    """``resident_list`` narrowed to what a list shows: household, community and grid joined,
    only ``LIST_FIELDS`` loaded (a page builds ~200 light instances instead of ~350 full ones)."""
    return qs.select_related(None).select_related("household", "community", "grid").only(*LIST_FIELDS)


def resident_tag_ids(resident_ids) -> dict[int, set[int]]:
    """Tag ids per resident, one query on the through table (no Tag instances)."""
    result: dict[int, set[int]] = {}
    for resident_id, tag_id in Resident.tags.through.objects.filter(resident_id__in=resident_ids).values_list("resident_id", "tag_id"):
        result.setdefault(resident_id, set()).add(tag_id)
    return result


def resident_get(*, user, pk: int) -> Resident:
    return scoping.get_in_scope(Resident.objects.select_related("household", "house__address", "community", "street", "grid", "building")
                                .prefetch_related("tags"), user, pk=pk)


def household_list(*, user, q: str = "", node=None) -> QuerySet[Household]:
    qs = scoping.scope_queryset(Household.objects.all(), user)
    if node is not None:
        qs = qs.filter(**node.scope_filter())
    if q:
        qs = qs.filter(number__startswith=q.strip())
    return qs.select_related("house__address", "head", "community").order_by("number")


def household_get(*, user, pk: int) -> Household:
    return scoping.get_in_scope(Household.objects.select_related("house__address", "head", "community", "grid"), user, pk=pk)


def house_list(*, user, q: str = "", node=None, use: str = "") -> QuerySet[House]:
    qs = scoping.scope_queryset(House.objects.all(), user)
    if node is not None:
        qs = qs.filter(**node.scope_filter())
    if use:
        qs = qs.filter(use=use)
    if q:
        qs = qs.filter(_address_q(q, prefix="address__"))
    return qs.select_related("address", "community", "grid").order_by("code")


def house_get(*, user, pk: int) -> House:
    return scoping.get_in_scope(House.objects.select_related("address", "community", "grid", "building", "unit_node"), user, pk=pk)


def _address_q(query: str, prefix: str = "") -> Q:
    q = Q()
    for token in addresses.query_tokens(query):
        q &= Q(**{f"{prefix}search_text__contains": token})
    return q


def address_search(*, user, q: str, node=None, kind: str = "", limit: int = 20) -> QuerySet[Address]:
    """Free-text search of standard addresses: every piece of the query must appear."""
    return address_list(user=user, q=q, node=node, kind=kind)[:limit]


def address_list(*, user, q: str, node=None, kind: str = "") -> QuerySet[Address]:
    """``address_search`` unsliced, for paginated lists; an empty query finds nothing."""
    tokens = addresses.query_tokens(q)
    if not tokens:
        return Address.objects.none()
    qs = scoping.scope_queryset(Address.objects.all(), user).filter(_address_q(q))
    if node is not None:
        qs = qs.filter(**node.scope_filter())
    if kind:
        qs = qs.filter(kind=kind)
    return qs.select_related("community", "grid").order_by("search_text", "id")


def address_get(*, user, pk: int) -> Address:
    return scoping.get_in_scope(Address.objects.select_related("community", "grid"), user, pk=pk)


def establishment_list(*, user, q: str = "", node=None, kind: str = "") -> QuerySet[Establishment]:
    qs = scoping.scope_queryset(Establishment.objects.all(), user)
    if node is not None:
        qs = qs.filter(**node.scope_filter())
    if kind:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(name__contains=q.strip())
    return qs.select_related("address", "community").order_by("name")


def establishment_get(*, user, pk: int) -> Establishment:
    return scoping.get_in_scope(Establishment.objects.select_related("address", "community"), user, pk=pk)


def tenancy_list(*, user, house=None, tenant=None) -> QuerySet[Tenancy]:
    qs = scoping.scope_queryset(Tenancy.objects.all(), user)
    if house is not None:
        qs = qs.filter(house=house)
    if tenant is not None:
        qs = qs.filter(tenant=tenant)
    return qs.select_related("house__address", "tenant").order_by("-start_on", "-id")


def tenancy_get(*, user, pk: int) -> Tenancy:
    return scoping.get_in_scope(Tenancy.objects.select_related("house__address", "tenant"), user, pk=pk)


def masked_personal(resident: Resident) -> dict[str, str]:
    """The masked form every page, API answer and export shows by default."""
    return {"id_number": mask_id_number(resident.id_number), "phone": mask_phone(resident.phone)}


def tag_list(*, user) -> QuerySet[Tag]:
    """Active tags this user may see: sensitive ones (低保, 残疾人, ...) only with the unmask right."""
    qs = Tag.objects.filter(active=True)
    if not scoping.can_unmask(user):
        qs = qs.filter(sensitive=False)
    return qs.order_by("sort", "code")


def membership_list(*, user, resident: Resident) -> QuerySet[HouseholdMembership]:
    """A resident's moves into and out of households (迁入/迁出), newest first."""
    resident = resident_get(user=user, pk=resident.pk)
    return HouseholdMembership.objects.filter(resident=resident).select_related("household").order_by("-joined_on", "-id")


def household_members(*, user, household: Household, current: bool = True) -> QuerySet[Resident]:
    """The residents of a household (active ones unless ``current`` is False)."""
    return resident_list(user=user, status=Resident.Status.ACTIVE if current else None).filter(household=household)


def house_households(*, user, house: House) -> QuerySet[Household]:
    return household_list(user=user).filter(house=house)


def house_occupants(*, user, house: House) -> QuerySet[Resident]:
    return resident_list(user=user).filter(house=house)


def address_match(*, q: str) -> Address | None:
    """The standard address best matching free text, searched in the whole registry.

    For intake routing, which places an appeal wherever it is; never show the result to a
    user without going through ``address_get``.
    """
    if not addresses.query_tokens(q):
        return None
    return Address.objects.filter(_address_q(q)).order_by("kind", "search_text", "id").first()
