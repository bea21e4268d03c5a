"""Per-kind database side of an import: resolve prepared rows against the registry, then write.

``resolve`` runs while the file is validated (outside the write transaction) and turns
references (社区代码, 户号, 楼栋代码, 房屋编码) into ids, checks scope, and decides create
vs update. ``write`` runs inside the single write transaction. Residents are written in
batches with raw ``executemany`` (SQLite) or ``COPY`` (PostgreSQL); the other kinds go
through the registry services one row at a time.
"""
from __future__ import annotations

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core.audit import audit_bulk
from shequ.core.errors import ShequError
from shequ.jurisdiction import scoping
from shequ.jurisdiction.models import SCOPE_LEVELS, Level, Node
from shequ.registry import services as registry
from shequ.registry.models import Establishment, House, Household, HouseholdMembership, Resident

from .rows import Errors

RowErrors = list[tuple[int, str, str]]  # (row number, column key, message)
LOCATION = [f"{level}_id" for level in SCOPE_LEVELS]


class Importer:
    kind = ""

    def __init__(self, *, user, job_id: int, node_id: int | None):
        self.user = user
        self.job_id = job_id
        self.node_id = node_id
        self._communities: dict[str, Node | None] = {}

    def key_of(self, data: dict):
        raise NotImplementedError

    def key_column(self, data: dict) -> str:
        raise NotImplementedError

    def resolve(self, rows: list[tuple[int, dict]]) -> tuple[list[tuple[int, dict]], RowErrors]:
        raise NotImplementedError

    def write(self, rows: list[tuple[int, dict]]) -> tuple[int, int, RowErrors]:
        raise NotImplementedError

    def note(self) -> str:
        """What the job's message adds after the counts (e.g. rows skipped as already imported)."""
        return ""

    # --- shared lookups --------------------------------------------------------------------

    def load_communities(self, codes) -> None:
        missing = {c for c in codes if c not in self._communities}
        if not missing:
            return
        found = {n.code: n for n in Node.objects.filter(level=Level.COMMUNITY, code__in=missing)}
        for code in missing:
            node = found.get(code)
            self._communities[code] = node if node is not None and scoping.obj_in_scope(self.user, node) else None

    def community(self, code: str, errors: Errors) -> Node | None:
        self.load_communities([code])
        node = self._communities[code]
        if node is None:
            errors.append(("community", _("社区代码 %(c)s 不存在或不在您的辖区内") % {"c": code}))
        return node


# --- residents: the fast path ----------------------------------------------------------------

