-- What a RevOps analyst and a BI dashboard see after the replay.
\set ON_ERROR_STOP 1
SET search_path = public, lead_qual;
SET timezone = 'UTC';
\pset footer off

\echo
\echo '== Funnel (lead_qual.funnel)'
SELECT stage, leads, round((100 * share)::numeric, 1) AS "share %" FROM funnel WHERE lead_table = 'crm.leads';

\echo '== Conversion, all time (lead_qual.stage_conversion)'
SELECT from_stage, to_stage, entered, reached, round((100 * rate)::numeric, 1) AS "rate %"
FROM stage_conversion WHERE lead_table = 'crm.leads' AND cohort_month IS NULL ORDER BY from_stage, to_stage;

\echo '== MQL -> SQL conversion by cohort month'
SELECT cohort_month, entered, reached, round((100 * rate)::numeric, 1) AS "rate %"
FROM stage_conversion WHERE lead_table = 'crm.leads' AND from_stage = 'mql' AND to_stage = 'sql'
  AND cohort_month IS NOT NULL ORDER BY cohort_month;

\echo '== Velocity (lead_qual.stage_velocity)'
SELECT from_stage, to_stage, leads, justify_hours(date_trunc('hour', median)) AS median,
       justify_hours(date_trunc('hour', p90)) AS p90
FROM stage_velocity WHERE lead_table = 'crm.leads' ORDER BY from_stage, to_stage;

\echo '== Top 10 SQLs'
SELECT id, company, industry, employees, round(fit_score::numeric, 1) AS fit,
       round(engagement_score::numeric, 1) AS engagement, round(score::numeric, 1) AS score, stage_changed_at::date AS "sql since"
FROM crm.leads WHERE stage = 'sql' ORDER BY score DESC, id LIMIT 10;

SELECT id AS top_id FROM crm.leads WHERE stage = 'sql' ORDER BY score DESC, id LIMIT 1 \gset
\echo '== Why lead' :top_id 'has its engagement (lead_qual.explain, as of 2026-06-30)'
SELECT rule, activity, activities, round(points::numeric, 2) AS points, capped
FROM explain((SELECT score_state FROM crm.leads WHERE id = :top_id), '2026-06-30') WHERE activities > 0;

\echo '== Does the score predict what sales accepts? (lead_qual.threshold_report, outcome: sql or later)'
SELECT threshold, flagged, round((100 * flagged_share)::numeric, 1) AS "flagged %",
       round("precision"::numeric, 3) AS "precision", round(recall::numeric, 3) AS recall, round(lift::numeric, 2) AS lift
FROM threshold_report('crm.leads', 'sql', '{10, 20, 30, 40, 50, 60, 70, 80}');
SELECT round(score_auc('crm.leads', 'sql')::numeric, 3) AS "ROC AUC (sql)",
       round(score_auc('crm.leads', 'customer')::numeric, 3) AS "ROC AUC (customer)";

\echo '== Score bands (lead_qual.score_bands)'
SELECT band_low, band_high, leads, reached, round((100 * rate)::numeric, 1) AS "reached sql %"
FROM score_bands WHERE lead_table = 'crm.leads';

\echo '== Stage changes recorded (lead_qual.stage_history)'
SELECT reason, count(*) AS changes FROM stage_history GROUP BY reason ORDER BY reason;

\echo '== Learned weights (lead_qual.fit_model: outcome opportunity, decided by sales; time-based holdout)'
-- The proposal is kept for run.sh's picture (demo.proposal).
CREATE TABLE demo.proposal AS SELECT fit_model('crm.leads', 'opportunity') AS report;
SELECT round((report #>> '{holdout,auc_current}')::numeric, 3) AS "holdout AUC, current model",
       round((report #>> '{holdout,auc_proposed}')::numeric, 3) AS "holdout AUC, learned model",
       report #>> '{holdout,n_train}' AS trained_on, report #>> '{holdout,n_holdout}' AS holdout
FROM demo.proposal;
SELECT r->>'rule' AS rule, coalesce(r->>'activity', r->>'when') AS "activity or condition",
       r->>'old_points' AS current, r->>'new_points' AS learned
FROM demo.proposal, jsonb_array_elements(report->'rules') r;
\echo '== What adopting it would do (lead_qual.preview_summary; nothing is written)'
SELECT model, leads, positives, moved_up, moved_down, round(auc::numeric, 3) AS auc,
       mql_flagged, round(mql_precision::numeric, 3) AS mql_precision, round(mql_recall::numeric, 3) AS mql_recall,
       sql_flagged, round(sql_precision::numeric, 3) AS sql_precision, round(sql_recall::numeric, 3) AS sql_recall
FROM preview_summary('crm.leads', (SELECT report->'model' FROM demo.proposal), '2026-06-30', 'opportunity');
