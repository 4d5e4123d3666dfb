"""PostgreSQL team security: the database writes the event log and logs reads (no-op on SQLite).

- AFTER INSERT/UPDATE trigger on cases writes events (skapat, sparat, beslut, avslutat,
  atertaget) with the acting person taken from the database session (session_user); only a
  session of the schema owner (IT, the CLI) may name the person with SET LOCAL dumpning.user.
- SECURITY DEFINER functions are the only way for a caseworker role to read identifying data,
  and each logs one read event per case in the same transaction.
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
             "dumpning_log_read(integer[], text, json)", "dumpning_read_cases(integer[])",
             "dumpning_find_case(text)", "dumpning_list_cases(text, text)", "dumpning_case_events(integer)",
             "dumpning_register_rows(text[], text)", "dumpning_cases_written()")

SQL = r"""
CREATE OR REPLACE FUNCTION dumpning_actor() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
  -- Inside a SECURITY DEFINER function current_user is the schema owner. Only the owner's own
  -- session (IT, the CLI) may name the person; everyone else is their login role.
  SELECT CASE WHEN session_user::text = current_user::text
              THEN left(coalesce(nullif(btrim(current_setting('dumpning.user', true)), ''), session_user::text), 100)
              ELSE left(session_user::text, 100) END
$$;

CREATE OR REPLACE FUNCTION dumpning_log_reads_internal(p_ids integer[], p_kind text, p_detail jsonb,
                                                       p_always boolean) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
DECLARE
  who text := dumpning_actor();
  n integer;
BEGIN
  IF p_kind IS NULL OR NOT (p_kind = ANY ({read_kinds})) THEN
    RAISE EXCEPTION 'dumpning: % är ingen läshändelse', coalesce(p_kind, 'NULL') USING ERRCODE = '22023';
  END IF;
  -- One event per case. Reads by the functions below (p_always false) are not repeated while the
  -- same person has a logged event of that case from the last 15 minutes (a save reads the case
  -- first; the case list is redrawn on every search).
  INSERT INTO events (case_id, at, "user", kind, version, detail)
  SELECT c.id, now(), who, p_kind, NULL, coalesce(p_detail, '{{}}'::jsonb)::json
  FROM cases c
  WHERE c.id = ANY (p_ids)
    AND (p_always OR NOT EXISTS (
      SELECT 1 FROM events e
      WHERE e.case_id = c.id AND e."user" = who AND e.at > now() - interval '15 minutes'
        AND (p_kind = 'listat' OR e.kind = p_kind OR e.kind NOT IN ('listat', 'sokt'))));
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END $$;

CREATE OR REPLACE FUNCTION dumpning_log_read(p_ids integer[], p_kind text, p_detail json) RETURNS integer
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
  SELECT dumpning_log_reads_internal(p_ids, p_kind, p_detail::jsonb, true)
$$;

CREATE OR REPLACE FUNCTION dumpning_read_cases(p_ids integer[]) RETURNS SETOF cases
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
BEGIN
  PERFORM dumpning_log_reads_internal(p_ids, 'last', '{{"via": "databasen"}}'::jsonb, false);
  RETURN QUERY SELECT * FROM cases WHERE id = ANY (p_ids) ORDER BY id;
END $$;

CREATE OR REPLACE FUNCTION dumpning_find_case(p_diarienummer text) RETURNS SETOF cases
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
DECLARE found integer[];
BEGIN
  SELECT array_agg(id) INTO found FROM cases WHERE diarienummer = p_diarienummer;
  IF found IS NULL THEN RETURN; END IF;
  PERFORM dumpning_log_reads_internal(found, 'last', '{{"via": "diarienummer"}}'::jsonb, false);
  RETURN QUERY SELECT * FROM cases WHERE id = ANY (found);
END $$;

