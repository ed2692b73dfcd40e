-- batch_sql.sql as it is often written: extract(epoch ...) instead of
-- date_part. Since PostgreSQL 14 extract() returns numeric, so the decay is
-- numeric arithmetic. Reported for information; the target uses batch_sql.sql.
SELECT count(*) AS leads, sum(e) AS total FROM (
  SELECT a.lead_id,
         LEAST(GREATEST(
           LEAST(COALESCE(sum(power(0.5, GREATEST(extract(epoch FROM :'as_of'::timestamptz - a.occurred_at), 0) / 2592000))
                            FILTER (WHERE a.activity = 'page_view'), 0), 15)
           + COALESCE(sum(CASE a.activity WHEN 'email_click' THEN 3 WHEN 'content_download' THEN 5
                                          WHEN 'webinar' THEN 10 WHEN 'demo_request' THEN 20 ELSE 0 END
                          * power(0.5, GREATEST(extract(epoch FROM :'as_of'::timestamptz - a.occurred_at), 0) / 2592000))
                        FILTER (WHERE a.activity <> 'page_view'), 0),
           0), 100)::float8 AS e
    FROM bench.batch_acts a GROUP BY a.lead_id) s;
