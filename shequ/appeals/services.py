"""Writes on appeals: intake, and the workflow moves (accept, dispatch, start, reply).

Each service owns its transaction, checks the actor's capability and scope, changes the
appeal through the transition table (``models.TRANSITIONS``; an illegal move is 409), and
writes the timeline event and the audit record in the same transaction. ``now`` may be
passed so that tests control the clock.
"""
from __future__ import annotations

import datetime as dt
import json
from contextlib import nullcontext
from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from shequ.core import crypto, writes
from shequ.core.audit import audit_bulk, audit_record, audit_row
from shequ.core.bulk import BulkWriter
from shequ.core.errors import Conflict, InvalidInput, NotAllowed, NotInScope
from shequ.core.idcard import validate_phone
from shequ.jurisdiction import scoping
from shequ.jurisdiction.models import Department, Level, Node

from . import deadlines, routing
from .attachments import check_uploads
from .errors import AppealErrorCode
from .models import (
    NUMBER_PREFIX,
    Appeal,
    AppealAttachment,
    AppealCounter,
    AppealEvent,
    Satisfaction,
    ServiceCategory,
)

#: What intake takes from its caller; every other field of a new appeal it sets itself (the number,
#: the status, routing and its reason, the deadlines, the keys of rows just read), so only these are
#: put through the model's field checks.
_INPUT_FIELDS = frozenset({"channel", "contact_kind", "description", "lng", "lat", "address_text", "requester_name",
                           "requester_phone", "external_number"})
_SET_BY_INTAKE = frozenset(f.name for f in Appeal._meta.concrete_fields if f.name not in _INPUT_FIELDS)


def _counter_sql() -> str:
    """The day's counter, created at 1 or incremented, returning its value (one statement; the row
    stays locked until the statement's transaction ends)."""
    table = AppealCounter._meta.db_table
    return (f'INSERT INTO "{table}" ("day", "last") VALUES (%s, 1) ON CONFLICT ("day") '
            f'DO UPDATE SET "last" = "{table}"."last" + 1 RETURNING "last"')


#: A select-list item that makes the statement's own transaction commit without waiting for the WAL
#: to reach the disk (``SET LOCAL synchronous_commit TO OFF`` inside the statement itself).
_ASYNC_SETTING = ", set_config('synchronous_commit', 'off', true)"


def _format_number(day: dt.date, last: int) -> str:
    return f"{NUMBER_PREFIX}-{day.isoformat().replace('-', '')}-{last:06d}"


#: Where the one-query intake keeps the number it took for the statements after it (a setting of the
#: database session: it outlives the counter's own transaction, see ``_take_statements``).
_NUMBER_SETTING = "shequ.appeal_number"


def _take_statements(day: dt.date, key: str) -> list[tuple[str, list]]:
    """PostgreSQL, the head of the intake's one query: the day's counter incremented, the number it
    gives kept in ``_NUMBER_SETTING`` and the appeal's key taken from its sequence (``key``, for
    ``currval``). Outside a transaction they are their own transaction, committed before the rows
    are written without waiting for the disk (as ``take_number`` alone), so the counter row is locked
    for that statement only; inside one (a 12345 feed import) they are part of it."""
    prefix = f"{NUMBER_PREFIX}-{day.isoformat().replace('-', '')}-"
    number = f"'{prefix}' || lpad(c.\"last\"::text, greatest(6, length(c.\"last\"::text)), '0')"
    alone = not connection.in_atomic_block
    sql = (f"WITH c AS ({_counter_sql()}) SELECT set_config('{_NUMBER_SETTING}', {number}, false), nextval({key})"
           f"{_ASYNC_SETTING if alone else ''} FROM c")
    take = (sql, [day])
    return [("BEGIN", []), take, ("COMMIT", [])] if alone else [take]


