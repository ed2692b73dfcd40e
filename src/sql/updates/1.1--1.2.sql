-- Schema changes from 1.1 to 1.2: none. 1.2 changed functions and triggers
-- only (scoring_model_maintain() keeps a restored model's updated_at; the
-- statement trigger scoring_model_changed invalidates every backend's
-- compiled models; _counted_at() and _require_tracked() give one definition
-- of those rules); the area files re-applied after this file bring them.

-- Leads tracked before 1.2 get the AFTER INSERT trigger that applies and
-- records the automatic stage of inserted leads (lead_changed() no longer
-- does: it fires for rows ON CONFLICT discards). Its function is created
-- here because the trigger needs it; tracking.sql replaces it with its
-- comment right after.
CREATE FUNCTION lead_qual.lead_inserted() RETURNS trigger
    AS 'MODULE_PATHNAME', 'lq_lead_inserted' LANGUAGE C;
DO $$
DECLARE
  t record;
BEGIN
  FOR t IN SELECT leads FROM lead_qual.tracked LOOP
    EXECUTE format('CREATE TRIGGER lead_qual_lead_inserted AFTER INSERT ON %s'
                   ' FOR EACH ROW EXECUTE FUNCTION lead_qual.lead_inserted()', t.leads);
  END LOOP;
END $$;
