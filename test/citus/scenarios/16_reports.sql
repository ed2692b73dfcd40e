-- Reports: funnel, threshold_report, score_auc, score_bands, verify, and the batch aggregate by lead and across leads.
INSERT INTO :"s".activities (lead_id, activity, occurred_at)
SELECT l, 'demo', '2026-02-01 00:00+00' FROM generate_series(1, 12, 3) l;
UPDATE :"s".leads SET stage = 'opportunity' WHERE id IN (1, 4);
SELECT stage, leads, round(share::numeric, 6) FROM lead_qual.funnel
 WHERE lead_table_oid = (:'s' || '.leads')::regclass ORDER BY stage;
SELECT threshold, flagged, round(flagged_share::numeric, 6), round("precision"::numeric, 6), round(recall::numeric, 6)
  FROM lead_qual.threshold_report(:'s' || '.leads');
SELECT round(lead_qual.score_auc(:'s' || '.leads')::numeric, 6) AS auc;
SELECT band_low, band_high, leads, reached FROM lead_qual.score_bands
 WHERE lead_table_oid = (:'s' || '.leads')::regclass ORDER BY band_low;
SELECT * FROM lead_qual.verify(:'s' || '.leads');
SELECT lead_id, round(lead_qual.engagement(lead_qual.engagement_state(:'m', activity, occurred_at, NULL::jsonb),
                                          '2026-03-01 00:00+00')::numeric, 6) AS engagement
  FROM :"s".activities GROUP BY lead_id ORDER BY lead_id;
-- Not grouped by the distribution column: the aggregate's transition type is
-- internal, so Citus cannot combine partial results from the shards and
-- aggregates the rows on the coordinator; the same result as one server.
SELECT round(lead_qual.engagement(lead_qual.engagement_state(:'m', activity, occurred_at, NULL::jsonb),
                                  '2026-03-01 00:00+00')::numeric, 6) AS all_activities
  FROM :"s".activities;
SELECT activity, round(lead_qual.engagement(lead_qual.engagement_state(:'m', activity, occurred_at, NULL::jsonb, '2026-03-01 00:00+00'),
                                            '2026-03-01 00:00+00')::numeric, 6) AS engagement
  FROM :"s".activities GROUP BY activity ORDER BY activity;
