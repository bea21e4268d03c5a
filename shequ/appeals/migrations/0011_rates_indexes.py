"""The rates dashboard at scale (issue 3 point 14): a daily pre-aggregate of the three period
facts, kept exact by PostgreSQL triggers on appeals_appeal (PostgreSQL only; on SQLite the rates
are always computed from the appeals).

``appeals_rate_day`` holds, per district, period fact (1 response due, 2 evaluation, 3 completion
due), Shanghai day and grouping dimension (``*`` all, ``s`` street, ``c`` community, ``d`` handling
department, ``g`` category) with its key, the counts that docs/metrics.md defines. Statement-level
triggers add the inserted appeals' contributions, remove the deleted ones', and for the updated
appeals whose columns read by the rates changed remove the old rows' and add the new rows'
(one aggregated upsert per statement) — so every write path (services, bulk
``update()``, raw SQL) keeps it exact. Which appeals count is the same rule as
``metrics.rated_appeals``: not merged into another, not a consultation closed without signing.
"""
from django.db import migrations

from shequ.core.migration_ops import postgresql_sql

#: Columns whose change can move an appeal between cells (other updates cost the trigger a join only).
WATCHED = ("district_id", "street_id", "community_id", "handling_department_id", "category_id", "merged_into_id",
           "contact_kind", "accepted_at", "closed_at", "response_due_at", "evaluated_at", "satisfaction", "solved",
           "completion_due_at", "replied_at")


#: The rows of an UPDATE whose watched columns changed (old or new side).
_CHANGED = (f"SELECT {{side}}.* FROM old_rows o JOIN new_rows n ON n.id = o.id "
            f"WHERE ({', '.join('o.' + c for c in WATCHED)}) IS DISTINCT FROM ({', '.join('n.' + c for c in WATCHED)})")


def _trigger_function(name: str, removed: str, added: str) -> str:
    """A statement-level trigger function: the cells of the ``removed`` rows count -1, those of the
    ``added`` rows +1, summed per cell, one upsert per statement (a bulk write touches each cell
    once, so no long chains of row versions on the busy cells)."""
    return f"""
CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO appeals_rate_day AS t (district_id, fact, dim, key, day, n, ok, solved, satisfied, basic)
    SELECT c.district_id, c.fact, c.dim, c.key, c.day,
           sum(c.n), sum(c.ok), sum(c.solved), sum(c.satisfied), sum(c.basic)
    FROM (SELECT x.* FROM ({removed}) r CROSS JOIN LATERAL appeals_rate_day_cells(r::appeals_appeal, -1) x
          UNION ALL
          SELECT x.* FROM ({added}) a CROSS JOIN LATERAL appeals_rate_day_cells(a::appeals_appeal, 1) x) c
    GROUP BY 1, 2, 3, 4, 5
    HAVING (sum(c.n), sum(c.ok), sum(c.solved), sum(c.satisfied), sum(c.basic)) <> (0, 0, 0, 0, 0)
    ON CONFLICT (district_id, dim, day, fact, key) DO UPDATE SET
        n = t.n + EXCLUDED.n, ok = t.ok + EXCLUDED.ok, solved = t.solved + EXCLUDED.solved,
        satisfied = t.satisfied + EXCLUDED.satisfied, basic = t.basic + EXCLUDED.basic;
    RETURN NULL;
END $$;
"""

