-- The batch-scoring table: :acts activities over :leads leads, the same mix
-- and ages as the live scenarios. Unlogged: it is only read.
CREATE UNLOGGED TABLE bench.batch_acts AS
SELECT ((i - 1) % :leads + 1)::int AS lead_id,
       CASE WHEN h < 50 THEN 'page_view' WHEN h < 70 THEN 'email_click' WHEN h < 85 THEN 'content_download'
            WHEN h < 95 THEN 'webinar' ELSE 'demo_request' END AS activity,
       now() - ((i * 104729) % 7776000) * interval '1 second' AS occurred_at,
       jsonb_build_object('url', '/page/' || i % 50) AS properties
  FROM generate_series(1, :acts::bigint) AS i, LATERAL (SELECT (i * 7919 + i / 7) % 100 AS h) AS x;
VACUUM ANALYZE bench.batch_acts;
