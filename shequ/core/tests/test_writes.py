"""Rows written together (``shequ.core.writes``): stored exactly as ``save()`` stores them, all or
none, with keys reserved beforehand; and the intake of an appeal using it (one write on
PostgreSQL; the line of the change marked to be told to the requester, no row of its own)."""
import datetime as dt
import re

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from shequ.appeals.models import Appeal, AppealEvent
from shequ.appeals.tests.factories import submit
from shequ.core import writes
from shequ.core.models import AuditLog
from shequ.notify.models import Delivery
from shequ.notify.services import event_send, pending_send

from shequ.core.testing import DB_TASKS


def _stored(model, pk) -> dict:
    """The row as the database holds it (raw column values: ciphertexts, JSON text)."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT * FROM "{table}" WHERE "{model._meta.pk.column}" = %s', [pk])
        names = [c[0] for c in cursor.description]
        return dict(zip(names, cursor.fetchone()))


def test_rows_are_stored_as_save_stores_them(world):
    appeal = submit(actor=world.users["office"], requester_phone="13912345678")
    at = dt.datetime(2026, 11, 26, 8, 0, tzinfo=dt.UTC)

    def delivery():
        return Delivery(appeal=appeal, event_verb="x", to_status="received", channel="sms",
                        recipient_masked="139****5678", address="13912345678", subject="主题", body="内容",
                        created_at=at)

    saved, written = delivery(), delivery()
    saved.save()
    writes.insert_rows([written])
    other = Delivery.objects.filter(event_verb="x").exclude(pk=saved.pk).get()
    a, b = _stored(Delivery, saved.pk), _stored(Delivery, other.pk)
    for column in ("id", "updated_at", "address"):  # a new key, a new time, a new random nonce
        a.pop(column), b.pop(column)
    assert a == b
    # the address is encrypted at rest and reads back, like a saved one
    assert other.address == "13912345678"
    assert _stored(Delivery, saved.pk)["address"] != "13912345678"
    assert not written._state.adding


def test_new_rows_are_the_instances_keyword_arguments_make(world):
    from shequ.open311.models import ApiKey, Submission

    appeal = submit(actor=world.users["office"])
    at = dt.datetime(2026, 11, 26, 8, 0, tzinfo=dt.UTC)
    given = {"appeal": appeal, "at": at, "actor": world.users["office"], "verb": "noted", "note": "备注"}
    made, fast = AppealEvent(**given), writes.new_row(AppealEvent, **given)
    fields = [f.attname for f in AppealEvent._meta.concrete_fields]
    assert [getattr(fast, f) for f in fields] == [getattr(made, f) for f in fields]
    assert fast.appeal is appeal and fast.actor is world.users["office"]  # cached: no query to read them
    assert fast.extra == {} and fast.extra is not writes.new_row(AppealEvent, appeal=appeal).extra  # each its own
    assert fast._state.adding and fast.pk is None
    by_key = writes.new_row(AppealEvent, appeal_id=appeal.pk, verb="noted")
    assert by_key.appeal_id == appeal.pk and by_key.appeal == appeal
    key = ApiKey.objects.create(name="c", prefix="o311_x", key_hash="h")
    submission = writes.new_row(Submission, appeal=appeal, api_key=key, token="t")
    assert appeal.open311 is submission  # a one-to-one: the related object knows its row, as with Submission(…)
    with pytest.raises(TypeError, match="unexpected keyword arguments: colour"):
        writes.new_row(AppealEvent, appeal=appeal, colour="red")


def test_related_objects_are_checked_as_save_checks_them(world):
    appeal = submit(actor=world.users["office"])
    unsaved = Appeal(number="SQ-X", category=appeal.category, handling_node=appeal.handling_node)
    with pytest.raises(ValueError, match="unsaved related object 'appeal'"):
        writes.insert_rows([AppealEvent(appeal=unsaved, at=appeal.received_at, verb="x")])
    assert not AppealEvent.objects.filter(verb="x").exists()
    # A parent given its key after it was assigned: the row takes the key, as save() would.
    later = writes.new_row(AppealEvent, appeal=unsaved, at=appeal.received_at, verb="later")
    unsaved.pk = appeal.pk
    writes.insert_rows([later])
    assert AppealEvent.objects.get(verb="later").appeal_id == appeal.pk
    # A key changed after the parent was assigned: the cached parent is forgotten, the key kept.
    other = submit(actor=world.users["office"])
    moved = AppealEvent(appeal=appeal, at=appeal.received_at, verb="moved")
    moved.appeal_id = other.pk
    writes.insert_rows([moved])
    assert moved.appeal == other and AppealEvent.objects.get(verb="moved").appeal_id == other.pk


def test_reserved_keys_are_new_and_the_rows_take_them(world):
    appeal = submit(actor=world.users["office"])
    ids = writes.reserve_ids({AppealEvent: 3})[AppealEvent]
    assert len(set(ids)) == 3 and min(ids) > AppealEvent.objects.order_by("-pk").values_list("pk", flat=True)[0]
    events = [AppealEvent(pk=pk, appeal=appeal, at=appeal.received_at, verb=f"v{pk}") for pk in ids]
    writes.insert_rows(events)
    assert sorted(AppealEvent.objects.filter(verb__startswith="v").values_list("pk", flat=True)) == sorted(ids)


def test_all_rows_or_none(world):
    appeal = submit(actor=world.users["office"])
    good = AuditLog(actor_name="t", verb="good")
    clash = AppealEvent(pk=appeal.timeline[0].pk, appeal=appeal, at=appeal.received_at, verb="clash")  # taken key
    with pytest.raises(IntegrityError), transaction.atomic():
        writes.insert_rows([good, clash])
    assert not AuditLog.objects.filter(verb="good").exists()


def _main(queries) -> list[str]:
    """The queries that write (not the once-per-connection ``PREPARE``)."""
    return [q["sql"] for q in queries
            if not q["sql"].startswith(("PREPARE", "DEALLOCATE", "SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO"))]


def _prepared(sql: str) -> list[str]:
    """The text of each statement the query runs as ``EXECUTE``, in order, as the server holds it."""
    names = re.findall(r"EXECUTE (shequ_\w+)", sql)
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, statement FROM pg_prepared_statements WHERE name = ANY(%s)", [names])
        texts = dict(cursor.fetchall())
    return [texts[name].split(" AS ", 1)[1] for name in names]


def test_postgresql_writes_every_row_in_one_round_trip(world):
    if connection.vendor != "postgresql":
        pytest.skip("one multi-statement query is PostgreSQL's")
    appeal = submit(actor=world.users["office"])

    def write(tag: str):
        writes.insert_rows([AuditLog(actor_name="t", verb=f"{tag}{i}") for i in range(3)]
                           + [AppealEvent(appeal=appeal, at=appeal.received_at, verb="more")])

    write("a")  # its statements prepared on this connection (if an earlier test has not)
    with CaptureQueriesContext(connection) as queries:
        write("n")
    assert len(queries) == 1 and queries[0]["sql"].count("EXECUTE shequ_") == 4
    assert AuditLog.objects.filter(verb__in=["n0", "n1", "n2"]).count() == 3


def test_statements_are_prepared_once_per_connection(world):
    """Each statement the one query runs is prepared on the connection the first time (its own
    round trip), then only executed with its values; a connection that lost them prepares anew."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's prepared statements")
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")  # as a fresh connection: nothing prepared
        writes._prepared_names(cursor).clear()
    appeal = submit(actor=world.users["office"])
    with CaptureQueriesContext(connection) as first:
        writes.insert_rows([AuditLog(actor_name="t", verb="p1"), AppealEvent(appeal=appeal, at=appeal.received_at)])
    assert [q["sql"][:14] for q in first if "shequ_" in q["sql"]] == ["PREPARE shequ_", "PREPARE shequ_",
                                                                       "EXECUTE shequ_"]
    assert _prepared(first[-1]["sql"])[0].startswith('INSERT INTO "core_auditlog"')
    with CaptureQueriesContext(connection) as again:
        writes.insert_rows([AuditLog(actor_name="t", verb="p2"), AppealEvent(appeal=appeal, at=appeal.received_at)])
    assert len(again) == 1 and again[0]["sql"].startswith("EXECUTE shequ_")
    assert list(AuditLog.objects.filter(verb__in=["p1", "p2"]).values_list("verb", flat=True).order_by("verb")) == [
        "p1", "p2"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_lost_prepared_statement_is_prepared_again(world):
    """Outside a transaction (as a request writes) a statement the server no longer holds (``DISCARD
    ALL`` by something else) is prepared again and the write made once; inside a transaction the
    error is the caller's, and the next write prepares anew."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's prepared statements")
    from django.db import ProgrammingError

    writes.insert_rows([AuditLog(actor_name="t", verb="lost0")])
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    writes.insert_rows([AuditLog(actor_name="t", verb="lost1")])
    assert AuditLog.objects.filter(verb="lost1").count() == 1
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    with pytest.raises(ProgrammingError), transaction.atomic():
        writes.insert_rows([AuditLog(actor_name="t", verb="lost2")])
    writes.insert_rows([AuditLog(actor_name="t", verb="lost3")])
    assert list(AuditLog.objects.filter(verb__startswith="lost").values_list("verb", flat=True).order_by("verb")) == [
        "lost0", "lost1", "lost3"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_intake_whose_counter_statement_was_lost_is_written_once(world):
    """The intake's head is a transaction of its own (``BEGIN`` … ``COMMIT`` in the query): a
    prepared statement lost there leaves that transaction aborted, which is rolled back before the
    write is made again; the connection stays usable."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's prepared statements")
    office = world.users["office"]
    submit(actor=office)
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    appeal = submit(actor=office, requester_phone="13912345678")
    stored = Appeal.objects.get(pk=appeal.pk)
    assert stored.number == appeal.number and Appeal.objects.count() == 2
    assert AppealEvent.objects.filter(appeal=stored).count() == 1