def take_number(day: dt.date, keys: dict | None = None) -> tuple[str, dict]:
    """The next appeal number of ``day`` (SQ-20261126-000123) and the primary keys ``keys``
    asks for (``{Model: n}``, see ``shequ.core.writes.reserve_ids``).

    On PostgreSQL one statement: the counter row is created or incremented with
    ``ON CONFLICT … DO UPDATE`` (concurrent intakes never read the same value) and the keys come
    from the sequences. Outside a transaction it commits at once (without waiting for the disk: see
    below), so the counter row is locked only for that statement, not while the appeal is written:
    a write that then fails leaves a gap in the day's numbers (numbers are unique and increasing,
    not gapless). Inside a transaction both are part of it. Other databases: call inside a
    transaction (the counter, then the keys).
    """
    keys = keys or {}
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            extra = f", {writes.reserve_ids_sql(keys)}" if keys else ""
            # On its own (no transaction open) the statement commits without waiting for the WAL
            # to reach the disk: the appeal's own commit, later in the same WAL, flushes it. Should
            # the server stop in between, the counter may go back to a number no stored appeal has.
            alone = not connection.in_atomic_block
            cur.execute(f'WITH c AS ({_counter_sql()}) SELECT c."last"{extra}{_ASYNC_SETTING if alone else ""} FROM c',
                        [day])
            last, *ids = cur.fetchone()[:1 + len(keys)]
            return _format_number(day, last), dict(zip(keys, (list(i) for i in ids)))
        cur.execute(_counter_sql(), [day])
        last = cur.fetchone()[0]
    return _format_number(day, last), writes.reserve_ids(keys)


def next_number(day: dt.date) -> str:
    """The next appeal number of ``day`` (see ``take_number``)."""
    with transaction.atomic():
        return take_number(day)[0]


def _default_district(actor) -> Node | None:
    """Where an appeal with no known place goes: the actor's district, else the only district."""
    if actor is not None:
        for node in scoping.bound_nodes(actor):
            if node.district_id:
                return Node.objects.get(pk=node.district_id)
    districts = list(Node.objects.filter(level=Level.DISTRICT)[:2])
    return districts[0] if len(districts) == 1 else None


#: The timeline name of an evaluation sent through the requester's signed link (no account).
REQUESTER_VIA_LINK = "诉求人(链接)"


def _event_row(appeal: Appeal, *, actor, verb: str, at: dt.datetime, from_status: str = "", note: str = "",
               extra: dict | None = None, actor_name: str = "") -> AppealEvent:
    """One timeline line, not yet written."""
    return writes.new_row(
        AppealEvent, appeal=appeal, at=at, actor=actor if getattr(actor, "pk", None) else None,
        actor_name=actor_name or getattr(actor, "username", "") or "system", verb=verb, from_status=from_status,
        to_status=appeal.status, note=note, extra=extra or {},
    )


def _event(appeal: Appeal, *, actor, verb: str, at: dt.datetime, from_status: str = "", note: str = "",
           extra: dict | None = None, actor_name: str = "") -> AppealEvent:
    """Write one timeline line. This is the one place every change of an appeal passes through, so
    a change of status is also marked here to be told to the requester (``_to_tell``: composed and
    sent after commit); the intake, which writes its rows together, does the same in ``appeal_submit``."""
    event = _event_row(appeal, actor=actor, verb=verb, at=at, from_status=from_status, note=note, extra=extra,
                       actor_name=actor_name)
    after = _to_tell(appeal, event)
    event.save()
    if after is not None:
        after()
    return event


def _to_tell(appeal: Appeal, event: AppealEvent):
    """Mark a timeline line not yet written that changes the status as one to tell the requester
    (``shequ.notify.services.mark_to_tell``); what to run once it is written, if anything."""
    if event.from_status == event.to_status or not apps.is_installed("shequ.notify"):
        return None
    from shequ.notify.services import mark_to_tell

    return mark_to_tell(appeal=appeal, event=event)


def appeal_note(appeal: Appeal, *, actor, verb: str, at: dt.datetime, note: str = "", extra: dict | None = None):
    """A timeline line from another domain that does not move the appeal (e.g. a street whistled
    departments about it, 吹哨报到). Call inside the caller's transaction."""
    return _event(appeal, actor=actor, verb=verb, at=at, from_status=appeal.status, note=note, extra=extra)


