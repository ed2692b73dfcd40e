-- Single-row INSERT of an activity (lead 1 becomes an MQL).
INSERT INTO :"s".activities (lead_id, activity, occurred_at) VALUES (1, 'visit', '2026-02-01 00:00+00');
