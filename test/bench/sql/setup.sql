-- Once per run: the bench schema, the model, and the source data every
-- variant loads (generated once, deterministically, so each variant inserts
-- exactly the same rows). psql variables: :leads, :acts.
CREATE EXTENSION lead_qual;
CREATE SCHEMA bench;
SELECT format('ALTER DATABASE %I SET search_path = bench, public, lead_qual', current_database()) \gexec
SET search_path = bench, public, lead_qual;
\ir model.sql
\ir model_realistic.sql
\ir functions.sql
\ir baselines.sql
\ir variants.sql

-- Leads: bench_model's fit (0, 10, 15 or 25) from industry and employees;
-- the realistic model also reads revenue, e-mail domain, title and country.
CREATE TABLE bench.lead_src AS
SELECT id, (ARRAY['software', 'fintech', 'retail', 'manufacturing'])[1 + id % 4] AS industry,
       1 + (id * 7919) % 2000 AS employees,
       (id::bigint * 104729 % 50000) * 1000 AS annual_revenue,
       'lead' || id || (ARRAY['@example.com', '@gmail.com', '@acme.io', '@yahoo.com', '@corp.example'])[1 + id % 5] AS email,
       (ARRAY['VP Marketing', 'Software Engineer', 'Director of Sales', 'Analyst', 'Head of Growth', 'CTO'])[1 + (id * 31) % 6] AS title,
       (ARRAY['US', 'GB', 'DE', 'BR', 'IN', 'FR', 'JP'])[1 + (id * 17) % 7] AS country
  FROM generate_series(1, :leads) AS id;

-- Activities interleaved across leads (row i belongs to lead i % leads + 1,
-- so any prefix touches every lead), 50% page views, up to 90 days old.
CREATE TABLE bench.activity_src AS
SELECT i, ((i - 1) % :leads + 1)::int AS lead_id,
       CASE WHEN h < 50 THEN 'page_view' WHEN h < 70 THEN 'email_click' WHEN h < 85 THEN 'content_download'
            WHEN h < 95 THEN 'webinar' ELSE 'demo_request' END AS activity,
       now() - ((i * 104729) % 7776000) * interval '1 second' AS occurred_at,
       -- Page views: 20% pricing pages, 20% docs; downloads name their form.
       CASE WHEN h < 50 THEN jsonb_build_object('url', CASE i % 5 WHEN 0 THEN '/pricing/' || i % 3 WHEN 1 THEN '/docs/' || i % 50
                                                              ELSE '/page/' || i % 50 END)
            WHEN h BETWEEN 70 AND 84 THEN jsonb_build_object('url', '/resources/' || i % 20,
                                                             'form', (ARRAY['whitepaper', 'case-study-retail', 'ebook'])[1 + i % 3])
            ELSE jsonb_build_object('url', '/page/' || i % 50) END AS properties
  FROM generate_series(1, :acts::bigint) AS i, LATERAL (SELECT (i * 7919 + i / 7) % 100 AS h) AS x;
ANALYZE bench.lead_src;
ANALYZE bench.activity_src;
