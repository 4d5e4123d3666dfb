"""PostgreSQL team security: the database writes the event log and logs reads (no-op on SQLite).

- AFTER INSERT/UPDATE trigger on cases writes events (skapat, sparat, beslut, avslutat,
  atertaget) with the acting person taken from the database session (session_user); only a
  session of the schema owner (IT, the CLI) may name the person with SET LOCAL dumpning.user.
- SECURITY DEFINER functions are the only way for a caseworker role to read identifying data:
  dumpning_log_* logs the read (one event per case, or one register_reads row), and the
  dumpning_read_*/list/events/register_rows functions return a case only after such a log
  entry of the same person was committed by an earlier transaction, so a read cannot be
  logged and rolled back.
Roles, grants and the pseudonymised view are made by `dumpning-kit db setup` (teamdb.setup),
since the view follows the guideline's questions.

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

#: Must equal store.READ_KINDS (tests/test_migrations.py checks it).
READ_KINDS = ("oppnat", "last", "listat", "sokt", "exporterat")
FUNCTIONS = ("dumpning_actor()", "dumpning_log_reads_internal(integer[], text, jsonb, boolean)",
             "dumpning_may_read(integer)", "dumpning_log_read(integer[], text, json, boolean)",
             "dumpning_log_find(text)", "dumpning_log_list(text, text)", "dumpning_read_cases(integer[])",
             "dumpning_list_cases(text, text)", "dumpning_case_events(integer)",
             "dumpning_log_register_read(text[], text, text, text)", "dumpning_register_rows(integer)",
             "dumpning_cases_written()")

SQL = r"""
CREATE OR REPLACE FUNCTION dumpning_actor() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
  -- Inside a SECURITY DEFINER function current_user is the schema owner. Only the owner's own
  -- session (IT, the CLI) may name the person; everyone else is their login role.
  SELECT CASE WHEN session_user::text = current_user::text
              THEN left(coalesce(nullif(btrim(current_setting('dumpning.user', true)), ''), session_user::text), 100)
              ELSE left(session_user::text, 100) END
$$;

-- Read events: one per case. p_repeat false: not again while the same person has an event of
-- that case from the last 10 minutes (a save reads the case first; lists are redrawn often).
CREATE OR REPLACE FUNCTION dumpning_log_reads_internal(p_ids integer[], p_kind text, p_detail jsonb,
                                                       p_repeat boolean) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
DECLARE
  who text := dumpning_actor();
  n integer;
BEGIN
  IF p_kind IS NULL OR NOT (p_kind = ANY ({read_kinds})) THEN
    RAISE EXCEPTION 'dumpning: % är ingen läshändelse', coalesce(p_kind, 'NULL') USING ERRCODE = '22023';
  END IF;
  INSERT INTO events (case_id, at, "user", kind, version, detail)
  SELECT c.id, now(), who, p_kind, NULL, coalesce(p_detail, '{{}}'::jsonb)::json
  FROM cases c
  WHERE c.id = ANY (p_ids)
    AND (p_repeat OR NOT EXISTS (
      SELECT 1 FROM events e
      WHERE e.case_id = c.id AND e."user" = who AND e.at > now() - interval '10 minutes'));
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END $$;

-- May the session's person read this case now? Only after a logged event of theirs from the
-- last 15 minutes that was committed by an earlier transaction: a read cannot be logged and
-- rolled back in the same transaction (events.at is the logging transaction's now(); rows
-- of the current transaction, subtransactions included, have at = transaction_timestamp()).
CREATE OR REPLACE FUNCTION dumpning_may_read(p_case integer) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
  SELECT EXISTS (SELECT 1 FROM events e
                 WHERE e.case_id = p_case AND e."user" = dumpning_actor()
                   AND e.at > now() - interval '15 minutes' AND e.at < transaction_timestamp())
$$;

CREATE OR REPLACE FUNCTION dumpning_log_read(p_ids integer[], p_kind text, p_detail json,
                                             p_repeat boolean DEFAULT true) RETURNS integer
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
  SELECT dumpning_log_reads_internal(p_ids, p_kind, p_detail::jsonb, p_repeat)
$$;

CREATE OR REPLACE FUNCTION dumpning_log_find(p_diarienummer text) RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
DECLARE found integer;
BEGIN
  SELECT id INTO found FROM cases WHERE diarienummer = p_diarienummer;
  IF found IS NOT NULL THEN
    PERFORM dumpning_log_reads_internal(ARRAY[found], 'last', '{{"via": "diarienummer"}}'::jsonb, false);
  END IF;
  RETURN found;
END $$;

CREATE OR REPLACE FUNCTION dumpning_log_list(p_status text, p_caseworker text) RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
DECLARE found integer[];
BEGIN
  SELECT array_agg(id) INTO found FROM cases
  WHERE (p_status IS NULL OR status = p_status) AND (p_caseworker IS NULL OR caseworker = p_caseworker);
  IF found IS NULL THEN RETURN 0; END IF;
  RETURN dumpning_log_reads_internal(found, 'listat', '{{"via": "lista"}}'::jsonb, false);
