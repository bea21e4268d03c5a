"""Demo logins: one user per role, bound to realistic nodes of the demo district."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from django.db import transaction

from shequ.accounts.models import Binding, Role, User
from shequ.accounts.services import user_create
from shequ.jurisdiction.models import Department, Node
from shequ.registry.models import Resident

from .loader import DISTRICT_CODE

PASSWORD = "demo12345"
URL = "http://127.0.0.1:8000/"
STREET_1 = f"{DISTRICT_CODE}001"
COMMUNITY_A = f"{STREET_1}001"
COMMUNITY_B = f"{STREET_1}002"
GRID_A = f"{COMMUNITY_A}01"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    display_name: str
    node_code: str = ""  # bound node, by code
    department_code: str = ""  # or bound department, by code
    unmask: bool = False
    note: str = ""


DEMO_LOGINS = [
    DemoLogin("admin", Role.ADMIN, "系统管理员", note="superuser"),
    DemoLogin("leader", Role.LEADER, "区领导", node_code=DISTRICT_CODE),
    DemoLogin("office", Role.DISTRICT_OFFICE, "区社区办", node_code=DISTRICT_CODE),
    DemoLogin("orgdept", Role.ORGANIZATION, "组织部考评员", node_code=DISTRICT_CODE),
    DemoLogin("dept_civil", Role.DEPARTMENT, "民政局", department_code=f"{DISTRICT_CODE}-MZ"),
    DemoLogin("dept_urban", Role.DEPARTMENT, "城市管理局", department_code=f"{DISTRICT_CODE}-CG"),
    DemoLogin("dept_police", Role.DEPARTMENT, "公安分局", department_code=f"{DISTRICT_CODE}-GA"),
    DemoLogin("street1", Role.STREET_STAFF, "街道干部", node_code=STREET_1),
    DemoLogin("worker_a", Role.COMMUNITY_WORKER, "社区工作者", node_code=COMMUNITY_A),
    DemoLogin("worker_b", Role.COMMUNITY_WORKER, "社区工作者", node_code=COMMUNITY_B),
    DemoLogin("worker_a_unmask", Role.COMMUNITY_WORKER, "社区工作者(可查看明文)", node_code=COMMUNITY_A, unmask=True,
              note="unmask"),
    DemoLogin("grid_a", Role.GRID_WORKER, "网格员", node_code=GRID_A),
    DemoLogin("resident_a", Role.RESIDENT, "居民", note="resident"),
]
DEMO_USERNAMES = [login.username for login in DEMO_LOGINS]


def demo_resident() -> Resident | None:
    """The resident behind the ``resident_a`` login: the first household head of grid A."""
    grid = Node.objects.filter(code=GRID_A).first()
    if grid is None:
        return None
    return Resident.objects.filter(grid=grid, relation="户主", status=Resident.Status.ACTIVE).order_by("id").first()


@transaction.atomic
def ensure_demo_logins() -> list[User]:
    """Create the demo users that do not exist yet (idempotent); return all of them."""
    existing = set(User.objects.filter(username__in=DEMO_USERNAMES).values_list("username", flat=True))
    admin = User.objects.filter(username="admin").first()
    for login in DEMO_LOGINS:
        if login.username in existing:
            continue
        nodes = [Node.objects.get(code=login.node_code)] if login.node_code else []
        departments = [Department.objects.get(code=login.department_code)] if login.department_code else []
        resident = demo_resident() if login.role == Role.RESIDENT else None
        display = resident.name if resident is not None else login.display_name
        user = user_create(actor=admin, username=login.username, password=PASSWORD, role=login.role, display_name=display,
                           nodes=nodes, departments=departments, resident=resident, must_change_password=False,
                           unmask=login.unmask, is_staff=True if login.role == Role.ADMIN else None)
        if login.role == Role.ADMIN:
            user.is_superuser = True
            user.save(update_fields=["is_superuser"])
            admin = user
    return list(User.objects.filter(username__in=DEMO_USERNAMES))


def node_label(node: Node) -> str:
    """Breadcrumb from the district down: 示范区 / 东城街道 / 和平社区."""
    ids = node.ancestor_path_ids
    by_id = {n.id: n for n in Node.objects.filter(id__in=ids)}
    return " / ".join(by_id[i].name for i in ids if i in by_id and by_id[i].level != "city")


def login_rows() -> list[dict[str, str]]:
    users = {u.username: u for u in User.objects.filter(username__in=DEMO_USERNAMES).select_related("resident")}
    bindings: dict[int, list[str]] = {}
    for binding in Binding.objects.filter(user__in=users.values()).select_related("node", "department__district"):
        if binding.node_id:
            label = node_label(binding.node)
        else:
            label = f"{binding.department.district.name} / {binding.department.name}"
        bindings.setdefault(binding.user_id, []).append(label)
    rows = []
    for login in DEMO_LOGINS:
        user = users.get(login.username)
        if user is None:
            continue
        role = Role(user.role)
        scope = "; ".join(bindings.get(user.id, []))
        if user.is_superuser:
            scope = "全部 (all)"
        elif user.resident_id:
            resident = user.resident
            house = Node.objects.filter(id=resident.building_id).first()
            scope = f"{node_label(house) if house else ''} (本户 own household, {resident.name})"
        if login.unmask:
            scope += " [可查看明文 unmask]"
        rows.append({"role": f"{role.label} ({role.name.replace('_', ' ').lower()})", "username": user.username,
                     "password": PASSWORD, "scope": scope})
    return rows


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def format_table(rows: list[dict[str, str]]) -> str:
    headers = {"role": "角色 role", "username": "用户名 username", "password": "密码 password", "scope": "辖区 bound to"}
    keys = list(headers)
    widths = {k: max(_width(headers[k]), *(_width(r[k]) for r in rows)) for k in keys} if rows else {k: _width(headers[k]) for k in keys}
    lines = ["  ".join(_pad(headers[k], widths[k]) for k in keys).rstrip(),
             "  ".join("-" * widths[k] for k in keys)]
    lines += ["  ".join(_pad(r[k], widths[k]) for k in keys).rstrip() for r in rows]
    return "\n".join(lines)
