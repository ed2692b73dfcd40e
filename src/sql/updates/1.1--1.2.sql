-- Schema changes from 1.1 to 1.2: none. 1.2 changed functions and triggers
-- only (scoring_model_maintain() keeps a restored model's updated_at; the
-- statement trigger scoring_model_changed invalidates every backend's
-- compiled models; _counted_at() and _not_tracked() give one definition
-- of those rules); the area files re-applied after this file bring them.

-- _apply() takes a ninth argument (a recycled lead's state since it was
-- recycled): the old signature is dropped, the area file creates the new one.
DROP FUNCTION IF EXISTS lead_qual._apply(text, lead_qual.score_state, lead_qual.lead_stage, timestamptz,
                                          double precision, jsonb, lead_qual.score_state);
