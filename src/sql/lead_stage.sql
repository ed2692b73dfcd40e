------------------------------------------------------------------------------
-- lead_stage functions beyond the type itself (the type, its operators,
-- operator classes, min/max and casts: src/sql/schema/lead_stage.sql).
------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION lead_qual.stage_rank(lead_qual.lead_stage) RETURNS integer
    AS 'MODULE_PATHNAME', 'lead_stage_rank' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lead_qual.stage_rank(lead_qual.lead_stage) IS
    'funnel rank: 0 subscriber, 1 lead, 2 mql, 3 sql, 4 opportunity, 5 customer, 6 recycled, 7 disqualified';

-- Every stage in funnel order: the one list of stage names in SQL (views
-- and reports unnest it).
-- The list is the core's (src/core/stage.hpp), the one home of the stages.
CREATE OR REPLACE FUNCTION lead_qual.stages() RETURNS lead_qual.lead_stage[]
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
AS 'MODULE_PATHNAME', 'lead_stage_all';
COMMENT ON FUNCTION lead_qual.stages() IS 'every lead_stage, in funnel order';
