-- INSERT of leads (then an activity for one of them).
INSERT INTO :"s".leads (id, industry, employees) VALUES (13, 'software', 500), (14, 'retail', 5);
INSERT INTO :"s".activities (lead_id, activity, occurred_at) VALUES (13, 'demo', '2026-02-01 00:00+00');
