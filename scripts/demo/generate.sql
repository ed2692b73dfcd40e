-- (Every LATERAL draw refers to its row, so it is drawn again for each row.)
-- Realistic, reproducible data: 10,000 leads and about 200,000 activities over
-- 180 days (2026-01-01 .. 2026-06-29). A hidden intent drives both what a lead
-- does (how often, how close to buying) and, later, whether sales converts it.
\set ON_ERROR_STOP 1
SELECT setseed(0.42) AS seeded \gset

INSERT INTO demo.truth (id, intent)
SELECT i, power(random(), 2.2) FROM generate_series(1, 10000) i;

INSERT INTO crm.leads (id, email, company, industry, employees, annual_revenue, region, role,
                       budget_confirmed, authority_confirmed)
SELECT t.id,
       'contact' || t.id || '@' || lower(c.company) || '.example',
       c.company,
       -- Good-fit industries are more common among high-intent leads.
       CASE WHEN random() < 0.35 + 0.4 * t.intent
            THEN (ARRAY['software', 'saas', 'fintech', 'technology'])[1 + floor(random() * 4)::int]
            ELSE (ARRAY['retail', 'education', 'manufacturing', 'healthcare', 'hospitality', 'government'])[1 + floor(random() * 6)::int] END,
       e.employees,
       round(e.employees * (40000 + random() * 160000)),
       (ARRAY['north america', 'europe', 'europe', 'north america', 'apac', 'latam'])[1 + floor(random() * 6)::int],
       (ARRAY['engineer', 'manager', 'director', 'vp', 'c-level', 'student'])[1 + floor(random() * 6)::int],
       random() < 0.1 + 0.6 * t.intent,
       random() < 0.2 + 0.5 * t.intent
FROM demo.truth t
CROSS JOIN LATERAL (SELECT 'Company' || (t.id % 7919) AS company) c
CROSS JOIN LATERAL (SELECT greatest(1, round(exp(2 + random() * 6)))::int AS employees WHERE t.id IS NOT NULL) e;

-- Activity counts grow with intent; high-intent leads also act later in the
-- window (they are heading towards a purchase) and do buying things.
INSERT INTO demo.events (day, lead_id, activity, occurred_at, properties)
SELECT d.day, t.id, a.activity,
       timestamptz '2026-01-01 00:00:00+00' + d.day * interval '1 day' + random() * interval '23 hours',
       a.properties
FROM demo.truth t
CROSS JOIN LATERAL generate_series(1, (4 + 40 * t.intent + random() * 10)::int) n
CROSS JOIN LATERAL (SELECT least(179, floor(180 * power(random(), 1.0 / (1 + 2 * t.intent))))::int AS day) d
CROSS JOIN LATERAL (SELECT random() AS r, random() AS r2 WHERE n IS NOT NULL) x
CROSS JOIN LATERAL (
  SELECT CASE
           WHEN x.r < 0.40 THEN 'page_view'
           WHEN x.r < 0.40 + 0.10 * t.intent + 0.02 THEN 'page_view'
           WHEN x.r < 0.60 THEN 'email_open'
           WHEN x.r < 0.70 THEN 'email_click'
           WHEN x.r < 0.78 THEN 'content_download'
           WHEN x.r < 0.84 THEN 'webinar'
           WHEN x.r < 0.84 + 0.08 * power(t.intent, 2) THEN 'demo_request'
           WHEN x.r < 0.95 THEN 'email_open'
           WHEN x.r2 < 0.25 * (1 - t.intent) THEN 'unsubscribe'
           ELSE 'page_view' END AS activity,
         CASE WHEN x.r >= 0.40 AND x.r < 0.42 + 0.10 * t.intent THEN '{"url": "/pricing"}'::jsonb
              WHEN x.r < 0.40 THEN jsonb_build_object('url', (ARRAY['/blog/lead-scoring', '/docs', '/', '/careers', '/features'])[1 + floor(x.r2 * 5)::int])
              WHEN x.r >= 0.70 AND x.r < 0.78 THEN '{"asset": "buyers-guide.pdf"}'::jsonb END AS properties
) a;
CREATE INDEX ON demo.events (day);
ANALYZE demo.events;
SELECT count(*) AS leads FROM crm.leads \gset
SELECT count(*) AS activities FROM demo.events \gset
\echo '[demo] generated' :leads 'leads and' :activities 'activities over 180 days'