@override_settings(TASKS=DB_TASKS)
def test_intake_marks_its_line_to_be_told_and_the_periodic_task_tells_it(world):
    from django_tasks_db.models import DBTaskResult

    from shequ.appeals.services import appeal_accept
    from shequ.notify.tasks import notify_pending_task

    appeal = submit(actor=world.users["office"], requester_phone="13912345678")
    event = appeal.timeline[0]
    # the promise to tell is the timeline line itself: no task row, no delivery yet
    assert AppealEvent.objects.get(pk=event.pk).notify_pending is True
    assert not DBTaskResult.objects.exists()
    assert not Delivery.objects.exists()  # composed later, not while the requester waits
    # what the scheduler's periodic task then does: composed and sent once, however often it runs
    assert notify_pending_task.call() == {"sent": 1}
    assert pending_send() == 0
    (delivery,) = Delivery.objects.filter(event=event)
    assert (delivery.appeal_id, delivery.status) == (appeal.pk, "sent") and appeal.number in delivery.body
    assert AppealEvent.objects.get(pk=event.pk).notify_pending is False
    assert AuditLog.objects.filter(verb="appeal.submitted", target_id=str(appeal.pk)).count() == 1
    # a later change of status is marked in its own line as well
    appeal_accept(actor=world.users["office"], appeal_id=appeal.pk)
    accepted = AppealEvent.objects.get(appeal=appeal, verb="accepted")
    assert accepted.notify_pending is True and not DBTaskResult.objects.exists()
    assert pending_send() == 1
    assert Delivery.objects.get(event=accepted).to_status == "accepted"
    # nobody to tell (an anonymous patrol finding): not marked
    finding = submit(actor=world.users["grid_a"], channel="patrol")
    assert AppealEvent.objects.get(pk=finding.timeline[0].pk).notify_pending is False
    assert not AppealEvent.objects.filter(notify_pending=True).exists()


