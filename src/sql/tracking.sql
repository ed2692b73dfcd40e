------------------------------------------------------------------------------
-- Live qualification: tracked tables, their triggers, rescore/refresh/verify.
-- (Tables stage_history and tracked: src/sql/schema/tracking.sql.)
------------------------------------------------------------------------------

-- The time an activity counts at: its occurred_at, or when that is NULL the
-- transaction's start (lead_qual.as_of when set), as the insert trigger takes
-- it. Everything that folds activities into a state from the history calls
-- this: the rule has one definition (lq::pg::default_activity_time).
CREATE OR REPLACE FUNCTION lead_qual._counted_at(occurred_at timestamptz) RETURNS timestamptz
    AS 'MODULE_PATHNAME', 'lq_counted_at' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION lead_qual._counted_at(timestamptz) IS
    'internal: the time an activity counts at: occurred_at, or when NULL the transaction''s start (lead_qual.as_of when set)';

-- The error of every function handed a table that track() did not attach.
CREATE OR REPLACE FUNCTION lead_qual._not_tracked(tbl regclass) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  RAISE EXCEPTION 'table % is not tracked by lead_qual', tbl USING ERRCODE = 'undefined_object',
    HINT = 'Attach it with lead_qual.track(activities, leads, model).';
END $$;
COMMENT ON FUNCTION lead_qual._not_tracked(regclass) IS
    'internal: raises 42704 "table ... is not tracked by lead_qual"';

CREATE OR REPLACE FUNCTION lead_qual._apply(lead_key text, state lead_qual.score_state, stage lead_qual.lead_stage,
                                 stage_changed_at timestamptz, old_score double precision, attributes jsonb,
                                 full_state lead_qual.score_state, since_state lead_qual.score_state)
    RETURNS lead_qual.lead_update
    AS 'MODULE_PATHNAME', 'lq_apply' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION lead_qual._apply(text, lead_qual.score_state, lead_qual.lead_stage, timestamptz, double precision, jsonb, lead_qual.score_state, lead_qual.score_state) IS
    'internal: computes a lead''s new scores and stage inside lead_qual''s own UPDATE statements; errors when called otherwise';

CREATE OR REPLACE FUNCTION lead_qual._state_matches(state lead_qual.score_state, model text, version bigint) RETURNS boolean
    AS 'MODULE_PATHNAME', 'lq_state_matches' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION lead_qual._state_matches(lead_qual.score_state, text, bigint) IS
    'internal: true when a state is non-NULL and was built under this model name and version';

CREATE OR REPLACE FUNCTION lead_qual.model_attributes(model text) RETURNS text[]
    AS 'MODULE_PATHNAME', 'lq_model_attributes' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lead_qual.model_attributes(text) IS
    'the lead attributes a model reads (fit rules and stage requirements); tracked leads tables need a column for each';

CREATE OR REPLACE FUNCTION lead_qual.activity_inserted() RETURNS trigger
    AS 'MODULE_PATHNAME', 'lq_activity_inserted' LANGUAGE C;
COMMENT ON FUNCTION lead_qual.activity_inserted() IS
    'statement trigger (AFTER INSERT, transition table) installed by track(): folds new activities into their leads';
CREATE OR REPLACE FUNCTION lead_qual.activity_changed() RETURNS trigger
    AS 'MODULE_PATHNAME', 'lq_activity_changed' LANGUAGE C;
COMMENT ON FUNCTION lead_qual.activity_changed() IS
    'statement trigger (AFTER UPDATE/DELETE, transition tables) installed by track(): rebuilds the affected leads from their history';
CREATE OR REPLACE FUNCTION lead_qual.lead_changed() RETURNS trigger
    AS 'MODULE_PATHNAME', 'lq_lead_changed' LANGUAGE C;
COMMENT ON FUNCTION lead_qual.lead_changed() IS
    'row trigger (BEFORE INSERT OR UPDATE on leads) installed by track(): checks and records manual stage changes, rescores changed attributes';
