"""The rates pre-aggregate without hot rows (issue 3 point 14; PostgreSQL only).

In 0011 the triggers upserted ``appeals_rate_day`` directly, so every new appeal of a district
updated the same few cells (today, the district, its street, ...): each intake locked them until
its commit, the intakes of all server processes queued behind one another, and every update left a
dead row version of a busy cell that the next one had to step over (11 ms per insert after a few
thousand appeals of one day). Now the triggers only append their summed cells to
``appeals_rate_delta`` (no unique key, no index: nothing to wait for), and
``appeals_rate_fold()`` — run by the periodic sweep task every minute — moves the appended rows into
``appeals_rate_day`` in one aggregated upsert. The rates read both tables, so they are exact at
every moment, folded or not.
"""
from django.db import migrations

from shequ.core.migration_ops import postgresql_sql

WATCHED = ("district_id", "street_id", "community_id", "handling_department_id", "category_id", "merged_into_id",
           "contact_kind", "accepted_at", "closed_at", "response_due_at", "evaluated_at", "satisfaction", "solved",
           "completion_due_at", "replied_at")

COLUMNS = "district_id, fact, dim, key, day, n, ok, solved, satisfied, basic"
SUMS = "sum(c.n), sum(c.ok), sum(c.solved), sum(c.satisfied), sum(c.basic)"

_CHANGED = (f"SELECT {{side}}.* FROM old_rows o JOIN new_rows n ON n.id = o.id "
            f"WHERE ({', '.join('o.' + c for c in WATCHED)}) IS DISTINCT FROM ({', '.join('n.' + c for c in WATCHED)})")


def _append_function(name: str, removed: str, added: str) -> str:
    """A statement-level trigger function: the cells of the ``removed`` rows count -1, those of the
    ``added`` rows +1, summed per cell and appended to the delta table (no conflict, no lock)."""
    return f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO appeals_rate_delta ({COLUMNS})
    SELECT c.district_id, c.fact, c.dim, c.key, c.day, {SUMS}
    FROM (SELECT x.* FROM ({removed}) r CROSS JOIN LATERAL appeals_rate_day_cells(r::appeals_appeal, -1) x
          UNION ALL
          SELECT x.* FROM ({added}) a CROSS JOIN LATERAL appeals_rate_day_cells(a::appeals_appeal, 1) x) c
    GROUP BY 1, 2, 3, 4, 5
    HAVING ({SUMS}) <> (0, 0, 0, 0, 0);
    RETURN NULL;
END $$;
"""


def _upsert_function(name: str, removed: str, added: str) -> str:
    """0011's trigger function (the upsert straight into appeals_rate_day), for going back."""
    return f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO appeals_rate_day AS t ({COLUMNS})
    SELECT c.district_id, c.fact, c.dim, c.key, c.day, {SUMS}
    FROM (SELECT x.* FROM ({removed}) r CROSS JOIN LATERAL appeals_rate_day_cells(r::appeals_appeal, -1) x
          UNION ALL
          SELECT x.* FROM ({added}) a CROSS JOIN LATERAL appeals_rate_day_cells(a::appeals_appeal, 1) x) c
    GROUP BY 1, 2, 3, 4, 5
    HAVING ({SUMS}) <> (0, 0, 0, 0, 0)
    ON CONFLICT (district_id, dim, day, fact, key) DO UPDATE SET
        n = t.n + EXCLUDED.n, ok = t.ok + EXCLUDED.ok, solved = t.solved + EXCLUDED.solved,
        satisfied = t.satisfied + EXCLUDED.satisfied, basic = t.basic + EXCLUDED.basic;
    RETURN NULL;
END $$;
"""


def _functions(make) -> str:
    return "".join([
        make("appeals_rate_day_inserted", "SELECT * FROM appeals_appeal WHERE false", "SELECT * FROM new_rows"),
        make("appeals_rate_day_deleted", "SELECT * FROM old_rows", "SELECT * FROM appeals_appeal WHERE false"),
        make("appeals_rate_day_updated", _CHANGED.format(side="o"), _CHANGED.format(side="n")),
    ])


FORWARD = f"""
CREATE TABLE appeals_rate_delta (
    district_id bigint NOT NULL,
    fact smallint NOT NULL,
    dim char(1) NOT NULL,
    key bigint NOT NULL,
    day date NOT NULL,
    n integer NOT NULL,
    ok integer NOT NULL,
    solved integer NOT NULL,
    satisfied integer NOT NULL,
    basic integer NOT NULL
);

-- Moves every appended row visible now into appeals_rate_day; returns how many rows it moved.
-- Rows appended by transactions still running are not visible and wait for the next fold; the
-- advisory lock keeps two folds from upserting the same cells in different orders (deadlock).
CREATE FUNCTION appeals_rate_fold() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    moved bigint;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('appeals_rate_fold'));
    WITH gone AS (DELETE FROM appeals_rate_delta RETURNING *),
         cells AS (SELECT district_id, fact, dim, key, day, sum(n) AS n, sum(ok) AS ok, sum(solved) AS solved,
                          sum(satisfied) AS satisfied, sum(basic) AS basic, count(*) AS appended
                   FROM gone GROUP BY 1, 2, 3, 4, 5),
         written AS (
            INSERT INTO appeals_rate_day AS t ({COLUMNS})
            SELECT {COLUMNS} FROM cells WHERE (n, ok, solved, satisfied, basic) <> (0, 0, 0, 0, 0)
            ORDER BY district_id, dim, day, fact, key
            ON CONFLICT (district_id, dim, day, fact, key) DO UPDATE SET
                n = t.n + EXCLUDED.n, ok = t.ok + EXCLUDED.ok, solved = t.solved + EXCLUDED.solved,
                satisfied = t.satisfied + EXCLUDED.satisfied, basic = t.basic + EXCLUDED.basic
            RETURNING 1)
    SELECT coalesce(sum(appended), 0) INTO moved FROM cells;
    RETURN moved;
END $$;

{_functions(_append_function)}

CREATE OR REPLACE FUNCTION appeals_rate_day_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE appeals_rate_day, appeals_rate_delta;
    RETURN NULL;
END $$;
"""

BACKWARD = f"""
SELECT appeals_rate_fold();
{_functions(_upsert_function)}
CREATE OR REPLACE FUNCTION appeals_rate_day_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE appeals_rate_day;
    RETURN NULL;
END $$;
DROP FUNCTION appeals_rate_fold();
DROP TABLE appeals_rate_delta;
"""


class Migration(migrations.Migration):

    dependencies = [
        ("appeals", "0012_sweep_hot_updates"),
    ]

    operations = [postgresql_sql(FORWARD, BACKWARD)]