def appeal_submit(*, actor, channel: str, category: ServiceCategory, description: str, contact_kind: str = "",
                  lng: float | None = None, lat: float | None = None, address=None, address_text: str = "",
                  requester_name: str = "", requester_phone: str = "", district: Node | None = None,
                  external_number: str = "", requester_user=None, attachments=(), extra=None, audit=None,
                  now: dt.datetime | None = None) -> Appeal:
    """Take an appeal in: validate, route, compute its deadlines once, number it, record it.

    ``actor`` is the staff member who receives it (the first receiver, 首问负责人) or None for
    self-service channels (web, Open311, 12345 feed), where whoever accepts it becomes the first
    receiver. ``external_number`` is the order number of an outside system (a 12345 work order),
    unique per channel.
    ``requester_user`` is the resident's own account when they submit it signed in
    (never the first receiver: that stays staff). ``attachments`` are uploaded files, all checked
    (type by content, size, count) before anything is written. The appeal returned carries its
    timeline (``timeline``: the one "submitted" line).

    ``extra`` is the caller's own part of the intake (Open311: its submission): called with the
    routed appeal before anything is written (it may refuse, raising), it returns more rows to write
    with the appeal's (given their keys first, so they may point to one another). ``audit`` is what
    the caller adds to the intake's one audit record (Open311: the client).

    Writing (``shequ.core.writes``), on PostgreSQL: ONE query (``_take_statements`` at its head:
    the day's number and the appeal's key; then every row — appeal, timeline line (marked to be told
    to the requester, ``_to_tell``), audit record, the caller's — taking them from there), the rows
    all or none. With attachments, and on other databases: the number and the keys
    (``take_number``), then the rows, in one transaction. Inside a caller's transaction it is all
    part of that.
    """
    if actor is not None:
        scoping.ensure_can(actor, "appeals.create")
    if requester_user is not None and not scoping.can(requester_user, "appeals.own"):
        raise NotAllowed(_("您的角色无权执行此操作"), extra={"action": "appeals.own"})
    checked = check_uploads(attachments)
    now = now or timezone.now()
    if not category.active:
        raise InvalidInput(_("该类别已停用"), code=AppealErrorCode.CATEGORY_INACTIVE, extra={"category": category.code})
    if (lng is None) != (lat is None) or (lng is not None and not (-180 <= lng <= 180 and -90 <= lat <= 90)):
        raise InvalidInput(_("经纬度不完整或超出范围"), code=AppealErrorCode.INVALID_LOCATION)
    phone = ""
    if requester_phone:
        try:
            phone = validate_phone(requester_phone)
        except ValueError as exc:
            raise InvalidInput(str(exc), code=AppealErrorCode.INVALID_PHONE) from None
    route = routing.route(category=category, lng=lng, lat=lat, address=address, address_text=address_text,
                          district=district, default_district=lambda: _default_district(actor))
    due = deadlines.due_times(received_at=now, time_limit=category.time_limit, channel=channel)
    appeal = writes.new_row(
        Appeal, channel=channel, contact_kind=contact_kind or category.contact_kind, category=category,
        description=(description or "").strip(), lng=lng, lat=lat, address_text=address_text.strip(),
        address=route.address, requester_name=requester_name.strip(), requester_phone=phone,
        requester_phone_hash=crypto.blind_index("phone", phone) if phone else "",
        requester_user=requester_user, status=Appeal.Status.RECEIVED, received_at=now,
        external_number=(external_number or "").strip(),
        first_receiver=actor if getattr(actor, "pk", None) else None,
        handling_node=route.node, handling_department=route.department,
        lead_node=route.node, lead_department=route.department, routing_reason=route.reason,
        accept_due_at=due.accept_due_at, dispatch_due_at=due.dispatch_due_at,
        response_due_at=due.response_due_at, completion_due_at=due.completion_due_at,
        completion_warn_at=deadlines.warning_at(start=now, due=due.completion_due_at,
                                                fraction=category.time_limit.warning_fraction),
    )
    if route.place is not None:
        appeal.copy_location(route.place)
        for level in ("district", "street", "community", "grid"):  # already read: no query when shown
            node = route.nodes.get(getattr(appeal, f"{level}_id"))
            if node is not None:
                setattr(appeal, level, node)
    else:
        appeal.city_id, appeal.district_id = route.district.city_id, route.district.id
    try:
        # Field checks of the caller's values only: every foreign key was just chosen by the routing
        # from existing rows, the rest computed here, and the constraints (a handling unit, one
        # external number per channel) are the database's own, not asked about with extra queries.
        appeal.clean_fields(exclude=_SET_BY_INTAKE)
    except ValidationError as exc:
        raise InvalidInput(_("诉求信息不完整或有误"), extra={"fields": exc.message_dict}) from None
    more = list(extra(appeal)) if extra is not None else []
    day = now.astimezone(deadlines.SHANGHAI).date()
    solo = writes.one_query() and not checked  # PostgreSQL: one query, whole on its own (see above)
    with nullcontext() if solo else transaction.atomic():
        first = []
        if solo:
            # The day's number and the appeal's key are taken at the head of the query; the rows
            # take them from there (the session's setting and the sequence's currval).
            key = writes.serial(Appeal)
            first = _take_statements(day, key)
            appeal.pk = writes.Expr(f"currval({key})")
            appeal.number = writes.Expr(f"current_setting('{_NUMBER_SETTING}')")
        else:
            keys = {Appeal: 1, AppealEvent: 1}
            for row in more:  # the caller's rows
                keys[type(row)] = keys.get(type(row), 0) + 1
            appeal.number, ids = take_number(day, keys)
            appeal.pk = ids[Appeal].pop()
        event = _event_row(appeal, actor=actor or requester_user, verb="submitted", at=now, note=route.reason,
                           extra={"channel": channel, "unit": route.unit_name, "attachments": len(checked)})
        if not solo:
            event.pk = ids[AppealEvent].pop()
            for row in more:
                row.pk = ids[type(row)].pop()
        notified = _to_tell(appeal, event)
        # One query: the appeal's number is SQL until written (``str(appeal)`` cannot be made), so the
        # record takes a placeholder here and the appeal's key and number below.
        record = audit_row(actor=actor or requester_user, verb="appeal.submitted", target=appeal,
                           target_repr="-" if solo else "",
                           extra={"channel": channel, "category": category.code, "routing": route.reason,
                                  "attachments": len(checked), **(audit or {})})
        if solo:  # the key and number as the appeal's row takes them
            record.target_id, record.target_repr = appeal.pk, appeal.number
        rows = [appeal, event, record]
        stored: list[str] = []
        try:
            for item in checked:
                attachment = AppealAttachment(appeal=appeal, original_name=item.name, content_type=item.content_type,
                                              size=item.size, sha256=item.sha256,
                                              uploaded_by=requester_user or actor, uploaded_at=now)
                attachment.file.save(item.name, item.upload, save=False)
                stored.append(attachment.file.name)
                rows.append(attachment)
            try:
                # Inside a caller's transaction (a 12345 feed import) a taken external number must
                # not abort it: a savepoint around the write.
                with transaction.atomic() if appeal.external_number and connection.in_atomic_block else nullcontext():
                    writes.insert_rows([*rows, *more], first=first, unread=[record])
            except IntegrityError as exc:
                if appeal.external_number and "external" in str(exc):
                    raise Conflict(_("该外部工单编号已登记"),
                                   extra={"external_number": appeal.external_number}) from None
                raise
        except BaseException:
            # The rows are not written (or roll back with the transaction); the files must go too.
            from django.core.files.storage import default_storage

            for name in stored:
                default_storage.delete(name)
            raise
    if notified is not None:  # with another task backend than the database's: its task enqueued on commit
        notified()
    # The new appeal's whole timeline, kept on it for the answer (no query to read it back).
    appeal.timeline = [event]
    return appeal


