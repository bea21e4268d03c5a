"""The ONE place that decides who may see or touch what.

Pages, API, exports, imports and the admin all ask this module. Two questions:

* ``scope_queryset(qs, user)`` — which records of a located model (one with ancestor
  columns, see ``jurisdiction.models.Located``) may this user read? Staff see what lies
  under the nodes they are bound to (a department user: its district); a resident sees
  their own household; a system admin sees everything.
* ``ensure_can(user, action, obj=None)`` — may this user do ``action`` (a capability of
  their role, ``CAPABILITIES``) on this record? Raises ``NotAllowed`` (403) for a wrong
  role and ``NotInScope`` (404) for a record outside their jurisdiction.

Missing and out-of-scope records both give 404 (``get_in_scope``), so scope cannot be probed.
"""
from __future__ import annotations

from functools import cache, reduce
from operator import or_
from typing import Callable, Iterable

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _

from shequ.accounts.models import Binding, Role
from shequ.core.errors import NotAllowed, NotInScope

from .models import Department, Node

# Capabilities per role. "registry.unmask" is not a role capability: it is the Django
# permission ``registry.unmask_personal_data`` granted to individual users (see can_unmask).
# Appeals (诉求): "appeals.create" takes an appeal in from any channel; "appeals.handle" moves
# it through its workflow (accept, dispatch, start, reply); "appeals.import" imports a city 12345
# work-order feed (street and district offices).
# "appeals.approve" decides pause and extension requests of the units below (挂起/延期审批).
_APPEALS_HANDLE = frozenset({"appeals.view", "appeals.create", "appeals.handle"})
_APPEALS_APPROVE = _APPEALS_HANDLE | {"appeals.approve"}
# Proactive governance (每月一题): streets and the district office manage topics, communities and
# leaders view them (a community sees the topics of its own place).
_PROACTIVE_VIEW, _PROACTIVE_MANAGE = frozenset({"proactive.view"}), frozenset({"proactive.view", "proactive.manage"})
# Whistle and report (吹哨报到): streets (and the district office for them) whistle and score,
# departments act on what they are whistled to, a community worker reads its community's.
_WHISTLE_STREET = frozenset({"whistle.view", "whistle.create", "whistle.score", "whistle.ranking"})
# Full agency and door-to-door visits (全程代办, 上门服务): "agency.handle" opens cases, works their
# steps and records visits. A resident's "agency.view" reaches only their own cases (agency.selectors).
_AGENCY = frozenset({"agency.view", "agency.handle"})
# Workforce, funds, facilities (社区工作者、经费、设施): streets and the district office keep workers, trainings,
# assessments, candidates and facilities ("workforce.manage"); funds are allocated by the district office
# ("workforce.fund"), spent by communities and streets ("workforce.spend"); the four review departments and
# the organization department give joint-review findings ("workforce.review", workforce.services.finding_record).
_WORKFORCE_VIEW = frozenset({"workforce.view"})
_WORKFORCE_STREET = frozenset({"workforce.view", "workforce.manage", "workforce.spend", "workforce.export"})
# Surveys (云调研): streets and the district office build and distribute questionnaires and read results;
# community workers and streets enter phone interviews and answer staff-level questionnaires; residents answer.
_SURVEYS_STAFF = frozenset({"surveys.view", "surveys.answer", "surveys.interview"})
_SURVEYS_MANAGE = _SURVEYS_STAFF | {"surveys.manage"}
# Volunteers and consultation (志愿服务, 社区协商; docs/volunteers.md, docs/consultation.md): "*.manage"
# registers volunteers, runs activities and grid call-outs, and runs consultation topics; a street files
# covenants with the township ("consultation.file"); residents sign up and answer call-outs
# ("volunteers.self") and vote in their own community ("consultation.vote") at /s/.
_VOLUNTEERS = frozenset({"volunteers.view", "volunteers.manage"})
_CONSULTATION = frozenset({"consultation.view", "consultation.manage"})
_CIVIC_VIEW = frozenset({"volunteers.view", "consultation.view"})
# Work admission and burden (社区工作准入与减负): departments file work requests ("admission.request"),
# the district office keeps the lists and decides requests ("admission.lists", "admission.review"),
# communities and grids do the work, flag unadmitted work and record seals, certificates, plaques
# ("admission.work"); "admission.ledger" reads the burden ledger and the department ranking.
_ADMISSION_READ = frozenset({"admission.view", "admission.ledger"})
# Personal-information requests (个人信息权利, shequ.privacy): handled where the resident is registered.
# A resident files and follows their own through their account (privacy.views), with no capability.
_PRIVACY = frozenset({"privacy.handle"})
# Star rating (星级化考评, docs/stars.md): residents rate their own community ("stars.rate"); the
# street/township assesses, checks quarterly and answers objections; the organization department
# reviews ("stars.review") and approves ("stars.approve"), each also needing the user's own
# permission (stars.review_rating / stars.approve_rating), so the two steps go to different people.
_STARS_STREET = frozenset({"stars.view", "stars.assess", "stars.check", "stars.answer", "stars.export"})
_STARS_ORG = frozenset({"stars.view", "stars.review", "stars.approve", "stars.answer", "stars.export", "stars.configure"})
# Party building and social organizations (党建, 社区社会组织): communities, streets, the district office
# and the organization department manage the records of their area; leaders read them.
_PARTY_VIEW = frozenset({"party.view", "socialorgs.view"})
_PARTY_MANAGE = _PARTY_VIEW | {"party.manage", "socialorgs.manage"}
# Indicator dashboard and governance reports (指标与调研报告): "indicators.view" reads the dashboard of
# a node in scope, "indicators.report" generates, lists and downloads the reports.
_INDICATORS, _REPORTS = frozenset({"indicators.view"}), frozenset({"indicators.view", "indicators.report"})
CAPABILITIES: dict[str, frozenset[str]] = {
    Role.RESIDENT: frozenset({"registry.view", "agency.view", "appeals.own", "stars.rate"}),
    Role.GRID_WORKER: frozenset({"registry.view", "registry.change", "registry.export"}) | _APPEALS_HANDLE | _AGENCY,
    Role.COMMUNITY_WORKER: frozenset({"registry.view", "registry.change", "registry.import", "registry.export", "whistle.view", "stars.view"}) | _APPEALS_HANDLE | _PROACTIVE_VIEW | _AGENCY,
    Role.STREET_STAFF: frozenset({"registry.view", "registry.change", "registry.import", "registry.export", "tree.report",
                                  "appeals.import"}) | _APPEALS_APPROVE | _PROACTIVE_MANAGE | _WHISTLE_STREET | _AGENCY | _STARS_STREET,
    Role.DEPARTMENT: frozenset({"registry.view", "appeals.view", "appeals.handle", "whistle.view", "whistle.act", "whistle.ranking"}),
    Role.DISTRICT_OFFICE: frozenset({"registry.view", "registry.export", "tree.report", "tree.change",
                                     "appeals.import", "stars.view", "stars.export"}) | _APPEALS_APPROVE | _PROACTIVE_MANAGE | _WHISTLE_STREET | _AGENCY,
    Role.ORGANIZATION: frozenset({"registry.view", "tree.report"}) | _STARS_ORG,
    Role.LEADER: frozenset({"registry.view", "registry.export", "tree.report", "appeals.view", "whistle.view", "whistle.ranking", "agency.view", "stars.view", "stars.export"}) | _PROACTIVE_VIEW,
    Role.ADMIN: frozenset({"*"}),
}