def test_a_line_told_by_its_own_task_is_not_told_again(world, django_capture_on_commit_callbacks):
    """With another task backend (the tests' immediate one) each marked line has its own task, run
    on commit; the periodic task then finds nothing left."""
    with django_capture_on_commit_callbacks(execute=True):
        appeal = submit(actor=world.users["office"], requester_phone="13912345678")
    event = AppealEvent.objects.get(pk=appeal.timeline[0].pk)
    assert event.notify_pending is False
    assert Delivery.objects.filter(event=event, status="sent").count() == 1
    assert pending_send() == 0 and event_send(event_id=event.pk) == 0
    assert Delivery.objects.filter(event=event).count() == 1


def _writes(queries) -> list[str]:
    return [q["sql"] for q in queries if not q["sql"].lstrip().upper().startswith("SELECT")]


def test_intake_round_trips(world):
    """Staff intake inside a transaction (a 12345 feed import; here the test's own): the day's
    number, the appeal's key and every row in ONE query (PostgreSQL)."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's write path")
    submit(actor=world.users["office"])  # the day's counter exists, catalog read
    with CaptureQueriesContext(connection) as queries:
        appeal = submit(actor=world.users["office"], requester_phone="13912345678")
    (sql,) = _writes(queries)  # the rest are the test catalog's reads
    assert "COMMIT" not in sql and sql.count("EXECUTE shequ_") == 4
    # the counter, the appeal, its timeline line, the audit record
    heads = ['WITH c AS (INSERT INTO "appeals_appealcounter" ', 'INSERT INTO "appeals_appeal" ',
             'INSERT INTO "appeals_appealevent" ', 'INSERT INTO "core_auditlog" ']
    assert [text[:len(head)] for text, head in zip(_prepared(sql), heads)] == heads
    # what the database chose is on the rows returned, as stored
    stored = Appeal.objects.get(number=appeal.number)
    line = AppealEvent.objects.get(appeal=stored)
    record = AuditLog.objects.get(verb="appeal.submitted", target_id=str(stored.pk))
    assert (stored.pk, line.pk, record.target_repr) == (appeal.pk, appeal.timeline[0].pk, appeal.number)


def test_numbers_past_a_million_a_day_keep_every_digit(world):
    """The number made in SQL (one-query intake) is the one ``_format_number`` makes."""
    from shequ.appeals.models import AppealCounter
    from shequ.appeals.services import _format_number

    first = submit(actor=world.users["office"])
    day = dt.date(int(first.number[3:7]), int(first.number[7:9]), int(first.number[9:11]))
    AppealCounter.objects.filter(day=day).update(last=999_999)
    assert submit(actor=world.users["office"]).number == _format_number(day, 1_000_000) == "SQ-20261126-1000000"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_intake_outside_a_transaction_commits_the_counter_first(world):
    """As a request makes it (autocommit): one query, whose head takes the number in a transaction of
    its own that commits without waiting for the disk, and whose rows then commit together as usual.
    A row that fails after that commit leaves nothing of the appeal, only a gap in the day's numbers."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's write path")
    from shequ.appeals.models import AppealCounter
    from shequ.core.errors import Conflict

    office = world.users["office"]
    submit(actor=office)
    with CaptureQueriesContext(connection) as queries:
        appeal = submit(actor=office, requester_phone="13912345678", external_number="W-1")
    sql = _writes(queries)[0]  # then the tests' task backend tells the requester, on commit
    assert sql.count("EXECUTE shequ_") == 4 and sql.startswith("BEGIN; EXECUTE shequ_")
    assert sql.count("; COMMIT; EXECUTE shequ_") == 1 and sql.index("COMMIT") < sql.index("EXECUTE", 20)
    counter = _prepared(sql)[0]
    assert counter.startswith('WITH c AS (INSERT INTO "appeals_appealcounter"')
    assert counter.endswith("set_config('synchronous_commit', 'off', true) FROM c")
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"  # the rows' commit (and every later one) waits for the disk
    stored = Appeal.objects.get(pk=appeal.pk)
    assert (stored.number, AppealEvent.objects.get(appeal=stored).pk) == (appeal.number, appeal.timeline[0].pk)
    assert AuditLog.objects.get(verb="appeal.submitted", target_id=str(stored.pk)).target_repr == appeal.number
    day, last = AppealCounter.objects.values_list("day", "last").get()
    appeals, events, records = Appeal.objects.count(), AppealEvent.objects.count(), AuditLog.objects.count()
    with pytest.raises(Conflict):
        submit(actor=office, external_number="W-1")
    assert (Appeal.objects.count(), AppealEvent.objects.count(), AuditLog.objects.count()) == (appeals, events, records)
    assert AppealCounter.objects.get(day=day).last == last + 1  # the number taken stays taken
    assert submit(actor=office).number.endswith(f"-{last + 2:06d}")