def cohandles_only(user, appeal: Appeal) -> bool:
    """A department user that sees the appeal only as a co-handler (协办), not as its handler."""
    return (getattr(user, "role", None) == "department" and not scoping.is_global(user)
            and appeal.handling_department_id not in scoping.bound_department_ids(user))


def appeal_for_update(*, actor, appeal_id: int) -> Appeal:
    """The appeal, row-locked, if the actor may handle it (404 outside their scope).

    A department that only co-handles the appeal (协办) sees it but may not move it: it answers
    its own part (``cohandling.cohandler_reply``); the handling unit leads.
    """
    scoping.ensure_can(actor, "appeals.handle")
    appeal = scoping.get_in_scope(Appeal.objects.select_for_update(), actor, pk=appeal_id)
    if cohandles_only(actor, appeal):
        raise NotAllowed(_("协办单位只能答复本单位承担的部分,办理流程由主办单位推进"),
                         code=AppealErrorCode.COHANDLER_ONLY)
    return appeal


def _move(*, actor, appeal_id: int, to: str, verb: str, now: dt.datetime | None, note: str = "",
          changes: dict | None = None, extra: dict | None = None, note_required_from: tuple = (),
          check=None, appeal: Appeal | None = None, actor_name: str = "") -> Appeal:
    """One workflow move on the row-locked appeal (loaded here for staff, or passed in already
    locked by a service that checked the right to it another way)."""
    now = now or timezone.now()
    if appeal is None:
        appeal = appeal_for_update(actor=actor, appeal_id=appeal_id)
    if appeal.status in note_required_from and not note:
        raise InvalidInput(_("转办必须填写理由"), code=AppealErrorCode.REASON_REQUIRED)
    if check is not None:
        check(appeal)
    previous = appeal.transition_to(to)
    fields = ["status", "updated_at"]
    if appeal.paused_since is not None and to in (Appeal.Status.REPLIED, Appeal.Status.CLOSED):
        from .timing import end_pause

        fields += end_pause(appeal, actor=actor, at=now, note=_("答复/办结时自动恢复计时"))
    for name, value in (changes or {}).items():
        setattr(appeal, name, value(appeal, now) if callable(value) else value)
        fields.append(name)
    appeal.save(update_fields=fields)
    _event(appeal, actor=actor, verb=verb, at=now, from_status=previous, note=note, extra=extra, actor_name=actor_name)
    audit_record(actor=actor, verb=f"appeal.{verb}", target=appeal,
                 extra={"from": previous, "to": appeal.status, **(extra or {})})
    return appeal