CREATE OR REPLACE FUNCTION lead_qual.activity_truncated() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  PERFORM lead_qual.rescore(TG_ARGV[0]::regclass);
  RETURN NULL;
END $$;
COMMENT ON FUNCTION lead_qual.activity_truncated() IS
    'statement trigger (AFTER TRUNCATE) installed by track(): rescoring every lead from the (now empty) history';

-- _rewrite(leads, reason, as_of, only_stale): lead_qual's set-based rewrite
-- of a tracked leads table, shared by rescore() and refresh(). Leads are
-- rebuilt from their activity history; with only_stale, only those whose
-- state is missing or of another model version (refresh() decays the rest).
CREATE OR REPLACE FUNCTION lead_qual._rewrite(leads regclass, reason text, as_of timestamptz, only_stale boolean) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  t lead_qual.tracked;
  o jsonb;
  attrs text;
  set_list text;
  apply_args text;
  stale text;
  since text;
  version bigint;
  changed bigint := 0;
BEGIN
  SELECT * INTO t FROM lead_qual.tracked WHERE tracked.leads = _rewrite.leads;
  IF NOT FOUND THEN
    PERFORM lead_qual._not_tracked(leads);
  END IF;
  o := t.options;
  SELECT m.version INTO version FROM lead_qual.scoring_model m WHERE m.name = t.model;
  SELECT coalesce('pg_catalog.jsonb_build_object(' ||
                  string_agg(format('%L, l.%I', a, a), ', ') || ')', 'NULL::pg_catalog.jsonb')
    INTO attrs FROM unnest(lead_qual.model_attributes(t.model)) a
   -- A column dropped since track() reads as missing.
   WHERE EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = leads AND attname = a AND attnum > 0 AND NOT attisdropped);
  set_list := format('(%I, %I, %I, %I, %I, %I)', o->>'score_state', o->>'engagement_score', o->>'fit_score',
                     o->>'score', o->>'stage', o->>'stage_changed_at');
  apply_args := format('l.%I::pg_catalog.text, l.%I, l.%I, l.%I, l.%I, %s', o->>'key', o->>'score_state', o->>'stage',
                       o->>'stage_changed_at', o->>'score', attrs);
  -- A recycled lead's activities counted after its stage_changed_at: all
  -- that may lift it (README, "Recycled and disqualified leads").
  since := format('CASE WHEN l.%1$I OPERATOR(lead_qual.=) ''recycled''::lead_qual.lead_stage THEN'
                  ' (SELECT lead_qual.engagement_state(%2$L, s.%3$I::pg_catalog.text, lead_qual._counted_at(s.%4$I), %5$s)'
                  '    FROM %6$s AS s WHERE s.%7$I OPERATOR(pg_catalog.=) l.%8$I'
                  '     AND lead_qual._counted_at(s.%4$I) OPERATOR(pg_catalog.>)'
                  '         COALESCE(l.%9$I, ''-infinity''::pg_catalog.timestamptz)) END',
                  o->>'stage', t.model, o->>'activity', o->>'occurred_at',
                  CASE WHEN o->>'properties' IS NULL THEN 'NULL::pg_catalog.jsonb' ELSE format('s.%I', o->>'properties') END,
                  t.activities, o->>'activity_lead_id', o->>'key', o->>'stage_changed_at');
  stale := CASE WHEN only_stale
                THEN format(' AND NOT lead_qual._state_matches(l.%I, %L, %s)', o->>'score_state', t.model, version)
                ELSE '' END;
  -- One table lock up front instead of row locks in join order: no deadlock
  -- with the activity triggers, which lock leads rows in key order.
  EXECUTE format('LOCK TABLE %s IN SHARE ROW EXCLUSIVE MODE', leads);
  PERFORM lead_qual._begin_write(t.model, leads, reason, as_of);
  BEGIN
    IF reason = 'refresh' THEN
      -- Leads whose state is current: decay it to as_of (and recycle).
      EXECUTE format('UPDATE %s AS l SET %s = (SELECT r.* FROM lead_qual._apply(%s, l.%I, %s) r)'
                     ' WHERE lead_qual._state_matches(l.%I, %L, %s)',
                     leads, set_list, apply_args, o->>'score_state', since, o->>'score_state', t.model, version);
    END IF;
    -- Leads with activities: their state rebuilt from the history.
    EXECUTE format(
      'UPDATE %s AS l SET %s = (SELECT r.* FROM lead_qual._apply(%s, h.state, %s) r)'
      ' FROM (SELECT a.%I AS k, lead_qual.engagement_state(%L, a.%I::pg_catalog.text, lead_qual._counted_at(a.%I), %s) AS state'
      '         FROM %s AS a GROUP BY a.%I) AS h'
      ' WHERE l.%I OPERATOR(pg_catalog.=) h.k%s',
      leads, set_list, apply_args, since,
      o->>'activity_lead_id', t.model, o->>'activity', o->>'occurred_at',
      CASE WHEN o->>'properties' IS NULL THEN 'NULL::pg_catalog.jsonb' ELSE format('a.%I', o->>'properties') END,
      t.activities, o->>'activity_lead_id', o->>'key', stale);
    -- Leads without any activity: an empty state.
    EXECUTE format(
      'UPDATE %s AS l SET %s = (SELECT r.* FROM lead_qual._apply(%s, NULL, NULL) r)'
      ' WHERE NOT EXISTS (SELECT 1 FROM %s AS a WHERE a.%I OPERATOR(pg_catalog.=) l.%I)%s',
      leads, set_list, apply_args, t.activities, o->>'activity_lead_id', o->>'key', stale);
    changed := lead_qual._end_write();
  EXCEPTION WHEN OTHERS THEN
    PERFORM lead_qual._abort_write();
    RAISE;
  END;
  RETURN changed;