def test_leading_statements_and_sql_values_are_read_back(world):
    """``insert_rows(first=…)`` runs the statements at the head of the same query; ``Expr`` values
    and the keys the database chose are put on the rows as stored, a value shared by several rows
    (the same ``Expr``) read once and given to each as its field makes it. Where statements go one
    by one both are refused."""
    if connection.vendor != "postgresql":
        with pytest.raises(TypeError):
            writes.insert_rows([AuditLog(actor_name="t", verb="expr", target_id=writes.Expr("'1'"))])
        return
    shared = writes.Expr("(currval('expr_test') * 10)")
    records = [AuditLog(actor_name="t", verb="expr", target_id=shared, target_repr="a"),
               AuditLog(actor_name="t", verb="expr", target_id="x", target_repr=writes.Expr("'b' || 'c'")),
               AuditLog(actor_name="t", verb="expr", target_id=shared, target_repr="d")]
    unread = AuditLog(actor_name="t", verb="unread")
    with CaptureQueriesContext(connection) as queries:
        writes.insert_rows([*records, unread], unread=[unread],
                           first=[("CREATE TEMPORARY SEQUENCE expr_test START 4", []), ("SELECT nextval('expr_test')", [])])
    (sql,) = _main(queries)
    assert sql.startswith("CREATE TEMPORARY SEQUENCE expr_test START 4; SELECT nextval('expr_test'); INSERT INTO")
    assert sql.count("EXECUTE shequ_") == 2
    # the first row names the sequence made in the same query: sent as it is, not prepared
    assert sql.count("RETURNING") + sum("RETURNING" in text for text in _prepared(sql)) == 3  # not the unread row's key
    assert unread.pk is None and AuditLog.objects.filter(verb="unread").count() == 1
    stored = {r.pk: (r.target_id, r.target_repr) for r in AuditLog.objects.filter(verb="expr")}
    assert [(r.target_id, r.target_repr) for r in records] == [("40", "a"), ("x", "bc"), ("40", "d")]
    assert {r.pk: (r.target_id, r.target_repr) for r in records} == stored


