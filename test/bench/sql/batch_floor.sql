-- The floor of batch scoring: the same scan and GROUP BY lead, computing
-- nothing per activity. No scoring method can beat this.
SELECT count(*) AS leads, NULL AS total FROM (SELECT a.lead_id, count(*) FROM bench.batch_acts a GROUP BY a.lead_id) s;