END $$;

-- The same test inline, for many rows at once (the person is looked up once).
CREATE OR REPLACE FUNCTION dumpning_read_cases(p_ids integer[]) RETURNS SETOF cases
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
  SELECT c.* FROM cases c
  WHERE c.id = ANY (p_ids)
    AND EXISTS (SELECT 1 FROM events e
                WHERE e.case_id = c.id AND e."user" = (SELECT dumpning_actor())
                  AND e.at > now() - interval '15 minutes' AND e.at < transaction_timestamp())
  ORDER BY c.id
$$;

CREATE OR REPLACE FUNCTION dumpning_list_cases(p_status text, p_caseworker text) RETURNS SETOF cases
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
  SELECT c.* FROM cases c
  WHERE (p_status IS NULL OR c.status = p_status) AND (p_caseworker IS NULL OR c.caseworker = p_caseworker)
    AND EXISTS (SELECT 1 FROM events e
                WHERE e.case_id = c.id AND e."user" = (SELECT dumpning_actor())
                  AND e.at > now() - interval '15 minutes' AND e.at < transaction_timestamp())
  ORDER BY c.next_due IS NULL, c.next_due, c.id
$$;

-- The history holds the answers as they changed: reading it is a read of the case.
CREATE OR REPLACE FUNCTION dumpning_case_events(p_case_id integer) RETURNS SETOF events
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
  SELECT * FROM events e WHERE e.case_id = p_case_id AND dumpning_may_read(p_case_id) ORDER BY e.id
$$;

