-- The stage history of the scenario's leads table as read on the server the
-- statements were sent to (lead_qual.history(): on Citus the distributed
-- history table, read on the coordinator), labelled with the logical table
-- (never a shard), with the model that drove each change (on Citus known for
-- the changes lead_qual made, not for manual ones).
\set ON_ERROR_STOP 1
SELECT lead_table::text, lead_key, from_stage, to_stage, changed_at, round(fit::numeric, 6) AS fit,
       round(engagement::numeric, 6) AS engagement, round(score::numeric, 6) AS score, reason,
       CASE WHEN reason <> 'manual' THEN model END AS model
  FROM lead_qual.history(:'s' || '.leads')
 ORDER BY length(lead_key), lead_key, id;
