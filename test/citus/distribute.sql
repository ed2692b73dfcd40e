-- Citus only: leads and activities distributed by the lead id, co-located.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SET citus.shard_count = 4;
SELECT create_distributed_table(:'s' || '.leads', 'id') IS NOT NULL AS distributed;
SELECT create_distributed_table(:'s' || '.activities', 'lead_id', colocate_with => :'s' || '.leads') IS NOT NULL AS distributed;
