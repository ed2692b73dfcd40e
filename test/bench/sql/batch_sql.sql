-- The same engagement in plain SQL, as a user would write it: CASE for the
-- points, power() for the 30-day decay, LEAST for the page-view cap and the
-- 0..100 clamp. Float arithmetic throughout (date_part returns float8).
SELECT count(*) AS leads, sum(e) AS total FROM (
  SELECT a.lead_id,
         LEAST(GREATEST(
           LEAST(COALESCE(sum(power(0.5::float8, GREATEST(date_part('epoch', :'as_of'::timestamptz - a.occurred_at), 0)
                                                 / 2592000.0::float8))
                            FILTER (WHERE a.activity = 'page_view'), 0), 15)
           + COALESCE(sum(CASE a.activity WHEN 'email_click' THEN 3 WHEN 'content_download' THEN 5
                                          WHEN 'webinar' THEN 10 WHEN 'demo_request' THEN 20 ELSE 0 END
                          * power(0.5::float8, GREATEST(date_part('epoch', :'as_of'::timestamptz - a.occurred_at), 0)
                                               / 2592000.0::float8))
                        FILTER (WHERE a.activity <> 'page_view'), 0),
           0), 100) AS e
    FROM bench.batch_acts a GROUP BY a.lead_id) s;
