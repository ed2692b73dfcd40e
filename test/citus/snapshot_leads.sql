-- Every lead as lead_qual left it (model versions differ between servers:
-- the state is compared by what it holds, not its text).
\set ON_ERROR_STOP 1
SELECT id, stage, round(fit_score::numeric, 6) AS fit, round(engagement_score::numeric, 6) AS engagement,
       round(score::numeric, 6) AS score, stage_changed_at,
       round(lead_qual.engagement(score_state, '2026-03-01 00:00+00')::numeric, 6) AS state_engagement,
       (score_state::jsonb)->>'activities' AS state_activities
  FROM :"s".leads ORDER BY id;
