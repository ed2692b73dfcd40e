-- COPY of activities.
COPY :"s".activities (lead_id, activity, occurred_at) FROM stdin;
1	demo	2026-02-05 00:00:00+00
4	visit	2026-02-05 00:00:00+00
5	demo	2026-02-06 00:00:00+00
9	demo	2026-02-06 00:00:00+00
9	visit	2026-02-07 00:00:00+00
12	visit	2026-02-07 00:00:00+00
\.