@transaction.atomic
def appeal_accept(*, actor, appeal_id: int, now: dt.datetime | None = None) -> Appeal:
    """Sign for the appeal (签收). A self-service appeal's first receiver is whoever accepts it."""
    return _move(actor=actor, appeal_id=appeal_id, to=Appeal.Status.ACCEPTED, verb="accepted", now=now, changes={
        "accepted_at": lambda a, at: a.accepted_at or at,
        "first_receiver": lambda a, at: a.first_receiver or actor,
    })


@transaction.atomic
def appeal_dispatch(*, actor, appeal_id: int, node: Node | None = None, department: Department | None = None,
                    note: str = "", now: dt.datetime | None = None) -> Appeal:
    """Send the appeal to a handling unit (派单). Sending it on again (转办) needs a reason.

    The first receiver and the lead unit stay as they are: 首问负责.
    """
    if (node is None) == (department is None):
        raise InvalidInput(_("请指定一个承办单位(辖区单位或部门)"))
    if node is not None:
        scoping.ensure_nodes_in_scope(actor, [node])
    unit = department or node
    return _move(actor=actor, appeal_id=appeal_id, to=Appeal.Status.DISPATCHED, verb="dispatched", now=now,
                 note=(note or "").strip(), note_required_from=(Appeal.Status.DISPATCHED, Appeal.Status.IN_PROGRESS),
                 changes={"handling_node": node, "handling_department": department,
                          "dispatched_at": lambda a, at: at},
                 extra={"unit": unit.name, "unit_type": "department" if department else "node", "unit_id": unit.pk})


@transaction.atomic
def appeal_start(*, actor, appeal_id: int, now: dt.datetime | None = None) -> Appeal:
    """The handling unit starts work (开始办理)."""
    return _move(actor=actor, appeal_id=appeal_id, to=Appeal.Status.IN_PROGRESS, verb="started", now=now,
                 changes={"started_at": lambda a, at: a.started_at or at})


@transaction.atomic
def appeal_reply(*, actor, appeal_id: int, reply: str, now: dt.datetime | None = None) -> Appeal:
    """Answer the requester (答复). The reply text is required."""
    reply = (reply or "").strip()
    if not reply:
        raise InvalidInput(_("答复内容不能为空"))
    from .cohandling import ensure_cohandlers_answered

    return _move(actor=actor, appeal_id=appeal_id, to=Appeal.Status.REPLIED, verb="replied", now=now, note=reply,
                 check=ensure_cohandlers_answered, changes={"reply": reply, "replied_at": lambda a, at: at})



def _reason(note: str) -> str:
    note = (note or "").strip()
    if not note:
        raise InvalidInput(_("必须填写理由"), code=AppealErrorCode.REASON_REQUIRED)
    return note


@transaction.atomic
def appeal_return(*, actor, appeal_id: int, reason: str, now: dt.datetime | None = None) -> Appeal:
    """The handling unit returns a misrouted appeal (退单) to the lead unit, with a reason.

    At most ``Appeal.MAX_RETURNS`` times per appeal (409 after that).
    """
    reason = _reason(reason)

    def within_limit(appeal: Appeal) -> None:
        if appeal.return_count >= Appeal.MAX_RETURNS:
            raise Conflict(_("退单次数已达上限,请由上级协调"), code=AppealErrorCode.RETURN_LIMIT,
                           extra={"limit": Appeal.MAX_RETURNS})

    return _move(actor=actor, appeal_id=appeal_id, to=Appeal.Status.ACCEPTED, verb="returned", now=now, note=reason,
                 check=within_limit, changes={
                     "handling_node": lambda a, at: a.lead_node,
                     "handling_department": lambda a, at: a.lead_department,
                     "return_count": lambda a, at: a.return_count + 1,
                 })


def _requester_appeal_for_update(*, actor, appeal_id: int) -> Appeal:
    """The appeal, row-locked, for its requester: ``actor`` None means the signed follow link
    (the caller verified the signature), a resident actor must be the appeal's own requester."""
    if actor is not None:
        scoping.ensure_can(actor, "appeals.own")
        return scoping.get_in_scope(Appeal.objects.select_for_update(), actor, pk=appeal_id)
    try:
        return Appeal.objects.select_for_update().get(pk=appeal_id)
    except Appeal.DoesNotExist:
        raise NotInScope(_("记录不存在或不在您的辖区内")) from None


