-- untrack(), then TRUNCATE of the activities: no lead_qual trigger fires any more.
SELECT lead_qual.untrack(:'s' || '.activities');
TRUNCATE :"s".activities;
INSERT INTO :"s".activities (lead_id, activity, occurred_at) VALUES (1, 'demo', '2026-02-01 00:00+00');