FORWARD = f"""
CREATE TABLE appeals_rate_day (
    district_id bigint NOT NULL,          -- 0: an appeal without district
    fact smallint NOT NULL,
    dim char(1) NOT NULL,
    key bigint NOT NULL,                  -- 0 for dim '*'
    day date NOT NULL,                    -- the fact's day in Asia/Shanghai
    n integer NOT NULL DEFAULT 0,
    ok integer NOT NULL DEFAULT 0,        -- responded / completed on time
    solved integer NOT NULL DEFAULT 0,
    satisfied integer NOT NULL DEFAULT 0,
    basic integer NOT NULL DEFAULT 0,
    PRIMARY KEY (district_id, dim, day, fact, key) INCLUDE (n, ok, solved, satisfied, basic)
);

CREATE FUNCTION appeals_rate_day_cells(r appeals_appeal, sign integer)
RETURNS TABLE (district_id bigint, fact smallint, dim char(1), key bigint, day date,
               n integer, ok integer, solved integer, satisfied integer, basic integer)
LANGUAGE sql STABLE AS $$
    SELECT coalesce(r.district_id, 0), f.fact::smallint, d.dim::char(1), d.key, f.day,
           sign, sign * f.ok, sign * f.solved, sign * f.satisfied, sign * f.basic
    FROM (VALUES
        (1, (r.response_due_at AT TIME ZONE 'Asia/Shanghai')::date,
            (r.accepted_at IS NOT NULL AND r.accepted_at <= r.response_due_at)::int, 0, 0, 0),
        (2, CASE WHEN r.satisfaction <> '' THEN (r.evaluated_at AT TIME ZONE 'Asia/Shanghai')::date END,
            0, coalesce(r.solved, false)::int, (r.satisfaction = 'satisfied')::int, (r.satisfaction = 'basic')::int),
        (3, (r.completion_due_at AT TIME ZONE 'Asia/Shanghai')::date,
            (r.replied_at IS NOT NULL AND r.replied_at <= r.completion_due_at)::int, 0, 0, 0)
    ) AS f(fact, day, ok, solved, satisfied, basic)
    CROSS JOIN (VALUES ('*', 0::bigint), ('s', r.street_id), ('c', r.community_id),
                       ('d', r.handling_department_id), ('g', r.category_id)) AS d(dim, key)
    WHERE f.day IS NOT NULL AND d.key IS NOT NULL
      AND r.merged_into_id IS NULL
      AND NOT (r.accepted_at IS NULL AND r.closed_at IS NOT NULL AND r.contact_kind = 'consultation')
$$;

{_trigger_function("appeals_rate_day_inserted", "SELECT * FROM appeals_appeal WHERE false", "SELECT * FROM new_rows")}
{_trigger_function("appeals_rate_day_deleted", "SELECT * FROM old_rows", "SELECT * FROM appeals_appeal WHERE false")}
{_trigger_function("appeals_rate_day_updated", _CHANGED.format(side="o"), _CHANGED.format(side="n"))}

CREATE FUNCTION appeals_rate_day_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE appeals_rate_day;
    RETURN NULL;
END $$;

CREATE TRIGGER appeals_rate_day_ins AFTER INSERT ON appeals_appeal REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION appeals_rate_day_inserted();
CREATE TRIGGER appeals_rate_day_del AFTER DELETE ON appeals_appeal REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION appeals_rate_day_deleted();
CREATE TRIGGER appeals_rate_day_upd AFTER UPDATE ON appeals_appeal REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION appeals_rate_day_updated();
CREATE TRIGGER appeals_rate_day_trunc AFTER TRUNCATE ON appeals_appeal
    FOR EACH STATEMENT EXECUTE FUNCTION appeals_rate_day_truncate();

INSERT INTO appeals_rate_day (district_id, fact, dim, key, day, n, ok, solved, satisfied, basic)
SELECT c.district_id, c.fact, c.dim, c.key, c.day, sum(c.n), sum(c.ok), sum(c.solved), sum(c.satisfied), sum(c.basic)
FROM appeals_appeal a CROSS JOIN LATERAL appeals_rate_day_cells(a, 1) c
GROUP BY 1, 2, 3, 4, 5
ORDER BY 1, 3, 5, 2, 4;  -- heap in key order: a period of one dimension is read from adjacent pages

ANALYZE appeals_rate_day;
"""

BACKWARD = """
DROP TRIGGER IF EXISTS appeals_rate_day_ins ON appeals_appeal;
DROP TRIGGER IF EXISTS appeals_rate_day_del ON appeals_appeal;
DROP TRIGGER IF EXISTS appeals_rate_day_upd ON appeals_appeal;
DROP TRIGGER IF EXISTS appeals_rate_day_trunc ON appeals_appeal;
DROP FUNCTION IF EXISTS appeals_rate_day_inserted();
DROP FUNCTION IF EXISTS appeals_rate_day_deleted();
DROP FUNCTION IF EXISTS appeals_rate_day_updated();
DROP FUNCTION IF EXISTS appeals_rate_day_truncate();
DROP FUNCTION IF EXISTS appeals_rate_day_cells(appeals_appeal, integer);
DROP TABLE IF EXISTS appeals_rate_day;
"""


class Migration(migrations.Migration):

    dependencies = [
        ("appeals", "0010_list_indexes"),
    ]

    operations = [postgresql_sql(FORWARD, BACKWARD)]
