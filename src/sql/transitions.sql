-- Transition rules ----------------------------------------------------------

CREATE OR REPLACE FUNCTION lead_qual.can_transition("from" lead_qual.lead_stage, "to" lead_qual.lead_stage) RETURNS boolean
    AS 'MODULE_PATHNAME', 'lead_stage_can_transition' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION lead_qual.allowed_transitions("from" lead_qual.lead_stage) RETURNS lead_qual.lead_stage[]
    AS 'MODULE_PATHNAME', 'lead_stage_allowed_transitions' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION lead_qual.transition("from" lead_qual.lead_stage, "to" lead_qual.lead_stage) RETURNS lead_qual.lead_stage
    AS 'MODULE_PATHNAME', 'lead_stage_transition' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION lead_qual._policy_bits(policy jsonb) RETURNS text
    AS 'MODULE_PATHNAME', 'lq_policy_bits' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION lead_qual.can_transition("from" lead_qual.lead_stage, "to" lead_qual.lead_stage, policy jsonb) RETURNS boolean
    AS 'MODULE_PATHNAME', 'lq_policy_allows' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION lead_qual.allowed_transitions("from" lead_qual.lead_stage, policy jsonb) RETURNS lead_qual.lead_stage[]
    AS 'MODULE_PATHNAME', 'lq_policy_allowed' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
-- The policy of a tracked leads table (track() option "transitions").
CREATE OR REPLACE FUNCTION lead_qual.transition_policy(leads regclass) RETURNS jsonb
LANGUAGE plpgsql STABLE STRICT SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  policy jsonb;
BEGIN
  SELECT coalesce(t.options->'transitions', '{}') INTO policy FROM lead_qual.tracked t WHERE t.leads = transition_policy.leads;
  IF NOT FOUND THEN
    PERFORM lead_qual._not_tracked(leads);
  END IF;
  RETURN policy;
END $$;
CREATE OR REPLACE FUNCTION lead_qual.enforce_stage_transition() RETURNS trigger
    AS 'MODULE_PATHNAME', 'enforce_stage_transition' LANGUAGE C;

COMMENT ON FUNCTION lead_qual.can_transition(lead_qual.lead_stage, lead_qual.lead_stage) IS
    'true when the default stage policy allows moving a lead from the first stage to the second';
COMMENT ON FUNCTION lead_qual.allowed_transitions(lead_qual.lead_stage) IS
    'stages a lead may move to from the given stage (itself included), in funnel order';
COMMENT ON FUNCTION lead_qual.transition(lead_qual.lead_stage, lead_qual.lead_stage) IS
    'returns the target stage, or raises 23514 when the default stage policy forbids the move';
COMMENT ON FUNCTION lead_qual.enforce_stage_transition() IS
    'BEFORE UPDATE row trigger: rejects (23514) a change of the lead_stage column named as its first argument that the stage policy (the default, or the JSON policy given as its second argument) forbids';
COMMENT ON FUNCTION lead_qual._policy_bits(jsonb) IS
    'internal: validates a transition policy (22023 naming the bad field) and returns the compiled form track() passes to its triggers';
COMMENT ON FUNCTION lead_qual.can_transition(lead_qual.lead_stage, lead_qual.lead_stage, jsonb) IS
    'true when the transition policy (the default policy with {"allow": [[from, to], ...], "forbid": [...]}) allows the move; use transition_policy(leads) for a tracked table''s';
COMMENT ON FUNCTION lead_qual.allowed_transitions(lead_qual.lead_stage, jsonb) IS
    'stages a lead may move to from the given stage under the transition policy (itself included), in funnel order';
COMMENT ON FUNCTION lead_qual.transition_policy(regclass) IS
    'the transition policy of a tracked leads table (track() option "transitions"; {} is the default policy)';
