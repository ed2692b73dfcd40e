-- The arguments of lead_qual's triggers (issue #17): every trigger that
-- reads the configuration of track() or add_score() gets ONE argument,
-- format 2: "2" and the configuration's fields, each prefixed with its
-- length in bytes (src/pg/track_args.hpp, core/track_fields.hpp). Triggers
-- of format 1 ("1" and the fields as 16, 19, 21 or 22 separate arguments,
-- as earlier versions installed them) keep working. A backend decodes a
-- trigger's argument once and keeps it, compared with the trigger's own on
-- every call: a trigger replaced under the same OID is read afresh.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS lead_qual;
RESET client_min_messages;
SET search_path = public, lead_qual;
SET timezone = 'UTC';
SET extra_float_digits = 0;
SET lead_qual.as_of = '2026-03-01 12:00+00';

INSERT INTO scoring_model (name, definition) VALUES
('ta_model', '{
  "fit": {"rules": [{"when": {"employees": {"gte": 100}}, "points": 20}]},
  "engagement": {"half_life_days": 30, "rules": [{"activity": "visit", "points": 5}, {"activity": "demo", "points": 30}]},
  "stages": {"mql": {"min_engagement": 10}, "sql": {"min_score": 60}}}'),
('ta_second', '{
  "fit": {"rules": [{"when": {"employees": {"gte": 10}}, "points": 7}]},
  "engagement": {"half_life_days": 10, "rules": [{"activity": "visit", "points": 8}]},
  "stages": {"mql": {"min_engagement": 15}, "sql": {"min_score": 50}}}');

-- Names with spaces, colons and digits, which the encoding must not take
-- for its framing; a lead filter.
CREATE SCHEMA "ta: crm";
CREATE TABLE "ta: crm"."lead s" (id int PRIMARY KEY, employees int, active boolean NOT NULL DEFAULT true);
CREATE TABLE "ta: crm".activities (
    "lead 1:d" int REFERENCES "ta: crm"."lead s", activity text, occurred_at timestamptz NOT NULL);
CREATE INDEX ON "ta: crm".activities ("lead 1:d");
INSERT INTO "ta: crm"."lead s" VALUES (1, 500), (2, 20), (3, 150);
INSERT INTO "ta: crm".activities VALUES (1, 'visit', '2026-02-27'), (2, 'visit', '2026-02-20');
SELECT track('"ta: crm".activities', '"ta: crm"."lead s"', 'ta_model',
             '{"add_columns": true, "activity_lead_id": "lead 1:d", "lead_filter": "active"}') AS scored;
SELECT add_score('"ta: crm"."lead s"', 'ta_second', '{"add_columns": true}') AS second_scored;

-- Every trigger and its argument count: those reading the configuration
-- (activity_inserted, activity_changed, lead_changed) have one.
CREATE TEMP VIEW ta_triggers AS
SELECT t.tgrelid::regclass AS rel, t.tgname, p.proname, t.tgnargs, t.tgenabled
  FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
 WHERE t.tgrelid IN ('"ta: crm"."lead s"'::regclass, '"ta: crm".activities'::regclass) AND NOT t.tgisinternal
 ORDER BY t.tgrelid::regclass::text, t.tgname COLLATE "C";
