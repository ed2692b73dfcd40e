-- Transition rules ----------------------------------------------------------

CREATE OR REPLACE FUNCTION lead_qual.can_transition("from" lead_qual.lead_stage, "to" lead_qual.lead_stage) RETURNS boolean
    AS 'MODULE_PATHNAME', 'lead_stage_can_transition' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION lead_qual.allowed_transitions("from" lead_qual.lead_stage) RETURNS lead_qual.lead_stage[]
    AS 'MODULE_PATHNAME', 'lead_stage_allowed_transitions' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION lead_qual.transition("from" lead_qual.lead_stage, "to" lead_qual.lead_stage) RETURNS lead_qual.lead_stage
    AS 'MODULE_PATHNAME', 'lead_stage_transition' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION lead_qual.enforce_stage_transition() RETURNS trigger
    AS 'MODULE_PATHNAME', 'enforce_stage_transition' LANGUAGE C;

COMMENT ON FUNCTION lead_qual.can_transition(lead_qual.lead_stage, lead_qual.lead_stage) IS
    'true when the default stage policy allows moving a lead from the first stage to the second';
COMMENT ON FUNCTION lead_qual.allowed_transitions(lead_qual.lead_stage) IS
    'stages a lead may move to from the given stage (itself included), in funnel order';
COMMENT ON FUNCTION lead_qual.transition(lead_qual.lead_stage, lead_qual.lead_stage) IS
    'returns the target stage, or raises 23514 when the default stage policy forbids the move';
COMMENT ON FUNCTION lead_qual.enforce_stage_transition() IS
    'BEFORE UPDATE row trigger: rejects (23514) a change of the lead_stage column named as its argument that the stage policy forbids';