class ResidentImporter(Importer):
    kind = "residents"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._households: dict[str, tuple | None] = {}
        self._community_households: set[int] = set()
        self.writer = ResidentWriter(actor=self.user, job_id=self.job_id, node_id=self.node_id)

    def key_of(self, data: dict):
        return int(data["id_hash"][:15], 16)

    def key_column(self, data: dict) -> str:
        return "id_number"

    def _load_households(self, communities, numbers) -> None:
        """Households by number: all of each community at once (one query per community), then
        numbers not found there (another community's, or unknown) by ``IN`` batches."""
        if len(self._households) > 500_000:
            self._households.clear()
            self._community_households.clear()
        for node in communities:
            if node is not None and node.id not in self._community_households:
                self._community_households.add(node.id)
                for row in Household.objects.filter(community_id=node.id).values_list("number", "id", "house_id", "head_id", *LOCATION):
                    self._households[row[0]] = row[1:]
        missing = [n for n in set(numbers) if n not in self._households]
        for start in range(0, len(missing), 5000):
            part = missing[start:start + 5000]
            for row in Household.objects.filter(number__in=part).values_list("number", "id", "house_id", "head_id", *LOCATION):
                self._households[row[0]] = row[1:]
            for number in part:
                self._households.setdefault(number, None)

    def _existing(self, hashes: list[str]) -> dict[str, tuple]:
        """Registered residents by keyed ID hash: plain SQL (a batch of 5,000 parameters costs
        ~10 ms through the ORM's lookup machinery). ``NOT (id_hash = '')`` is the partial unique
        index's own condition, spelled as in the index: SQLite does not use the index for
        ``id_hash <> ''`` and scans the table instead."""
        existing = {}
        columns = ", ".join(["id_hash", "id", "household_id", *LOCATION])
        table = Resident._meta.db_table
        with connection.cursor() as cursor:
            for start in range(0, len(hashes), 5000):
                part = hashes[start:start + 5000]
                if connection.vendor == "postgresql":
                    cursor.execute(f"SELECT {columns} FROM {table} WHERE id_hash = ANY(%s) AND NOT (id_hash = '')", [part])
                else:
                    marks = ", ".join(["%s"] * len(part))
                    cursor.execute(f"SELECT {columns} FROM {table} WHERE id_hash IN ({marks}) AND NOT (id_hash = '')", part)
                for row in cursor.fetchall():
                    existing[row[0]] = row[1:]
        return existing

    def resolve(self, rows):
        codes = {d["community"] for _n, d in rows}
        self.load_communities(codes)
        self._load_households([self._communities[c] for c in codes], [d["household"] for _n, d in rows])
        existing = self._existing([d["id_hash"] for _n, d in rows])
        valid, errors = [], []
        community_index = 3 + LOCATION.index("community_id")
        for number, data in rows:
            community = self._communities.get(data["community"])
            if community is None:
                errors.append((number, "community", _("社区代码 %(c)s 不存在或不在您的辖区内") % {"c": data["community"]}))
                continue
            household = self._households.get(data["household"])
            if household is None:
                errors.append((number, "household", _("户号 %(n)s 不存在,请先导入户") % {"n": data["household"]}))
                continue
            if household[community_index] != community.id:
                errors.append((number, "household", _("户号 %(n)s 不属于社区代码 %(c)s") % {"n": data["household"], "c": data["community"]}))
                continue
            found = existing.get(data["id_hash"])
            if found is not None:
                location = Resident(**dict(zip(LOCATION, found[2:])))
                if not scoping.obj_in_scope(self.user, location):
                    errors.append((number, "id_number", _("该身份证号已登记为您辖区外的居民,请联系其所在社区")))
                    continue
                data["existing"] = (found[0], found[1])
            data["hh"] = household
            valid.append((number, data))
        return valid, errors

    def write(self, rows):
        created, updated = self.writer.write([d for _n, d in rows])
        return created, updated, []


