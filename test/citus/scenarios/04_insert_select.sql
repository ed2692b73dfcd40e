-- INSERT ... SELECT of activities (two visits for every lead).
INSERT INTO :"s".activities (lead_id, activity, occurred_at)
SELECT l, 'visit', timestamptz '2026-02-10 00:00+00' + n * interval '1 hour'
  FROM generate_series(1, 12) l, generate_series(1, 2) n;
