------------------------------------------------------------------------------
-- Scoring functions and the engagement_state aggregate.
------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION lead_qual.fit_score(model text, lead jsonb) RETURNS double precision
    AS 'MODULE_PATHNAME', 'lq_fit_score' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lead_qual.fit_score(text, jsonb) IS
    'fit score of a lead (its attributes as a JSON object): the points of every matching fit rule, clamped';

CREATE OR REPLACE FUNCTION lead_qual.activity_points(model text, activity text, properties jsonb) RETURNS double precision
    AS 'MODULE_PATHNAME', 'lq_activity_points' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION lead_qual.activity_points(text, text, jsonb) IS
    'undecayed points of one activity: the first matching engagement rule''s points, 0 when none; NULL properties mean none';

CREATE OR REPLACE FUNCTION lead_qual.add_activity(state lead_qual.score_state, model text, activity text,
                                       occurred_at timestamptz, properties jsonb) RETURNS lead_qual.score_state
    AS 'MODULE_PATHNAME', 'lq_add_activity' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION lead_qual.add_activity(lead_qual.score_state, text, text, timestamptz, jsonb) IS
    'folds one activity into a score_state (NULL state: empty); cost independent of the history; NULL activity or occurred_at: ignored; exact as of its newest activity and later';

CREATE OR REPLACE FUNCTION lead_qual.add_activity(state lead_qual.score_state, model text, activity text,
                                       occurred_at timestamptz, properties jsonb, as_of timestamptz)
    RETURNS lead_qual.score_state
    AS 'MODULE_PATHNAME', 'lq_add_activity' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION lead_qual.add_activity(lead_qual.score_state, text, text, timestamptz, jsonb, timestamptz) IS
    'adds one activity to a score_state scored at as_of (its horizon; finite): an activity later than as_of is held apart; NULL state: empty; NULL activity or occurred_at: ignored';

CREATE OR REPLACE FUNCTION lead_qual.score_state_combine(lead_qual.score_state, lead_qual.score_state) RETURNS lead_qual.score_state
    AS 'MODULE_PATHNAME', 'lq_score_state_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lead_qual.score_state_combine(lead_qual.score_state, lead_qual.score_state) IS
    'merges two score_states of the same model version (engagement_state combine function)';