def _is_requester(actor) -> bool:
    return actor is None or (scoping.can(actor, "appeals.own") and not scoping.can(actor, "appeals.handle"))


@transaction.atomic
def appeal_evaluate(*, actor, appeal_id: int, solved: bool, satisfaction: str, note: str = "",
                    now: dt.datetime | None = None) -> Appeal:
    """Record the requester's verdict on the reply, once per reply (replied -> evaluated).

    ``actor`` is a handler entering it for the requester (the hotline operator), the resident
    requester on their "我的诉求" page, or None for the requester's signed link (recorded in the
    timeline as "诉求人(链接)"). When the requester themselves says unsolved or unsatisfied, the
    appeal is reopened in the same transaction (bounded: ``Appeal.MAX_REOPENS``; past it the
    appeal stays evaluated and the timeline says so); an operator reopens with ``appeal_reopen``.
    """
    if satisfaction not in Satisfaction.values:
        raise InvalidInput(_("满意度取值不正确"), extra={"satisfaction": satisfaction, "field": "satisfaction"})
    now = now or timezone.now()
    by_requester = _is_requester(actor)
    appeal = _requester_appeal_for_update(actor=actor, appeal_id=appeal_id) if by_requester else None
    via = {"by": "requester_link" if actor is None else ("requester" if by_requester else "operator")}
    name = REQUESTER_VIA_LINK if actor is None else ""
    appeal = _move(actor=actor, appeal_id=appeal_id, to=Appeal.Status.EVALUATED, verb="evaluated", now=now,
                   note=(note or "").strip(), extra={"solved": solved, "satisfaction": satisfaction, **via},
                   changes={"solved": solved, "satisfaction": satisfaction, "evaluated_at": lambda a, at: at},
                   appeal=appeal, actor_name=name)
    if by_requester and (not solved or satisfaction == Satisfaction.UNSATISFIED):
        reason = _("诉求人评价为未解决") if not solved else _("诉求人评价为不满意")
        if appeal.reopen_count < Appeal.MAX_REOPENS:
            appeal = _move(actor=actor, appeal_id=appeal_id, to=Appeal.Status.REOPENED, verb="reopened", now=now,
                           note=reason, appeal=appeal, actor_name=name, extra={"automatic": True, **via},
                           changes=_reopen_changes())
        else:
            _event(appeal, actor=actor, verb="reopen_refused", at=now, from_status=appeal.status, actor_name=name,
                   note=_("%(reason)s,但重启次数已达上限,请由上级协调") % {"reason": reason},
                   extra={"limit": Appeal.MAX_REOPENS})
    return appeal


@transaction.atomic
def appeal_close(*, actor, appeal_id: int, note: str = "", now: dt.datetime | None = None) -> Appeal:
    """Close the appeal (办结). From ``received`` only for what needs no handling (a consultation
    answered on the spot, an invalid call), and then with a note."""
    def note_if_unhandled(appeal: Appeal) -> None:
        if appeal.status == Appeal.Status.RECEIVED and not (note or "").strip():
            raise InvalidInput(_("未经办理直接办结必须说明理由"), code=AppealErrorCode.REASON_REQUIRED)

    return _move(actor=actor, appeal_id=appeal_id, to=Appeal.Status.CLOSED, verb="closed", now=now,
                 note=(note or "").strip(), check=note_if_unhandled, changes={"closed_at": lambda a, at: at})


@transaction.atomic
def appeal_reopen(*, actor, appeal_id: int, reason: str, now: dt.datetime | None = None) -> Appeal:
    """Reopen a replied, evaluated or closed appeal (unsolved or unsatisfied), at most
    ``Appeal.MAX_REOPENS`` times. The new round gets fresh response and completion due times
    from the same class; the first round's stay in the timeline."""
    reason = _reason(reason)

    def within_limit(appeal: Appeal) -> None:
        if appeal.reopen_count >= Appeal.MAX_REOPENS:
            raise Conflict(_("重启次数已达上限"), code=AppealErrorCode.REOPEN_LIMIT,
                           extra={"limit": Appeal.MAX_REOPENS})
        if appeal.merged_into_id:
            raise Conflict(_("已并入其他诉求的诉求不能重启"), code=AppealErrorCode.MERGED,
                           extra={"merged_into": appeal.merged_into_id})

    return _move(actor=actor, appeal_id=appeal_id, to=Appeal.Status.REOPENED, verb="reopened", now=now, note=reason,
                 check=within_limit, changes=_reopen_changes())


