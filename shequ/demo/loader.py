"""Load the demo district (示范市 / 示范区): tree, registry and actual units, in raw batches.

Everything derives from ``random.Random(seed)`` and a seeded Faker, and dates from the fixed
``REFERENCE_DATE``: the same seed gives the same names, ID numbers and codes. Only
``created_at``/``updated_at`` (one timestamp for the whole load) and the ciphertexts' random
nonces differ between runs. Primary keys are assigned here (max id + 1) so rows can refer to
each other before they are written; PostgreSQL sequences are reset afterwards.
"""
from __future__ import annotations

import datetime as dt
import json
import random
import time
from contextlib import nullcontext
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from shequ.core.audit import audit_record
from shequ.core.crypto import Cipher
from shequ.core.idcard import make_id_number
from shequ.jurisdiction.models import SCOPE_LEVELS, Department, Node, ResidentGroup, path_of
from shequ.registry import addresses
from shequ.registry.models import Address, Establishment, House, Household, HouseholdMembership, Resident, Tag, Tenancy

from . import names as N

CITY_CODE = "379900"
DISTRICT_CODE = "379901"
CITY_NAME = "示范市"
DISTRICT_NAME = "示范区"
REFERENCE_DATE = dt.date(2025, 6, 30)
ORIGIN = (117.000000, 36.600000)  # south-west corner of the district (lng, lat)
COMMUNITY_SIZE = (0.012, 0.010)  # degrees per community rectangle


@dataclass(frozen=True)
class Scale:
    """Streets as (kind, communities, villages); residents per community; grids per community."""

    streets: tuple
    residents: int
    grids: int
    # Grids fill building by building until they pass their share, so aim lower (more for small buildings).
    fill: float = 0.8


SCALES = {
    # For tests: two streets, four committees, a few hundred residents.
    "tiny": Scale(streets=(("street", 3, 0), ("township", 0, 1)), residents=450, grids=8),
    # One district: 5 streets/townships, 23 committees (17 社区 + 6 村), ~150 grids, ~20,000 residents.
    "small": Scale(streets=(("street", 5, 0), ("street", 4, 0), ("street", 4, 0), ("street", 3, 0), ("township", 1, 6)),
                   residents=20000, grids=150),
    # 64 committees = 18 communities + 46 villages (the seed report's district), ~200,000 residents.
    "medium": Scale(streets=(("street", 6, 0), ("street", 6, 0), ("street", 4, 2), ("township", 1, 11),
                             ("township", 1, 11), ("township", 0, 11), ("township", 0, 11)),
                    residents=200000, grids=520, fill=0.95),
    # A district of ~1,000,000: 5 streets, 138 committees.
    "large": Scale(streets=(("street", 30, 0), ("street", 28, 0), ("street", 28, 0), ("street", 26, 0), ("township", 8, 18)),
                   residents=1000000, grids=1100, fill=0.93),
}

DEPARTMENTS = [
    ("civil_affairs", "民政局", "MZ"), ("housing", "住房和城乡建设局", "ZJ"), ("police", "公安分局", "GA"),
    ("urban_management", "城市管理局", "CG"), ("health", "卫生健康委员会", "WJ"), ("human_resources", "人力资源和社会保障局", "RS"),
    ("market", "市场监督管理局", "SJ"), ("ecology", "生态环境分局", "HB"), ("emergency", "应急管理局", "YJ"),
    ("water", "水务局", "SW"), ("organization", "区委组织部", "ZZ"), ("political_legal", "区委政法委员会", "ZF"),
    ("discipline", "区纪委监委", "JW"), ("community_office", "区社区建设办公室", "SQ"),
]

_HOUSEHOLD_SIZES = ([1, 2, 3, 4, 5, 6], [15, 29, 27, 17, 8, 4])
_HOUSE_USES = (["owner_occupied", "rented", "vacant", "commercial"], [66, 18, 12, 4])
_VILLAGE_USES = (["owner_occupied", "rented", "vacant"], [82, 7, 11])


@dataclass
class NodeRec:
    id: int
    level: str
    code: str
    name: str
    path: str
    depth: int
    anc: tuple  # ancestor ids in SCOPE_LEVELS order
    extra: dict = field(default_factory=dict)


