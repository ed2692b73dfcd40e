-- Stage transition policy: the full matrix, transition(), the trigger.
SET search_path = public, lead_qual;

CREATE TEMP VIEW all_stages AS
SELECT s::lead_stage AS s
FROM unnest(ARRAY['subscriber', 'lead', 'mql', 'sql', 'opportunity', 'customer', 'recycled', 'disqualified']) AS s;

-- The policy table from the README, written out by hand (from, to, allowed).
CREATE TEMP TABLE policy (from_stage lead_stage, to_stage lead_stage, allowed boolean);
INSERT INTO policy
SELECT f, t, f = t                                                     -- staying put
          OR (f <> 'customer' AND t = 'disqualified')                  -- anything but customer may be disqualified
          OR (f < t AND t <= 'customer' AND f <= 'opportunity')        -- forward along the funnel
          OR (f IN ('mql', 'sql', 'opportunity') AND t = 'recycled')   -- handed back to marketing
          OR (f = 'recycled' AND t IN ('lead', 'mql', 'sql'))          -- re-engaged
          OR (f = 'disqualified' AND t = 'lead')                       -- reopened
FROM all_stages a(f) CROSS JOIN all_stages b(t);

-- All 64 pairs agree with the policy.
SELECT count(*) AS pairs, count(*) FILTER (WHERE can_transition(from_stage, to_stage) = allowed) AS agreeing
FROM policy;

-- The matrix itself (rows: from; columns in funnel order), so a change is visible in review.
SELECT from_stage,
       string_agg(CASE WHEN can_transition(from_stage, to_stage) THEN 'Y' ELSE '.' END, ' ' ORDER BY to_stage) AS "s l m q o c r d"
FROM policy GROUP BY from_stage ORDER BY from_stage;

-- allowed_transitions agrees with can_transition.
SELECT f AS from_stage, allowed_transitions(f) FROM all_stages a(f) ORDER BY f;
SELECT bool_and(allowed_transitions(from_stage) @> ARRAY[to_stage] = allowed) AS consistent FROM policy;

-- transition() returns the target or raises 23514 with the allowed targets.
SELECT transition('lead', 'sql'), transition('recycled', 'mql'), transition('customer', 'customer');
SELECT transition('sql', 'mql');
\echo sqlstate :LAST_ERROR_SQLSTATE
SELECT transition('customer', 'disqualified');
SELECT transition('disqualified', 'mql');
SELECT transition('lead', 'recycled');
SELECT can_transition(NULL, 'lead') IS NULL AS strict_null, transition('lead', NULL) IS NULL AS strict_null2;

-- Every forbidden pair raises, every allowed pair returns its target.
DO $$
DECLARE p record; raised boolean; bad int := 0;
BEGIN
  FOR p IN SELECT * FROM policy LOOP
    raised := false;
    BEGIN
      PERFORM lead_qual.transition(p.from_stage, p.to_stage);
    EXCEPTION WHEN check_violation THEN raised := true;
    END;
    IF raised = p.allowed THEN bad := bad + 1; END IF;
  END LOOP;
  RAISE NOTICE 'transition() disagreements with the policy: %', bad;
END $$;

-- The trigger on a CRM table.
CREATE TABLE crm_leads (id int PRIMARY KEY, email text, lifecycle lead_stage);
CREATE TRIGGER crm_leads_stage BEFORE INSERT OR UPDATE ON crm_leads
  FOR EACH ROW EXECUTE FUNCTION enforce_stage_transition('lifecycle');
INSERT INTO crm_leads VALUES (1, 'a@example.com', 'lead'), (2, 'b@example.com', 'customer'), (3, 'c@example.com', NULL);
UPDATE crm_leads SET lifecycle = 'sql' WHERE id = 1;             -- forward, skipping mql
UPDATE crm_leads SET lifecycle = 'recycled' WHERE id = 1;        -- handed back
UPDATE crm_leads SET lifecycle = 'mql' WHERE id = 1;             -- re-engaged
UPDATE crm_leads SET email = 'a2@example.com' WHERE id = 1;      -- stage untouched
UPDATE crm_leads SET lifecycle = 'lead' WHERE id = 1;            -- backward: rejected
\echo sqlstate :LAST_ERROR_SQLSTATE
UPDATE crm_leads SET lifecycle = 'lead' WHERE id = 2;            -- customer is terminal
UPDATE crm_leads SET lifecycle = 'mql' WHERE id = 3;             -- from NULL: not a stage change
UPDATE crm_leads SET lifecycle = 'disqualified' WHERE id IN (1, 3);
-- A multi-row update is all or nothing.
UPDATE crm_leads SET lifecycle = 'lead';
SELECT * FROM crm_leads ORDER BY id;

-- Misuse is reported clearly.
CREATE TABLE misuse (id int, stage text, lifecycle lead_stage);
CREATE TRIGGER t1 BEFORE UPDATE ON misuse FOR EACH ROW EXECUTE FUNCTION enforce_stage_transition('nope');
INSERT INTO misuse VALUES (1, 'lead', 'lead');
UPDATE misuse SET id = 2;
\echo sqlstate :LAST_ERROR_SQLSTATE
DROP TRIGGER t1 ON misuse;
CREATE TRIGGER t2 BEFORE UPDATE ON misuse FOR EACH ROW EXECUTE FUNCTION enforce_stage_transition('stage');
UPDATE misuse SET id = 2;
\echo sqlstate :LAST_ERROR_SQLSTATE
DROP TRIGGER t2 ON misuse;
CREATE TRIGGER t3 BEFORE UPDATE ON misuse FOR EACH ROW EXECUTE FUNCTION enforce_stage_transition();
UPDATE misuse SET id = 2;
DROP TRIGGER t3 ON misuse;
CREATE TRIGGER t4 AFTER UPDATE ON misuse FOR EACH ROW EXECUTE FUNCTION enforce_stage_transition('lifecycle');
UPDATE misuse SET id = 2;
DROP TRIGGER t4 ON misuse;
CREATE TRIGGER t5 BEFORE UPDATE ON misuse FOR EACH STATEMENT EXECUTE FUNCTION enforce_stage_transition('lifecycle');
UPDATE misuse SET id = 2;
DROP TRIGGER t5 ON misuse;
SELECT enforce_stage_transition();

DROP TABLE crm_leads, misuse;