class ResidentWriter:
    """Batch writes of prepared resident rows: raw executemany on SQLite, COPY on PostgreSQL."""

    def __init__(self, *, actor, job_id: int | None, node_id: int | None):
        self.actor = actor
        self.job_id = job_id
        self.node_id = node_id
        self.vendor = connection.vendor
        self.ops = connection.ops
        self.table = Resident._meta.db_table
        self.tags_table = Resident.tags.through._meta.db_table
        self.membership_table = HouseholdMembership._meta.db_table
        self.household_table = Household._meta.db_table
        self.columns = ["id", "created_at", "updated_at", *LOCATION, "name", "id_number", "id_hash", "phone", "phone_hash",
                        "birth_date", "sex", "ethnicity", "household_id", "house_id", "relation", "residence_type", "status", "note"]
        self.membership_columns = ["created_at", "updated_at", "resident_id", "household_id", "relation", "joined_on",
                                   "join_reason", "leave_reason"]
        self._next_id = None
        self.join_reason = _("导入登记")
        self.move_reason = _("导入迁入")

    def _ids(self, cursor, count: int) -> list[int]:
        if self.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [self.table, count])
            return [r[0] for r in cursor.fetchall()]
        if self._next_id is None:
            # Inside the write transaction SQLite holds the database write lock, so MAX(id) is stable.
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {self.table}")
            self._next_id = cursor.fetchone()[0] + 1
        first = self._next_id
        self._next_id += count
        return list(range(first, first + count))

    def _insert(self, cursor, table: str, columns: list[str], rows: list[tuple]) -> None:
        if not rows:
            return
        if self.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["?"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)

    def _many(self, cursor, sql: str, rows: list[tuple]) -> None:
        if rows:
            if self.vendor != "postgresql":
                sql = sql.replace("%s", "?")
            cursor.executemany(sql, rows)

    def _heads(self, cursor, heads: list[tuple], now) -> None:
        """New heads of household without one: (resident id, now, household id); the first per household wins."""
        if self.vendor != "postgresql":
            self._many(cursor, f"UPDATE {self.household_table} SET head_id = %s, updated_at = %s WHERE id = %s AND head_id IS NULL", heads)
            return
        first: dict[int, int] = {}
        for rid, _now, household_id in heads:
            first.setdefault(household_id, rid)
        if first:
            # One statement instead of one UPDATE per household (50,000 round trips per million rows).
            cursor.execute(f"UPDATE {self.household_table} AS h SET head_id = v.rid, updated_at = %s "
                           f"FROM unnest(%s::bigint[], %s::bigint[]) AS v(rid, hid) WHERE h.id = v.hid AND h.head_id IS NULL",
                           [now, list(first.values()), list(first.keys())])

    def record(self, rid: int, d: dict, now) -> tuple:
        """The row of a new resident, in ``self.columns`` order."""
        hh = d["hh"]  # (id, house_id, head_id, *location)
        return (rid, now, now, *hh[3:], d["name"], d["id_enc"], d["id_hash"], d["phone_enc"], d["phone_hash"],
                self.ops.adapt_datefield_value(d["birth_date"]), d["sex"], d["ethnicity"] or "汉族", hh[0], hh[1],
                d["relation"], d["residence_type"] or Resident.ResidenceType.REGISTERED, Resident.Status.ACTIVE, d["note"])

    def write(self, rows: list[dict]) -> tuple[int, int]:
        now = self.ops.adapt_datetimefield_value(timezone.now())
        today = self.ops.adapt_datefield_value(timezone.localdate())
        active = Resident.Status.ACTIVE
        new = [d for d in rows if "existing" not in d]
        old = [d for d in rows if "existing" in d]
        with connection.cursor() as django_cursor:
            cursor = django_cursor.cursor  # the DB-API cursor: COPY and plain executemany
            ids = self._ids(cursor, len(new)) if new else []
            records, memberships, tags, heads = [], [], [], []
            record = self.record
            for rid, d in zip(ids, new):
                hh = d["hh"]  # (id, house_id, head_id, *location)
                records.append(record(rid, d, now))
                memberships.append((now, now, rid, hh[0], d["relation"], today, self.join_reason, ""))
                if d["tag_ids"]:
                    tags.extend((rid, t) for t in d["tag_ids"])
                if d["relation"] == "户主" and hh[2] is None:
                    heads.append((rid, now, hh[0]))
            self._insert(cursor, self.table, self.columns, records)
            self._insert(cursor, self.membership_table, self.membership_columns, memberships)
            self._insert(cursor, self.tags_table, ["resident_id", "tag_id"], tags)

            updates, moved_out, moved_in, old_heads, retag, untag = [], [], [], [], [], []
            for d in old:
                rid, old_household = d["existing"]
                hh = d["hh"]
                updates.append((d["name"], d["phone_enc"], d["phone_hash"], d["relation"], d["residence_type"], d["ethnicity"],
                                d["note"], hh[0], hh[1], *hh[3:], active, now, rid))
                if old_household != hh[0]:
                    moved_out.append((today, self.move_reason, now, rid))
                    moved_in.append((now, now, rid, hh[0], d["relation"], today, self.move_reason, ""))
                    if old_household:
                        old_heads.append((now, old_household, rid))
                    if d["relation"] == "户主" and hh[2] is None:
                        heads.append((rid, now, hh[0]))
                if d["tag_ids"] is not None:
                    untag.append((rid,))
                    retag.extend((rid, t) for t in d["tag_ids"])
            keep = "COALESCE(NULLIF(%s, ''), {0})"
            location_set = ", ".join(f"{c} = %s" for c in LOCATION)
            self._many(cursor, (
                f"UPDATE {self.table} SET name = %s, phone = {keep.format('phone')}, phone_hash = {keep.format('phone_hash')}, "
                f"relation = {keep.format('relation')}, residence_type = {keep.format('residence_type')}, "
                f"ethnicity = {keep.format('ethnicity')}, note = {keep.format('note')}, household_id = %s, house_id = %s, "
                f"{location_set}, status = %s, updated_at = %s WHERE id = %s"), updates)
            self._many(cursor, f"UPDATE {self.membership_table} SET left_on = %s, leave_reason = %s, updated_at = %s "
                               f"WHERE resident_id = %s AND left_on IS NULL", moved_out)
            self._insert(cursor, self.membership_table, self.membership_columns, moved_in)
            self._many(cursor, f"UPDATE {self.household_table} SET head_id = NULL, updated_at = %s WHERE id = %s AND head_id = %s", old_heads)
            self._many(cursor, f"DELETE FROM {self.tags_table} WHERE resident_id = %s", untag)
            self._insert(cursor, self.tags_table, ["resident_id", "tag_id"], retag)
            self._heads(cursor, heads, now)
        updated_ids = [d["existing"][0] for d in old]
        if ids or updated_ids:
            # One audit row per batch, with the ids; never the ID numbers or phones.
            audit_bulk(actor=self.actor, verb="resident.imported", target_type="registry.resident", ids=ids + updated_ids,
                       node_id=self.node_id, extra={"job": self.job_id, "created": len(ids), "updated": len(updated_ids)})
        return len(ids), len(updated_ids)