class DemoLoader:
    def __init__(self, *, scale: str, seed: int = 20250630, out=None):
        self.scale_name = scale
        self.scale = SCALES[scale]
        self.seed = seed
        self.rng = random.Random(seed)
        from faker import Faker

        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed)
        self.out = out or (lambda msg: None)
        self.cipher = Cipher()
        self.now = timezone.now()
        self.ids: dict[str, int] = {}
        self._legacy_layout_done = False
        self.id_seq: dict[tuple, int] = {}
        self.credit_seq = 0
        self.contract_seq = 0
        self.summary: dict[str, int] = {}

    # --- helpers ------------------------------------------------------------------------------

    def _next(self, key: str) -> int:
        self.ids[key] += 1
        return self.ids[key]

    def _date(self, start: dt.date, end: dt.date) -> str:
        start = min(start, end)
        return (start + dt.timedelta(days=self.rng.randint(0, (end - start).days))).isoformat()

    def _birth(self, age: int) -> dt.date:
        year = REFERENCE_DATE.year - age
        day = dt.date(year, 1, 1) + dt.timedelta(days=self.rng.randint(0, 364))
        if day > REFERENCE_DATE:
            day = dt.date(year - 1, day.month, min(day.day, 28))
        return day

    def _id_number(self, region: str, birth: dt.date, sex: str) -> str:
        key = (region, birth, sex)
        n = self.id_seq.get(key, 0)
        self.id_seq[key] = n + 1
        # Odd 17th digit for men, even for women (GB 11643); spread over the 3-digit sequence.
        base = (n * 2 + (1 if sex == "M" else 0)) % 1000
        return make_id_number(region, birth, base)

    def _contract(self) -> int:
        self.contract_seq += 1
        return self.contract_seq

    def _phone(self) -> str:
        return self.rng.choice(N.MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"

    def _credit_code(self) -> str:
        """A unified social credit code (GB 32100) with a valid check character."""
        self.credit_seq += 1
        alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
        body = "91" + DISTRICT_CODE + f"{self.credit_seq:05d}" + "".join(self.rng.choice(alphabet[:10]) for _ in range(4))
        weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
        total = sum(alphabet.index(c) * w for c, w in zip(body, weights))
        return body + alphabet[(31 - total % 31) % 31]

    def _node(self, parent: NodeRec | None, level: str, name: str, code: str, kind: str = "", boundary=None, sort: int = 0) -> NodeRec:
        node_id = self._next("node")
        anc = list(parent.anc) if parent else [None] * len(SCOPE_LEVELS)
        if level in SCOPE_LEVELS:
            anc[SCOPE_LEVELS.index(level)] = node_id
        rec = NodeRec(node_id, level, code, name, path_of(parent.path if parent else None, node_id),
                      parent.depth + 1 if parent else 0, tuple(anc))
        self.w.add("node", (node_id, self.ts, self.ts, level, kind or level, name, code, parent.id if parent else None,
                            rec.path, rec.depth, json.dumps(boundary) if boundary is not None else None, sort, *rec.anc))
        return rec

    def _address(self, anc: tuple, kind: str, road: str, number: str, compound: str = "", building_no: str = "",
                  unit_no: str = "", room: str = "", lng: float | None = None, lat: float | None = None) -> int:
        address_id = self._next("address")
        full = addresses.compose(road=road, number=number, compound_name=compound, building_no=building_no, unit_no=unit_no, room=room)
        self.w.add("address", (address_id, self.ts, self.ts, *anc, kind, road, number, compound, building_no, unit_no, room,
                               full, addresses.normalize(full), lng, lat))
        return address_id

    def _establishment(self, anc: tuple, address_id: int, name: str, kind: str, sector: str, employees: int,
                       credit: bool = False, resident_unit: bool = False) -> None:
        phone = self._phone()
        contact = N.person_name(self.rng, self.rng.choice("MF"), False)
        self.w.add("establishment", (self._next("establishment"), self.ts, self.ts, *anc, name, kind, sector,
                                     self._credit_code() if credit else "", address_id, contact,
                                     self.cipher.encrypt(phone), self.cipher.blind_index("phone", phone), employees,
                                     resident_unit or kind == "resident_unit"))

    # --- the load -----------------------------------------------------------------------------

    def _prepare(self) -> None:
        from .writer import BulkWriter

        self.w = BulkWriter()
        located = ["city", "district", "street", "community", "compound", "grid", "building"]
        self.w.table("node", Node, ["id", "created_at", "updated_at", "level", "kind", "name", "code", "parent", "path",
                                    "depth", "boundary", "sort", *located])
        self.w.table("group", ResidentGroup, ["id", "created_at", "updated_at", "community", "kind", "name", "code", "leader_name"])
        self.w.table("address", Address, ["id", "created_at", "updated_at", *located, "kind", "road", "number", "compound_name",
                                          "building_no", "unit_no", "room", "full_text", "search_text", "lng", "lat"])
        self.w.table("house", House, ["id", "created_at", "updated_at", *located, "code", "address", "unit_node", "group", "room",
                                      "floor", "area", "use", "owner_name"])
        self.w.table("household", Household, ["id", "created_at", "updated_at", *located, "number", "house", "group", "kind",
                                              "registration", "head"])
        self.w.table("resident", Resident, ["id", "created_at", "updated_at", *located, "name", "id_number", "id_hash", "phone",
                                            "phone_hash", "birth_date", "sex", "ethnicity", "household", "house", "relation",
                                            "residence_type", "status", "note"])
        self.w.table("membership", HouseholdMembership, ["id", "created_at", "updated_at", "resident", "household", "relation",
                                                         "joined_on", "join_reason", "left_on", "leave_reason"])
        self.w.table("tag", Resident.tags.through, ["id", "resident", "tag"])
        self.w.table("tenancy", Tenancy, ["id", "created_at", "updated_at", *located, "house", "tenant", "landlord_name",
                                          "contract_no", "start_on", "end_on", "ended_on"])
        self.w.table("establishment", Establishment, ["id", "created_at", "updated_at", *located, "name", "kind", "sector",
                                                      "credit_code", "address", "contact_name", "contact_phone",
                                                      "contact_phone_hash", "employees", "is_resident_unit"])
        from django.db.models import Max

        for key, table in self.w.tables.items():
            self.ids[key] = table.model.objects.aggregate(m=Max("id"))["m"] or 0
        self.ts = connection.ops.adapt_datetimefield_value(self.now)
        self.tag_ids = dict(Tag.objects.filter(active=True).values_list("code", "id"))

    def run(self) -> Node:
        started = time.monotonic()
        # SQLite checks a deferred foreign key by scanning the child tables whenever a parent row
        # arrives while violations are pending (Located.city_id has no index): quadratic at scale.
        # Load with the checks off and verify every table once at the end, as loaddata does.
        guard = connection.constraint_checks_disabled() if connection.vendor == "sqlite" else nullcontext()
        with guard, transaction.atomic():
            if connection.vendor == "sqlite":
                with connection.cursor() as cur:
                    cur.execute("PRAGMA cache_size=-1000000")  # 1 GB page cache while loading
            self._prepare()
            city = Node.objects.filter(code=CITY_CODE).first()
            if city is None:
                city_rec = self._node(None, "city", CITY_NAME, CITY_CODE)
            else:
                city_rec = NodeRec(city.id, "city", city.code, city.name, city.path, city.depth,
                                   tuple(getattr(city, f"{lvl}_id") for lvl in SCOPE_LEVELS))
            district = self._node(city_rec, "district", DISTRICT_NAME, DISTRICT_CODE)
            self.district = district
            self._departments(district)
            n_streets = len(self.scale.streets)
            n_committees = sum(c + v for _, c, v in self.scale.streets)
            self.per_committee = self.scale.residents / n_committees * self.scale.fill
            self.grids_per_committee = self.scale.grids / n_committees
            street_names = iter(N.STREETS)
            township_names = iter(N.TOWNSHIPS)
            community_names = iter(N.unique_names(self.rng, N.COMMUNITY_BASES, sum(c for _, c, _ in self.scale.streets), "社区",
                                                  fixed=["和平社区", "幸福社区"]))
            village_names = iter(N.unique_names(self.rng, N.VILLAGE_BASES, sum(v for _, _, v in self.scale.streets), "村"))
            cell = 0
            cols = max(4, round(n_committees ** 0.5))
            for s_index, (kind, n_comm, n_vill) in enumerate(self.scale.streets, start=1):
                name = next(township_names) if kind == "township" else next(street_names)
                code = f"{DISTRICT_CODE}{(100 + s_index) if kind == 'township' else s_index:03d}"
                street = self._node(district, "street", name, code, kind=kind, sort=s_index)
                self.out(f"  {s_index}/{n_streets} {name}: {n_comm} 社区, {n_vill} 村 …")
                committees = [("community", next(community_names)) for _ in range(n_comm)]
                committees += [("village", next(village_names)) for _ in range(n_vill)]
                c_num = v_num = 0
                for c_index, (c_kind, c_name) in enumerate(committees, start=1):
                    if c_kind == "village":
                        v_num += 1
                        c_code = f"{street.code}{200 + v_num:03d}"
                    else:
                        c_num += 1
                        c_code = f"{street.code}{c_num:03d}"
                    x0 = ORIGIN[0] + (cell % cols) * COMMUNITY_SIZE[0]
                    y0 = ORIGIN[1] + (cell // cols) * COMMUNITY_SIZE[1]
                    cell += 1
                    community = self._node(street, "community", c_name, c_code, kind=c_kind, sort=c_index)
                    self._committee(street, community, c_kind == "village", (x0, y0), first=c_index == 1)
                self._street_units(street)
                self.w.flush()
                counts = self.w.counts()
                self.out(f"     {counts['resident']:,} residents, {counts['household']:,} households, "
                         f"{counts['node']:,} nodes so far ({time.monotonic() - started:.0f} s)")
            self.w.flush()
            self.summary = self.w.counts()
            self.out("  checking foreign keys, analysing tables …")
            connection.check_constraints(table_names=[t.name for t in self.w.tables.values()])
            self._finish()
            node = Node.objects.get(pk=district.id)
            audit_record(actor=None, verb="demo.loaded", target=node, node_id=node.id,
                         extra={"scale": self.scale_name, "seed": self.seed, "counts": self.summary,
                                "seconds": round(time.monotonic() - started, 1)})
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            # Set the visibility map so counts and lists can use index-only scans right away.
            with connection.cursor() as cur:
                for table in self.w.tables.values():
                    cur.execute(f'VACUUM (ANALYZE) "{table.name}"')
        return node

    def _finish(self) -> None:
        with connection.cursor() as cur:
            if connection.vendor == "postgresql":
                from django.core.management.color import no_style

                models = [t.model for t in self.w.tables.values()]
                for sql in connection.ops.sequence_reset_sql(no_style(), models):
                    cur.execute(sql)
            for table in self.w.tables.values():
                cur.execute(f'ANALYZE "{table.name}"')

    def _departments(self, district: NodeRec) -> None:
        Department.objects.bulk_create([
            Department(district_id=district.id, kind=kind, name=f"{DISTRICT_NAME}{name}" if not name.startswith("区") else name.replace("区", DISTRICT_NAME, 1),
                       code=f"{DISTRICT_CODE}-{abbr}")
            for kind, name, abbr in DEPARTMENTS
        ])

    # --- one community or village ---------------------------------------------------------------

    def _committee(self, street: NodeRec, community: NodeRec, village: bool, origin: tuple, first: bool) -> None:
        rng = self.rng
        target = self.per_committee * rng.uniform(0.75, 1.25)
        n_grids = max(1, round(self.grids_per_committee * rng.uniform(0.8, 1.2)))
        # Resident groups (居民小组 / 村民小组).
        n_groups = rng.randint(4, 8)
        group_ids = []
        for g in range(n_groups):
            gid = self._next("group")
            group_ids.append(gid)
            self.w.add("group", (gid, self.ts, self.ts, community.id, "villager" if village else "resident",
                                 f"第{N.ORDINALS[g]}{'村民' if village else '居民'}小组", f"{community.code}G{g + 1:02d}",
                                 N.person_name(rng, rng.choice("MF"), False)))
        # Grid rectangles tile the community rectangle: columns x rows.
        g_cols = max(1, round(n_grids ** 0.5))
        g_rows = -(-n_grids // g_cols)
        w = COMMUNITY_SIZE[0] / g_cols
        h = COMMUNITY_SIZE[1] / g_rows
        roads = [rng.choice(N.ROADS) + rng.choice(N.ROAD_SUFFIXES) for _ in range(3)]
        if village:
            roads = [f"{community.name}{d}街" for d in "东西南北"]
        compounds: list[NodeRec] = []
        if not village:
            n_comp = max(1, round(n_grids / 2.5))
            comp_names = N.unique_names(rng, N.COMPOUND_BASES, n_comp, "")
            for ci in range(n_comp):
                cname = comp_names[ci] + rng.choice(N.COMPOUND_SUFFIXES)
                comp = self._node(community, "compound", cname, f"{community.code}C{ci + 1:02d}", sort=ci + 1)
                comp.extra = {"name": cname, "road": rng.choice(roads), "number": str(rng.randint(1, 300)),
                              "units": ci % 2 == 0, "next_building": 1}
                compounds.append(comp)
        self.c_households: list[int] = []
        self.c_address_for_units: list[tuple] = []
        number = 1
        for gi in range(n_grids):
            col, row = gi % g_cols, gi // g_cols
            x0, y0 = origin[0] + col * w, origin[1] + row * h
            x1 = origin[0] + COMMUNITY_SIZE[0] if col == g_cols - 1 or gi == n_grids - 1 else x0 + w
            y1 = y0 + h
            ring = [[round(x, 6), round(y, 6)] for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0))]
            parent = compounds[gi % len(compounds)] if compounds and not (n_grids >= 4 and gi == n_grids - 1) else community
            grid = self._node(parent, "grid", f"{community.name}第{gi + 1}网格", f"{community.code}{gi + 1:02d}",
                              boundary={"type": "Polygon", "coordinates": [ring]}, sort=gi + 1)
            group_id = group_ids[gi * n_groups // n_grids]
            # One village keeps an older two-level layout for its last grid's courtyards (村—院落, no
            # grid): the level-scheme deviation report has something real to show in the demo.
            legacy = village and not self._legacy_layout_done and n_grids >= 2 and gi == n_grids - 1
            self._legacy_layout_done |= legacy
            residents = 0
            b_index = 0
            while residents < target / n_grids:
                b_index += 1
                lng = round(rng.uniform(x0 + 0.0002, x1 - 0.0002), 6)
                lat = round(rng.uniform(y0 + 0.0002, y1 - 0.0002), 6)
                if village:
                    residents += self._village_house(community, grid, group_id, b_index, roads, number, lng, lat,
                                                     parent=community if legacy else grid)
                    number += 1
                else:
                    comp = parent.extra if parent is not community else None
                    residents += self._urban_building(community, grid, group_id, b_index, comp, roads, number, lng, lat)
                    number += 1
        # Actual units besides shops: property companies, enterprises, social organizations.
        fake = self.fake
        grid_anc = self.c_address_for_units
        for comp in compounds:
            if comp.extra.get("address"):
                anc, addr = comp.extra["address"]
                self._establishment(anc, addr, f"{fake.company_prefix()}物业服务有限公司", "property_company", "property",
                                    rng.randint(8, 60), credit=True)
        if grid_anc:
            for _ in range(rng.randint(0 if village else 1, 2 if village else 4)):
                anc = rng.choice(grid_anc)
                addr = self._address(anc, "building", rng.choice(roads), str(rng.randint(301, 999)))
                self._establishment(anc, addr, fake.company(), "enterprise", rng.choice(["non_public"] * 4 + ["state_owned"]),
                                    rng.randint(5, 400), credit=True)
            anc = grid_anc[0]
            center = self._address(anc, "building", roads[0], str(rng.randint(1, 99)))
            self._establishment(anc, center, f"{community.name}党群服务中心", "government", "public", rng.randint(5, 15))
            orgs = ["志愿服务队", "老年协会", "文体队"] + (["红白理事会"] if village else ["邻里互助会", "调解委员会"])
            for org in rng.sample(orgs, rng.randint(1, 3)):
                self._establishment(anc, center, f"{community.name}{org}", "social_organization", "social", rng.randint(3, 40))
            self.street_anchor = getattr(self, "street_anchor", None) if not first else (anc, roads[0])

    def _urban_building(self, community, grid, group_id, b_index, comp, roads, number, lng, lat) -> int:
        rng = self.rng
        if comp is not None:
            bno = comp["next_building"]
            comp["next_building"] += 1
            road, road_no, comp_name, with_unit_nodes = comp["road"], comp["number"], comp["name"], comp["units"]
        else:
            bno, road, road_no, comp_name, with_unit_nodes = b_index, roads[b_index % len(roads)], str(number), "", False
        high = rng.random() < 0.35
        floors = rng.choice([11, 12, 18]) if high else rng.choice([5, 6, 6, 7])
        units = rng.choice([1, 2]) if high else rng.choice([2, 3])
        per_floor = rng.choice([2, 3, 4]) if high else 2
        if self.per_committee < 2000:  # small demo: smaller buildings keep several per grid
            floors = min(floors, 6)
        building = self._node(grid, "building", f"{bno}号楼", f"{grid.code}{b_index:03d}", sort=b_index)
        anc = building.anc
        b_addr = self._address(anc, "building", road, road_no, comp_name, str(bno), lng=lng, lat=lat)
        if comp is not None and "address" not in comp:
            comp["address"] = (anc, b_addr)
        if len(self.c_address_for_units) < 50:
            self.c_address_for_units.append(anc)
        lead_pending = rng.random() < 0.6
        residents = 0
        for u in range(1, units + 1):
            unit_id = self._node(building, "unit", f"{u}单元", f"{building.code}{u:02d}", sort=u).id if with_unit_nodes else None
            for floor in range(1, floors + 1):
                for k in range(1, per_floor + 1):
                    room = f"{floor}{k:02d}"
                    use = rng.choices(*_HOUSE_USES)[0]
                    if use == "commercial" and floor != 1:
                        use = "owner_occupied"
                    unit_no = str(u) if units > 1 or with_unit_nodes else ""
                    n, lead = self._house(anc, grid, group_id, building.code, road, road_no, comp_name, str(bno), unit_no, room,
                                          floor, unit_id, use, lng, lat, village=False, lead=lead_pending)
                    if lead:
                        lead_pending = False
                    residents += n
        return residents

    def _village_house(self, community, grid, group_id, b_index, roads, number, lng, lat, parent=None) -> int:
        rng = self.rng
        road = roads[b_index % len(roads)]
        building = self._node(parent or grid, "building", f"{number}号院", f"{grid.code}{b_index:03d}", sort=b_index)
        self._address(building.anc, "building", road, str(number), "", "", lng=lng, lat=lat)
        if len(self.c_address_for_units) < 50:
            self.c_address_for_units.append(building.anc)
        use = rng.choices(*_VILLAGE_USES)[0]
        n, _ = self._house(building.anc, grid, group_id, building.code, road, str(number), "", "", "", "1", 1, None, use,
                           lng, lat, village=True, lead=False)
        return n

    def _house(self, anc, grid, group_id, bcode, road, road_no, comp_name, bno, unit_no, room, floor, unit_id, use,
               lng, lat, *, village: bool, lead: bool) -> tuple[int, bool]:
        rng = self.rng
        addr = self._address(anc, "house", road, road_no, comp_name, bno, unit_no, room, lng=lng, lat=lat)
        house_id = self._next("house")
        code = f"{bcode}-{unit_no or '0'}-{room}"
        area = f"{rng.uniform(45, 160) if not village else rng.uniform(90, 240):.2f}"
        members: list = []
        owner = ""
        if use in ("owner_occupied", "rented"):
            members = self._household(anc, house_id, group_id, code, use, village, lead)
            owner = members[0] if use == "owner_occupied" else N.person_name(rng, rng.choice("MF"), False)
        elif use == "vacant":
            owner = N.person_name(rng, rng.choice("MF"), False)
        else:
            shop, sector = rng.choice(N.SHOPS)
            owner = N.person_name(rng, rng.choice("MF"), False)
            if rng.random() < 0.75:
                self._establishment(anc, addr, rng.choice(N.SHOP_PREFIXES) + shop, "shop", sector, rng.randint(1, 8))
        self.w.add("house", (house_id, self.ts, self.ts, *anc, code, addr, unit_id, group_id, room, floor, area, use, owner))
        return (len(members) - 1 if members else 0), bool(members) and lead

    def _household(self, anc, house_id, group_id, house_code, use, village, lead) -> list:
        """Write one household and its members; return [head name, members...]."""
        rng = self.rng
        hh_id = self._next("household")
        rented = use == "rented"
        size = rng.choices(*_HOUSEHOLD_SIZES)[0]
        people = self._composition(size, village, rented)
        region = rng.choice(N.ORIGIN_REGIONS) if rented else DISTRICT_CODE
        head_id = None
        names = []
        tenancy_start = self._date(dt.date(2019, 1, 1), dt.date(2025, 3, 31)) if rented else None
        landlord = N.person_name(rng, rng.choice("MF"), False) if rented else ""
        for idx, (relation, age, sex, tags) in enumerate(people):
            rid = self._next("resident")
            birth = self._birth(age)
            modern = age < 45
            name = N.person_name(rng, sex, modern)
            if idx == 0:
                head_id = rid
            elif relation in ("配偶",) or (relation in ("子", "女", "孙子", "孙女") and rng.random() < 0.85):
                # Spouses keep their own surname; children mostly take the head's.
                if relation != "配偶":
                    name = names[0][0] + name[1:] if len(names[0]) <= 3 else name
            names.append(name)
            id_number = self._id_number(region if rng.random() < 0.97 else rng.choice(N.ORIGIN_REGIONS), birth, sex)
            phone = self._phone() if age >= 14 else ""
            status = "active"
            household_id = hh_id
            roll = rng.random()
            if idx > 0 and roll < 0.008:
                status = "moved_out"
            elif age >= 75 and roll < 0.01 and idx > 0:
                status = "deceased"
            if status != "active":
                household_id = None
            residence = "floating" if rented else "registered"
            if not rented and not village and rng.random() < 0.06:
                residence = "permanent"
            tag_codes = list(tags)
            if rented:
                tag_codes.append("floating")
                if age >= 18 and status == "active":
                    tag_codes.append("tenant")
            if age >= 18 and rng.random() < 0.07:
                tag_codes.append("party_member")
            if sex == "M" and 40 <= age <= 75 and rng.random() < 0.04:
                tag_codes.append("veteran")
            if rng.random() < 0.02:
                tag_codes.append("disabled")
            if 18 <= age <= 60 and rng.random() < 0.02:
                tag_codes.append("unemployed")
            if 16 <= age <= 70 and rng.random() < 0.03:
                tag_codes.append("volunteer")
            if age >= 80:
                tag_codes.append("elderly_80")
            if lead and idx == 0 and age >= 30:
                tag_codes.append("building_lead")
            if not rented and idx == 0 and rng.random() < 0.015:
                tag_codes.append("subsistence")
            ethnicity = rng.choice(N.ETHNICITIES)
            self.w.add("resident", (rid, self.ts, self.ts, *anc, name, self.cipher.encrypt(id_number),
                                    self.cipher.blind_index("id", id_number), self.cipher.encrypt(phone),
                                    self.cipher.blind_index("phone", phone), birth.isoformat(), sex, ethnicity, household_id,
                                    house_id, relation, residence, status, ""))
            for code in dict.fromkeys(tag_codes):
                tag_id = self.tag_ids.get(code)
                if tag_id:
                    self.w.add("tag", (self._next("tag"), rid, tag_id))
            # Membership history: birth or registration, sometimes a move from another household.
            if rented:
                joined, reason = tenancy_start, "租住登记"
            elif relation in ("子", "女", "孙子", "孙女") and age < 30:
                joined, reason = birth.isoformat(), "出生"
            else:
                joined, reason = self._date(max(birth + dt.timedelta(days=18 * 365), dt.date(1995, 1, 1)), dt.date(2024, 12, 31)), "登记"
            if self.c_households and not rented and rng.random() < 0.03:
                moved_on = self._date(dt.date.fromisoformat(joined) + dt.timedelta(days=30), dt.date(2025, 3, 31))
                self.w.add("membership", (self._next("membership"), self.ts, self.ts, rid, rng.choice(self.c_households),
                                          relation, joined, reason, moved_on, "迁往其他户"))
                joined, reason = moved_on, "迁入"
            left, leave_reason = (None, "")
            if status == "moved_out":
                left, leave_reason = self._date(dt.date.fromisoformat(joined), REFERENCE_DATE), "迁出"
            elif status == "deceased":
                left, leave_reason = self._date(dt.date.fromisoformat(joined), REFERENCE_DATE), "死亡注销"
            self.w.add("membership", (self._next("membership"), self.ts, self.ts, rid, hh_id, relation, joined, reason,
                                      left, leave_reason))
            if rented and age >= 18 and status == "active":
                start = dt.date.fromisoformat(tenancy_start)
                self.w.add("tenancy", (self._next("tenancy"), self.ts, self.ts, *anc, house_id, rid, landlord,
                                       f"ZL{start:%Y}{self._contract():07d}", tenancy_start,
                                       (start + dt.timedelta(days=365 * rng.randint(1, 3))).isoformat(), None))
        self.w.add("household", (hh_id, self.ts, self.ts, *anc, f"H{house_code}", house_id, group_id, "family",
                                 "non_local" if rented else "local", head_id))
        self.c_households.append(hh_id)
        return [names[0], *names]

    def _composition(self, size: int, village: bool, rented: bool) -> list[tuple]:
        """Members as (relation, age, sex, tags); the head first."""
        rng = self.rng
        if size == 1:
            age = rng.randint(66, 92) if rng.random() < (0.45 if not rented else 0.02) else rng.randint(20, 64)
            sex = rng.choice("MF")
            return [("户主", age, sex, ("elderly_alone",) if age >= 65 else ())]
        if village and size >= 3 and rng.random() < 0.15:
            # Left-behind: grandparents with grandchildren while the parents work in the city.
            g_age = rng.randint(56, 78)
            people = [("户主", g_age, "M", ("left_behind_elderly",)), ("配偶", g_age - rng.randint(0, 4), "F", ("left_behind_elderly",))]
            for _ in range(size - 2):
                sex = rng.choice("MF")
                people.append(("孙子" if sex == "M" else "孙女", rng.randint(3, 15), sex, ("left_behind_minor",)))
            return people
        head_age = rng.randint(22, 60) if rented else rng.randint(26, 85)
        head_sex = "M" if rng.random() < 0.72 else "F"
        spouse_sex = "F" if head_sex == "M" else "M"
        spouse_age = max(20, head_age + rng.randint(-5, 4))
        both_old = head_age >= 60 and spouse_age >= 60
        tags = ("empty_nest",) if size == 2 and both_old else ()
        people = [("户主", head_age, head_sex, tags), ("配偶", spouse_age, spouse_sex, tags)]
        for _ in range(size - 2):
            if head_age >= 58 and len(people) >= 3 and rng.random() < 0.6:
                sex = rng.choice("MF")
                people.append(("孙子" if sex == "M" else "孙女", rng.randint(0, max(0, head_age - 48)), sex, ()))
            elif 30 <= head_age <= 50 and rng.random() < 0.25:
                sex = rng.choice("MF")
                people.append(("父亲" if sex == "M" else "母亲", head_age + rng.randint(24, 32), sex, ()))
            else:
                sex = rng.choice("MF")
                people.append(("子" if sex == "M" else "女", max(0, head_age - rng.randint(22, 34)), sex, ()))
        return people

    def _street_units(self, street: NodeRec) -> None:
        """Street office, police station, health centre, a school and resident units (驻区单位)."""
        rng = self.rng
        anchor = getattr(self, "street_anchor", None)
        if anchor is None:
            return
        anc, road = anchor
        short = street.name.removesuffix("街道").removesuffix("镇").removesuffix("乡")
        office = self._address(anc, "building", road, str(rng.randint(1, 50)))
        gov = f"{street.name}办事处" if street.name.endswith("街道") else f"{street.name}人民政府"
        self._establishment(anc, office, gov, "government", "public", rng.randint(60, 150))
        self._establishment(anc, self._address(anc, "building", road, str(rng.randint(51, 99))), f"{short}派出所", "government",
                            "public", rng.randint(30, 80))
        self._establishment(anc, self._address(anc, "building", road, str(rng.randint(100, 150))), f"{street.name}社区卫生服务中心",
                            "government", "health", rng.randint(20, 90))
        self._establishment(anc, self._address(anc, "building", road, str(rng.randint(151, 200))), f"{DISTRICT_NAME}{short}小学",
                            "school", "education", rng.randint(40, 120))
        for template, sector in rng.sample(N.RESIDENT_UNITS, 2):
            self._establishment(anc, self._address(anc, "building", road, str(rng.randint(201, 300))), template.format(street=short),
                                "resident_unit", sector, rng.randint(20, 300), credit=True, resident_unit=True)