END $$;
COMMENT ON FUNCTION lead_qual._rewrite(regclass, text, timestamptz, boolean) IS
    'internal: set-based rewrite of a tracked leads table (rescore, refresh)';

CREATE OR REPLACE FUNCTION lead_qual.rescore(leads regclass) RETURNS bigint
LANGUAGE sql STRICT SET search_path = pg_catalog, pg_temp
AS $$ SELECT lead_qual._rewrite(leads, 'rescore', NULL, false) $$;
COMMENT ON FUNCTION lead_qual.rescore(regclass) IS
    'rebuilds every lead of a tracked leads table from its activity history (set-based); returns how many leads changed';

CREATE OR REPLACE FUNCTION lead_qual.refresh(leads regclass, as_of timestamptz DEFAULT now()) RETURNS bigint
LANGUAGE sql STRICT SET search_path = pg_catalog, pg_temp
AS $$ SELECT lead_qual._rewrite(leads, 'refresh', as_of, true) $$;
COMMENT ON FUNCTION lead_qual.refresh(regclass, timestamptz) IS
    'recomputes every lead''s decayed scores as of a time and applies the model''s recycle rule; returns how many leads changed';

CREATE OR REPLACE FUNCTION lead_qual._begin_write(model text, leads regclass, reason text, as_of timestamptz) RETURNS void
    AS 'MODULE_PATHNAME', 'lq_begin_write' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION lead_qual._begin_write(text, regclass, text, timestamptz) IS 'internal: starts a lead_qual write (rescore, refresh)';
CREATE OR REPLACE FUNCTION lead_qual._end_write() RETURNS bigint
    AS 'MODULE_PATHNAME', 'lq_end_write' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION lead_qual._end_write() IS 'internal: records stage history and notifications of a lead_qual write; returns how many leads changed';
CREATE OR REPLACE FUNCTION lead_qual._abort_write() RETURNS void
    AS 'MODULE_PATHNAME', 'lq_abort_write' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION lead_qual._abort_write() IS 'internal: abandons a lead_qual write after an error';