def test_server_side_binding_writes_one_statement_at_a_time(world, monkeypatch):
    """A prepared statement holds one command: with ``server_side_binding`` the rows go one by one
    (and the intake then takes its transaction, as on SQLite)."""
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL option")
    monkeypatch.setitem(connection.settings_dict, "OPTIONS", {**connection.settings_dict["OPTIONS"],
                                                              "server_side_binding": True})
    assert not writes.one_query()
    with CaptureQueriesContext(connection) as queries:
        writes.insert_rows([AuditLog(actor_name="t", verb=f"s{i}") for i in range(3)])
    assert len(queries) == 3 and AuditLog.objects.filter(verb__in=["s0", "s1", "s2"]).count() == 3
    appeal = submit(actor=world.users["office"], requester_phone="13912345678")
    assert Appeal.objects.get(pk=appeal.pk).number == appeal.number


def test_awkward_values_are_stored_as_given(world):
    """Quotes, backslashes, percent signs and placeholders inside values, NULLs and JSON reach the
    database unchanged (on PostgreSQL every value is quoted into the one query)."""
    appeal = submit(actor=world.users["office"])
    note = "100% it's a \\ back'slash %s %(x)s %% 「引号」\n新行"
    extra = {"k": note, "n": None, "list": [1, "%s", "'"]}
    events = [AppealEvent(appeal=appeal, at=appeal.received_at, verb="awkward", note=note, extra=extra,
                          actor=None, actor_name="")]
    writes.insert_rows(events + [AuditLog(actor_name=note, verb="awkward", extra=extra)])
    stored = AppealEvent.objects.get(verb="awkward")
    assert (stored.note, stored.extra, stored.actor_id) == (note, extra, None)
    assert AuditLog.objects.get(verb="awkward").actor_name == note


def test_values_passed_as_they_are_are_what_django_would_send(world):
    """Plain values skip Django's per-field conversion (``writes._as_is``): for every field of a
    full appeal and its timeline line — text, numbers, booleans, keys, times, NULLs — the values
    given to the database are those Django's own insert compiler makes (encrypted fields, whose
    nonce is new each time, and the ``auto_now`` times are left out of the comparison)."""
    from shequ.core.fields import EncryptedTextField

    appeal = submit(actor=world.users["office"], requester_phone="13912345678", requester_name="王小明")
    appeal.solved, appeal.return_count, appeal.reply = True, 2, "已修复"
    appeal.closed_at = appeal.received_at + dt.timedelta(days=3, microseconds=7)
    appeal.lng = -0.5  # a negative float
    for obj in (appeal, appeal.timeline[0]):
        fields = writes._fields(obj)
        sql, quick = writes._insert_sql(obj, connection)
        _sql, compiled = writes._compiled(obj, fields)
        compared = [(f.name, a, b) for f, a, b in zip(fields, quick, compiled)
                    if not isinstance(f, EncryptedTextField) and not getattr(f, "auto_now", False)]
        assert len(compared) > 8
        for name, a, b in compared:  # (psycopg's JSON wrappers compare by identity: their contents)
            assert (name, getattr(a, "obj", a), type(a)) == (name, getattr(b, "obj", b), type(b))
        assert sql == _sql.split(" RETURNING")[0]