-- The engagement_state() aggregates' support functions (issue #17): the
-- transition value is internal, a compact accumulator (a state's body behind
-- one shared copy of the model's name and labels: src/pg/engagement_aggregate.cpp);
-- the result and the partial results parallel workers or Citus shards send
-- are whole score_states. Callable only by the aggregates (internal arguments).
-- SSPACE: the bytes per group the planner assumes when it sizes a hash
-- aggregate (an accumulator of a model with 5 engagement rules takes 216 in a
-- 256-byte chunk); without it an internal state counts as 8 kB and the
-- planner sorts where hashing is cheaper.
CREATE OR REPLACE FUNCTION lead_qual._engagement_accum(state internal, model text, activity text,
                                                 occurred_at timestamptz, properties jsonb) RETURNS internal
    AS 'MODULE_PATHNAME', 'lq_engagement_accum' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION lead_qual._engagement_accum(internal, text, text, timestamptz, jsonb) IS
    'internal: engagement_state()''s transition (add_activity() on the aggregate''s compact accumulator)';
CREATE OR REPLACE FUNCTION lead_qual._engagement_accum(state internal, model text, activity text,
                                                 occurred_at timestamptz, properties jsonb, as_of timestamptz)
    RETURNS internal
    AS 'MODULE_PATHNAME', 'lq_engagement_accum' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION lead_qual._engagement_accum(internal, text, text, timestamptz, jsonb, timestamptz) IS
    'internal: engagement_state(..., as_of)''s transition (add_activity(..., as_of) on the aggregate''s compact accumulator)';
CREATE OR REPLACE FUNCTION lead_qual._engagement_accum(state internal, model jsonb, activity text,
                                                 occurred_at timestamptz, properties jsonb, as_of timestamptz)
    RETURNS internal
    AS 'MODULE_PATHNAME', 'lq_engagement_accum_candidate' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION lead_qual._engagement_accum(internal, jsonb, text, timestamptz, jsonb, timestamptz) IS
    'internal: the transition of engagement_state() with a model definition (a candidate)';
CREATE OR REPLACE FUNCTION lead_qual._engagement_combine(internal, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'lq_engagement_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION lead_qual._engagement_combine(internal, internal) IS
    'internal: engagement_state()''s combine function (score_state_combine() on accumulators)';
CREATE OR REPLACE FUNCTION lead_qual._engagement_serialize(internal) RETURNS bytea
    AS 'MODULE_PATHNAME', 'lq_engagement_serialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lead_qual._engagement_serialize(internal) IS
    'internal: engagement_state()''s partial result as sent by a parallel worker (the whole score_state)';
CREATE OR REPLACE FUNCTION lead_qual._engagement_deserialize(bytea, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'lq_engagement_deserialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lead_qual._engagement_deserialize(bytea, internal) IS
    'internal: a partial result of engagement_state() back into an accumulator (validated; XX001 when corrupt)';
CREATE OR REPLACE FUNCTION lead_qual._engagement_final(internal) RETURNS lead_qual.score_state
    AS 'MODULE_PATHNAME', 'lq_engagement_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION lead_qual._engagement_final(internal) IS
    'internal: engagement_state()''s result (the whole score_state; NULL without a scored activity)';

CREATE OR REPLACE AGGREGATE lead_qual.engagement_state(model text, activity text, occurred_at timestamptz, properties jsonb) (
    SFUNC = lead_qual._engagement_accum,
    STYPE = internal,
    SSPACE = 256,
    FINALFUNC = lead_qual._engagement_final,
    COMBINEFUNC = lead_qual._engagement_combine,
    SERIALFUNC = lead_qual._engagement_serialize,
    DESERIALFUNC = lead_qual._engagement_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE lead_qual.engagement_state(text, text, timestamptz, jsonb) IS
    'score_state of a set of activities (e.g. GROUP BY lead_id), without a scoring time: engagement(state, t) is exact for t at or after the newest activity; parallel, with a combine function';

CREATE OR REPLACE AGGREGATE lead_qual.engagement_state(model text, activity text, occurred_at timestamptz, properties jsonb,
                                                       as_of timestamptz) (
    SFUNC = lead_qual._engagement_accum,
    STYPE = internal,
    SSPACE = 256,
    FINALFUNC = lead_qual._engagement_final,
    COMBINEFUNC = lead_qual._engagement_combine,
    SERIALFUNC = lead_qual._engagement_serialize,
    DESERIALFUNC = lead_qual._engagement_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE lead_qual.engagement_state(text, text, timestamptz, jsonb, timestamptz) IS
    'score_state of a set of activities scored at as_of (the same for every row): engagement(state, t) is exact for t = as_of and later; activities dated after as_of are held apart (README "Future and NULL activity times"); parallel, with a combine function';

CREATE OR REPLACE FUNCTION lead_qual.scored_at(state lead_qual.score_state) RETURNS timestamptz
    AS 'MODULE_PATHNAME', 'lq_scored_at' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lead_qual.scored_at(lead_qual.score_state) IS
    'the scoring time of a state''s last write (its horizon: a tracked lead''s engagement_score is engagement(state, scored_at(state))); NULL when it has none (written by 1.1, or by engagement_state() without as_of)';

CREATE OR REPLACE FUNCTION lead_qual.engagement(state lead_qual.score_state, as_of timestamptz DEFAULT now()) RETURNS double precision
    AS 'MODULE_PATHNAME', 'lq_engagement' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lead_qual.engagement(lead_qual.score_state, timestamptz) IS
    'engagement score of a state as of a time: decayed rule totals, capped, clamped; needs no model; exact for every as_of at or after the newest activity folded into the state''s sums';

CREATE OR REPLACE FUNCTION lead_qual.explain(state lead_qual.score_state, as_of timestamptz DEFAULT now(),
    OUT rule integer, OUT activity text, OUT activities bigint, OUT points double precision, OUT capped boolean)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'lq_explain' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 10;
COMMENT ON FUNCTION lead_qual.explain(lead_qual.score_state, timestamptz) IS
    'why a lead has its engagement score: per engagement rule, its activities and decayed (capped) points';

CREATE OR REPLACE FUNCTION lead_qual.qualify(model text, lead jsonb, state lead_qual.score_state, current lead_qual.lead_stage,
                                  as_of timestamptz DEFAULT now()) RETURNS lead_qual.lead_stage
    AS 'MODULE_PATHNAME', 'lq_qualify' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION lead_qual.qualify(text, jsonb, lead_qual.score_state, lead_qual.lead_stage, timestamptz) IS
    'the stage the automatic rules give: the highest of mql/sql met, applied forward only (NULL state: no activity)';

-- A lead evaluated as lead_qual's own writes do (rescore(), the triggers):
-- one row with the model's fit, engagement, score, automatic stage and the
-- stage a lead at `current` moves to. The jsonb overloads below take a model
-- definition that is not stored (a candidate: preview()).
CREATE OR REPLACE FUNCTION lead_qual.evaluate(model text, lead jsonb, state lead_qual.score_state,
    current lead_qual.lead_stage, as_of timestamptz, since_state lead_qual.score_state DEFAULT NULL,
    OUT fit double precision, OUT engagement double precision, OUT score double precision,
    OUT automatic lead_qual.lead_stage, OUT stage lead_qual.lead_stage)
    AS 'MODULE_PATHNAME', 'lq_evaluate' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION lead_qual.evaluate(text, jsonb, lead_qual.score_state, lead_qual.lead_stage, timestamptz, lead_qual.score_state) IS
    'a lead as lead_qual''s writes evaluate it at as_of: fit, engagement, score, automatic stage (NULL: none) and the stage a lead at current (NULL: lead) moves to; since_state: a recycled lead''s activities since it was recycled';

-- Candidate models (issue #16, preview()): the same functions with the
-- model given as its definition, compiled once per call site. They read no
-- table, so they are IMMUTABLE.
CREATE OR REPLACE FUNCTION lead_qual.evaluate(model jsonb, lead jsonb, state lead_qual.score_state,
    current lead_qual.lead_stage, as_of timestamptz, since_state lead_qual.score_state DEFAULT NULL,
    OUT fit double precision, OUT engagement double precision, OUT score double precision,
    OUT automatic lead_qual.lead_stage, OUT stage lead_qual.lead_stage)
    AS 'MODULE_PATHNAME', 'lq_evaluate_candidate' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION lead_qual.evaluate(jsonb, jsonb, lead_qual.score_state, lead_qual.lead_stage, timestamptz, lead_qual.score_state) IS
    'evaluate() with a model definition (jsonb, not stored: a candidate; 22023 naming the JSON path when invalid)';

CREATE OR REPLACE FUNCTION lead_qual.fit_score(model jsonb, lead jsonb) RETURNS double precision
    AS 'MODULE_PATHNAME', 'lq_fit_score_candidate' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lead_qual.fit_score(jsonb, jsonb) IS
    'fit_score() with a model definition (jsonb, not stored: a candidate)';

CREATE OR REPLACE FUNCTION lead_qual.add_activity(state lead_qual.score_state, model jsonb, activity text,
                                       occurred_at timestamptz, properties jsonb, as_of timestamptz)
    RETURNS lead_qual.score_state
    AS 'MODULE_PATHNAME', 'lq_add_activity_candidate' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION lead_qual.add_activity(lead_qual.score_state, jsonb, text, timestamptz, jsonb, timestamptz) IS
    'add_activity(..., as_of) with a model definition (jsonb, not stored: a candidate)';

CREATE OR REPLACE AGGREGATE lead_qual.engagement_state(model jsonb, activity text, occurred_at timestamptz, properties jsonb,
                                                       as_of timestamptz) (
    SFUNC = lead_qual._engagement_accum,
    STYPE = internal,
    SSPACE = 256,
    FINALFUNC = lead_qual._engagement_final,
    COMBINEFUNC = lead_qual._engagement_combine,
    SERIALFUNC = lead_qual._engagement_serialize,
    DESERIALFUNC = lead_qual._engagement_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE lead_qual.engagement_state(jsonb, text, timestamptz, jsonb, timestamptz) IS
    'engagement_state(..., as_of) with a model definition (jsonb, not stored: a candidate); parallel, with a combine function';
