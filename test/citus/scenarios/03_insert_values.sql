-- Multi-row VALUES of activities across several leads (and shards).
INSERT INTO :"s".activities (lead_id, activity, occurred_at)
VALUES (1, 'visit', '2026-02-01 00:00+00'), (2, 'demo', '2026-02-01 00:00+00'), (3, 'visit', '2026-02-02 00:00+00'),
       (7, 'visit', '2026-02-02 00:00+00'), (8, 'demo', '2026-02-03 00:00+00'), (8, 'visit', '2026-02-03 00:00+00'),
       (11, 'visit', '2026-02-04 00:00+00');