def _grant(grants: dict[str, frozenset[str] | set[str]]) -> None:
    """Add a module's capabilities to the roles (one block per module below)."""
    for role, caps in grants.items():
        CAPABILITIES[role] = CAPABILITIES[role] | frozenset(caps)


_grant({  # admission (shequ.admission)
    Role.GRID_WORKER: {"admission.view", "admission.work"},
    Role.COMMUNITY_WORKER: {"admission.work"} | _ADMISSION_READ,
    Role.STREET_STAFF: _ADMISSION_READ,
    Role.DEPARTMENT: {"admission.request"} | _ADMISSION_READ,
    Role.DISTRICT_OFFICE: {"admission.lists", "admission.review"} | _ADMISSION_READ,
    Role.ORGANIZATION: _ADMISSION_READ,
    Role.LEADER: _ADMISSION_READ,
})
_grant({  # personal-information requests (shequ.privacy)
    Role.COMMUNITY_WORKER: _PRIVACY, Role.STREET_STAFF: _PRIVACY, Role.DISTRICT_OFFICE: _PRIVACY,
})
_grant({  # indicator dashboard and governance report (shequ.indicators)
    Role.COMMUNITY_WORKER: {'indicators.view'},
    Role.STREET_STAFF: {'indicators.report', 'indicators.view'},
    Role.DISTRICT_OFFICE: {'indicators.report', 'indicators.view'},
    Role.ORGANIZATION: {'indicators.report', 'indicators.view'},
    Role.LEADER: {'indicators.report', 'indicators.view'},
})
_grant({  # workforce, funds, facilities and surveys (shequ.workforce, shequ.surveys)
    Role.RESIDENT: {'surveys.answer'},
    Role.COMMUNITY_WORKER: {'surveys.answer', 'surveys.interview', 'surveys.view', 'workforce.spend', 'workforce.view'},
    Role.STREET_STAFF: {'surveys.answer', 'surveys.interview', 'surveys.manage', 'surveys.view', 'workforce.export', 'workforce.manage', 'workforce.spend', 'workforce.view'},
    Role.DEPARTMENT: {'workforce.review'},
    Role.DISTRICT_OFFICE: {'surveys.answer', 'surveys.interview', 'surveys.manage', 'surveys.view', 'workforce.export', 'workforce.fund', 'workforce.manage', 'workforce.review', 'workforce.spend', 'workforce.view'},
    Role.ORGANIZATION: {'workforce.review', 'workforce.view'},
    Role.LEADER: {'surveys.view', 'workforce.export', 'workforce.view'},
})
_grant({  # volunteers and consultation (shequ.volunteers, shequ.consultation)
    Role.RESIDENT: {'consultation.vote', 'volunteers.self'},
    Role.GRID_WORKER: {'consultation.view', 'volunteers.manage', 'volunteers.view'},
    Role.COMMUNITY_WORKER: {'consultation.manage', 'consultation.view', 'volunteers.manage', 'volunteers.view'},
    Role.STREET_STAFF: {'consultation.file', 'consultation.manage', 'consultation.view', 'volunteers.manage', 'volunteers.view'},
    Role.DISTRICT_OFFICE: {'consultation.view', 'volunteers.view'},
    Role.LEADER: {'consultation.view', 'volunteers.view'},
})
_grant({  # party building and social organizations (shequ.party, shequ.socialorgs)
    Role.COMMUNITY_WORKER: {'party.manage', 'party.view', 'socialorgs.manage', 'socialorgs.view'},
    Role.STREET_STAFF: {'party.manage', 'party.view', 'socialorgs.manage', 'socialorgs.view'},
    Role.DISTRICT_OFFICE: {'party.manage', 'party.view', 'socialorgs.manage', 'socialorgs.view'},
    Role.ORGANIZATION: {'party.manage', 'party.view', 'socialorgs.manage', 'socialorgs.view'},
    Role.LEADER: {'party.view', 'socialorgs.view'},
})

