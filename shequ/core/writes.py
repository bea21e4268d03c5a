"""New rows of several tables written together in as few round trips as the database allows.

The intake of an appeal writes three or four rows (the appeal, its timeline line, the audit record,
an Open311 submission), and its attachments. Saved one by one through the ORM that is four round
trips to PostgreSQL, each waiting for the server, plus ``BEGIN`` and ``COMMIT``. Here:

* ``reserve_ids`` gives the rows that others point to their primary keys first, from the
  tables' own sequences (PostgreSQL: one statement, which may also carry the caller's own
  statement, e.g. the day's appeal counter; other databases: inside the caller's transaction);
* ``insert_rows`` then writes every row with the SQL ``Model.save()`` would send (the per-field
  conversion of Django's insert compiler: ``auto_now``, encryption, JSON), on PostgreSQL all of them
  in ONE simple-protocol query (with Django's default client-side binding; with
  ``server_side_binding`` one statement at a time), each statement as ``EXECUTE`` of a statement
  prepared once per connection (``_bound``). PostgreSQL runs a multi-statement query as one
  transaction when no transaction is open, so the rows are written all or none; inside an open
  transaction they are part of it. Other databases execute the statements one by one (call inside
  a transaction).
* In that one query a statement of the caller's may come first (``first``: e.g. the day's counter
  and ``nextval()`` of a key sequence) and a row's value may be SQL (``Expr``: e.g. ``currval()``
  of that sequence, so rows can point to one another without their keys being asked for in an
  earlier round trip); such values, and the keys the database gave, are read back onto the rows.

The ``pre_save`` and ``post_save`` signals are sent as ``save()`` sends them (django-tasks' database
backend, for one, sets a task row's ``run_after`` in a ``pre_save`` receiver).
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import weakref
from collections.abc import Iterable, Sequence
from contextlib import nullcontext

from django.db import DatabaseError, connection, connections, transaction
from django.db.models import Model, signals
from django.db.models.sql import InsertQuery


def _serial(model: type[Model]) -> str:
    return f"pg_get_serial_sequence('\"{model._meta.db_table}\"', '{model._meta.pk.column}')"


def reserve_ids_sql(counts: dict[type[Model], int]) -> str:
    """PostgreSQL: the select-list items (one integer array per model, in ``counts``' order)
    that take the next ``n`` values of each model's primary-key sequence."""
    return _reserve_ids_sql(tuple(counts.items()))


@functools.lru_cache(maxsize=64)
def _reserve_ids_sql(counts: tuple[tuple[type[Model], int], ...]) -> str:
    return ", ".join(f"ARRAY(SELECT nextval({_serial(model)}) FROM generate_series(1, {int(n)}))"
                     for model, n in counts)


def reserve_ids(counts: dict[type[Model], int]) -> dict[type[Model], list[int]]:
    """The next primary keys of each model: ``{Model: n}`` -> ``{Model: [ids]}``.

    PostgreSQL: one statement, the values are taken from the sequences (never handed out twice,
    whatever happens to the transaction). Other databases: the keys after the largest used, which
    stay free only while the caller's transaction holds the write lock (SQLite: after its first
    write), so call inside that transaction and write the rows in it.
    """
    if not counts:
        return {}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SELECT {reserve_ids_sql(counts)}")
            return dict(zip(counts, (list(ids) for ids in cursor.fetchone())))
        result = {}
        for model, n in counts.items():
            table, pk = model._meta.db_table, model._meta.pk.column
            cursor.execute(f'SELECT max("{pk}") FROM "{table}"')
            last = cursor.fetchone()[0] or 0
            if connection.vendor == "sqlite":  # AUTOINCREMENT never reuses a key, even a deleted one's
                cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
                row = cursor.fetchone()
                last = max(last, row[0] if row else 0)
            result[model] = list(range(last + 1, last + 1 + n))
        return result


class Expr:
    """A row's value given as SQL, not data (PostgreSQL's one-query writes only, see ``insert_rows``):
    written into the statement as it is, and read back from the database afterwards. Only ever
    built from SQL the application makes itself, never from input."""

    __slots__ = ("sql",)

    def __init__(self, sql: str):
        self.sql = sql

    def __repr__(self) -> str:
        return f"Expr({self.sql!r})"


#: Model -> per concrete field: (attname, the field when it is a relation, its default as a callable).
_layouts: dict[type[Model], list[tuple]] = {}


def new_row(model: type[Model], **values) -> Model:
    """A new, unsaved ``model(**values)``: the same instance (every field its value or its default, a
    related object given by its field name cached on the row, its key as the field's value), made
    the way Django makes the rows it reads (``model(*values)`` by position), which takes a third of
    the time of keyword arguments for a wide row (the appeal's 54 fields; an intake makes four rows)."""
    layout = _layouts.get(model)
    if layout is None:
        layout = _layouts[model] = [(f.attname, f if f.is_relation else None, f.get_default)
                                    for f in model._meta.concrete_fields]
    args, related = [], []
    for attname, relation, default in layout:
        if relation is not None and relation.name in values:
            obj = values.pop(relation.name)
            args.append(None if obj is None else getattr(obj, relation.target_field.attname))
            if obj is not None:
                related.append((relation, obj))
        elif attname in values:
            args.append(values.pop(attname))
        else:
            args.append(default())
    if values:
        raise TypeError(f"{model.__name__}() got unexpected keyword arguments: {', '.join(values)}")
    row = model(*args)
    for relation, obj in related:
        relation.set_cached_value(row, obj)
        if relation.one_to_one:  # as the descriptor does: the related object knows its row too
            relation.remote_field.set_cached_value(obj, row)
    return row


#: (database, table) -> the name of its primary key's sequence, as a quoted SQL literal.
_sequences: dict[tuple[str, str], str] = {}


def serial(model: type[Model]) -> str:
    """PostgreSQL: the name of the sequence of ``model``'s primary key as an SQL literal (for
    ``nextval()``/``currval()``), looked up once per database in a process: asking
    ``pg_get_serial_sequence`` in every statement costs the server a catalog search each time."""
    key = (connection.settings_dict["NAME"], model._meta.db_table)
    name = _sequences.get(key)
    if name is None:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {_serial(model)}")
            name = _sequences[key] = "'" + cursor.fetchone()[0].replace("'", "''") + "'"
    return name


#: (model, whether the key is given, database vendor) -> (INSERT with placeholders, its fields, each
#: field's conversion plan), or None for a model whose fields need the compiler's own placeholders
#: (binary, spatial).
_plain: dict[tuple, tuple[str, list, list] | None] = {}


def _fields(obj: Model) -> list:
    meta = obj._meta
    return [f for f in meta.local_concrete_fields
            if not f.generated and (obj.pk is not None or f is not meta.auto_field)]


def _compiled(obj: Model, fields: list) -> tuple[str, Sequence]:
    query = InsertQuery(type(obj))
    query.insert_values(fields, [obj])
    [(sql, params)] = query.get_compiler(connection=connection).as_sql()
    return sql, params


def _as_is(db) -> dict[type, tuple[type, ...]]:
    """Field classes (exactly these, not subclasses such as an encrypted text field) whose
    ``get_db_prep_save`` hands a value of the given Python types to the database adapter unchanged on
    ``db``: such values skip the per-field conversion (every other value still goes through it).
    Dates and times are only passed as they are on PostgreSQL (SQLite stores them as text), plain
    integer columns only elsewhere."""
    from django.db.models import fields as f
    from django.db.models.fields.related import ForeignKey

    same = {f.CharField: (str,), f.TextField: (str,), f.SlugField: (str,), f.BooleanField: (bool,),
            f.FloatField: (float,), f.AutoField: (int,), f.BigAutoField: (int,), f.SmallAutoField: (int,),
            ForeignKey: (int,)}
    if db.vendor == "postgresql":
        same[f.DateField] = (dt.date,)
        same[f.DateTimeField] = (dt.datetime,)
    else:  # PostgreSQL's backend gives integers their column's type (Int2, Int4, Int8): converted there
        for cls in (f.IntegerField, f.BigIntegerField, f.SmallIntegerField, f.PositiveIntegerField,
                    f.PositiveBigIntegerField, f.PositiveSmallIntegerField):
            same[cls] = (int,)
    return same


def _step(field, db, as_is: dict) -> tuple:
    """How ``_insert_sql`` takes one field's value: (field, attname, whether ``pre_save`` only reads
    the attribute, the value types passed as they are, whether None is stored as NULL)."""
    from django.db.models import DateField, DateTimeField, Field
    from django.db.models.fields.related import ForeignKey

    cls = type(field)
    reads_only = cls.pre_save is Field.pre_save or (
        cls in (DateField, DateTimeField) and not field.auto_now and not field.auto_now_add)
    types = as_is.get(cls, ())
    if cls is ForeignKey and as_is.get(type(field.target_field)) != (int,):  # keys that are integers only
        types = ()
    return field, field.attname, reads_only, types, field.get_db_prep_save(None, connection=db) is None


#: Model -> its concrete relation fields; None for a model with private fields (a generic relation),
#: which Django's own check walks as well.
_relations: dict[type[Model], list | None] = {}


def _related_ready(obj: Model) -> None:
    """What ``Model._prepare_related_fields_for_save`` does before a save, over the relations whose
    objects are cached on the row only (Django's walks every field of the model, 54 for an appeal):
    refuse a related object that has no key, take the key of one saved after it was assigned, and
    forget one whose key is no longer the row's."""
    model = type(obj)
    if model not in _relations:
        meta = model._meta
        _relations[model] = None if meta.private_fields else [f for f in meta.concrete_fields if f.is_relation]
    relations = _relations[model]
    if relations is None:
        obj._prepare_related_fields_for_save(operation_name="save")
        return
    cache = obj._state.fields_cache
    if not cache:
        return
    for field in relations:
        parent = cache.get(field.cache_name)
        if not parent:  # not cached, or cached as None
            continue
        if not parent._is_pk_set():
            if not field.remote_field.multiple:
                field.remote_field.delete_cached_value(parent)
            raise ValueError(f"save() prohibited to prevent data loss due to unsaved related object '{field.name}'.")
        if getattr(obj, field.attname) in field.empty_values:
            setattr(obj, field.name, parent)
        if getattr(parent, field.target_field.attname) != getattr(obj, field.attname):
            field.delete_cached_value(obj)


def _insert_sql(obj: Model, db) -> tuple[str, Sequence]:
    """The INSERT ``obj.save()`` would send for this new row (without RETURNING): the same
    ``pre_save`` (``auto_now``) and ``get_db_prep_save`` (encryption, JSON) per field as Django's
    insert compiler, with the statement text made once per model; a value that is an expression
    (a database default, a function), or a field with its own placeholder, goes through the
    compiler itself. Plain values of Django's own field classes (text, numbers, keys; on PostgreSQL
    aware date-times) skip the conversion that would return them unchanged (``_as_is``)."""
    _related_ready(obj)  # foreign keys from saved parents
    key = (type(obj), obj.pk is not None, db.vendor)
    if key not in _plain:
        fields = _fields(obj)
        if any(hasattr(f, "get_placeholder") for f in fields):
            _plain[key] = None
        else:
            qn = db.ops.quote_name
            sql = (f"INSERT INTO {qn(obj._meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "
                   f"VALUES ({', '.join(['%s'] * len(fields))})")
            as_is = _as_is(db)
            _plain[key] = (sql, fields, [_step(f, db, as_is) for f in fields])
    plain = _plain[key]
    if plain is None:
        if any(type(v) is Expr for v in obj.__dict__.values()):
            raise TypeError(f"{type(obj).__name__}: SQL values (Expr) need plain fields")
        return _compiled(obj, _fields(obj))
    sql, fields, steps = plain
    known = obj.__dict__
    params = []
    for field, attname, reads_only, types, null in steps:
        value = known[attname] if reads_only and attname in known else field.pre_save(obj, True)
        if type(value) is Expr:
            params.append(value)
        elif value is None:
            params.append(None if null else field.get_db_prep_save(None, connection=db))
        elif type(value) in types and (types != (dt.datetime,) or value.tzinfo is not None):
            params.append(value)
        elif hasattr(value, "resolve_expression"):
            if any(type(p) is Expr for p in params) or any(type(v) is Expr for v in obj.__dict__.values()):
                raise TypeError(f"{type(obj).__name__}: SQL values (Expr) and expressions in one row")
            return _compiled(obj, fields)
        else:
            params.append(field.get_db_prep_save(value, connection=db))
    return sql, params


def one_query() -> bool:
    """Whether several statements can go in one query: PostgreSQL with client-side binding (a
    server-side bound query is a prepared statement, which holds one command)."""
    return (connection.vendor == "postgresql"
            and not connection.settings_dict.get("OPTIONS", {}).get("server_side_binding"))


def insert_rows(objs: Iterable[Model], *, first: Sequence[tuple[str, Sequence]] = (),
                unread: Iterable[Model] = ()) -> None:
    """Write new rows in the given order (parents before children), as ``save()`` would; on
    PostgreSQL in one round trip. Give the rows that others point to their keys first
    (``reserve_ids``), or, on PostgreSQL, let ``first`` advance their sequence and give the rows
    ``Expr("currval(…)")`` in place of the keys.

    On PostgreSQL (``one_query``) the statements ``first`` (SQL and parameters each; their results
    are not read) run at the head of the same query; the keys the database chose and the values of
    the ``Expr`` objects are read back onto the rows (``RETURNING``, once per ``Expr`` object: a row
    holding the same object as an earlier one gets the value read there, as its field makes it), but
    not the keys of the rows in ``unread`` (nobody needs them: one result less to read each).
    ``first`` may hold its own ``BEGIN … COMMIT`` (outside a transaction only: the rows are then
    written all or none after it, in the query's next implicit transaction).
    Elsewhere rows without a primary key get one from the database that is not read back, and
    ``first`` and ``Expr`` are refused."""
    objs = list(objs)
    if not objs:
        return
    db = connections[connection.alias]  # the connection itself, not the per-thread proxy
    one = one_query()
    if not one and (first or any(type(v) is Expr for obj in objs for v in obj.__dict__.values())):
        raise TypeError("leading statements and SQL values (Expr) need one-query writes (PostgreSQL)")
    for obj in objs:
        signals.pre_save.send(sender=type(obj), instance=obj, raw=False, using=db.alias, update_fields=None)
    statements = [_insert_sql(obj, db) for obj in objs]
    with db.cursor() as cursor:
        if one:
            read: set[int] = set()  # the Expr objects an earlier row reads back
            fill: list[tuple] = []  # (row, field, Expr) that take a value read back from another row
            skip = {id(obj) for obj in unread}
            back = [_read_back(obj, read, fill, id(obj) not in skip) for obj in objs]
            qn = db.ops.quote_name
            returning = [*first, *(
                (sql + " RETURNING " + ", ".join(qn(f.column) for f in fields), params) if fields else (sql, params)
                for (sql, params), fields in zip(statements, back))]
            try:
                cursor.execute(_bound(cursor, returning))
            except DatabaseError as exc:
                if db.in_atomic_block:
                    raise
                _end_aborted(cursor)
                if not _lost_prepared(cursor, exc):
                    raise
                cursor.execute(_bound(cursor, returning))  # prepared anew; nothing was written
            _put_back(cursor.cursor, len(first), objs, back, fill)
        else:
            for sql, params in statements:
                cursor.execute(sql, params)
    for obj in objs:
        obj._state.adding, obj._state.db = False, db.alias
        signals.post_save.send(sender=type(obj), instance=obj, created=True, update_fields=None, raw=False,
                               using=db.alias)


def _read_back(obj: Model, read: set[int], fill: list, key: bool) -> list:
    """The fields of a new row to read back after a one-query write: its key if the database
    chooses it (and ``key``), and every field holding an ``Expr`` no earlier row reads back
    (``read``); the fields holding one that an earlier row reads go to ``fill``."""
    meta = obj._meta
    known = obj.__dict__
    fields = []
    for f in meta.local_concrete_fields:
        value = known.get(f.attname)
        if type(value) is Expr:
            if id(value) in read:
                fill.append((obj, f, value))
            else:
                read.add(id(value))
                fields.append(f)
        elif value is None and key and f is meta.pk:
            fields.append(f)
    return fields


def _put_back(raw, skip: int, objs: list[Model], back: list[list], fill: list[tuple]) -> None:
    """Read the rows' ``RETURNING`` results (after ``skip`` results of leading statements) from
    psycopg's cursor ``raw`` onto the rows, in place (past the descriptors: a key's cached object
    stays, it is the same row); then the fields in ``fill`` get the values read for their ``Expr``."""
    values: dict[int, object] = {}
    at = 0
    for index, (obj, fields) in enumerate(zip(objs, back)):
        if not fields:
            continue
        while at < skip + index:
            raw.nextset()
            at += 1
        known = obj.__dict__
        for field, value in zip(fields, raw.fetchone()):
            if type(known[field.attname]) is Expr:
                values[id(known[field.attname])] = value
            known[field.attname] = value
    for obj, field, expr in fill:
        obj.__dict__[field.attname] = field.to_python(values[id(expr)])


#: psycopg connection -> its quoting of one value (dropped with the connection).
_literals: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _literal(cursor):
    """psycopg's quoting of one value for this connection (a ``Transformer``, kept per connection
    so that the dumper of each type is looked up once, not on every write)."""
    from psycopg.adapt import Transformer

    raw = cursor.cursor.connection
    literal = _literals.get(raw)
    if literal is None:
        literal = _literals[raw] = Transformer(raw).as_literal
    return literal


def _bound(cursor, statements: list[tuple[str, Sequence]]) -> bytes:
    """The statements as ONE simple-protocol query, every value a literal quoted by psycopg's own
    adapters as its client-side binding quotes it (``ClientCursor.mogrify``).

    Each statement that can be (``_shape``) goes as ``EXECUTE`` of a statement prepared on this
    connection, with its values as the literals: the server parses, analyses and plans the
    statement once per connection (``_prepared``, its own round trip the first time) instead of on
    every write, which took it about a third of an appeal intake's time. The others go as they are
    (``BEGIN``, ``COMMIT``): ``%s``/``%%`` mean to bytes formatting what they mean to psycopg, and
    the statements carry no other placeholders (``_insert_sql`` and Django's compiler make none)."""
    literal = _literal(cursor)
    known = _prepared_names(cursor)
    parts = []
    for sql, params in statements:
        shape = _shape(sql, params)
        if shape is not None and _prepared(cursor, known, *shape):
            values = b", ".join([_quoted(p, literal) for p in params if type(p) is not Expr])
            parts.append(b"EXECUTE " + shape[0] + (b"(" + values + b")" if values else b""))
        else:
            parts.append(sql.encode() % tuple(_quoted(p, literal) for p in params))
    return b"; ".join(parts)


#: psycopg connection -> the names of the statements prepared on it (``_bound``; dropped with it).
_prepared_on: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
#: (statement, its SQL values and where) -> (name, text to prepare), None where it is sent as it is.
_shapes: dict[tuple, tuple[bytes, str] | None] = {}
#: Statements a connection keeps prepared at most (then they are all dropped and prepared anew).
PREPARED_MAX = 200
#: What ``PREPARE`` takes (not ``BEGIN``, ``COMMIT`` or DDL).
_PREPARABLE = ("INSERT ", "WITH ", "SELECT ", "UPDATE ", "DELETE ")


class _PreparedNames(set):
    """The names of the statements prepared on one connection; ``refused``: those the server could
    not prepare there (sent as they are from then on)."""

    def __init__(self):
        super().__init__()
        self.refused: set[bytes] = set()


def _prepared_names(cursor) -> _PreparedNames:
    raw = cursor.cursor.connection
    known = _prepared_on.get(raw)
    if known is None:
        known = _prepared_on[raw] = _PreparedNames()
    return known


def _shape(sql: str, params: Sequence) -> tuple[bytes, str] | None:
    """The name and text (placeholders ``$1``…, ``Expr`` values written in) of the prepared
    statement that runs ``sql`` with these ``params``; None for a statement sent as it is (a
    transaction command, a statement without values, or one whose text holds ``%%``)."""
    key = (sql, tuple((i, p.sql) for i, p in enumerate(params) if type(p) is Expr))
    if key in _shapes:
        return _shapes[key]
    pieces = sql.split("%s")
    shape = None
    if sql.startswith(_PREPARABLE) and len(pieces) == len(params) + 1 and "%%" not in sql and len(params):
        text, n = [pieces[0]], 0
        for value, piece in zip(params, pieces[1:]):
            if type(value) is Expr:
                text.append(value.sql)
            else:
                n += 1
                text.append(f"${n}")
            text.append(piece)
        text = "".join(text)
        shape = (b"shequ_" + hashlib.sha1(text.encode()).hexdigest()[:20].encode(), text)
    if len(_shapes) >= 1000:
        _shapes.clear()
    _shapes[key] = shape
    return shape


def _end_aborted(cursor) -> None:
    """Outside a transaction: roll back a transaction of the query's own (``first``'s ``BEGIN``) that
    an error inside it left open and aborted; the connection is then as a failed write found it."""
    import psycopg

    raw = cursor.cursor.connection
    if raw.info.transaction_status == psycopg.pq.TransactionStatus.INERROR:
        raw.execute("ROLLBACK")


def _lost_prepared(cursor, exc: Exception) -> bool:
    """Whether ``exc`` says that a statement prepared on the connection is not there (something
    else deallocated it, e.g. ``DISCARD ALL``): then none is taken as prepared any more."""
    import psycopg

    if not isinstance(exc.__cause__, psycopg.errors.InvalidSqlStatementName):
        return False
    known = _prepared_names(cursor)
    known.clear()
    known.refused.clear()
    return True


def _prepared(cursor, known: _PreparedNames, name: bytes, text: str) -> bool:
    """Whether ``text`` is prepared as ``name`` on the cursor's connection, preparing it if it is not
    yet (its own round trip, once per connection; a prepared statement outlives any transaction,
    whatever becomes of it). False when the server could not prepare it (it names what an earlier
    statement of the same query creates): then it is sent as it is, and inside a transaction the
    savepoint keeps that whole."""
    if name in known:
        return True
    if name in known.refused:
        return False
    if len(known) >= PREPARED_MAX:  # only this module's: psycopg keeps its own list of what it prepared
        cursor.execute(b"; ".join(b"DEALLOCATE " + old for old in known))
        known.clear()
    db = cursor.db
    try:
        with transaction.atomic(using=db.alias) if db.in_atomic_block else nullcontext():
            cursor.execute(b"PREPARE " + name + b" AS " + text.encode())
    except DatabaseError:
        known.refused.add(name)
        return False
    known.add(name)
    return True


def _quoted(value, literal) -> bytes:
    """One value as a literal: NULL, a non-negative integer as its digits (what psycopg's own
    integer dumpers write for it), anything else through psycopg."""
    if value is None:
        return b"NULL"
    if type(value) is Expr:
        return value.sql.encode()
    if type(value) is int and value >= 0:
        return b"%d" % value
    return literal(value)
