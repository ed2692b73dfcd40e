-- track() (on Citus: after distribution, the order Citus wants; the nodes run
-- with citus.enable_unsafe_triggers = on, which triggers on distributed tables need).
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SELECT lead_qual.track(:'s' || '.activities', :'s' || '.leads', :'m', '{"add_columns": true}') AS scored;
-- The durable hand-off feed (on Citus distributed and co-located with the leads).
SELECT lead_qual.create_handoff_feed(:'s' || '.leads')::text = :'s' || '.leads_lq_handoffs' AS feed;
