"""The rates dashboard at scale (issue 3 point 14): a daily pre-aggregate of the three period
facts, kept exact by PostgreSQL triggers on appeals_appeal (PostgreSQL only; on SQLite the rates
are always computed from the appeals).

``appeals_rate_day`` holds, per district, period fact (1 response due, 2 evaluation, 3 completion
due), Shanghai day and grouping dimension (``*`` all, ``s`` street, ``c`` community, ``d`` handling
department, ``g`` category) with its key, the counts that docs/metrics.md defines. A trigger adds
an appeal's contribution on INSERT, removes it on DELETE, and on an UPDATE touching any column the
rates read removes the old row's and adds the new row's — so every write path (services, bulk
``update()``, raw SQL) keeps it exact. Which appeals count is the same rule as
``metrics.rated_appeals``: not merged into another, not a consultation closed without signing.
"""
from django.db import migrations

#: Columns whose change can move an appeal between cells (the trigger's WHEN).
WATCHED = ("district_id", "street_id", "community_id", "handling_department_id", "category_id", "merged_into_id",
           "contact_kind", "accepted_at", "closed_at", "response_due_at", "evaluated_at", "satisfaction", "solved",
           "completion_due_at", "replied_at")

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
    PRIMARY KEY (district_id, dim, day, fact, key)
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

CREATE FUNCTION appeals_rate_day_add(r appeals_appeal, sign integer) RETURNS void LANGUAGE sql AS $$
    INSERT INTO appeals_rate_day AS t (district_id, fact, dim, key, day, n, ok, solved, satisfied, basic)
    SELECT * FROM appeals_rate_day_cells(r, sign)
    ON CONFLICT (district_id, dim, day, fact, key) DO UPDATE SET
        n = t.n + EXCLUDED.n, ok = t.ok + EXCLUDED.ok, solved = t.solved + EXCLUDED.solved,
        satisfied = t.satisfied + EXCLUDED.satisfied, basic = t.basic + EXCLUDED.basic
$$;

CREATE FUNCTION appeals_rate_day_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM appeals_rate_day_add(OLD, -1);
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        PERFORM appeals_rate_day_add(NEW, 1);
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION appeals_rate_day_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE appeals_rate_day;
    RETURN NULL;
END $$;

CREATE TRIGGER appeals_rate_day_ins AFTER INSERT OR DELETE ON appeals_appeal
    FOR EACH ROW EXECUTE FUNCTION appeals_rate_day_trigger();
CREATE TRIGGER appeals_rate_day_upd AFTER UPDATE ON appeals_appeal FOR EACH ROW
    WHEN (({", ".join("OLD." + c for c in WATCHED)}) IS DISTINCT FROM ({", ".join("NEW." + c for c in WATCHED)}))
    EXECUTE FUNCTION appeals_rate_day_trigger();
CREATE TRIGGER appeals_rate_day_trunc AFTER TRUNCATE ON appeals_appeal
    FOR EACH STATEMENT EXECUTE FUNCTION appeals_rate_day_truncate();

INSERT INTO appeals_rate_day (district_id, fact, dim, key, day, n, ok, solved, satisfied, basic)
SELECT c.district_id, c.fact, c.dim, c.key, c.day, sum(c.n), sum(c.ok), sum(c.solved), sum(c.satisfied), sum(c.basic)
FROM appeals_appeal a CROSS JOIN LATERAL appeals_rate_day_cells(a, 1) c
GROUP BY 1, 2, 3, 4, 5;
"""

BACKWARD = """
DROP TRIGGER IF EXISTS appeals_rate_day_ins ON appeals_appeal;
DROP TRIGGER IF EXISTS appeals_rate_day_upd ON appeals_appeal;
DROP TRIGGER IF EXISTS appeals_rate_day_trunc ON appeals_appeal;
DROP FUNCTION IF EXISTS appeals_rate_day_trigger();
DROP FUNCTION IF EXISTS appeals_rate_day_truncate();
DROP FUNCTION IF EXISTS appeals_rate_day_add(appeals_appeal, integer);
DROP FUNCTION IF EXISTS appeals_rate_day_cells(appeals_appeal, integer);
DROP TABLE IF EXISTS appeals_rate_day;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):

    dependencies = [
        ("appeals", "0009_attachments_requester_user"),
    ]

    operations = [migrations.RunPython(forward, backward)]
