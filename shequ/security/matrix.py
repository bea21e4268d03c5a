"""The permission matrix (role × action × module) of docs/permissions.md, derived from the code:
``scoping.CAPABILITIES`` says which role may do which action; the scope column says where."""
from __future__ import annotations

from collections import defaultdict

from shequ.accounts.models import Role
from shequ.jurisdiction import scoping

SCOPE = {
    Role.RESIDENT: "own household / own records",
    Role.GRID_WORKER: "bound grids / buildings",
    Role.COMMUNITY_WORKER: "bound community / village",
    Role.STREET_STAFF: "bound street / township",
    Role.DEPARTMENT: "records handled by its department; else its district",
    Role.DISTRICT_OFFICE: "bound district",
    Role.ORGANIZATION: "bound district or city",
    Role.LEADER: "bound node (read-only)",
    Role.ADMIN: "everything",
}


def matrix() -> dict[str, dict[str, set[str]]]:
    """{module: {action: {roles}}}, every action that any role holds."""
    table: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for role, caps in scoping.CAPABILITIES.items():
        for cap in caps:
            if cap == "*":
                continue
            module, _, action = cap.partition(".")
            table[module][action].add(role)
    return table


def markdown() -> str:
    roles = [r for r in Role if r != Role.ADMIN]
    lines = [
        "# Permission matrix",
        "",
        "Generated from `shequ/jurisdiction/scoping.py` by `shequ permission_matrix` — do not edit by hand;",
        "`shequ/security/tests/test_matrix.py` fails when this file and the code disagree.",
        "",
        "A ✓ means the role holds the action; every action is further limited to the role's scope",
        "(`scoping.scope_queryset`, `ensure_can`): records outside it are \"not found\" (404).",
        "The system administrator holds every action everywhere. Seeing ID numbers and phones in",
        "clear is not a role action: it is the permission `registry.unmask_personal_data`, granted",
        "to individual accounts, which then must sign in with a second factor (docs/security.md).",
        "",
        "## Scope of each role",
        "",
        "| role | scope |",
        "|---|---|",
    ]
    lines += [f"| {role.label} (`{role.value}`) | {SCOPE[role]} |" for role in Role]
    header = "| module | action | " + " | ".join(f"{r.label}" for r in roles) + " |"
    lines += ["", "## Actions", "", header, "|---|---|" + "---|" * len(roles)]
    table = matrix()
    for module in sorted(table):
        for action in sorted(table[module]):
            holders = table[module][action]
            cells = " | ".join("✓" if r in holders else "" for r in roles)
            lines.append(f"| {module} | {action} | {cells} |")
    return "\n".join(lines) + "\n"