-- The register with identifiers: first one committed register_reads row (who, purpose,
-- fields, every case as id ranges), then dumpning_register_rows(that row's id) in a later
-- transaction returns the rows, with only the fields that row names.
CREATE OR REPLACE FUNCTION dumpning_log_register_read(p_fields text[], p_purpose text,
                                                      p_status text DEFAULT NULL, p_caseworker text DEFAULT NULL)
RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
DECLARE
  purpose text := left(regexp_replace(btrim(coalesce(p_purpose, '')), '\s+', ' ', 'g'), 100);
  ranges jsonb;
  total integer;
  read_id integer;
BEGIN
  IF length(purpose) < 3 THEN
    RAISE EXCEPTION 'dumpning: ange syftet med läsningen' USING ERRCODE = '22023';
  END IF;
  IF p_fields IS NULL OR cardinality(p_fields) = 0
     OR NOT (p_fields <@ ARRAY['id', 'diarienummer', 'namn', 'personnummer', 'handlaggare', 'hyresvard_namn']) THEN
    RAISE EXCEPTION 'dumpning: okända fält %', p_fields USING ERRCODE = '22023';
  END IF;
  SELECT coalesce(sum(hi - lo + 1), 0), coalesce(jsonb_agg(jsonb_build_array(lo, hi) ORDER BY lo), '[]'::jsonb)
  INTO total, ranges
  FROM (SELECT min(g.id) lo, max(g.id) hi
        FROM (SELECT c.id, c.id - row_number() OVER (ORDER BY c.id) grp FROM cases c
              WHERE (p_status IS NULL OR c.status = p_status)
                AND (p_caseworker IS NULL OR c.caseworker = p_caseworker)) g GROUP BY g.grp) r;
  INSERT INTO register_reads (at, "user", purpose, fields, case_count, case_ranges)
  VALUES (now(), dumpning_actor(), purpose, to_json(p_fields), total, ranges::json)
  RETURNING id INTO read_id;
  RETURN read_id;
END $$;

CREATE OR REPLACE FUNCTION dumpning_register_rows(p_read integer)
RETURNS TABLE (id integer, diarienummer varchar, caseworker varchar, status varchar, version integer,
               created_at timestamptz, updated_at timestamptz, closed_at date, next_due date,
               answers json, decision json)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
DECLARE
  r register_reads%ROWTYPE;
  f text[];
BEGIN
  SELECT * INTO r FROM register_reads rr
  WHERE rr.id = p_read AND rr."user" = dumpning_actor()
    AND rr.at > now() - interval '15 minutes' AND rr.at < transaction_timestamp();
  IF NOT FOUND THEN
    RAISE EXCEPTION 'dumpning: läsningen är inte loggad' USING ERRCODE = '42501';
  END IF;
  SELECT array_agg(x) INTO f FROM json_array_elements_text(r.fields) x;
  RETURN QUERY
  SELECT v.id,
         CASE WHEN 'diarienummer' = ANY (f) THEN c.diarienummer END,
         CASE WHEN 'handlaggare' = ANY (f) THEN c.caseworker END,
         v.status, v.version, v.created_at, v.updated_at, v.closed_at, v.next_due,
         (v.answers::jsonb || jsonb_strip_nulls(jsonb_build_object(
            'namn', CASE WHEN 'namn' = ANY (f) THEN c.answers -> 'namn' END,
            'personnummer', CASE WHEN 'personnummer' = ANY (f) THEN c.answers -> 'personnummer' END,
            'hyresvard_namn', CASE WHEN 'hyresvard_namn' = ANY (f) THEN c.answers -> 'hyresvard_namn' END
         )))::json,
         v.decision
  FROM cases_pseudonymised v JOIN cases c ON c.id = v.id
  WHERE EXISTS (SELECT 1 FROM json_array_elements(r.case_ranges) x
                WHERE v.id BETWEEN (x ->> 0)::int AND (x ->> 1)::int)
  ORDER BY v.id;
END $$;

CREATE OR REPLACE FUNCTION dumpning_cases_written() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
DECLARE
  who text := dumpning_actor();
  step text := nullif(current_setting('dumpning.step', true), '');
  o jsonb;
  n jsonb;
  changes jsonb;
  logged boolean := false;
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
  IF n IS DISTINCT FROM o THEN
    SELECT coalesce(jsonb_object_agg(k, jsonb_build_array(o -> k, n -> k)), '{{}}'::jsonb) INTO changes
    FROM (SELECT jsonb_object_keys(o) AS k UNION SELECT jsonb_object_keys(n)) keys
    WHERE (o -> k) IS DISTINCT FROM (n -> k);
    INSERT INTO events (case_id, at, "user", kind, version, detail)
    VALUES (NEW.id, now(), who, 'sparat', NEW.version, jsonb_build_object('step', step, 'changes', changes)::json);
    logged := true;
  END IF;
  IF NEW.decision::jsonb IS DISTINCT FROM OLD.decision::jsonb THEN
    INSERT INTO events (case_id, at, "user", kind, version, detail)
    VALUES (NEW.id, now(), who, 'beslut', NEW.version,
            jsonb_build_object('old', OLD.decision::jsonb, 'new', NEW.decision::jsonb)::json);
    logged := true;
  END IF;
  IF NEW.status IS DISTINCT FROM OLD.status THEN
    INSERT INTO events (case_id, at, "user", kind, version, detail)
    VALUES (NEW.id, now(), who, CASE WHEN NEW.status = 'avslutat' THEN 'avslutat' ELSE 'atertaget' END,
            NEW.version, '{{}}'::json);
    logged := true;
  END IF;
  IF NOT logged THEN  -- any other change to the row is still somebody's write
    INSERT INTO events (case_id, at, "user", kind, version, detail)
    VALUES (NEW.id, now(), who, 'sparat', NEW.version,
            jsonb_build_object('step', step, 'changes', '{{}}'::jsonb)::json);
  END IF;
  RETURN NULL;
END $$;

-- A secret only the owner can read: the pseudonymised view derives landlord tokens from it.
CREATE TABLE IF NOT EXISTS dumpning_secret (id integer PRIMARY KEY CHECK (id = 1), salt text NOT NULL);
INSERT INTO dumpning_secret (id, salt)
VALUES (1, md5(gen_random_uuid()::text || clock_timestamp()::text) || md5(gen_random_uuid()::text))
ON CONFLICT (id) DO NOTHING;
REVOKE ALL ON dumpning_secret FROM PUBLIC;

-- Who read or wrote which case lately: the read functions' test and the repeat check.
CREATE INDEX IF NOT EXISTS ix_events_case_user_at ON events (case_id, "user", at);

DROP TRIGGER IF EXISTS dumpning_cases_written ON cases;
CREATE TRIGGER dumpning_cases_written AFTER INSERT OR UPDATE ON cases
  FOR EACH ROW EXECUTE FUNCTION dumpning_cases_written();
"""


def _schema(bind) -> str:
    name = bind.execute(sa.text("SELECT current_schema()")).scalar_one()
    return bind.dialect.identifier_preparer.quote(name)


def _run(bind, sql: str) -> None:
    """Plain SQL on the driver's cursor, without parameters (the functions' RAISE uses %)."""
    cur = bind.connection.dbapi_connection.cursor()
    try:
        cur.execute(sql)
    finally:
        cur.close()


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    kinds = "ARRAY[" + ", ".join(f"'{k}'" for k in READ_KINDS) + "]"
    _run(bind, SQL.format(schema=_schema(bind), read_kinds=kinds))
    for f in FUNCTIONS:
        bind.exec_driver_sql(f"REVOKE ALL ON FUNCTION {f} FROM PUBLIC")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    bind.exec_driver_sql("DROP TRIGGER IF EXISTS dumpning_cases_written ON cases")
    bind.exec_driver_sql("DROP INDEX IF EXISTS ix_events_case_user_at")
    bind.exec_driver_sql("DROP TABLE IF EXISTS dumpning_secret")
    for f in reversed(FUNCTIONS):
        bind.exec_driver_sql(f"DROP FUNCTION IF EXISTS {f}")
