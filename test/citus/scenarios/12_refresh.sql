-- refresh() as of a later time: idle MQLs are recycled.
SELECT lead_qual.refresh(:'s' || '.leads', '2026-06-01 00:00+00') AS refreshed;