SELECT * FROM ta_triggers;
-- The argument as stored (each model's triggers share one).
CREATE FUNCTION pg_temp.argument(tgargs bytea) RETURNS text LANGUAGE sql  -- without the terminating NUL
AS $$ SELECT convert_from(substring(tgargs FROM 1 FOR length(tgargs) - 1), 'UTF8') $$;
SELECT pg_temp.argument(tgargs) AS argument FROM pg_trigger
 WHERE tgrelid = '"ta: crm"."lead s"'::regclass AND tgname IN ('lead_qual_lead', 'lead_qual_lead/ta_second')
 ORDER BY tgname;
SELECT count(*) AS triggers, count(DISTINCT tgargs) AS arguments FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
 WHERE t.tgrelid IN ('"ta: crm"."lead s"'::regclass, '"ta: crm".activities'::regclass)
   AND p.proname IN ('activity_inserted', 'activity_changed', 'lead_changed');

-- The encoder takes the 21 fields, none NULL.
SELECT _encode_trigger_args(ARRAY['a', 'b']);
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT _encode_trigger_args(array_fill(NULL::text, ARRAY[21]));
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT _encode_trigger_args(array_fill('x:y'::text, ARRAY[21]));

CREATE TEMP VIEW ta_leads AS
SELECT id, active, fit_score, engagement_score, stage, ta_second_fit_score AS fit2,
       ta_second_engagement_score AS engagement2, ta_second_stage AS stage2
  FROM "ta: crm"."lead s" ORDER BY id;
CREATE TEMP VIEW ta_consistent AS
SELECT (SELECT count(*) FROM verify('"ta: crm"."lead s"', '2026-03-01 12:00+00')) AS driving_problems,
       (SELECT count(*) FROM verify('"ta: crm"."lead s"', '2026-03-01 12:00+00', 'ta_second')) AS second_problems;
SELECT * FROM ta_leads;

-- Scoring with format 2: an activity, an update and an insert of a lead
-- (lead_inserted() reads the configuration of the lead_changed trigger).
INSERT INTO "ta: crm".activities VALUES (2, 'demo', '2026-02-28');
UPDATE "ta: crm"."lead s" SET employees = 120 WHERE id = 2;
INSERT INTO "ta: crm"."lead s" VALUES (4, 50);
SELECT * FROM ta_leads;
SELECT * FROM ta_consistent;

-- ALTER TRIGGER ... RENAME keeps the trigger's OID and its argument.
CREATE TEMP TABLE ta_before AS SELECT oid, tgname, tgargs FROM pg_trigger
 WHERE tgrelid = '"ta: crm"."lead s"'::regclass AND tgname = 'lead_qual_lead';
ALTER TRIGGER lead_qual_lead ON "ta: crm"."lead s" RENAME TO ta_renamed;
SELECT t.oid = b.oid AS same_oid, t.tgargs = b.tgargs AS same_argument
  FROM pg_trigger t, ta_before b WHERE t.tgrelid = '"ta: crm"."lead s"'::regclass AND t.tgname = 'ta_renamed';
ALTER TRIGGER ta_renamed ON "ta: crm"."lead s" RENAME TO lead_qual_lead;

-- CREATE OR REPLACE TRIGGER keeps the OID and changes the argument: this
-- session decoded the old one above, and reads the new one (a key column
-- that does not exist: 42703).
CREATE FUNCTION pg_temp.replace_lead_trigger(argument text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('CREATE OR REPLACE TRIGGER lead_qual_lead BEFORE INSERT OR UPDATE ON "ta: crm"."lead s"'
                 ' FOR EACH ROW EXECUTE FUNCTION lead_qual.lead_changed(%L)', argument);
  ALTER TABLE "ta: crm"."lead s" ENABLE ALWAYS TRIGGER lead_qual_lead;
END $$;
SELECT pg_temp.replace_lead_trigger(replace(pg_temp.argument(b.tgargs), ' 2:id ', ' 6:no_key ')) FROM ta_before b;
SELECT t.oid = b.oid AS same_oid, t.tgargs <> b.tgargs AS other_argument
  FROM pg_trigger t, ta_before b WHERE t.tgrelid = '"ta: crm"."lead s"'::regclass AND t.tgname = 'lead_qual_lead';
UPDATE "ta: crm"."lead s" SET employees = 130 WHERE id = 2;
\echo sqlstate :LAST_ERROR_SQLSTATE
-- A malformed argument, and one of format 1 with a wrong count: 39P01,
-- naming the trigger.
SELECT pg_temp.replace_lead_trigger('2 3:abc');
UPDATE "ta: crm"."lead s" SET employees = 130 WHERE id = 2;
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT pg_temp.replace_lead_trigger('1');
UPDATE "ta: crm"."lead s" SET employees = 130 WHERE id = 2;
\echo sqlstate :LAST_ERROR_SQLSTATE
-- The original argument back: the trigger works again.
SELECT pg_temp.replace_lead_trigger(pg_temp.argument(b.tgargs)) FROM ta_before b;
SELECT t.tgargs = b.tgargs AS original_argument
  FROM pg_trigger t, ta_before b WHERE t.tgrelid = '"ta: crm"."lead s"'::regclass AND t.tgname = 'lead_qual_lead';
UPDATE "ta: crm"."lead s" SET employees = 130 WHERE id = 2;
SELECT * FROM ta_leads;

-- Format 1: replaces the triggers of `model` (CREATE OR REPLACE TRIGGER:
-- same names, same OIDs) with the first `n` arguments of the layout
-- earlier versions wrote: 16 (1.0, 1.1), 19 (1.2 builds before format 2),
-- 21 (those with a row filter), 22 (a model of add_score()).
CREATE FUNCTION pg_temp.to_format1(model text, n int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  t lead_qual.tracked := lead_qual._tracked_model('"ta: crm"."lead s"', model);
  o jsonb := t.options;
  args text;
  g record;
BEGIN
  SELECT string_agg(quote_literal(f), ', ' ORDER BY i) INTO args
    FROM unnest(ARRAY['1', t.leads::text, t.activities::text, t.model, o->>'key', o->>'activity_lead_id',
                      o->>'activity', o->>'occurred_at', coalesce(o->>'properties', ''), o->>'score_state',
                      o->>'fit_score', o->>'engagement_score', o->>'score', o->>'stage', o->>'stage_changed_at',
                      o->>'channel', coalesce(o->>'occurred_at_zone', ''), 'refuse', lead_qual._policy_bits('{}'),
                      coalesce(o->>'lead_filter', ''), coalesce(o->>'activity_filter', ''),
                      CASE WHEN (o->>'drives_stage')::boolean IS FALSE THEN 'shadow' ELSE '' END])
         WITH ORDINALITY AS u(f, i)
   WHERE i <= n;
  FOR g IN SELECT tr.tgname, tr.tgrelid::regclass AS rel, tr.tgenabled, p.proname, pg_get_triggerdef(tr.oid) AS def
             FROM pg_trigger tr JOIN pg_proc p ON p.oid = tr.tgfoid
            WHERE tr.tgrelid IN (t.leads, t.activities)
              AND p.proname IN ('activity_inserted', 'activity_changed', 'lead_changed')
              AND (tr.tgname LIKE '%/' || model OR model = (SELECT tk.model FROM lead_qual.tracked tk WHERE tk.leads = t.leads)
                                                    AND tr.tgname NOT LIKE '%/%') LOOP
    EXECUTE replace(left(g.def, position('EXECUTE FUNCTION' IN g.def) - 1), 'CREATE TRIGGER', 'CREATE OR REPLACE TRIGGER')
            || format('EXECUTE FUNCTION lead_qual.%I(%s)', g.proname, args);
    IF g.tgenabled = 'A' THEN
      EXECUTE format('ALTER TABLE %s ENABLE ALWAYS TRIGGER %I', g.rel, g.tgname);
    ELSIF g.tgenabled = 'R' THEN
      EXECUTE format('ALTER TABLE %s ENABLE REPLICA TRIGGER %I', g.rel, g.tgname);
    END IF;
  END LOOP;
END $$;

-- 16 arguments (no row filter: every lead scored).
SELECT pg_temp.to_format1('ta_model', 16);
SELECT rel, tgname, tgnargs, tgenabled FROM ta_triggers WHERE proname <> 'activity_statement_started';
INSERT INTO "ta: crm".activities VALUES (3, 'visit', '2026-02-26'), (3, 'visit', '2026-02-27');
UPDATE "ta: crm"."lead s" SET employees = 90 WHERE id = 3;
INSERT INTO "ta: crm"."lead s" VALUES (5, 400);
SELECT * FROM ta_leads;
SELECT * FROM ta_consistent;

-- 19 arguments, and 22 for the second model.
SELECT pg_temp.to_format1('ta_model', 19);
SELECT pg_temp.to_format1('ta_second', 22);
SELECT rel, tgname, tgnargs FROM ta_triggers WHERE proname IN ('activity_inserted', 'activity_changed', 'lead_changed');
INSERT INTO "ta: crm".activities VALUES (4, 'visit', '2026-02-28'), (5, 'demo', '2026-02-28');
INSERT INTO "ta: crm"."lead s" VALUES (6, 10);
DELETE FROM "ta: crm".activities WHERE "lead 1:d" = 1;
SELECT * FROM ta_leads;
SELECT * FROM ta_consistent;

-- 21 arguments: the lead filter is read again. Lead 3, made inactive, is
-- left as it is by both models (the second model's 22 arguments carry the
-- filter too).
SELECT pg_temp.to_format1('ta_model', 21);
UPDATE "ta: crm"."lead s" SET active = false WHERE id = 3;
INSERT INTO "ta: crm".activities VALUES (3, 'demo', '2026-02-28'), (3, 'visit', '2026-02-28'),
                                        (4, 'demo', '2026-02-28'), (4, 'visit', '2026-02-28');
SELECT * FROM ta_leads;
SELECT * FROM ta_consistent;

-- Re-installing the triggers (as ALTER EXTENSION lead_qual UPDATE does)
-- gives them format 2 again, and scoring goes on.
SELECT lead_qual._install_triggers(t) FROM lead_qual.tracked t WHERE t.leads = '"ta: crm"."lead s"'::regclass;
SELECT lead_qual._install_score_triggers(lead_qual._tracked_model(s.leads, s.model))
  FROM lead_qual.tracked_score s WHERE s.leads = '"ta: crm"."lead s"'::regclass;
SELECT rel, tgname, tgnargs FROM ta_triggers WHERE proname IN ('activity_inserted', 'activity_changed', 'lead_changed');
UPDATE "ta: crm"."lead s" SET active = true WHERE id = 3;
INSERT INTO "ta: crm".activities VALUES (6, 'visit', '2026-02-28');
SELECT * FROM ta_leads;
SELECT * FROM ta_consistent;

-- The activity triggers' prepared statements follow a replaced argument
-- too: this session prepared them for lead_qual_activity_update (the first
-- UPDATE below); replaced with an activity filter that leaves visits out,
-- the next UPDATE rebuilds lead 6 without its visit (engagement 0).
UPDATE "ta: crm".activities SET occurred_at = occurred_at WHERE "lead 1:d" = 6;
SELECT id, engagement_score > 0 AS engaged FROM "ta: crm"."lead s" WHERE id = 6;
DO $$
DECLARE
  t lead_qual.tracked;
BEGIN
  SELECT * INTO t FROM lead_qual.tracked WHERE leads = '"ta: crm"."lead s"'::regclass;
  t.options := t.options || jsonb_build_object('activity_filter', 'activity <> ''visit''');
  EXECUTE format('CREATE OR REPLACE TRIGGER lead_qual_activity_update AFTER UPDATE ON "ta: crm".activities'
                 ' REFERENCING OLD TABLE AS lead_qual_old NEW TABLE AS lead_qual_new'
                 ' FOR EACH STATEMENT EXECUTE FUNCTION lead_qual.activity_changed(%s)', lead_qual._trigger_args(t));
END $$;
UPDATE "ta: crm".activities SET occurred_at = occurred_at WHERE "lead 1:d" = 6;
SELECT id, engagement_score > 0 AS engaged FROM "ta: crm"."lead s" WHERE id = 6;

SET client_min_messages = warning;
SELECT untrack('"ta: crm".activities');
DROP SCHEMA "ta: crm" CASCADE;
DELETE FROM scoring_model WHERE name IN ('ta_model', 'ta_second');
RESET client_min_messages;
