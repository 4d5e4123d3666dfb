"""PostgreSQL: what a caseworker writes straight into cases cannot misstate who or what (no-op on SQLite).

- The decision's "by" is set by the database to the acting person (dumpning_actor), so a
  caseworker cannot record a decision in a colleague's name.
- A change to a column outside the answers (diarienummer, caseworker, created_at, closed_at)
  is kept in the "sparat" event as old and new value ("columns"), not only as "something changed".
- status is oppet or avslutat: anything else would be logged as a reopening.

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SQL = r"""
CREATE OR REPLACE FUNCTION dumpning_cases_stamp() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
BEGIN
  IF NEW.decision IS NOT NULL AND json_typeof(NEW.decision) = 'object'
     AND (TG_OP = 'INSERT' OR NEW.decision::jsonb IS DISTINCT FROM OLD.decision::jsonb) THEN
    NEW.decision := (NEW.decision::jsonb || jsonb_build_object('by', dumpning_actor()))::json;
  END IF;
  RETURN NEW;
END $$;

-- The event trigger of 0002, now also with the columns outside the answers.
CREATE OR REPLACE FUNCTION dumpning_cases_written() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
DECLARE
  who text := dumpning_actor();
  step text := nullif(current_setting('dumpning.step', true), '');
  o jsonb;
  n jsonb;
  changes jsonb;
  cols jsonb;
  detail jsonb;
  answers_changed boolean := false;
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT coalesce(jsonb_object_agg(key, jsonb_build_array(NULL::jsonb, value)), '{{}}'::jsonb) INTO changes
    FROM jsonb_each(NEW.answers::jsonb);
    INSERT INTO events (case_id, at, "user", kind, version, detail)
    VALUES (NEW.id, now(), who, 'skapat', NEW.version, jsonb_build_object('changes', changes)::json);
    RETURN NULL;
  END IF;
  o := OLD.answers::jsonb;
  n := NEW.answers::jsonb;
  SELECT coalesce(jsonb_object_agg(k, jsonb_build_array(to_jsonb(OLD) -> k, to_jsonb(NEW) -> k)), '{{}}'::jsonb)
  INTO cols
  FROM unnest(ARRAY['diarienummer', 'caseworker', 'created_at', 'closed_at']) k
  WHERE (to_jsonb(OLD) -> k) IS DISTINCT FROM (to_jsonb(NEW) -> k)
    -- closing and reopening set closed_at: that is the avslutat/atertaget event itself
    AND NOT (k = 'closed_at' AND NEW.status IS DISTINCT FROM OLD.status)
    -- the store derives these two from the answers: they count only when they part from them
    AND NOT (k = 'diarienummer' AND NEW.diarienummer = n ->> 'diarienummer')
    AND NOT (k = 'caseworker' AND NEW.caseworker = n ->> 'handlaggare');
  IF n IS DISTINCT FROM o THEN
    SELECT coalesce(jsonb_object_agg(k, jsonb_build_array(o -> k, n -> k)), '{{}}'::jsonb) INTO changes
    FROM (SELECT jsonb_object_keys(o) AS k UNION SELECT jsonb_object_keys(n)) keys
    WHERE (o -> k) IS DISTINCT FROM (n -> k);
    answers_changed := true;
  END IF;
  IF answers_changed OR cols <> '{{}}'::jsonb
     OR (NEW.decision::jsonb IS NOT DISTINCT FROM OLD.decision::jsonb AND NEW.status IS NOT DISTINCT FROM OLD.status) THEN
    -- any other change to the row is still somebody's write
    detail := jsonb_build_object('step', step, 'changes', coalesce(changes, '{{}}'::jsonb));
    IF cols <> '{{}}'::jsonb THEN
      detail := detail || jsonb_build_object('columns', cols);
    END IF;
    INSERT INTO events (case_id, at, "user", kind, version, detail)
    VALUES (NEW.id, now(), who, 'sparat', NEW.version, detail::json);
  END IF;
  IF NEW.decision::jsonb IS DISTINCT FROM OLD.decision::jsonb THEN
    INSERT INTO events (case_id, at, "user", kind, version, detail)
    VALUES (NEW.id, now(), who, 'beslut', NEW.version,
            jsonb_build_object('old', OLD.decision::jsonb, 'new', NEW.decision::jsonb)::json);
  END IF;
  IF NEW.status IS DISTINCT FROM OLD.status THEN
    INSERT INTO events (case_id, at, "user", kind, version, detail)
    VALUES (NEW.id, now(), who, CASE WHEN NEW.status = 'avslutat' THEN 'avslutat' ELSE 'atertaget' END,
            NEW.version, '{{}}'::json);
  END IF;
  RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS dumpning_cases_stamp ON cases;
CREATE TRIGGER dumpning_cases_stamp BEFORE INSERT OR UPDATE ON cases
  FOR EACH ROW EXECUTE FUNCTION dumpning_cases_stamp();

ALTER TABLE cases DROP CONSTRAINT IF EXISTS ck_cases_status;
ALTER TABLE cases ADD CONSTRAINT ck_cases_status CHECK (status IN ('oppet', 'avslutat'));
"""
FUNCTIONS = ("dumpning_cases_stamp()",)


def _schema(bind) -> str:
    name = bind.execute(sa.text("SELECT current_schema()")).scalar_one()
    return bind.dialect.identifier_preparer.quote(name)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    cur = bind.connection.dbapi_connection.cursor()
    try:
        cur.execute(SQL.format(schema=_schema(bind)))
    finally:
        cur.close()
    for f in FUNCTIONS:
        bind.exec_driver_sql(f"REVOKE ALL ON FUNCTION {f} FROM PUBLIC")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    bind.exec_driver_sql("ALTER TABLE cases DROP CONSTRAINT IF EXISTS ck_cases_status")
    # dumpning_cases_written keeps this body: the same events as 0002, plus "columns"
    bind.exec_driver_sql("DROP TRIGGER IF EXISTS dumpning_cases_stamp ON cases")
    for f in reversed(FUNCTIONS):
        bind.exec_driver_sql(f"DROP FUNCTION IF EXISTS {f}")