CREATE OR REPLACE FUNCTION dumpning_list_cases(p_status text, p_caseworker text) RETURNS SETOF cases
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
DECLARE found integer[];
BEGIN
  SELECT array_agg(id) INTO found FROM cases
  WHERE (p_status IS NULL OR status = p_status) AND (p_caseworker IS NULL OR caseworker = p_caseworker);
  IF found IS NULL THEN RETURN; END IF;
  PERFORM dumpning_log_reads_internal(found, 'listat', '{{"via": "lista"}}'::jsonb, false);
  RETURN QUERY SELECT * FROM cases WHERE id = ANY (found)
    ORDER BY next_due IS NULL, next_due, id;
END $$;

CREATE OR REPLACE FUNCTION dumpning_case_events(p_case_id integer) RETURNS SETOF events
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
BEGIN
  -- The history holds the answers as they changed: reading it is a read of the case.
  PERFORM dumpning_log_reads_internal(ARRAY[p_case_id], 'last', '{{"via": "historik"}}'::jsonb, false);
  RETURN QUERY SELECT * FROM events WHERE case_id = p_case_id ORDER BY id;
END $$;

CREATE OR REPLACE FUNCTION dumpning_register_rows(p_fields text[], p_purpose text)
RETURNS TABLE (id integer, diarienummer varchar, caseworker varchar, status varchar, version integer,
               created_at timestamptz, updated_at timestamptz, closed_at date, next_due date,
               answers json, decision json)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = {schema}, pg_temp AS $$
DECLARE
  purpose text := left(regexp_replace(btrim(coalesce(p_purpose, '')), '\s+', ' ', 'g'), 100);
  ranges jsonb;
  total integer;
BEGIN
  IF length(purpose) < 3 THEN
    RAISE EXCEPTION 'dumpning: ange syftet med läsningen' USING ERRCODE = '22023';
  END IF;
  IF p_fields IS NULL OR cardinality(p_fields) = 0
     OR NOT (p_fields <@ ARRAY['id', 'diarienummer', 'namn', 'personnummer', 'handlaggare', 'hyresvard_namn']) THEN
    RAISE EXCEPTION 'dumpning: okända fält %', p_fields USING ERRCODE = '22023';
  END IF;
  -- The audit row first: every case the function returns counts as read (register_reads).
  SELECT coalesce(sum(hi - lo + 1), 0), coalesce(jsonb_agg(jsonb_build_array(lo, hi) ORDER BY lo), '[]'::jsonb)
  INTO total, ranges
  FROM (SELECT min(g.id) lo, max(g.id) hi
        FROM (SELECT c.id, c.id - row_number() OVER (ORDER BY c.id) grp FROM cases c) g GROUP BY g.grp) r;
  IF total > 0 THEN
    INSERT INTO register_reads (at, "user", purpose, fields, case_count, case_ranges)
    VALUES (now(), dumpning_actor(), purpose, to_json(p_fields), total, ranges::json);
  END IF;
  RETURN QUERY
  SELECT v.id,
         CASE WHEN 'diarienummer' = ANY (p_fields) THEN c.diarienummer END,
         CASE WHEN 'handlaggare' = ANY (p_fields) THEN c.caseworker END,
         v.status, v.version, v.created_at, v.updated_at, v.closed_at, v.next_due,
         (v.answers::jsonb || jsonb_strip_nulls(jsonb_build_object(
            'namn', CASE WHEN 'namn' = ANY (p_fields) THEN c.answers -> 'namn' END,
            'personnummer', CASE WHEN 'personnummer' = ANY (p_fields) THEN c.answers -> 'personnummer' END,
            'hyresvard_namn', CASE WHEN 'hyresvard_namn' = ANY (p_fields) THEN c.answers -> 'hyresvard_namn' END
         )))::json,
         v.decision
  FROM cases_pseudonymised v JOIN cases c ON c.id = v.id
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
    for f in reversed(FUNCTIONS):
        bind.exec_driver_sql(f"DROP FUNCTION IF EXISTS {f}")