# How a resident user's own household is reached from each model (label -> lookup).
OWN_HOUSEHOLD_LOOKUP = {
    "registry.resident": "household_id",
    "registry.household": "id",
    "registry.house": "households__id",
    "registry.householdmembership": "household_id",
    "agency.agencycase": "resident__household_id",  # then narrowed to the resident's own cases
}

# Models a resident user sees by being their requester, not by household (label -> lookup of the user id).
# "appeals.own": a resident's own appeals (我的诉求) and their evaluation.
OWN_USER_LOOKUP = {
    "appeals.appeal": "requester_user_id",
}

# Models a department user sees by the department handling them, not by its district
# (label -> lookups of department ids; a record matching any of them is visible). A lookup
# without "__" is a column of the model; one that crosses relations is checked through a
# subquery, so no row is repeated. Other located models: its district.
DEPARTMENT_LOOKUP: dict[str, tuple[str, ...]] = {
    # the handling department, departments co-handling a multi-unit appeal (协办), and departments
    # whistled to about it (吹哨报到)
    "appeals.appeal": ("handling_department_id", "cohandlers__department_id", "whistles__targets__department_id"),
    "whistle.whistle": ("targets__department_id",),
    "whistle.whistletarget": ("department_id",),
    # work admission: a department's own requests and their assignments, the unadmitted work
    # flagged against it, the seal uses, certificates and plaques it asked for (shequ/admission)
    "admission.worktask": ("department_id",),
    "admission.assignment": ("task__department_id",),
    "admission.unadmittedreport": ("department_id",),
    "admission.stamprecord": ("department_id",),
    "admission.plaque": ("department_id",),
}


def is_global(user) -> bool:
    return bool(user.is_active and (user.is_superuser or getattr(user, "role", None) == Role.ADMIN))


def _always(action: str) -> bool:
    return True


def _never(action: str) -> bool:
    return False


