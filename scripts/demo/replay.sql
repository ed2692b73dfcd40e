-- Replays the activities day by day through ordinary INSERTs into the tracked
-- table, with lead_qual.as_of set to the day being replayed, and plays sales:
-- SQLs are worked and accepted or handed back, opportunities are won or lost,
-- with chances driven by the hidden intent. One transaction per day, so the
-- listener receives each day's hand-offs as they commit.
\set ON_ERROR_STOP 1
CREATE PROCEDURE demo.replay(days int)
LANGUAGE plpgsql AS $$
DECLARE
  d int;
  part int;
  batch_end timestamptz;
  day_end timestamptz;
  n bigint;
BEGIN
  FOR d IN 0 .. days - 1 LOOP
    -- Four batches a day (6 hours each), in time order.
    FOR part IN 1 .. 4 LOOP
      batch_end := timestamptz '2026-01-01 00:00:00+00' + d * interval '1 day' + part * interval '6 hours' - interval '1 second';
      PERFORM set_config('lead_qual.as_of', batch_end::text, false);
      INSERT INTO crm.activities (lead_id, activity, occurred_at, properties)
      SELECT lead_id, activity, occurred_at, properties FROM demo.events
       WHERE day = d AND occurred_at > batch_end - interval '6 hours' AND occurred_at <= batch_end
       ORDER BY occurred_at;
      COMMIT;
    END LOOP;
    day_end := batch_end;

    -- Sales works its SQLs: after a few days, accepts them as opportunities
    -- (likelier with real intent) or hands the weak ones back to marketing.
    UPDATE crm.leads l SET stage = 'opportunity'
      FROM demo.truth t
     WHERE t.id = l.id AND l.stage = 'sql' AND l.stage_changed_at <= day_end - interval '3 days'
       AND demo.chance(l.id, d, 1) < 0.04 + 0.30 * t.intent;
    UPDATE crm.leads l SET stage = 'recycled'
      FROM demo.truth t
     WHERE t.id = l.id AND l.stage = 'sql' AND l.stage_changed_at <= day_end - interval '10 days'
       AND demo.chance(l.id, d, 2) < 0.10 * (1 - t.intent);
    -- Sales' own outreach: reps also open opportunities with leads the
    -- model has not handed them (yet), as real teams do; so what sales
    -- decides is not only the model's own threshold seen again, and the
    -- closed-loop reports have something to grade the model on.
    UPDATE crm.leads l SET stage = 'opportunity'
      FROM demo.truth t
     WHERE t.id = l.id AND l.stage IN ('lead', 'mql')
       AND demo.chance(l.id, d, 5) < 0.0015 * power(t.intent, 2);
    -- Opportunities close after two to eight weeks: won with real intent.
    UPDATE crm.leads l SET stage = CASE WHEN demo.chance(l.id, 0, 4) < 0.15 + 0.75 * t.intent
                                        THEN 'customer' ELSE 'disqualified' END::lead_qual.lead_stage
      FROM demo.truth t
     WHERE t.id = l.id AND l.stage = 'opportunity' AND l.stage_changed_at <= day_end - interval '14 days'
       AND demo.chance(l.id, d, 3) < 0.08;
    COMMIT;
    IF (d + 1) % 30 = 0 THEN
      SELECT count(*) INTO n FROM crm.activities;
      RAISE NOTICE '[demo] day %/%: % activities replayed, % MQL, % SQL, % opportunities, % customers', d + 1, days, n,
        (SELECT count(*) FROM crm.leads WHERE stage = 'mql'), (SELECT count(*) FROM crm.leads WHERE stage = 'sql'),
        (SELECT count(*) FROM crm.leads WHERE stage = 'opportunity'),
        (SELECT count(*) FROM crm.leads WHERE stage = 'customer');
    END IF;
  END LOOP;
  PERFORM set_config('lead_qual.as_of', '', false);
END $$;

SET search_path = public, lead_qual;
SET lead_qual.as_of = '2026-01-01 00:00:00+00';
SELECT lead_qual.track('crm.activities', 'crm.leads', 'default', '{"add_columns": true}') AS leads_scored \gset
-- The durable hand-off feed the worker (worker.py) takes from.
SELECT lead_qual.create_handoff_feed('crm.leads') IS NOT NULL AS feed \gset
RESET lead_qual.as_of;
\echo '[demo] tracking crm.activities -> crm.leads with the default model (' :leads_scored 'leads scored); replaying 180 days'
CALL demo.replay(180);
