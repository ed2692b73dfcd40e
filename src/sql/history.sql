------------------------------------------------------------------------------
-- The stage history as a record of each lead's life: lives through key
-- changes and deletes, erasure, and the backfill of the time before
-- adoption. (Tables stage_history and lead_life: src/sql/schema/tracking.sql.)
------------------------------------------------------------------------------

-- The life triggers name the tracked table in their second argument: on a
-- partitioned leads table TG_RELID of a row trigger is the partition, and
-- lives belong to the tracked table (named as track() names it in its
-- triggers' arguments).

-- lead_life_key_changed(key column, leads): AFTER UPDATE OF key row trigger of a
-- tracked leads table (WHEN the key changed). The key's life moves to the new
-- key. When history was already written under the new key in the same
-- statement (an ON UPDATE CASCADE that rebuilt the lead first), that life is
-- joined to the old one: one lead, one life.
CREATE OR REPLACE FUNCTION lead_qual.lead_life_key_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  old_key text;
  new_key text;
  old_life bigint;
  new_life bigint;
BEGIN
  EXECUTE format('SELECT ($1).%1$I::pg_catalog.text, ($2).%1$I::pg_catalog.text', TG_ARGV[0])
    INTO old_key, new_key USING OLD, NEW;
  SELECT l.life_id INTO old_life FROM lead_qual.lead_life l
   WHERE l.lead_table = TG_ARGV[1]::regclass AND l.lead_key = old_key;
  IF old_life IS NULL THEN
    RETURN NULL;    -- no history yet: the new key gets a life at its first row
  END IF;
  DELETE FROM lead_qual.lead_life l WHERE l.lead_table = TG_ARGV[1]::regclass AND l.lead_key = new_key
    RETURNING l.life_id INTO new_life;
  IF new_life IS NOT NULL THEN
    UPDATE lead_qual.stage_history h SET life_id = old_life WHERE h.life_id = new_life;
    UPDATE lead_qual.score_history h SET life_id = old_life WHERE h.life_id = new_life;
  END IF;
  UPDATE lead_qual.lead_life l SET lead_key = new_key
   WHERE l.lead_table = TG_ARGV[1]::regclass AND l.lead_key = old_key;
  RETURN NULL;
END $$;
COMMENT ON FUNCTION lead_qual.lead_life_key_changed() IS
    'row trigger (AFTER UPDATE OF the key) installed by track(): a lead keeps its life, and so one history, through key changes';

-- lead_life_deleted(key column, leads): AFTER DELETE statement trigger. The deleted
-- keys' lives end: a lead created again with one of them starts a new life.
CREATE OR REPLACE FUNCTION lead_qual.lead_life_deleted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  EXECUTE format('DELETE FROM lead_qual.lead_life AS l WHERE l.lead_table OPERATOR(pg_catalog.=) $1'
                 '   AND l.lead_key IN (SELECT o.%I::pg_catalog.text FROM lead_qual_old AS o)', TG_ARGV[0])
    USING TG_ARGV[1]::regclass;
  RETURN NULL;
END $$;
COMMENT ON FUNCTION lead_qual.lead_life_deleted() IS
    'statement trigger (AFTER DELETE, transition table) installed by track(): a deleted lead''s life ends';

CREATE OR REPLACE FUNCTION lead_qual.lead_life_truncated() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  DELETE FROM lead_qual.lead_life l WHERE l.lead_table = TG_ARGV[0]::regclass;
  RETURN NULL;
END $$;
COMMENT ON FUNCTION lead_qual.lead_life_truncated() IS
    'statement trigger (AFTER TRUNCATE) installed by track(): every life of the table ends';

-- _life_triggers(leads, key column): installs the three triggers above on a
-- leads table (track(), and every install or update for tables tracked by
-- an older version). A key change is one of its text (lead_life's key, and
-- how the history names a lead): numeric 3 respelled 3.000 is one too.
CREATE OR REPLACE FUNCTION lead_qual._life_triggers(leads regclass, key text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  EXECUTE format('CREATE TRIGGER lead_qual_life_key AFTER UPDATE OF %1$I ON %2$s FOR EACH ROW'
                 ' WHEN (OLD.%1$I::pg_catalog.text IS DISTINCT FROM NEW.%1$I::pg_catalog.text)'
                 ' EXECUTE FUNCTION lead_qual.lead_life_key_changed(%3$L, %4$L)',
                 key, leads, key, leads::text);
  EXECUTE format('CREATE TRIGGER lead_qual_life_delete AFTER DELETE ON %s REFERENCING OLD TABLE AS lead_qual_old'
                 ' FOR EACH STATEMENT EXECUTE FUNCTION lead_qual.lead_life_deleted(%L, %L)', leads, key, leads::text);
  EXECUTE format('CREATE TRIGGER lead_qual_life_truncate AFTER TRUNCATE ON %s'
                 ' FOR EACH STATEMENT EXECUTE FUNCTION lead_qual.lead_life_truncated(%L)', leads, leads::text);
END $$;
COMMENT ON FUNCTION lead_qual._life_triggers(regclass, text) IS
    'internal: installs the lead_qual_life_* triggers (key change, delete, truncate) on a tracked leads table';

CREATE OR REPLACE FUNCTION lead_qual._drop_life_triggers(leads regclass) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  EXECUTE format('DROP TRIGGER IF EXISTS lead_qual_life_key ON %s', leads);
  EXECUTE format('DROP TRIGGER IF EXISTS lead_qual_life_delete ON %s', leads);
  EXECUTE format('DROP TRIGGER IF EXISTS lead_qual_life_truncate ON %s', leads);
END $$;
COMMENT ON FUNCTION lead_qual._drop_life_triggers(regclass) IS 'internal: drops the lead_qual_life_* triggers (untrack())';

-- Tables tracked by a version without lives get their triggers here (a
-- fresh install has none; re-running is harmless).
DO $$
DECLARE
  t lead_qual.tracked;
BEGIN
  FOR t IN SELECT * FROM lead_qual.tracked LOOP
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_trigger g
                    WHERE g.tgrelid OPERATOR(pg_catalog.=) t.leads AND g.tgname OPERATOR(pg_catalog.=) 'lead_qual_life_key') THEN
      PERFORM lead_qual._life_triggers(t.leads, t.options->>'key');
    END IF;
  END LOOP;
END $$;

------------------------------------------------------------------------------
-- Erasure.
------------------------------------------------------------------------------

-- forget_lead(leads, key): the right to erasure. Every history row of the
-- key (all its lives) and of its current life (under earlier keys) loses
-- its lead_key, their hand-offs still waiting in the feed are dropped, and
-- the key's life ends. The rows stay, with their stages,
-- times and scores and their life_id, which links them to each other and
-- to nothing else: funnel, conversion and velocity figures do not change.
CREATE OR REPLACE FUNCTION lead_qual.forget_lead(leads regclass, lead_key text) RETURNS bigint
LANGUAGE plpgsql STRICT SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  erased_ids bigint[];
  feed regclass;
  forgotten_life bigint;
BEGIN
  IF NOT EXISTS (SELECT FROM lead_qual.tracked t WHERE t.leads = forget_lead.leads)
     AND NOT EXISTS (SELECT FROM lead_qual.stage_history h WHERE h.lead_table = forget_lead.leads) THEN
    PERFORM lead_qual._not_tracked(leads);
  END IF;
  IF NOT pg_has_role(session_user, (SELECT relowner FROM pg_class WHERE oid = leads), 'USAGE') THEN
    RAISE EXCEPTION 'must be owner of table % to erase its leads'' history', leads USING ERRCODE = 'insufficient_privilege';
  END IF;
  PERFORM lead_qual._citus_unsupported(leads, 'forget_lead()');
  -- The lead's life, whose rows under its earlier keys go too: the current
  -- life of the key, or, when the lead was deleted first (its life ended,
  -- as README "Erasure" shows), the latest life that had the key.
  forgotten_life := coalesce(
    (SELECT l.life_id FROM lead_qual.lead_life l WHERE l.lead_table = forget_lead.leads AND l.lead_key = forget_lead.lead_key),
    (SELECT max(x.life_id) FROM (SELECT h.life_id FROM lead_qual.stage_history h
                                  WHERE h.lead_table = forget_lead.leads AND h.lead_key = forget_lead.lead_key
                                 UNION ALL
                                 SELECT h.life_id FROM lead_qual.score_history h
                                  WHERE h.lead_table = forget_lead.leads AND h.lead_key = forget_lead.lead_key) x));
  -- The history of the table's other models (add_score()) loses the key too.
  UPDATE lead_qual.score_history h SET lead_key = NULL
   WHERE h.lead_table = forget_lead.leads
     AND (h.lead_key = forget_lead.lead_key OR h.life_id = forgotten_life)
     AND h.lead_key IS NOT NULL;
  DELETE FROM lead_qual.lead_life l WHERE l.lead_table = forget_lead.leads AND l.lead_key = forget_lead.lead_key;
  WITH erased AS (
    UPDATE lead_qual.stage_history h SET lead_key = NULL
     WHERE h.lead_table = forget_lead.leads
       AND (h.lead_key = forget_lead.lead_key OR h.life_id = forgotten_life)
       AND h.lead_key IS NOT NULL
    RETURNING h.id
  )
  SELECT coalesce(array_agg(erased.id), '{}') INTO erased_ids FROM erased;
  -- Hand-offs of those changes not yet taken from the feed (src/sql/handoffs.sql)
  -- are not delivered any more: they name the lead.
  feed := lead_qual._companion(leads, 'handoffs');  -- NULL: none (a name too long for one, or a user's table)
  IF feed IS NOT NULL THEN
    EXECUTE format('DELETE FROM %s AS f WHERE f.id OPERATOR(pg_catalog.=) ANY ($1)', feed) USING erased_ids;
  END IF;
  RETURN cardinality(erased_ids);
END $$;
COMMENT ON FUNCTION lead_qual.forget_lead(regclass, text) IS
    'erasure: removes a lead''s key from its stage history and score_history (every life of the key), drops its hand-offs not yet taken from the feed, and ends its life; aggregates are unchanged; returns the stage_history rows erased';

------------------------------------------------------------------------------
-- Backfill on adoption.
------------------------------------------------------------------------------

-- _backfill_batch(leads, after_id, batch_size): dates the adoption rows of up
-- to batch_size leads. An adoption row is the first history row of a lead's
-- current life, written by a rescore (track() scores every existing lead
-- that way) that moved it up to mql or sql. The lead's activities counted up
-- to that row's time are replayed in time order under the table's model
-- (with the lead's current attributes); each funnel stage the replay
-- reaches, up to the row's to_stage, becomes a row dated when the activity
-- that reached it counted, reason 'backfill'. The adoption row itself is
-- replaced when the replay reaches its stage, and otherwise kept (after the
-- replayed rows). No NOTIFY is sent. Returns the last history id looked at,
-- the leads looked at and dated, and the history rows written.
CREATE OR REPLACE FUNCTION lead_qual._backfill_batch(leads regclass, after_id bigint, batch_size integer,
    OUT last_id bigint, OUT examined integer, OUT dated integer, OUT written integer)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  t lead_qual.tracked;
  o jsonb;
  key_type text;
BEGIN
  SELECT * INTO t FROM lead_qual.tracked tr WHERE tr.leads = _backfill_batch.leads;
  IF NOT FOUND THEN
    PERFORM lead_qual._not_tracked(leads);
  END IF;
  IF NOT pg_has_role(session_user, (SELECT relowner FROM pg_class WHERE oid = t.leads), 'USAGE')
     OR NOT pg_has_role(session_user, (SELECT relowner FROM pg_class WHERE oid = t.activities), 'USAGE') THEN
    RAISE EXCEPTION 'must be owner of tables % and % to backfill their history', t.activities, t.leads
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  PERFORM lead_qual._citus_unsupported(leads, 'backfill()');
  o := t.options;
  SELECT format_type(a.atttypid, a.atttypmod) INTO key_type FROM pg_attribute a
   WHERE a.attrelid = t.leads AND a.attname = o->>'key' AND a.attnum > 0 AND NOT a.attisdropped;

  CREATE TEMP TABLE IF NOT EXISTS lead_qual_backfill_candidate (
    hid bigint, life_id bigint, lead_key text, from_stage lead_qual.lead_stage, to_stage lead_qual.lead_stage,
    changed_at timestamptz, changed_by name) ON COMMIT DROP;
  CREATE TEMP TABLE IF NOT EXISTS lead_qual_backfill_step (
    hid bigint, n integer, from_stage lead_qual.lead_stage, to_stage lead_qual.lead_stage, at timestamptz,
    fit double precision, engagement double precision) ON COMMIT DROP;
  TRUNCATE lead_qual_backfill_candidate, lead_qual_backfill_step;

  INSERT INTO lead_qual_backfill_candidate
  SELECT h.id, h.life_id, h.lead_key, h.from_stage, h.to_stage, h.changed_at, h.changed_by
    FROM lead_qual.stage_history h
    JOIN lead_qual.lead_life l ON l.life_id = h.life_id
   WHERE h.lead_table = t.leads AND h.id > after_id AND h.reason = 'rescore'
     AND h.to_stage OPERATOR(lead_qual.>=) 'mql' AND h.to_stage OPERATOR(lead_qual.<=) 'sql'
     AND (h.from_stage IS NULL OR h.from_stage OPERATOR(lead_qual.<) 'mql')
     AND NOT EXISTS (SELECT FROM lead_qual.stage_history e WHERE e.life_id = h.life_id AND e.id < h.id)
   ORDER BY h.id LIMIT batch_size;
  SELECT max(c.hid), count(*) INTO last_id, examined FROM lead_qual_backfill_candidate c;
  IF examined = 0 THEN
    dated := 0;
    written := 0;
    RETURN;
  END IF;

  -- The replay: running state and automatic stage after each activity, the
  -- highest stage reached so far (capped at the adoption row's), and the
  -- steps where it rose.
  EXECUTE format(
    'INSERT INTO lead_qual_backfill_step'
    ' SELECT r.hid, pg_catalog.row_number() OVER (PARTITION BY r.hid ORDER BY r.at, r.seq)::integer,'
    '        r.prev, r.reached, r.at, r.fit, lead_qual.engagement(r.state, r.at)'
    '   FROM (SELECT s.*, pg_catalog.lag(s.reached) OVER (PARTITION BY s.hid ORDER BY s.at, s.seq) AS prev'
    '           FROM (SELECT q.hid, q.at, q.seq, q.state, q.fit, q.to_stage,'
    '                        lead_qual.max(CASE WHEN q.auto OPERATOR(lead_qual.>) q.to_stage THEN q.to_stage ELSE q.auto END) OVER (PARTITION BY q.hid ORDER BY q.at, q.seq'
    '                                                                       ROWS UNBOUNDED PRECEDING) AS reached'
    '                   FROM (SELECT w.*, lead_qual.qualify(%1$L, w.attrs, w.state, NULL, w.at) AS auto'
    '                           FROM (SELECT c.hid, c.to_stage, x.at, x.seq, x.attrs, lead_qual.fit_score(%1$L, x.attrs) AS fit,'
    '                                        lead_qual.engagement_state(%1$L, x.activity, x.at, x.props)'
    '                                          OVER (PARTITION BY c.hid ORDER BY x.at, x.seq ROWS UNBOUNDED PRECEDING) AS state'
    '                                   FROM lead_qual_backfill_candidate AS c'
    '                                   JOIN LATERAL (SELECT %2$s AS at, a.%3$I::pg_catalog.text AS activity,'
    '                                                        %4$s AS props, pg_catalog.to_jsonb(l) AS attrs,'
    '                                                        pg_catalog.row_number() OVER (ORDER BY %2$s) AS seq'
    '                                                   FROM %5$s AS a JOIN %6$s AS l ON l.%7$I %11$s a.%8$I'
    '                                                  WHERE a.%8$I %11$s c.lead_key::%9$s'
    '                                                    AND %2$s OPERATOR(pg_catalog.<=) c.changed_at%10$s) AS x ON true'
    '                                ) AS w) AS q) AS s) AS r'
    '  WHERE r.reached IS NOT NULL AND r.reached IS DISTINCT FROM r.prev',
    t.model, lead_qual._occurred_at_sql(o, 'a'), o->>'activity',
    CASE WHEN o->>'properties' IS NULL THEN 'NULL::pg_catalog.jsonb' ELSE format('a.%I', o->>'properties') END,
    t.activities, t.leads, o->>'key', o->>'activity_lead_id', key_type,
    -- Activities outside the activity filter are not replayed.
    lead_qual._filter_sql(o, 'activity_filter', t.activities, 'a', ' AND '), lead_qual._key_eq(t.leads, o->>'key'));

  SELECT count(DISTINCT s.hid) INTO dated FROM lead_qual_backfill_step s;
  -- The replayed rows, then the adoption row when the replay stopped short
  -- of its stage; the adoption rows of the dated leads go.
  WITH gone AS (
    DELETE FROM lead_qual.stage_history h USING lead_qual_backfill_candidate c
     WHERE h.id = c.hid AND EXISTS (SELECT FROM lead_qual_backfill_step s WHERE s.hid = c.hid)
    RETURNING h.*
  ), replayed AS (
    SELECT g.lead_table, g.lead_key, COALESCE(s.from_stage, g.from_stage) AS from_stage, s.to_stage, s.at AS changed_at,
           s.fit, s.engagement, s.fit + s.engagement AS score, 'backfill' AS reason, g.changed_by, g.life_id, s.n AS ord, g.id AS hid,
           (SELECT mv.version FROM lead_qual.scoring_model mv JOIN lead_qual.tracked tv ON tv.model = mv.name
             WHERE tv.leads = g.lead_table) AS model_version, t.model
      FROM gone g JOIN lead_qual_backfill_step s ON s.hid = g.id
    UNION ALL
    SELECT g.lead_table, g.lead_key, last.to_stage, g.to_stage, g.changed_at, g.fit, g.engagement, g.score, g.reason,
           g.changed_by, g.life_id, 2147483647, g.id, g.model_version, g.model
      FROM gone g CROSS JOIN LATERAL (SELECT s.to_stage FROM lead_qual_backfill_step s WHERE s.hid = g.id
                                       ORDER BY s.n DESC LIMIT 1) AS last
     WHERE last.to_stage OPERATOR(lead_qual.<) g.to_stage
  )
  INSERT INTO lead_qual.stage_history (lead_table, lead_key, from_stage, to_stage, changed_at, fit, engagement, score,
                                       reason, changed_by, life_id, model_version, model)
  SELECT r.lead_table, r.lead_key, r.from_stage, r.to_stage, r.changed_at, r.fit, r.engagement, r.score, r.reason,
         r.changed_by, r.life_id, r.model_version, r.model
    FROM replayed r ORDER BY r.hid, r.ord;
  GET DIAGNOSTICS written = ROW_COUNT;
END $$;
COMMENT ON FUNCTION lead_qual._backfill_batch(regclass, bigint, integer) IS
    'internal: backfill() of one batch of leads: replays their activities before adoption and dates their stage crossings';

-- backfill(leads, batch_size): the procedure users CALL once after track()
-- on a CRM with existing activities. It commits after every batch, reports
-- progress with a NOTICE per batch, and can be cancelled at any time
-- (pg_cancel_backend, Ctrl-C): the batches committed stay done, and CALLing
-- it again goes on with the leads not dated yet. Needs no superuser: the
-- owner of the tracked tables runs it.
CREATE OR REPLACE PROCEDURE lead_qual.backfill(leads regclass, batch_size integer DEFAULT 1000)
LANGUAGE plpgsql AS $$
DECLARE
  after_id bigint := 0;
  b record;
  total bigint;
  examined bigint := 0;
  dated bigint := 0;
  written bigint := 0;
BEGIN
  IF leads IS NULL OR batch_size IS NULL OR batch_size OPERATOR(pg_catalog.<) 1 THEN
    RAISE EXCEPTION 'backfill() needs a table and a batch_size of at least 1' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  total := lead_qual._backfill_pending(leads);
  RAISE NOTICE 'backfill %: % leads with an adoption row to date', leads, total;
  LOOP
    SELECT * INTO b FROM lead_qual._backfill_batch(leads, after_id, batch_size);
    EXIT WHEN b.examined OPERATOR(pg_catalog.=) 0;
    after_id := b.last_id;
    examined := examined OPERATOR(pg_catalog.+) b.examined;
    dated := dated OPERATOR(pg_catalog.+) b.dated;
    written := written OPERATOR(pg_catalog.+) b.written;
    RAISE NOTICE 'backfill %: % of % leads examined, % dated, % history rows written', leads, examined, total, dated, written;
    COMMIT;
  END LOOP;
  RAISE NOTICE 'backfill %: done: % leads examined, % dated, % history rows written', leads, examined, dated, written;
END $$;
COMMENT ON PROCEDURE lead_qual.backfill(regclass, integer) IS
    'dates the adoption history of a tracked table''s leads from their activities (reason backfill), in committed batches with progress NOTICEs; cancellable and resumable; no notifications';

CREATE OR REPLACE FUNCTION lead_qual._backfill_pending(leads regclass) RETURNS bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF NOT pg_has_role(session_user, (SELECT relowner FROM pg_class WHERE oid = leads), 'USAGE') THEN
    RAISE EXCEPTION 'must be owner of table % to backfill its history', leads USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN (SELECT count(*) FROM lead_qual.stage_history h JOIN lead_qual.lead_life l ON l.life_id = h.life_id
           WHERE h.lead_table = leads AND h.reason = 'rescore'
             AND h.to_stage OPERATOR(lead_qual.>=) 'mql' AND h.to_stage OPERATOR(lead_qual.<=) 'sql'
             AND (h.from_stage IS NULL OR h.from_stage OPERATOR(lead_qual.<) 'mql')
             AND NOT EXISTS (SELECT FROM lead_qual.stage_history e WHERE e.life_id = h.life_id AND e.id < h.id));
END $$;
COMMENT ON FUNCTION lead_qual._backfill_pending(regclass) IS 'internal: how many leads of a table backfill() would date (progress total)';

------------------------------------------------------------------------------
-- One logical history, wherever it is kept: lead_qual.stage_history, and for
-- a Citus distributed leads table its history companion "<leads>_lq_history"
-- (distributed and co-located with the leads, src/sql/handoffs.sql), which
-- the coordinator reads like any distributed table.
------------------------------------------------------------------------------

-- The history companion of a leads table, NULL when it has none.
CREATE OR REPLACE FUNCTION lead_qual._history_companion(leads regclass) RETURNS regclass
LANGUAGE plpgsql STABLE STRICT SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  -- Only a distributed table has one (no name is computed for the others:
  -- a leads table whose name is too long for a companion is fine here).
  IF NOT lead_qual._citus_distributed(leads) THEN
    RETURN NULL;
  END IF;
  RETURN lead_qual._companion(leads, 'history');
END $$;
COMMENT ON FUNCTION lead_qual._history_companion(regclass) IS
    'internal: a Citus distributed leads table''s history companion table, NULL when it has none';

CREATE OR REPLACE FUNCTION lead_qual.history(leads regclass)
RETURNS TABLE (id bigint, lead_table regclass, lead_key text, from_stage lead_qual.lead_stage, to_stage lead_qual.lead_stage,
               changed_at timestamptz, fit double precision, engagement double precision, score double precision,
               reason text, changed_by name, life_id bigint, model_version bigint, model text)
LANGUAGE plpgsql STABLE STRICT SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  companion regclass := lead_qual._history_companion(leads);
BEGIN
  RETURN QUERY SELECT h.id, h.lead_table, h.lead_key, h.from_stage, h.to_stage, h.changed_at, h.fit, h.engagement,
                      h.score, h.reason, h.changed_by, h.life_id, h.model_version, h.model
                 FROM lead_qual.stage_history h WHERE h.lead_table = history.leads;
  IF companion IS NOT NULL THEN
    -- The label is added on the coordinator, after the rows came back (a
    -- materialized CTE): OIDs differ between nodes.
    RETURN QUERY EXECUTE format('WITH h AS MATERIALIZED ('
                                '  SELECT h.id, h.lead_key::pg_catalog.text AS lead_key, h.from_stage, h.to_stage, h.changed_at,'
                                '         h.fit, h.engagement, h.score, h.reason, h.changed_by, h.life_id, h.model_version, h.model'
                                '    FROM %s AS h)'
                                ' SELECT h.id, $1, h.lead_key, h.from_stage, h.to_stage, h.changed_at, h.fit, h.engagement,'
                                '        h.score, h.reason, h.changed_by, h.life_id, h.model_version, h.model FROM h', companion)
      USING leads;
  END IF;
END $$;
COMMENT ON FUNCTION lead_qual.history(regclass) IS
    'the stage history of one leads table, wherever it is kept (lead_qual.stage_history; on Citus its distributed history table), labelled with the table';

-- The rows of every history companion, as the reports read them: lead_key
-- is the lead''s key while the lead exists (NULL once deleted: on Citus the
-- key never changes, it is the distribution column).
CREATE OR REPLACE FUNCTION lead_qual._distributed_history()
RETURNS TABLE (lead_table regclass, lead_key text, to_stage lead_qual.lead_stage, changed_at timestamptz, life_id bigint)
LANGUAGE plpgsql STABLE ROWS 10 SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  t record;
BEGIN
  FOR t IN SELECT tr.leads, tr.options->>'key' AS key, lead_qual._history_companion(tr.leads) AS companion
             FROM lead_qual.tracked tr LOOP
    CONTINUE WHEN t.companion IS NULL;
    -- Labelled on the coordinator (history()).
    RETURN QUERY EXECUTE format('WITH h AS MATERIALIZED ('
                                '  SELECT l.%I::pg_catalog.text AS lead_key, h.to_stage, h.changed_at, h.life_id'
                                '    FROM %s AS h LEFT JOIN %s AS l ON l.%I OPERATOR(pg_catalog.=) h.lead_key)'
                                ' SELECT $1, h.lead_key, h.to_stage, h.changed_at, h.life_id FROM h',
                                t.key, t.companion, t.leads, t.key)
      USING t.leads;
  END LOOP;
END $$;
COMMENT ON FUNCTION lead_qual._distributed_history() IS
    'internal: the history rows of every Citus distributed leads table (its history companion), for the reports';
