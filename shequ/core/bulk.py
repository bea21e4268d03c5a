"""Raw batched inserts (the demo loader, the deadline sweep's timeline rows): executemany on
SQLite, COPY on PostgreSQL.

Rows are tuples in a declared column order. Columns a table has but the loader does not
declare (added later by another app's migration) get their model default, so the demo keeps
loading when models grow.
"""
from __future__ import annotations

import json

from django.db import connection
from django.db.models import Model

SQLITE_CHUNK = 5000


class Table:
    def __init__(self, model: type[Model], fields: list[str]):
        self.model = model
        self.name = model._meta.db_table
        by_name = {}
        for field in model._meta.concrete_fields:
            by_name[field.name] = field
            by_name[field.attname] = field
        missing = [f for f in fields if f not in by_name]
        if missing:
            raise ValueError(f"{self.name}: unknown fields {missing}")
        declared = {by_name[f].column for f in fields}
        self.columns = [by_name[f].column for f in fields]
        self.extra_values: tuple = ()
        for field in model._meta.concrete_fields:
            if field.column in declared:
                continue
            if field.primary_key and field.get_internal_type() in ("AutoField", "BigAutoField"):
                continue  # the database numbers the rows
            if not field.has_default() and not field.null:
                raise ValueError(f"{self.name}.{field.column} has no default: declare it in the demo loader")
            value = field.get_default() if field.has_default() else None
            if isinstance(value, (dict, list)):
                value = json.dumps(value)
            self.columns.append(field.column)
            self.extra_values += (value,)
        self.rows: list[tuple] = []
        self.count = 0


class BulkWriter:
    """Buffers rows per table and writes them in batches on the current connection."""

    def __init__(self, flush_at: int = 50000):
        connection.ensure_connection()
        self.vendor = connection.vendor
        self.raw = connection.connection
        self.flush_at = flush_at
        self.tables: dict[str, Table] = {}

    def table(self, key: str, model: type[Model], fields: list[str]) -> None:
        self.tables[key] = Table(model, fields)

    def add(self, key: str, row: tuple) -> None:
        table = self.tables[key]
        table.rows.append(row + table.extra_values if table.extra_values else row)
        if len(table.rows) >= self.flush_at:
            self.flush(key)

    def flush(self, key: str | None = None) -> None:
        for name in ([key] if key else list(self.tables)):
            table = self.tables[name]
            if not table.rows:
                continue
            cols = ", ".join(f'"{c}"' for c in table.columns)
            if self.vendor == "postgresql":
                with self.raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({cols}) FROM STDIN') as copy:
                    for row in table.rows:
                        copy.write_row(row)
            else:
                sql = f'INSERT INTO "{table.name}" ({cols}) VALUES ({", ".join("?" * len(table.columns))})'
                rows = table.rows
                for start in range(0, len(rows), SQLITE_CHUNK):
                    self.raw.executemany(sql, rows[start:start + SQLITE_CHUNK])
            table.count += len(table.rows)
            table.rows = []

    def counts(self) -> dict[str, int]:
        return {key: t.count + len(t.rows) for key, t in self.tables.items()}
