"""Demo appeals 诉求: a few months of appeals in the demo district, in every state, written in bulk.

Each appeal is what the real intake would have made of it: a point inside a grid, the handling
unit the routing rules give for its category, due times from its time-limit class and the
holiday calendar, a numbered timeline, an encrypted requester. How far each got depends on its
age: old ones are replied, evaluated and closed (a share late, a share unsatisfied and reopened);
recent ones are still open. ``open_share`` forces that share to stay open whatever its age (the
sweep benchmark needs 100,000 open appeals).

Rows go through ``BulkWriter`` (COPY on PostgreSQL), so 1,000,000 appeals load in minutes.
"""
from __future__ import annotations

import datetime as dt
import random
import time
from collections import defaultdict

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from shequ.appeals import deadlines
from shequ.appeals.models import (
    Appeal,
    AppealCounter,
    AppealEvent,
    ServiceCategory,
    UnitKind,
)
from shequ.core.crypto import Cipher
from shequ.jurisdiction.models import SCOPE_LEVELS, Department, Level, Node

from . import names as N
from .writer import BulkWriter

#: Relative frequency of categories (the rest weigh 1): the usual top problems of a 12345 line.
WEIGHTS = {
    "property_repair": 14, "noise_neighbor": 9, "parking_compound": 8, "sanitation": 7, "heating": 6,
    "property_service": 6, "house_leak": 5, "garbage_collection": 5, "parking_illegal": 5, "street_light": 4,
    "water_outage": 4, "elevator_fault": 4, "fire_hazard": 3, "neighbor_dispute": 3, "dogs": 3,
    "other_certificate": 3, "social_insurance": 3, "elderly_care": 3, "road_damage": 3, "shared_bikes": 2,
}
DESCRIPTIONS = {
    "property_repair": ["楼道灯坏了好几天没人修", "单元门门禁损坏", "楼顶防水层破损"],
    "noise_neighbor": ["楼上住户夜间噪声扰民", "邻居深夜装修敲打"],
    "parking_compound": ["小区外来车辆占用消防通道停车", "小区车位分配不公平"],
    "sanitation": ["小区垃圾桶满溢无人清理", "绿地内堆放建筑垃圾"],
    "heating": ["家中暖气不热,室温不足16度", "供暖开始后仍然不热"],
}
CHANNELS = (["window", "hotline", "web", "patrol", "open311", "feed12345"], [12, 30, 18, 10, 5, 25])
SATISFACTION = (["satisfied", "basic", "unsatisfied"], [72, 19, 9])
MOBILE_PREFIXES = ["135", "136", "138", "139", "150", "151", "158", "159", "166", "177", "186", "187", "188", "199"]

_LOCATED = [f"{level}_id" for level in SCOPE_LEVELS]
_FIELDS = ["id", "created_at", "updated_at", *_LOCATED, "number", "channel", "contact_kind", "category", "description",
           "lng", "lat", "address_text", "requester_name", "requester_phone", "requester_phone_hash", "status",
           "received_at", "first_receiver", "handling_node", "handling_department", "lead_node", "lead_department",
           "routing_reason", "accept_due_at", "dispatch_due_at", "response_due_at", "completion_due_at",
           "completion_warn_at", "accepted_at", "dispatched_at", "started_at", "replied_at", "reply", "solved",
           "satisfaction", "evaluated_at", "closed_at", "return_count", "reopen_count", "external_number"]
_EVENT_FIELDS = ["id", "appeal", "at", "actor_name", "verb", "from_status", "to_status", "note", "extra"]