-- track(activities, leads, model, options): attaches lead_qual to a CRM's
-- activity and leads tables (README, "Live qualification").
CREATE OR REPLACE FUNCTION lead_qual.track(activities regclass, leads regclass, model text, options jsonb DEFAULT '{}')
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  o jsonb;
  k text;
  problems text[] := '{}';
  missing text[] := '{}';
  col record;
  key_type regtype;
  args text;
  written constant text[] := ARRAY['fit_score', 'engagement_score', 'score', 'stage', 'score_state', 'stage_changed_at'];
  written_types constant regtype[] := ARRAY['float8', 'float8', 'float8', 'lead_qual.lead_stage', 'lead_qual.score_state',
                                            'timestamptz']::regtype[];
  i int;
  t regtype;
  scored bigint;
  policy_bits text := lead_qual._policy_bits('{}');
BEGIN
  IF activities IS NULL OR leads IS NULL OR model IS NULL OR options IS NULL THEN
    RAISE EXCEPTION 'track() arguments must not be NULL' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  -- The caller acts through this SECURITY DEFINER function only on tables it owns.
  IF NOT pg_has_role(session_user, (SELECT relowner FROM pg_class WHERE oid = activities), 'USAGE')
     OR NOT pg_has_role(session_user, (SELECT relowner FROM pg_class WHERE oid = leads), 'USAGE') THEN
    RAISE EXCEPTION 'must be owner of tables % and % to track them', activities, leads
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM lead_qual.scoring_model m WHERE m.name = model) THEN
    RAISE EXCEPTION 'scoring model "%" does not exist', model USING ERRCODE = 'undefined_object';
  END IF;
  IF EXISTS (SELECT 1 FROM lead_qual.tracked tr WHERE tr.activities = track.activities OR tr.leads = track.leads) THEN
    RAISE EXCEPTION 'table % or % is already tracked', activities, leads USING ERRCODE = 'duplicate_object',
      HINT = 'lead_qual.untrack(activities) detaches it first.';
  END IF;
  FOR k IN SELECT jsonb_object_keys(options) LOOP
    IF k NOT IN ('activity_lead_id', 'activity', 'occurred_at', 'properties', 'key', 'fit_score', 'engagement_score',
                 'score', 'stage', 'score_state', 'stage_changed_at', 'channel', 'add_columns',
                 'keep_stage_on_stale_save', 'transitions') THEN
      problems := problems || format('unknown option "%s"', k);
    ELSIF k NOT IN ('add_columns', 'keep_stage_on_stale_save', 'transitions') AND jsonb_typeof(options->k) <> 'string' THEN
      problems := problems || format('option "%s" must be a string', k);
    END IF;
  END LOOP;
  FOREACH k IN ARRAY ARRAY['add_columns', 'keep_stage_on_stale_save'] LOOP
    IF options ? k AND jsonb_typeof(options->k) <> 'boolean' THEN
      problems := problems || format('option "%s" must be true or false', k);
    END IF;
  END LOOP;
  IF cardinality(problems) = 0 AND options ? 'transitions' THEN
    -- Raises 22023 naming the bad field of the policy.
    policy_bits := lead_qual._policy_bits(options->'transitions');
  END IF;
  IF cardinality(problems) > 0 THEN
    RAISE EXCEPTION 'invalid track() options: %', array_to_string(problems, '; ') USING ERRCODE = 'invalid_parameter_value';
  END IF;
  o := jsonb_build_object('activity_lead_id', 'lead_id', 'activity', 'activity', 'occurred_at', 'occurred_at',
                          'properties', 'properties', 'key', 'id', 'fit_score', 'fit_score',
                          'engagement_score', 'engagement_score', 'score', 'score', 'stage', 'stage',
                          'score_state', 'score_state', 'stage_changed_at', 'stage_changed_at', 'channel', 'lead_qual',
                          'keep_stage_on_stale_save', false, 'transitions', '{}'::jsonb)
       || (options - 'add_columns');

  -- Activity columns.
  SELECT atttypid::regtype INTO key_type FROM pg_attribute
   WHERE attrelid = leads AND attname = o->>'key' AND attnum > 0 AND NOT attisdropped;
  IF key_type IS NULL THEN
    problems := problems || format('leads table %s has no key column "%s"', leads, o->>'key');
  ELSIF NOT EXISTS (SELECT 1 FROM pg_index x JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[0]
                     WHERE x.indrelid = leads AND x.indisunique AND x.indnkeyatts = 1 AND x.indpred IS NULL
                       AND a.attname = o->>'key') THEN
    problems := problems || format('key column %s.%s is not unique (it needs a primary key or unique index)', leads, o->>'key');
  END IF;
  FOR k, t IN SELECT * FROM (VALUES ('activity_lead_id', key_type), ('activity', 'text'::regtype),
                                    ('occurred_at', 'timestamptz'::regtype), ('properties', 'jsonb'::regtype)) v LOOP
    SELECT atttypid::regtype AS typ INTO col FROM pg_attribute
     WHERE attrelid = activities AND attname = o->>k AND attnum > 0 AND NOT attisdropped;
    IF NOT FOUND THEN
      IF k = 'properties' AND NOT options ? 'properties' THEN
        o := o - 'properties';    -- optional: activities without properties
      ELSE
        problems := problems || format('activity table %s has no column "%s" (option %s)', activities, o->>k, k);
      END IF;
    ELSIF k = 'activity' AND col.typ NOT IN ('text'::regtype, 'varchar'::regtype) THEN
      problems := problems || format('column %s.%s must be text or varchar, not %s', activities, o->>k, col.typ);
    ELSIF t IS NOT NULL AND k <> 'activity' AND col.typ <> t THEN
      problems := problems || format('column %s.%s must be of type %s, not %s', activities, o->>k, t, col.typ);
    END IF;
  END LOOP;

  -- Written lead columns.
  FOR i IN 1 .. cardinality(written) LOOP
    SELECT atttypid::regtype AS typ INTO col FROM pg_attribute
     WHERE attrelid = leads AND attname = o->>written[i] AND attnum > 0 AND NOT attisdropped;
    IF NOT FOUND THEN
      missing := missing || written[i];
    ELSIF col.typ <> written_types[i] THEN
      problems := problems || format('column %s.%s must be of type %s, not %s', leads, o->>written[i], written_types[i], col.typ);
    END IF;
  END LOOP;
  IF cardinality(missing) > 0 AND NOT coalesce((options->>'add_columns')::boolean, false) THEN
    problems := problems || (SELECT array_agg(format('leads table %s has no column "%s" (option %s; or pass "add_columns": true)',
                                                      leads, o->>m, m)) FROM unnest(missing) m);
  END IF;

  -- Every attribute the model reads must be a column of the leads table.
  problems := problems || coalesce((SELECT array_agg(format('model "%s" reads attribute "%s", but leads table %s has no such column', model, a, leads))
                                      FROM unnest(lead_qual.model_attributes(model)) a
                                     WHERE NOT EXISTS (SELECT 1 FROM pg_attribute
                                                        WHERE attrelid = leads AND attname = a AND attnum > 0 AND NOT attisdropped)), '{}');
  IF cardinality(problems) = 1 THEN
    RAISE EXCEPTION 'cannot track % and %: %', activities, leads, problems[1]
      USING ERRCODE = CASE WHEN problems[1] LIKE '%has no%' THEN 'undefined_column' ELSE 'datatype_mismatch' END;
  ELSIF cardinality(problems) > 1 THEN
    RAISE EXCEPTION 'cannot track % and %: %', activities, leads, problems[1]
      USING ERRCODE = CASE WHEN problems[1] LIKE '%has no%' THEN 'undefined_column' ELSE 'datatype_mismatch' END,
            DETAIL = 'All ' || cardinality(problems) || ' problems:' || E'\n  ' || array_to_string(problems, E'\n  ');
  END IF;
  IF cardinality(missing) > 0 THEN
    EXECUTE format('ALTER TABLE %s %s', leads,
                   (SELECT string_agg(format('ADD COLUMN %I %s', o->>written[g.n], written_types[g.n]), ', ')
                      FROM generate_subscripts(written, 1) AS g(n) WHERE written[g.n] = ANY (missing)));
  END IF;

  INSERT INTO lead_qual.tracked (activities, leads, model, options) VALUES (activities, leads, model, o);

  -- Everything the triggers need travels in their arguments (no look-up of
  -- this configuration at run time): see src/pg/track_args.hpp for the order.
  args := format('%L, %L, %L, %L, %L, %L, %L, %L, %L, %L, %L, %L, %L, %L, %L, %L, %L, %L',
                 '1', leads::text, activities::text, model, o->>'key', o->>'activity_lead_id', o->>'activity',
                 o->>'occurred_at', coalesce(o->>'properties', ''), o->>'score_state', o->>'fit_score',
                 o->>'engagement_score', o->>'score', o->>'stage', o->>'stage_changed_at', o->>'channel',
                 CASE WHEN (o->>'keep_stage_on_stale_save')::boolean THEN 'keep' ELSE 'refuse' END, policy_bits);
  EXECUTE format('CREATE TRIGGER lead_qual_activity_insert AFTER INSERT ON %s REFERENCING NEW TABLE AS lead_qual_new'
                 ' FOR EACH STATEMENT EXECUTE FUNCTION lead_qual.activity_inserted(%s)', activities, args);
  EXECUTE format('CREATE TRIGGER lead_qual_activity_update AFTER UPDATE ON %s'
                 ' REFERENCING OLD TABLE AS lead_qual_old NEW TABLE AS lead_qual_new'
                 ' FOR EACH STATEMENT EXECUTE FUNCTION lead_qual.activity_changed(%s)', activities, args);
  EXECUTE format('CREATE TRIGGER lead_qual_activity_delete AFTER DELETE ON %s REFERENCING OLD TABLE AS lead_qual_old'
                 ' FOR EACH STATEMENT EXECUTE FUNCTION lead_qual.activity_changed(%s)', activities, args);
  EXECUTE format('CREATE TRIGGER lead_qual_activity_truncate AFTER TRUNCATE ON %s'
                 ' FOR EACH STATEMENT EXECUTE FUNCTION lead_qual.activity_truncated(%L)', activities, leads::text);
  EXECUTE format('CREATE TRIGGER lead_qual_lead BEFORE INSERT OR UPDATE ON %s'
                 ' FOR EACH ROW EXECUTE FUNCTION lead_qual.lead_changed(%s)', leads, args);

  IF NOT EXISTS (SELECT 1 FROM pg_index x JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[0]
                  WHERE x.indrelid = activities AND a.attname = o->>'activity_lead_id') THEN
    RAISE WARNING 'activity table % has no index on %: rebuilding a lead from its history will scan the whole table',
      activities, o->>'activity_lead_id'
      USING HINT = format('CREATE INDEX ON %s (%I);', activities, o->>'activity_lead_id');
  END IF;
  scored := lead_qual.rescore(leads);
  RETURN scored;
