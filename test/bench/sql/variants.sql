-- Fresh, identical tables for every variant; only the trigger differs.
--   B0         no trigger (the physical floor)
--   B1, B2     row-level PL/pgSQL triggers (baselines.sql)
--   B3         statement-level PL/pgSQL trigger with a transition table
--   F1, F2     the floors: a statement / row trigger that only updates each touched lead (baselines.sql)
--   F0         a statement trigger with a transition table that does nothing (its capture alone)
--   lead_qual  lead_qual.track() with bench_model (the model every baseline implements)
--   lead_qual_realistic  lead_qual.track() with bench_realistic (model_realistic.sql)
--   lead_qual_nullable  the same on a table whose occurred_at is nullable
--   <variant>_ff70  <variant> on a leads table with fillfactor 70 (room on each page for HOT updates)
--   lead_qual_update lead_qual, its sessions writing the leads through SQL (lead_qual.direct_lead_writes off)

-- Installs `variant`'s trigger on the existing tables (after detach()).
-- B2/B3 start from running sums equal to the history already in the table;
-- track() scores every lead itself.
CREATE FUNCTION bench.attach(variant text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  -- The setup's VACUUM FULL, after attach(), rewrites the pages with it.
  -- The same trigger; its sessions set lead_qual.direct_lead_writes = off
  -- (test/bench/lib.sh, variant_options).
  IF variant = 'lead_qual_update' THEN
    variant := 'lead_qual';
  END IF;
  IF variant LIKE '%\_ff70' THEN
    ALTER TABLE bench.leads SET (fillfactor = 70);
    variant := left(variant, -5);
  END IF;
  IF variant IN ('B2', 'B3') THEN
    UPDATE bench.leads l
       SET eng_pv = h.pv, eng_rest = h.rest, eng_at = now()
      FROM (SELECT a.lead_id,
                   COALESCE(sum(bench.decay(a.occurred_at, now())) FILTER (WHERE a.activity = 'page_view'), 0) AS pv,
                   COALESCE(sum(bench.points(a.activity) * bench.decay(a.occurred_at, now()))
                              FILTER (WHERE a.activity <> 'page_view'), 0) AS rest
              FROM bench.activities a GROUP BY a.lead_id) h
     WHERE l.id = h.lead_id;
  END IF;
  CASE variant
    WHEN 'B0' THEN NULL;
    WHEN 'B1' THEN
      CREATE TRIGGER b1 AFTER INSERT ON bench.activities FOR EACH ROW EXECUTE FUNCTION bench.b1_recompute();
    WHEN 'B2' THEN
      CREATE TRIGGER b2 AFTER INSERT ON bench.activities FOR EACH ROW EXECUTE FUNCTION bench.b2_decay_forward();
    WHEN 'B3' THEN
      CREATE TRIGGER b3 AFTER INSERT ON bench.activities REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION bench.b3_statement();
    WHEN 'F1' THEN
      CREATE TRIGGER f1 AFTER INSERT ON bench.activities REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION bench.f1_touch_leads();
    WHEN 'F0' THEN
      CREATE TRIGGER f0 AFTER INSERT ON bench.activities REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION bench.f0_nothing();
    WHEN 'F2' THEN
      CREATE TRIGGER f2 AFTER INSERT ON bench.activities FOR EACH ROW EXECUTE FUNCTION bench.f2_touch_lead();
    WHEN 'lead_qual' THEN
      PERFORM lead_qual.track('bench.activities', 'bench.leads', 'bench_model', '{"add_columns": true}');
    WHEN 'lead_qual_realistic' THEN
      PERFORM lead_qual.track('bench.activities', 'bench.leads', 'bench_realistic', '{"add_columns": true}');
  END CASE;
END $$;

CREATE FUNCTION bench.detach() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM lead_qual.tracked WHERE activities = 'bench.activities'::regclass) THEN
    PERFORM lead_qual.untrack('bench.activities');
  END IF;
  DROP TRIGGER IF EXISTS b1 ON bench.activities;
  DROP TRIGGER IF EXISTS b2 ON bench.activities;
  DROP TRIGGER IF EXISTS b3 ON bench.activities;
  DROP TRIGGER IF EXISTS f0 ON bench.activities;
  DROP TRIGGER IF EXISTS f1 ON bench.activities;
  DROP TRIGGER IF EXISTS f2 ON bench.activities;
END $$;

-- Drops and recreates both tables (the first `leads` source leads, no
-- activities) and attaches `variant`. Every variant gets the same columns,
-- including those only lead_qual (score_state) or B2/B3 (eng_*) use.
CREATE FUNCTION bench.reset(variant text, leads int) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF to_regclass('bench.activities') IS NOT NULL THEN
    PERFORM bench.detach();
  END IF;
  DROP TABLE IF EXISTS bench.activities, bench.leads;
  -- Every run starts from the same state: no history of earlier runs.
  TRUNCATE lead_qual.stage_history;
  CREATE TABLE bench.leads (
    id int PRIMARY KEY,
    industry text,
    employees int,
    annual_revenue bigint,
    email text,
    title text,
    country text,
    fit_score float8,
    engagement_score float8,
    score float8,
    stage lead_qual.lead_stage,
    score_state lead_qual.score_state,
    stage_changed_at timestamptz,
    eng_pv float8,
    eng_rest float8,
    eng_at timestamptz
  );
  CREATE TABLE bench.activities (
    id bigserial PRIMARY KEY,
    lead_id int NOT NULL,
    activity text NOT NULL,
    -- NOT NULL, as README "Performance" recommends: on a nullable column
    -- track() adds a BEFORE ROW trigger (stamping NULL times), which turns
    -- off COPY's multi-row inserts; lead_qual_nullable measures that case.
    occurred_at timestamptz NOT NULL DEFAULT now(),
    properties jsonb
  );
  IF variant = 'lead_qual_nullable' THEN
    ALTER TABLE bench.activities ALTER COLUMN occurred_at DROP NOT NULL, ALTER COLUMN occurred_at DROP DEFAULT;
    variant := 'lead_qual';
  END IF;
  CREATE INDEX activities_lead_id_idx ON bench.activities (lead_id);
  INSERT INTO bench.leads (id, industry, employees, annual_revenue, email, title, country, fit_score,
                           engagement_score, score, stage, stage_changed_at)
  SELECT s.id, s.industry, s.employees, s.annual_revenue, s.email, s.title, s.country,
         bench.fit(s.industry, s.employees), 0, bench.fit(s.industry, s.employees),
         'lead', now()
    FROM bench.lead_src s WHERE s.id <= leads;
  PERFORM bench.attach(variant);
END $$;
