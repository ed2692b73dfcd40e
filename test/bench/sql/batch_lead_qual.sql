-- Batch scoring with lead_qual: the engagement_state aggregate per lead,
-- read as of :'as_of'. Summed so the client receives one row.
SELECT count(*) AS leads, sum(e) AS total FROM (
  SELECT a.lead_id,
         lead_qual.engagement(lead_qual.engagement_state('bench_model', a.activity, a.occurred_at, a.properties),
                              :'as_of') AS e
    FROM bench.batch_acts a GROUP BY a.lead_id) s;