END $$;
COMMENT ON FUNCTION lead_qual.track(regclass, regclass, text, jsonb) IS
    'attaches lead_qual to an activity table and its leads table: checks every column up front, installs the triggers, scores every lead; returns how many leads changed';

CREATE OR REPLACE FUNCTION lead_qual.untrack(activities regclass) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  t lead_qual.tracked;
BEGIN
  SELECT * INTO t FROM lead_qual.tracked tr WHERE tr.activities = untrack.activities;
  IF NOT FOUND THEN
    PERFORM lead_qual._not_tracked(activities);
  END IF;
  IF NOT pg_has_role(session_user, (SELECT relowner FROM pg_class WHERE oid = activities), 'USAGE') THEN
    RAISE EXCEPTION 'must be owner of table % to untrack it', activities USING ERRCODE = 'insufficient_privilege';
  END IF;
  EXECUTE format('DROP TRIGGER IF EXISTS lead_qual_activity_insert ON %s', t.activities);
  EXECUTE format('DROP TRIGGER IF EXISTS lead_qual_activity_update ON %s', t.activities);
  EXECUTE format('DROP TRIGGER IF EXISTS lead_qual_activity_delete ON %s', t.activities);
  EXECUTE format('DROP TRIGGER IF EXISTS lead_qual_activity_truncate ON %s', t.activities);
  EXECUTE format('DROP TRIGGER IF EXISTS lead_qual_lead ON %s', t.leads);
  DELETE FROM lead_qual.tracked tr WHERE tr.activities = untrack.activities;