# --- houses, households, units: through the registry services ------------------------------

class _ServiceImporter(Importer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._buildings: dict[str, Node | None] = {}
        self._houses: dict[str, House | None] = {}

    def building(self, code: str, community: Node, errors: Errors, column: str = "building_code") -> Node | None:
        if code not in self._buildings:
            self._buildings[code] = Node.objects.filter(level=Level.BUILDING, code=code).first()
        building = self._buildings[code]
        if building is None or building.community_id != community.id:
            errors.append((column, _("楼栋代码 %(b)s 不存在或不属于社区代码 %(c)s") % {"b": code, "c": community.code}))
            return None
        return building

    def unit_node(self, building: Node, name: str, errors: Errors) -> Node | None | bool:
        if not name:
            return None
        unit = Node.objects.filter(level=Level.UNIT, parent=building, name=name).first()
        if unit is None:
            errors.append(("unit", _("楼栋 %(b)s 下没有单元“%(u)s”") % {"b": building.code, "u": name}))
            return False
        return unit

    def house(self, code: str) -> House | None:
        if code not in self._houses:
            self._houses[code] = House.objects.filter(code=code).first()
        return self._houses[code]

    def house_by_parts(self, data: dict, community: Node, errors: Errors, code_column: str) -> House | None:
        """The house named by 房屋编码, or by 楼栋代码+单元+室号; it must be in the row's community."""
        code = data.get(code_column) or data.get("house_code") or ""
        if not code:
            building = self.building(data["building_code"], community, errors)
            if building is None:
                return None
            unit = self.unit_node(building, data["unit"], errors)
            if unit is False:
                return None
            code = registry.house_code(building, unit.name if unit else "", data["room"])
        house = self.house(code)
        if house is None or house.community_id != community.id:
            errors.append((code_column, _("房屋 %(h)s 不存在或不属于社区代码 %(c)s") % {"h": code, "c": community.code}))
            return None
        return house

    def resolve(self, rows):
        self.load_communities({d["community"] for _n, d in rows})
        valid, errors = [], []
        for number, data in rows:
            row_errors: Errors = []
            community = self.community(data["community"], row_errors)
            if community is not None:
                self.resolve_row(data, community, row_errors)
            if row_errors:
                errors.extend((number, column, message) for column, message in row_errors)
            else:
                valid.append((number, data))
        return valid, errors

    def resolve_row(self, data: dict, community: Node, errors: Errors) -> None:
        raise NotImplementedError

    def write(self, rows):
        created = updated = 0
        errors: RowErrors = []
        for number, data in rows:
            try:
                if self.write_row(data):
                    created += 1
                else:
                    updated += 1
            except ShequError as exc:
                errors.append((number, exc.extra.get("field", ""), exc.message))
        return created, updated, errors

    def write_row(self, data: dict) -> bool:
        """Create or update one record; return True when created."""
        raise NotImplementedError


class HouseImporter(_ServiceImporter):
    kind = "houses"

    def key_of(self, data):
        return data["code"] or ("parts", data["building_code"], data["unit"], data["room"])

    def key_column(self, data):
        return "code" if data["code"] else "room"

    def resolve_row(self, data, community, errors):
        if data["code"] and not data["building_code"]:
            house = self.house(data["code"])
            if house is None or house.community_id != community.id:
                errors.append(("code", _("房屋编码 %(h)s 不存在或不属于社区代码 %(c)s;新房屋请填写楼栋代码+室号") % {"h": data["code"], "c": community.code}))
                return
            data["house_id"] = house.id
            return
        building = self.building(data["building_code"], community, errors)
        if building is None:
            return
        if not data["room"]:
            errors.append(("room", _("必填项为空")))
            return
        unit = self.unit_node(building, data["unit"], errors)
        if unit is False:
            return
        code = data["code"] or registry.house_code(building, unit.name if unit else "", data["room"])
        house = self.house(code)
        if house is not None and house.community_id != community.id:
            errors.append(("code", _("房屋编码 %(h)s 已登记在其他社区") % {"h": code}))
            return
        data.update(house_id=house.id if house else None, code=code, building_id=building.id, unit_id=unit.id if unit else None)

    def write_row(self, data):
        changes = {k: data[k] for k in ("floor", "area", "use", "owner_name") if data[k] not in (None, "")}
        if data.get("house_id"):
            house = House.objects.get(pk=data["house_id"])
            registry.house_update(actor=self.user, house=house, **changes)
            return False
        building = Node.objects.get(pk=data["building_id"])
        unit = Node.objects.get(pk=data["unit_id"]) if data["unit_id"] else None
        registry.house_create(actor=self.user, building=building, unit_node=unit, room=data["room"], code=data["code"], **changes)
        return True


class HouseholdImporter(_ServiceImporter):
    kind = "households"

    def key_of(self, data):
        return data["number"]

    def key_column(self, data):
        return "number"

    def resolve_row(self, data, community, errors):
        house = self.house_by_parts(data, community, errors, "house_code")
        if house is None:
            return
        existing = Household.objects.filter(number=data["number"]).only("id", "house_id", *LOCATION).first()
        if existing is not None:
            if not scoping.obj_in_scope(self.user, existing):
                errors.append(("number", _("户号 %(n)s 已被您辖区外的户使用") % {"n": data["number"]}))
                return
            if existing.house_id != house.id:
                errors.append(("house_code", _("户号 %(n)s 已登记在其他房屋,不能通过导入更换房屋") % {"n": data["number"]}))
                return
        data.update(house_id=house.id, household_id=existing.id if existing else None)

    def write_row(self, data):
        changes = {k: data[k] for k in ("kind", "registration") if data[k]}
        if data["household_id"]:
            household = Household.objects.get(pk=data["household_id"])
            registry.household_update(actor=self.user, household=household, **changes)
            return False
        house = House.objects.get(pk=data["house_id"])
        registry.household_create(actor=self.user, house=house, number=data["number"], **changes)
        return True


class UnitImporter(_ServiceImporter):
    kind = "units"

    def key_of(self, data):
        return data["credit_code"] or ("name", data["name"], data["building_code"], data["house_code"])

    def key_column(self, data):
        return "credit_code" if data["credit_code"] else "name"

    def resolve_row(self, data, community, errors):
        if data["house_code"]:
            house = self.house_by_parts(data, community, errors, "house_code")
            address_id = house.address_id if house else None
        else:
            building = self.building(data["building_code"], community, errors)
            address = registry.building_address(building) if building else None
            if building is not None and address is None:
                errors.append(("building_code", _("楼栋 %(b)s 尚无标准地址") % {"b": building.code}))
            address_id = address.id if address else None
        if address_id is None:
            return
        if data["credit_code"]:
            existing = Establishment.objects.filter(credit_code=data["credit_code"]).first()
        else:
            existing = Establishment.objects.filter(name=data["name"], address_id=address_id).first()
        if existing is not None and not scoping.obj_in_scope(self.user, existing):
            errors.append(("credit_code", _("该单位已登记在您的辖区外")))
            return
        data.update(address_id=address_id, unit_id=existing.id if existing else None)

    def write_row(self, data):
        from shequ.registry.models import Address

        fields = {"name": data["name"], "kind": data["kind"]}
        for key in ("sector", "credit_code", "contact_name", "contact_phone", "employees"):
            if data[key] not in (None, ""):
                fields[key] = data[key]
        address = Address.objects.get(pk=data["address_id"])
        unit = Establishment.objects.get(pk=data["unit_id"]) if data["unit_id"] else None
        registry.establishment_save(actor=self.user, address=address, establishment=unit, **fields)
        return unit is None


IMPORTERS: dict[str, type[Importer]] = {
    "residents": ResidentImporter,
    "households": HouseholdImporter,
    "houses": HouseImporter,
    "units": UnitImporter,
}

from .appeal_feed import AppealFeedImporter  # noqa: E402  (it builds on Importer above)

IMPORTERS["feed12345"] = AppealFeedImporter