def _reopen_changes() -> dict:
    """What a reopen sets: one more round, fresh response and completion due times from the same
    class, warning and escalation marks cleared."""
    def due(appeal: Appeal, at: dt.datetime):
        return deadlines.due_times(received_at=at, time_limit=appeal.category.time_limit, channel=appeal.channel)

    return {
        "reopen_count": lambda a, at: a.reopen_count + 1,
        "response_due_at": lambda a, at: due(a, at).response_due_at,
        "completion_due_at": lambda a, at: due(a, at).completion_due_at,
        "completion_warn_at": lambda a, at: deadlines.warning_at(
            start=at, due=a.completion_due_at, fraction=a.category.time_limit.warning_fraction),
        "warned_at": None, "escalated_at": None, "escalated_to": None,
        "response_overdue_at": None, "closed_at": None,
    }


#: Appeals still waiting for their unit: the sweep warns and escalates only these.
OPEN_STATUSES = (Appeal.Status.RECEIVED, Appeal.Status.ACCEPTED, Appeal.Status.DISPATCHED,
                 Appeal.Status.IN_PROGRESS, Appeal.Status.REOPENED)


@dataclass
class SweepResult:
    warned: int
    escalated: int
    response_overdue: int = 0


#: The three marks of the sweep: kind -> (the column it sets, when it is due). The escalation also
#: records where to: a department -> its district; a district (or city) node -> the district; any
#: other node -> its parent; without one -> the district.
_SWEEP_MARKS = {
    "response_overdue": ("response_overdue_at",
                         'a."accepted_at" IS NULL AND a."response_overdue_at" IS NULL AND a."response_due_at" < %(now)s'),
    "warned": ("warned_at", 'a."warned_at" IS NULL AND a."completion_warn_at" <= %(now)s'),
    "escalated": ("escalated_at", 'a."escalated_at" IS NULL AND a."completion_due_at" < %(now)s'),
}
_ESCALATION_TARGET = (
    'COALESCE((SELECT d."district_id" FROM "jurisdiction_department" d WHERE d."id" = a."handling_department_id"), '
    '(SELECT CASE WHEN n."level" IN (\'district\', \'city\') THEN NULL ELSE n."parent_id" END '
    'FROM "jurisdiction_node" n WHERE n."id" = a."handling_node_id"), a."district_id")')
_SWEEP_NOTES = {"response_overdue": gettext_noop("已超过响应时限仍未签收"), "warned": gettext_noop("办理时限即将到期"),
                "escalated": gettext_noop("已超过办结时限,升级至上级督办")}


def _sweep_sql(table: str) -> str:
    sets = [f'"{column}" = CASE WHEN {due} THEN %(now)s ELSE a."{column}" END'
            for column, due in _SWEEP_MARKS.values()]
    sets.append(f'"escalated_to_id" = CASE WHEN {_SWEEP_MARKS["escalated"][1]} THEN {_ESCALATION_TARGET} '
                f'ELSE a."escalated_to_id" END')
    statuses = ", ".join(f"'{s}'" for s in OPEN_STATUSES)
    marked = ", ".join(f'"{column}" = %(now)s' for column, _due in _SWEEP_MARKS.values())
    return (f'UPDATE "{table}" AS a SET {", ".join(sets)}, "updated_at" = %(now)s '
            f'WHERE a."status" IN ({statuses}) AND a."paused_since" IS NULL '
            f'AND ({" OR ".join(f"({due})" for _column, due in _SWEEP_MARKS.values())}) '
            f'RETURNING "id", "status", "escalated_to_id", {marked}')


@transaction.atomic
def appeals_sweep(*, now: dt.datetime | None = None) -> SweepResult:
    """Warn the open appeals past their warning time and escalate those past their completion
    deadline to the level above, once per round (a reopen starts a new round); mark those not
    signed for by their response deadline (once). Paused appeals (挂起) are skipped.

    One set-based ``UPDATE … RETURNING`` whatever the number of appeals (no id lists travel, and
    each row gets one new version however many marks it takes), the timeline rows in one bulk
    write (COPY on PostgreSQL) and one audit row per kind. The notes are stored in Chinese, like
    the routing reason.
    """
    now = now or timezone.now()
    writer = BulkWriter(flush_at=20000)
    writer.table("event", AppealEvent, ["appeal", "at", "actor_name", "verb", "from_status", "to_status", "note", "extra"])
    marked: dict[str, list[int]] = {kind: [] for kind in _SWEEP_MARKS}
    at = connection.ops.adapt_datetimefield_value(now)  # SQLite keeps UTC text: compare like with like
    with connection.cursor() as cur:
        cur.execute(_sweep_sql(Appeal._meta.db_table), {"now": at})
        rows = sorted(cur.fetchall())
    for pk, status, target, *flags in rows:
        for kind, flag in zip(_SWEEP_MARKS, flags):  # in the order response, warning, escalation
            if flag:
                marked[kind].append(pk)
                extra = json.dumps({"to_node": target}) if kind == "escalated" else "{}"
                writer.add("event", (pk, at, "system", kind, status, status, _SWEEP_NOTES[kind], extra))
    writer.flush()
    for kind, ids in marked.items():
        if ids:
            audit_bulk(actor=None, verb=f"appeal.{kind}", target_type="appeals.appeal", ids=ids)
    return SweepResult(warned=len(marked["warned"]), escalated=len(marked["escalated"]),
                       response_overdue=len(marked["response_overdue"]))


