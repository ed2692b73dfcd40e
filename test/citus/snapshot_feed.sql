-- Takes every hand-off of the scenario's leads table from its durable feed
-- (lead_qual.take_handoffs(), as a consumer does; on Citus on the
-- coordinator). Ids are per server: left out, rows ordered per lead.
\set ON_ERROR_STOP 1
SELECT lead_table, lead_key, from_stage, to_stage, changed_at, round(score::numeric, 6) AS score,
       round(fit::numeric, 6) AS fit, round(engagement::numeric, 6) AS engagement, reason
  FROM lead_qual.take_handoffs(:'s' || '.leads', 1000000)
 ORDER BY length(lead_key), lead_key, id;