def capabilities(user) -> Callable[[str], bool]:
    """``can`` for one user with the user read once: a page's menu asks twenty questions, and
    ``request.user`` is a lazy object whose every attribute goes through a proxy."""
    if not (user and user.is_authenticated and user.is_active):
        return _never
    if user.is_superuser:
        return _always
    caps = CAPABILITIES.get(getattr(user, "role", ""), frozenset())
    return _always if "*" in caps else caps.__contains__


def can(user, action: str) -> bool:
    return capabilities(user)(action)


def can_unmask(user) -> bool:
    """May this user see ID numbers and phones in clear (every use is audit-logged)."""
    return bool(user and user.is_authenticated and user.is_active and user.has_perm("registry.unmask_personal_data"))


def _bindings(user) -> tuple[list[Node], list[int]]:
    """A user's bound nodes (a department user: its district) and department ids: one query,
    cached on the user object (a request's user lives for that request only).

    Raw SQL: it runs on nearly every request, and the ORM's compilation of the same join (binding,
    node, department, its district) took longer than the query itself (about 1.5 ms a request)."""
    cached = getattr(user, "_shequ_bindings", None)
    if cached is not None:
        return cached
    nodes: list[Node] = []
    departments: list[int] = []
    if user and user.is_authenticated:
        for node in Node.objects.raw(_bindings_sql(), [user.pk]):
            nodes.append(node)
            if node.bound_department_id is not None:
                departments.append(node.bound_department_id)
    user._shequ_bindings = (nodes, departments)
    return user._shequ_bindings


@cache
def _bindings_sql() -> str:
    """Each binding's node: the bound node, or the district of the bound department (whose id comes
    as ``bound_department_id``), in the order the bindings were made."""
    binding, node, department = (m._meta.db_table for m in (Binding, Node, Department))
    return (f'SELECT n.*, b."department_id" AS bound_department_id FROM "{binding}" b '
            f'LEFT JOIN "{department}" d ON d."id" = b."department_id" '
            f'JOIN "{node}" n ON n."id" = COALESCE(b."node_id", d."district_id") '
            f'WHERE b."user_id" = %s ORDER BY b."id"')


def bound_nodes(user) -> list[Node]:
    """The nodes a user's jurisdiction starts from (a department user: its district)."""
    return _bindings(user)[0]


def bound_department_ids(user) -> list[int]:
    return _bindings(user)[1]


def scope_q(user, model: type[models.Model], via: str = "") -> Q:
    """The filter selecting the records of ``model`` this user may read.

    ``via`` is a lookup prefix for models located through a relation (``"resident__"``).
    """
    if not (user and user.is_authenticated and user.is_active):
        return Q(pk__in=[])
    if is_global(user):
        return Q()
    if getattr(user, "role", None) == Role.RESIDENT:
        if model._meta.label_lower in OWN_USER_LOOKUP:
            return Q(**{via + OWN_USER_LOOKUP[model._meta.label_lower]: user.pk})
        lookup = OWN_HOUSEHOLD_LOOKUP.get(model._meta.label_lower)
        resident = getattr(user, "resident", None)
        if not lookup or resident is None or not resident.household_id:
            return Q(pk__in=[])
        return Q(**{via + lookup: resident.household_id})
    department_lookups = _department_lookups(user, model)
    if department_lookups:
        ids = bound_department_ids(user)
        # A column of the model: its own condition. The ways across relations (an appeal a department
        # co-handles or was whistled to): the keys they lead to, as one UNION, matched as a list of
        # keys (``KeyIn``). Together an OR that PostgreSQL answers from the indexes: a department's
        # 69,815 of 1,000,000 appeals counted in 0.13 s and its newest 50 listed in 13 ms, against
        # 0.5 s and 1.0 s as one IN (UNION of all the ways), which it hash-joined with every appeal.
        conditions = [Q(**{f"{via}{lookup}__in": ids}) for lookup in department_lookups if "__" not in lookup]
        ways = [model._default_manager.filter(**{f"{lookup}__in": ids}).values("pk").order_by()
                for lookup in department_lookups if "__" in lookup]
        if ways:
            conditions.append(Q(KeyIn(f"{via}pk", ways[0].union(*ways[1:]) if len(ways) > 1 else ways[0])))
        return reduce(or_, conditions)
    nodes = bound_nodes(user)
    if not nodes:
        return Q(pk__in=[])
    return reduce(or_, (Q(**{via + key: value for key, value in node.scope_filter().items()}) for node in nodes))