def appeal_reveal(*, actor, appeal: Appeal, channel: str = "page") -> dict[str, str]:
    """The requester's name and phone in clear, for a user allowed to unmask; audited."""
    scoping.ensure_can(actor, "appeals.view", appeal)
    if not scoping.can_unmask(actor):
        raise NotAllowed(_("您没有查看身份证号、电话明文的权限"))
    audit_record(actor=actor, verb="appeal.requester_unmasked", target=appeal, extra={"channel": channel})
    return {"name": appeal.requester_name, "phone": appeal.requester_phone}


@transaction.atomic
def appeal_merge(*, actor, appeal_id: int, into_id: int, reason: str, now: dt.datetime | None = None) -> Appeal:
    """Merge a duplicate appeal into another one (合并重复诉求), with a required reason.

    The duplicate is closed at once (from any open status: merging is its own move, outside the
    transition table) and left out of the three rates; both timelines get an event with the
    reason. Both appeals must be in the actor's scope (404 otherwise); the duplicate must be
    open and the primary neither closed nor merged itself (409). Appeals earlier merged into the
    duplicate follow it to the primary. There is no undo (docs/appeals.md).
    """
    reason = _reason(reason)
    if appeal_id == into_id:
        raise InvalidInput(_("不能将诉求并入其自身"), code=AppealErrorCode.MERGE_SELF, extra={"field": "into"})
    now = now or timezone.now()
    scoping.ensure_can(actor, "appeals.handle")
    locked = {a.pk: a for a in scoping.scope_queryset(
        Appeal.objects.select_for_update().filter(pk__in=[appeal_id, into_id]).order_by("pk"), actor)}
    if appeal_id not in locked or into_id not in locked:
        raise NotInScope(_("记录不存在或不在您的辖区内"))
    appeal, primary = locked[appeal_id], locked[into_id]
    if cohandles_only(actor, appeal):
        raise NotAllowed(_("协办单位只能答复本单位承担的部分,办理流程由主办单位推进"),
                         code=AppealErrorCode.COHANDLER_ONLY)
    if appeal.merged_into_id or appeal.status not in OPEN_STATUSES:
        raise Conflict(_("只能合并尚未办结的诉求"), code=AppealErrorCode.MERGE_NOT_OPEN,
                       extra={"status": appeal.status})
    if primary.merged_into_id or primary.status == Appeal.Status.CLOSED:
        raise Conflict(_("不能并入已办结或已被合并的诉求"), code=AppealErrorCode.MERGE_TARGET_CLOSED,
                       extra={"field": "into", "status": primary.status})
    previous = appeal.status
    appeal.status, appeal.closed_at, appeal.merged_into = Appeal.Status.CLOSED, now, primary
    appeal.save(update_fields=["status", "closed_at", "merged_into", "updated_at"])
    _event(appeal, actor=actor, verb="merged", at=now, from_status=previous, note=reason,
           extra={"into": primary.pk, "into_number": primary.number})
    _event(primary, actor=actor, verb="merged_in", at=now, from_status=primary.status, note=reason,
           extra={"from": appeal.pk, "from_number": appeal.number})
    followers = list(Appeal.objects.select_for_update().filter(merged_into=appeal).order_by("pk"))
    for follower in followers:
        follower.merged_into = primary
        follower.save(update_fields=["merged_into", "updated_at"])
        _event(follower, actor=actor, verb="merged", at=now, from_status=follower.status, note=reason,
               extra={"into": primary.pk, "into_number": primary.number, "via": appeal.pk})
    audit_record(actor=actor, verb="appeal.merged", target=appeal,
                 extra={"into": primary.pk, "from": previous, "reason": reason,
                        "followers": [f.pk for f in followers]})
    return appeal