class AppealLoader:
    def __init__(self, *, count: int, seed: int = 20250630, now: dt.datetime | None = None, days: int = 180,
                 open_share: float | None = None, out=None):
        self.count, self.days, self.open_share = count, days, open_share
        self.rng = random.Random(seed + 311)
        self.now = now or timezone.now()
        self.out = out or (lambda msg: None)
        self.cipher = Cipher()
        self.calendar = deadlines.calendar_from_db()
        self._due_cache: dict[tuple, deadlines.DueTimes] = {}

    def _context(self) -> None:
        self.grids = list(Node.objects.filter(level=Level.GRID, boundary__isnull=False)
                          .values("id", "name", "boundary", *_LOCATED))
        if not self.grids:
            raise RuntimeError("no grids with boundaries: load the demo district first")
        ids = {g[f"{lvl}_id"] for g in self.grids for lvl in ("street", "community", "district")}
        self.node_names = dict(Node.objects.filter(pk__in=ids).values_list("id", "name"))
        self.departments = {}
        for dept in Department.objects.order_by("code"):
            self.departments.setdefault((dept.district_id, dept.kind), dept)
        cats = list(ServiceCategory.objects.filter(active=True).select_related("time_limit").order_by("sort", "code"))
        self.categories = cats
        self.cat_weights = [WEIGHTS.get(c.code, 1) for c in cats]
        from shequ.accounts.models import Binding

        self.receivers: dict[int, int] = {}
        for user_id, node_id in Binding.objects.filter(node__isnull=False, user__role__in=[
                "community_worker", "street_staff"]).values_list("user_id", "node_id"):
            self.receivers.setdefault(node_id, user_id)

    def _due(self, received: dt.datetime, category, channel: str) -> deadlines.DueTimes:
        return deadlines.due_times(received_at=received, time_limit=category.time_limit, channel=channel,
                                   calendar=self.calendar)

    def _route(self, category, grid: dict) -> tuple[int | None, Department | None, str]:
        kind = category.unit_kind
        if kind == "department":
            dept = self.departments.get((grid["district_id"], category.department_kind))
            if dept is not None:
                return None, dept, f"派至{dept.name},因为类别「{category.name}」由该部门承办"
            return grid["district_id"], None, f"派至{self.node_names[grid['district_id']]},因为本区没有承办部门,由区兜底"
        level = {"grid": "grid", "community": "community", "street": "street"}.get(kind)
        if level is None:
            return grid["district_id"], None, f"派至{self.node_names[grid['district_id']]},因为类别「{category.name}」由区统一承办"
        node_id = grid[f"{level}_id"] or grid["community_id"]
        name = grid["name"] if level == "grid" else self.node_names.get(node_id, "")
        return node_id, None, f"派至{name},因为坐标位于{grid['name']}范围内,类别「{category.name}」由{UnitKind(level).label}承办"

    def _point(self, grid: dict) -> tuple[float, float]:
        ring = grid["boundary"]["coordinates"][0]
        xs, ys = [p[0] for p in ring], [p[1] for p in ring]
        return (round(self.rng.uniform(min(xs), max(xs)), 6), round(self.rng.uniform(min(ys), max(ys)), 6))

    def run(self) -> dict[str, int]:
        started = time.monotonic()
        self._context()
        rng, now, enc, ts = self.rng, self.now, self.cipher, self.now
        w = BulkWriter(flush_at=20000)
        w.table("appeal", Appeal, _FIELDS)
        w.table("event", AppealEvent, _EVENT_FIELDS)
        next_id = (Appeal.objects.aggregate(m=Max("id"))["m"] or 0) + 1
        next_event = (AppealEvent.objects.aggregate(m=Max("id"))["m"] or 0) + 1
        counters: dict[dt.date, int] = defaultdict(int)
        for day, last in AppealCounter.objects.values_list("day", "last"):
            counters[day] = last
        # Receive times first, oldest first, so that numbers rise with time within each day.
        ages = sorted((rng.random() ** 1.6 * self.days for _ in range(self.count)), reverse=True)
        statuses: dict[str, int] = defaultdict(int)
        with transaction.atomic():
            for i, age in enumerate(ages):
                received = now - dt.timedelta(days=age)
                local = received.astimezone(deadlines.SHANGHAI)
                if not 7 <= local.hour < 22:  # most calls come in the day
                    received += dt.timedelta(hours=rng.choice([-9, 9, 10, 11]))
                    received = min(received, now - dt.timedelta(minutes=5))
                    local = received.astimezone(deadlines.SHANGHAI)
                day = local.date()
                counters[day] += 1
                number = f"SQ-{day:%Y%m%d}-{counters[day]:06d}"
                category = rng.choices(self.categories, self.cat_weights)[0]
                channel = rng.choices(*CHANNELS)[0]
                grid = rng.choice(self.grids)
                lng, lat = self._point(grid)
                node_id, dept, reason = self._route(category, grid)
                due = self._due(received, category, channel)
                warn = deadlines.warning_at(start=received, due=due.completion_due_at,
                                            fraction=category.time_limit.warning_fraction)
                sex = rng.choice("MF")
                name = N.person_name(rng, sex, modern=rng.random() < 0.5)
                phone = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10 ** 8):08d}"
                receiver = None if channel in ("web", "open311", "feed12345") else self.receivers.get(grid["community_id"])
                pk = next_id
                next_id += 1
                events = [(received, "submitted", "", "received", reason)]
                t = {"accepted": None, "dispatched": None, "started": None, "replied": None, "evaluated": None,
                     "closed": None}
                solved = satisfaction = None
                reply = ""
                status = "received"
                reopens = 0
                on_the_spot = category.contact_kind == "consultation" and channel in ("window", "hotline") and rng.random() < 0.6
                force_open = self.open_share is not None and rng.random() < self.open_share
                if on_the_spot and not force_open:
                    t["closed"] = received + dt.timedelta(minutes=rng.randint(3, 15))
                    events.append((t["closed"], "closed", "received", "closed", "当场解答"))
                    status = "closed"
                else:
                    late_response = rng.random() < 0.07
                    span = (due.response_due_at - received).total_seconds()
                    accept = received + dt.timedelta(seconds=span * (rng.uniform(1.05, 2.5) if late_response
                                                                     else rng.uniform(0.02, 0.9)))
                    steps = [("accepted", accept)]
                    if dept is not None or rng.random() < 0.3:
                        steps.append(("dispatched", accept + dt.timedelta(minutes=rng.randint(2, 40))))
                    start = steps[-1][1] + dt.timedelta(minutes=rng.randint(10, 600))
                    steps.append(("started", start))
                    total = (due.completion_due_at - received).total_seconds()
                    late = rng.random() < 0.1
                    reply_at = received + dt.timedelta(seconds=total * (rng.uniform(1.02, 1.6) if late else rng.uniform(0.1, 0.95)))
                    steps.append(("replied", max(reply_at, start + dt.timedelta(minutes=30))))
                    if rng.random() < 0.85:
                        steps.append(("evaluated", steps[-1][1] + dt.timedelta(hours=rng.randint(2, 72))))
                        steps.append(("closed", steps[-1][1] + dt.timedelta(hours=rng.randint(1, 24))))
                    previous = "received"
                    for verb, at in steps:
                        if at > now or (force_open and verb in ("replied", "evaluated", "closed")):
                            break
                        t[verb] = at
                        to = {"accepted": "accepted", "dispatched": "dispatched", "started": "in_progress",
                              "replied": "replied", "evaluated": "evaluated", "closed": "closed"}[verb]
                        note = ""
                        if verb == "replied":
                            reply = note = "已到现场核实并处理,已电话告知诉求人处理结果"
                        if verb == "evaluated":
                            solved = rng.random() < 0.86
                            satisfaction = rng.choices(*SATISFACTION)[0] if solved else rng.choice(["basic", "unsatisfied"])
                        events.append((at, verb, previous, to, note))
                        previous = status = to
                    if satisfaction == "unsatisfied" and status == "closed" and rng.random() < 0.4:
                        reopen_at = t["closed"] + dt.timedelta(hours=rng.randint(1, 48))
                        if reopen_at <= now:
                            events.append((reopen_at, "reopened", "closed", "reopened", "诉求人不满意,要求重新办理"))
                            status, reopens = "reopened", 1
                            # The second round: most are handled again and closed.
                            at, previous = reopen_at, "reopened"
                            for verb, to, hours in (("accepted", "accepted", 2), ("started", "in_progress", 20),
                                                    ("replied", "replied", 70), ("closed", "closed", 24)):
                                at += dt.timedelta(hours=rng.randint(1, hours))
                                if at > now:
                                    break
                                events.append((at, verb, previous, to, "二次办理" if verb == "replied" else ""))
                                previous = status = to
                                if verb == "replied":
                                    t["replied"], reply = at, "二次办理:已重新处理并回访诉求人"
                                if verb == "closed":
                                    t["closed"] = at
                statuses[status] += 1
                row = (pk, ts, ts, *[grid[c] for c in _LOCATED], number, channel, category.contact_kind, category.id,
                       rng.choice(DESCRIPTIONS.get(category.code, [category.name])), lng, lat, "",
                       enc.encrypt(name), enc.encrypt(phone), enc.blind_index("phone", phone), status, received,
                       receiver, node_id, dept.id if dept else None, node_id, dept.id if dept else None, reason,
                       due.accept_due_at, due.dispatch_due_at, due.response_due_at, due.completion_due_at, warn,
                       t["accepted"], t["dispatched"], t["started"], t["replied"], reply, solved, satisfaction or "",
                       t["evaluated"], t["closed"] if status == "closed" else None, 0, reopens,
                       f"12345-{day:%Y%m%d}-{i:07d}" if channel == "feed12345" else "")
                w.add("appeal", row)
                for at, verb, frm, to, note in events:
                    w.add("event", (next_event, pk, at, "demo", verb, frm, to, note, "{}"))
                    next_event += 1
                if (i + 1) % 100000 == 0:
                    self.out(f"  {i + 1:,} appeals ({time.monotonic() - started:.0f} s)")
            w.flush()
            for day, last in counters.items():
                AppealCounter.objects.update_or_create(day=day, defaults={"last": last})
            self._finish(w)
        counts = w.counts()
        return {"appeals": counts["appeal"], "events": counts["event"], **statuses}

    def _finish(self, w: BulkWriter) -> None:
        with connection.cursor() as cur:
            if connection.vendor == "postgresql":
                from django.core.management.color import no_style

                for sql in connection.ops.sequence_reset_sql(no_style(), [Appeal, AppealEvent]):
                    cur.execute(sql)
            for table in w.tables.values():
                cur.execute(f'ANALYZE "{table.name}"')
        # The rates' appended cells of the load, in the daily table at once (not at the periodic
        # task's next run): a freshly loaded database reads like one in steady use.
        from shequ.appeals.metrics import rates_fold

        rates_fold()