class KeyIn(models.Expression):
    """``key IN (subquery)`` as a condition; on PostgreSQL ``key = ANY(ARRAY(subquery))``: the
    subquery runs once, before the rows are read, and its keys are an indexable list, so an OR with
    another indexed condition stays an index scan (an ``IN`` subquery becomes a join, which PostgreSQL
    cannot combine with the other side of an OR without reading the whole table)."""

    conditional = True
    output_field = models.BooleanField()

    def __init__(self, key: str, queryset: models.QuerySet):
        super().__init__()
        self.key, self.subquery = models.F(key), models.Subquery(queryset)

    def get_source_expressions(self):
        return [self.key, self.subquery]

    def set_source_expressions(self, exprs):
        self.key, self.subquery = exprs

    def _parts(self, compiler):
        key, key_params = compiler.compile(self.key)
        subquery, subquery_params = compiler.compile(self.subquery)  # parenthesized
        return key, subquery, (*key_params, *subquery_params)

    def as_sql(self, compiler, connection):
        key, subquery, params = self._parts(compiler)
        return f"{key} IN {subquery}", params

    def as_postgresql(self, compiler, connection):
        key, subquery, params = self._parts(compiler)
        return f"{key} = ANY(ARRAY{subquery})", params


def _department_lookups(user, model: type[models.Model]) -> tuple[str, ...]:
    if getattr(user, "role", None) != Role.DEPARTMENT:
        return ()
    return DEPARTMENT_LOOKUP.get(model._meta.label_lower, ())


def scope_queryset(qs: models.QuerySet, user, via: str = "") -> models.QuerySet:
    q = scope_q(user, qs.model, via)
    qs = qs.filter(q)
    if (getattr(user, "role", None) == Role.RESIDENT and not is_global(user)
            and qs.model._meta.label_lower not in OWN_USER_LOOKUP):  # no join, and rows may be locked FOR UPDATE
        qs = qs.distinct()
    return qs


def visible_nodes(user) -> models.QuerySet:
    """The tree nodes this user may browse: those under their bound nodes."""
    return scope_queryset(Node.objects.all(), user)


def node_in_scope(user, node: Node) -> bool:
    return obj_in_scope(user, node)


def obj_in_scope(user, obj) -> bool:
    """Whether an already-loaded located record lies in the user's jurisdiction (no query)."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if is_global(user):
        return True
    if getattr(user, "role", None) == Role.RESIDENT:
        label = obj._meta.label_lower
        if label in OWN_USER_LOOKUP:
            return getattr(obj, OWN_USER_LOOKUP[label], None) == user.pk
        lookup = OWN_HOUSEHOLD_LOOKUP.get(label)
        resident = getattr(user, "resident", None)
        if not lookup or resident is None or not resident.household_id:
            return False
        return type(obj)._default_manager.filter(pk=obj.pk, **{lookup: resident.household_id}).exists()
    department_lookups = _department_lookups(user, type(obj))
    if department_lookups:
        ids = bound_department_ids(user)
        direct = [lookup for lookup in department_lookups if "__" not in lookup]
        related = [lookup for lookup in department_lookups if "__" in lookup]
        if any(getattr(obj, lookup, None) in ids for lookup in direct):
            return True
        return bool(related) and type(obj)._default_manager.filter(
            reduce(or_, (Q(**{f"{lookup}__in": ids}) for lookup in related)), pk=obj.pk).exists()
    for node in bound_nodes(user):
        (key, value), = node.scope_filter().items()
        if getattr(obj, key, None) == value:
            return True
    return False


def get_in_scope(qs: models.QuerySet, user, **lookup):
    """Fetch one record in scope or raise NotInScope (404) — for missing and foreign alike."""
    try:
        return scope_queryset(qs, user).get(**lookup)
    except qs.model.DoesNotExist:
        raise NotInScope(_("记录不存在或不在您的辖区内")) from None


def ensure_can(user, action: str, obj=None) -> None:
    if not can(user, action):
        raise NotAllowed(_("您的角色无权执行此操作"), extra={"action": action})
    if obj is not None and not obj_in_scope(user, obj):
        raise NotInScope(_("记录不存在或不在您的辖区内"))


def ensure_nodes_in_scope(user, nodes: Iterable[Node]) -> None:
    for node in nodes:
        if node is not None and not obj_in_scope(user, node):
            raise NotInScope(_("目标位置不在您的辖区内"), extra={"node": node.pk})
