-- stage_conversion and stage_velocity over history written by activities and manual changes; outcomes from the history.
INSERT INTO :"s".activities (lead_id, activity, occurred_at)
SELECT l, 'demo', '2026-02-01 00:00+00' FROM generate_series(1, 12) l;
UPDATE :"s".leads SET stage = 'opportunity' WHERE id IN (2, 3, 7);
UPDATE :"s".leads SET stage = 'customer' WHERE id = 2;
SELECT cohort_month, from_stage, to_stage, entered, reached, round(rate::numeric, 6) FROM lead_qual.stage_conversion
 WHERE lead_table_oid = (:'s' || '.leads')::regclass ORDER BY 1 NULLS FIRST, 2, 3;
SELECT from_stage, to_stage, leads, median, p90 FROM lead_qual.stage_velocity
 WHERE lead_table_oid = (:'s' || '.leads')::regclass ORDER BY 1, 2;
-- Outcomes from the history: lead 7 reached opportunity, then was disqualified (past customer in the stage order: only the history says it got there).
UPDATE :"s".leads SET stage = 'disqualified' WHERE id = 7;
SELECT threshold, flagged, round("precision"::numeric, 6), round(recall::numeric, 6)
  FROM lead_qual.threshold_report(:'s' || '.leads', 'opportunity');
SELECT lead_key, positive, outcome_at FROM lead_qual._outcomes(:'s' || '.leads', 'opportunity'::text)
 ORDER BY length(lead_key), lead_key;