END $$;
COMMENT ON FUNCTION lead_qual.untrack(regclass) IS
    'detaches lead_qual from an activity table: drops its triggers; scores, stages and history stay';

-- verify(leads, as_of) (since 1.1): a consistency check of stored lead states
-- against their activity history (after a crash, a restore, manual edits of
-- the score columns, or triggers that were disabled for a while).

CREATE OR REPLACE FUNCTION lead_qual.verify(leads regclass, as_of timestamptz DEFAULT now())
RETURNS TABLE (lead_key text, problem text, stored_engagement double precision, history_engagement double precision,
               stored_activities bigint, history_activities bigint)
LANGUAGE plpgsql STABLE STRICT SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  t lead_qual.tracked;
  o jsonb;
  version bigint;
BEGIN
  SELECT * INTO t FROM lead_qual.tracked WHERE tracked.leads = verify.leads;
  IF NOT FOUND THEN
    PERFORM lead_qual._not_tracked(leads);
  END IF;
  o := t.options;
  SELECT m.version INTO version FROM lead_qual.scoring_model m WHERE m.name = t.model;
  RETURN QUERY EXECUTE format(
    'SELECT c.k, c.problem, c.se, c.he, c.sa, c.ha FROM ('
    '  SELECT l.%1$I::pg_catalog.text AS k,'
    '         lead_qual.engagement(l.%2$I, $1) AS se, lead_qual.engagement(h.state, $1) AS he,'
    '         ((l.%2$I::pg_catalog.text::pg_catalog.jsonb) OPERATOR(pg_catalog.->>) ''activities'')::bigint AS sa,'
    '         COALESCE(((h.state::pg_catalog.text::pg_catalog.jsonb) OPERATOR(pg_catalog.->>) ''activities'')::bigint, 0) AS ha,'
    '         CASE WHEN l.%2$I IS NULL THEN ''no state'''
    '              WHEN NOT lead_qual._state_matches(l.%2$I, %3$L, %4$s) THEN ''state of another model version'''
    '              WHEN ((l.%2$I::pg_catalog.text::pg_catalog.jsonb) OPERATOR(pg_catalog.->>) ''activities'')::bigint'
    '                   OPERATOR(pg_catalog.<>) COALESCE(((h.state::pg_catalog.text::pg_catalog.jsonb) OPERATOR(pg_catalog.->>) ''activities'')::bigint, 0)'
    '                THEN ''activity count differs from the history'''
    '              WHEN pg_catalog.abs(lead_qual.engagement(l.%2$I, $1) OPERATOR(pg_catalog.-) COALESCE(lead_qual.engagement(h.state, $1), 0))'
    '                   OPERATOR(pg_catalog.>) 1e-9 * GREATEST(1, pg_catalog.abs(COALESCE(lead_qual.engagement(h.state, $1), 0)))'
    '                THEN ''engagement differs from the history'' END AS problem'
    '    FROM %5$s AS l'
    '    LEFT JOIN (SELECT a.%6$I AS lead_id,'
    '                      lead_qual.engagement_state(%3$L, a.%7$I::pg_catalog.text, lead_qual._counted_at(a.%8$I), %9$s) AS state'
    '                 FROM %10$s AS a GROUP BY a.%6$I) AS h ON h.lead_id OPERATOR(pg_catalog.=) l.%1$I'
    ') AS c WHERE c.problem IS NOT NULL ORDER BY c.k',
    o->>'key', o->>'score_state', t.model, version, leads, o->>'activity_lead_id', o->>'activity', o->>'occurred_at',
    CASE WHEN o->>'properties' IS NULL THEN 'NULL::pg_catalog.jsonb' ELSE format('a.%I', o->>'properties') END,
    t.activities)
  USING as_of;
END $$;
COMMENT ON FUNCTION lead_qual.verify(regclass, timestamptz) IS
    'leads of a tracked table whose stored score_state disagrees with their activity history (none when consistent)';
