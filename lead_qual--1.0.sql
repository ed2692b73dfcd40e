-- lead_qual 1.0: lead scoring and MQL/SQL qualification.
\echo Use "CREATE EXTENSION lead_qual" to load this file. \quit

------------------------------------------------------------------------------
-- lead_stage: a lead's lifecycle stage, sorted in funnel order.
------------------------------------------------------------------------------

CREATE TYPE lead_qual.lead_stage;

CREATE FUNCTION lead_qual.lead_stage_in(cstring) RETURNS lead_qual.lead_stage
    AS 'MODULE_PATHNAME', 'lead_stage_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION lead_qual.lead_stage_out(lead_qual.lead_stage) RETURNS cstring
    AS 'MODULE_PATHNAME', 'lead_stage_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION lead_qual.lead_stage_recv(internal) RETURNS lead_qual.lead_stage
    AS 'MODULE_PATHNAME', 'lead_stage_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION lead_qual.lead_stage_send(lead_qual.lead_stage) RETURNS bytea
    AS 'MODULE_PATHNAME', 'lead_stage_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE lead_qual.lead_stage (
    INPUT = lead_qual.lead_stage_in,
    OUTPUT = lead_qual.lead_stage_out,
    RECEIVE = lead_qual.lead_stage_recv,
    SEND = lead_qual.lead_stage_send,
    INTERNALLENGTH = 1,
    PASSEDBYVALUE,
    ALIGNMENT = char,
    STORAGE = plain
);

COMMENT ON TYPE lead_qual.lead_stage IS
    'lead lifecycle stage: subscriber < lead < mql < sql < opportunity < customer < recycled < disqualified';
COMMENT ON FUNCTION lead_qual.lead_stage_in(cstring) IS 'lead_stage text input (case-insensitive, trimmed)';
COMMENT ON FUNCTION lead_qual.lead_stage_out(lead_qual.lead_stage) IS 'lead_stage text output (lower case)';
COMMENT ON FUNCTION lead_qual.lead_stage_recv(internal) IS 'lead_stage binary input (one byte: the funnel rank)';
COMMENT ON FUNCTION lead_qual.lead_stage_send(lead_qual.lead_stage) IS 'lead_stage binary output (one byte: the funnel rank)';

-- Comparison functions and operators --------------------------------------

CREATE FUNCTION lead_qual.lead_stage_eq(lead_qual.lead_stage, lead_qual.lead_stage) RETURNS boolean
    AS 'MODULE_PATHNAME', 'lead_stage_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION lead_qual.lead_stage_ne(lead_qual.lead_stage, lead_qual.lead_stage) RETURNS boolean
    AS 'MODULE_PATHNAME', 'lead_stage_ne' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION lead_qual.lead_stage_lt(lead_qual.lead_stage, lead_qual.lead_stage) RETURNS boolean
    AS 'MODULE_PATHNAME', 'lead_stage_lt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION lead_qual.lead_stage_le(lead_qual.lead_stage, lead_qual.lead_stage) RETURNS boolean
    AS 'MODULE_PATHNAME', 'lead_stage_le' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION lead_qual.lead_stage_gt(lead_qual.lead_stage, lead_qual.lead_stage) RETURNS boolean
    AS 'MODULE_PATHNAME', 'lead_stage_gt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION lead_qual.lead_stage_ge(lead_qual.lead_stage, lead_qual.lead_stage) RETURNS boolean
    AS 'MODULE_PATHNAME', 'lead_stage_ge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION lead_qual.lead_stage_cmp(lead_qual.lead_stage, lead_qual.lead_stage) RETURNS integer
    AS 'MODULE_PATHNAME', 'lead_stage_cmp' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION lead_qual.lead_stage_hash(lead_qual.lead_stage) RETURNS integer
    AS 'MODULE_PATHNAME', 'lead_stage_hash' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION lead_qual.lead_stage_hash_extended(lead_qual.lead_stage, bigint) RETURNS bigint
    AS 'MODULE_PATHNAME', 'lead_stage_hash_extended' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION lead_qual.lead_stage_smaller(lead_qual.lead_stage, lead_qual.lead_stage) RETURNS lead_qual.lead_stage
    AS 'MODULE_PATHNAME', 'lead_stage_smaller' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION lead_qual.lead_stage_larger(lead_qual.lead_stage, lead_qual.lead_stage) RETURNS lead_qual.lead_stage
    AS 'MODULE_PATHNAME', 'lead_stage_larger' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION lead_qual.lead_stage_eq(lead_qual.lead_stage, lead_qual.lead_stage) IS 'implementation of = for lead_stage';
COMMENT ON FUNCTION lead_qual.lead_stage_ne(lead_qual.lead_stage, lead_qual.lead_stage) IS 'implementation of <> for lead_stage';
COMMENT ON FUNCTION lead_qual.lead_stage_lt(lead_qual.lead_stage, lead_qual.lead_stage) IS 'implementation of < for lead_stage (funnel order)';
COMMENT ON FUNCTION lead_qual.lead_stage_le(lead_qual.lead_stage, lead_qual.lead_stage) IS 'implementation of <= for lead_stage (funnel order)';
COMMENT ON FUNCTION lead_qual.lead_stage_gt(lead_qual.lead_stage, lead_qual.lead_stage) IS 'implementation of > for lead_stage (funnel order)';
COMMENT ON FUNCTION lead_qual.lead_stage_ge(lead_qual.lead_stage, lead_qual.lead_stage) IS 'implementation of >= for lead_stage (funnel order)';
COMMENT ON FUNCTION lead_qual.lead_stage_cmp(lead_qual.lead_stage, lead_qual.lead_stage) IS 'btree comparison support for lead_stage';
COMMENT ON FUNCTION lead_qual.lead_stage_hash(lead_qual.lead_stage) IS 'hash support for lead_stage';
COMMENT ON FUNCTION lead_qual.lead_stage_hash_extended(lead_qual.lead_stage, bigint) IS 'seeded 64-bit hash support for lead_stage';
COMMENT ON FUNCTION lead_qual.lead_stage_smaller(lead_qual.lead_stage, lead_qual.lead_stage) IS 'the earlier of two stages in funnel order (min aggregate support)';
COMMENT ON FUNCTION lead_qual.lead_stage_larger(lead_qual.lead_stage, lead_qual.lead_stage) IS 'the later of two stages in funnel order (max aggregate support)';

CREATE OPERATOR lead_qual.= (
    LEFTARG = lead_qual.lead_stage, RIGHTARG = lead_qual.lead_stage, PROCEDURE = lead_qual.lead_stage_eq,
    COMMUTATOR = OPERATOR(lead_qual.=), NEGATOR = OPERATOR(lead_qual.<>),
    RESTRICT = eqsel, JOIN = eqjoinsel, HASHES, MERGES
);
CREATE OPERATOR lead_qual.<> (
    LEFTARG = lead_qual.lead_stage, RIGHTARG = lead_qual.lead_stage, PROCEDURE = lead_qual.lead_stage_ne,
    COMMUTATOR = OPERATOR(lead_qual.<>), NEGATOR = OPERATOR(lead_qual.=),
    RESTRICT = neqsel, JOIN = neqjoinsel
);
CREATE OPERATOR lead_qual.< (
    LEFTARG = lead_qual.lead_stage, RIGHTARG = lead_qual.lead_stage, PROCEDURE = lead_qual.lead_stage_lt,
    COMMUTATOR = OPERATOR(lead_qual.>), NEGATOR = OPERATOR(lead_qual.>=),
    RESTRICT = scalarltsel, JOIN = scalarltjoinsel
);
CREATE OPERATOR lead_qual.<= (
    LEFTARG = lead_qual.lead_stage, RIGHTARG = lead_qual.lead_stage, PROCEDURE = lead_qual.lead_stage_le,
    COMMUTATOR = OPERATOR(lead_qual.>=), NEGATOR = OPERATOR(lead_qual.>),
    RESTRICT = scalarlesel, JOIN = scalarlejoinsel
);
CREATE OPERATOR lead_qual.> (
    LEFTARG = lead_qual.lead_stage, RIGHTARG = lead_qual.lead_stage, PROCEDURE = lead_qual.lead_stage_gt,
    COMMUTATOR = OPERATOR(lead_qual.<), NEGATOR = OPERATOR(lead_qual.<=),
    RESTRICT = scalargtsel, JOIN = scalargtjoinsel
);
CREATE OPERATOR lead_qual.>= (
    LEFTARG = lead_qual.lead_stage, RIGHTARG = lead_qual.lead_stage, PROCEDURE = lead_qual.lead_stage_ge,
    COMMUTATOR = OPERATOR(lead_qual.<=), NEGATOR = OPERATOR(lead_qual.<),
    RESTRICT = scalargesel, JOIN = scalargejoinsel
);

COMMENT ON OPERATOR lead_qual.= (lead_qual.lead_stage, lead_qual.lead_stage) IS 'same stage';
COMMENT ON OPERATOR lead_qual.<> (lead_qual.lead_stage, lead_qual.lead_stage) IS 'different stages';
COMMENT ON OPERATOR lead_qual.< (lead_qual.lead_stage, lead_qual.lead_stage) IS 'earlier in funnel order';
COMMENT ON OPERATOR lead_qual.<= (lead_qual.lead_stage, lead_qual.lead_stage) IS 'earlier in funnel order or same';
COMMENT ON OPERATOR lead_qual.> (lead_qual.lead_stage, lead_qual.lead_stage) IS 'later in funnel order';
COMMENT ON OPERATOR lead_qual.>= (lead_qual.lead_stage, lead_qual.lead_stage) IS 'later in funnel order or same';

CREATE OPERATOR CLASS lead_qual.lead_stage_ops
    DEFAULT FOR TYPE lead_qual.lead_stage USING btree AS
        OPERATOR 1 lead_qual.<,
        OPERATOR 2 lead_qual.<=,
        OPERATOR 3 lead_qual.=,
        OPERATOR 4 lead_qual.>=,
        OPERATOR 5 lead_qual.>,
        FUNCTION 1 lead_qual.lead_stage_cmp(lead_qual.lead_stage, lead_qual.lead_stage);

CREATE OPERATOR CLASS lead_qual.lead_stage_hash_ops
    DEFAULT FOR TYPE lead_qual.lead_stage USING hash AS
        OPERATOR 1 lead_qual.=,
        FUNCTION 1 lead_qual.lead_stage_hash(lead_qual.lead_stage),
        FUNCTION 2 lead_qual.lead_stage_hash_extended(lead_qual.lead_stage, bigint);

COMMENT ON OPERATOR CLASS lead_qual.lead_stage_ops USING btree IS 'funnel-order btree operator class for lead_stage';
COMMENT ON OPERATOR CLASS lead_qual.lead_stage_hash_ops USING hash IS 'hash operator class for lead_stage';
COMMENT ON OPERATOR FAMILY lead_qual.lead_stage_ops USING btree IS 'funnel-order btree operator family for lead_stage';
COMMENT ON OPERATOR FAMILY lead_qual.lead_stage_hash_ops USING hash IS 'hash operator family for lead_stage';

CREATE AGGREGATE lead_qual.min(lead_qual.lead_stage) (
    SFUNC = lead_qual.lead_stage_smaller, STYPE = lead_qual.lead_stage,
    COMBINEFUNC = lead_qual.lead_stage_smaller, SORTOP = OPERATOR(lead_qual.<), PARALLEL = SAFE
);
CREATE AGGREGATE lead_qual.max(lead_qual.lead_stage) (
    SFUNC = lead_qual.lead_stage_larger, STYPE = lead_qual.lead_stage,
    COMBINEFUNC = lead_qual.lead_stage_larger, SORTOP = OPERATOR(lead_qual.>), PARALLEL = SAFE
);
COMMENT ON AGGREGATE lead_qual.min(lead_qual.lead_stage) IS 'earliest stage in funnel order';
COMMENT ON AGGREGATE lead_qual.max(lead_qual.lead_stage) IS 'latest stage in funnel order';

-- Casts: text conversion goes through the type's I/O functions.
CREATE CAST (lead_qual.lead_stage AS text) WITH INOUT AS ASSIGNMENT;
CREATE CAST (text AS lead_qual.lead_stage) WITH INOUT AS ASSIGNMENT;
COMMENT ON CAST (lead_qual.lead_stage AS text) IS 'stage name, lower case';
COMMENT ON CAST (text AS lead_qual.lead_stage) IS 'parses a stage name (case-insensitive, trimmed)';

CREATE FUNCTION lead_qual.stage_rank(lead_qual.lead_stage) RETURNS integer
    AS 'MODULE_PATHNAME', 'lead_stage_rank' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lead_qual.stage_rank(lead_qual.lead_stage) IS
    'funnel rank: 0 subscriber, 1 lead, 2 mql, 3 sql, 4 opportunity, 5 customer, 6 recycled, 7 disqualified';

-- Transition rules ----------------------------------------------------------

CREATE FUNCTION lead_qual.can_transition("from" lead_qual.lead_stage, "to" lead_qual.lead_stage) RETURNS boolean
    AS 'MODULE_PATHNAME', 'lead_stage_can_transition' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION lead_qual.allowed_transitions("from" lead_qual.lead_stage) RETURNS lead_qual.lead_stage[]
    AS 'MODULE_PATHNAME', 'lead_stage_allowed_transitions' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION lead_qual.transition("from" lead_qual.lead_stage, "to" lead_qual.lead_stage) RETURNS lead_qual.lead_stage
    AS 'MODULE_PATHNAME', 'lead_stage_transition' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION lead_qual.enforce_stage_transition() RETURNS trigger
    AS 'MODULE_PATHNAME', 'enforce_stage_transition' LANGUAGE C;

COMMENT ON FUNCTION lead_qual.can_transition(lead_qual.lead_stage, lead_qual.lead_stage) IS
    'true when the default stage policy allows moving a lead from the first stage to the second';
COMMENT ON FUNCTION lead_qual.allowed_transitions(lead_qual.lead_stage) IS
    'stages a lead may move to from the given stage (itself included), in funnel order';
COMMENT ON FUNCTION lead_qual.transition(lead_qual.lead_stage, lead_qual.lead_stage) IS
    'returns the target stage, or raises 23514 when the default stage policy forbids the move';
COMMENT ON FUNCTION lead_qual.enforce_stage_transition() IS
    'BEFORE UPDATE row trigger: rejects (23514) a change of the lead_stage column named as its argument that the stage policy forbids';

------------------------------------------------------------------------------
-- Scoring models.
------------------------------------------------------------------------------

CREATE SEQUENCE lead_qual.model_version_seq;
COMMENT ON SEQUENCE lead_qual.model_version_seq IS
    'source of scoring model versions: every new definition gets a new, never reused number';

CREATE TABLE lead_qual.scoring_model (
    name text PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 200),
    definition jsonb NOT NULL,
    version bigint NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now(),
    builtin boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE lead_qual.scoring_model IS
    'scoring models: fit rules, engagement rules with caps and decay, stage criteria (see README, "Scoring models")';
COMMENT ON COLUMN lead_qual.scoring_model.name IS 'the name functions and tracked tables refer to';
COMMENT ON COLUMN lead_qual.scoring_model.definition IS 'the model (JSON); validated on every insert and update';
COMMENT ON COLUMN lead_qual.scoring_model.version IS
    'set by the table''s trigger: a new number from model_version_seq whenever the definition changes; score_states record it';
COMMENT ON COLUMN lead_qual.scoring_model.updated_at IS 'when the definition last changed';
COMMENT ON COLUMN lead_qual.scoring_model.builtin IS
    'true for the shipped, unmodified default model (it is recreated by CREATE EXTENSION, so pg_dump skips it)';

CREATE FUNCTION lead_qual.validate_model(definition jsonb) RETURNS text[]
    AS 'MODULE_PATHNAME', 'lq_validate_model' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lead_qual.validate_model(jsonb) IS
    'every problem of a model definition, each prefixed with its JSON path; empty when the definition is valid';

-- Keeps scoring_model consistent: validates definitions, assigns versions,
-- and lets a restored (dumped) model replace the shipped default of the same
-- name instead of colliding with it.
CREATE FUNCTION lead_qual.scoring_model_maintain() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  problems text[];
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.definition = OLD.definition AND NEW.name = OLD.name THEN
    NEW.version := OLD.version;
    NEW.updated_at := OLD.updated_at;
    RETURN NEW;
  END IF;
  problems := lead_qual.validate_model(NEW.definition);
  IF cardinality(problems) > 0 THEN
    IF cardinality(problems) = 1 THEN
      RAISE EXCEPTION 'invalid scoring model "%": %', NEW.name, problems[1]
        USING ERRCODE = 'invalid_parameter_value',
              HINT = 'lead_qual.validate_model(definition) lists every problem.';
    END IF;
    RAISE EXCEPTION 'invalid scoring model "%": %', NEW.name, problems[1]
      USING ERRCODE = 'invalid_parameter_value',
            DETAIL = 'All ' || cardinality(problems) || ' problems:' || E'\n  ' || array_to_string(problems, E'\n  '),
            HINT = 'lead_qual.validate_model(definition) lists every problem.';
  END IF;
  IF TG_OP = 'INSERT' THEN
    DELETE FROM lead_qual.scoring_model m WHERE m.name = NEW.name AND m.builtin;
  ELSE
    NEW.builtin := false;
  END IF;
  IF TG_OP = 'UPDATE' OR NEW.version = 0 OR NEW.version IS NULL THEN
    NEW.version := nextval('lead_qual.model_version_seq');
  END IF;
  NEW.updated_at := now();
  RETURN NEW;
END $$;
COMMENT ON FUNCTION lead_qual.scoring_model_maintain() IS
    'trigger of scoring_model: validates the definition (22023 naming the JSON path), assigns a new version on every change';

CREATE TRIGGER scoring_model_maintain BEFORE INSERT OR UPDATE ON lead_qual.scoring_model
    FOR EACH ROW EXECUTE FUNCTION lead_qual.scoring_model_maintain();

-- The shipped default model (README, "The default model").
INSERT INTO lead_qual.scoring_model (name, builtin, definition) VALUES ('default', true, $json$
{
  "description": "lead_qual default model: common B2B practice",
  "fit": {
    "rules": [
      {"when": {"industry": {"in": ["software", "saas", "fintech", "technology", "financial services"]}}, "points": 10},
      {"when": {"employees": {"between": [10, 49]}}, "points": 5},
      {"when": {"employees": {"between": [50, 999]}}, "points": 10},
      {"when": {"employees": {"gte": 1000}}, "points": 15},
      {"when": {"annual_revenue": {"between": [1000000, 9999999]}}, "points": 5},
      {"when": {"annual_revenue": {"between": [10000000, 99999999]}}, "points": 10},
      {"when": {"annual_revenue": {"gte": 100000000}}, "points": 15},
      {"when": {"region": {"in": ["north america", "europe"]}}, "points": 5}
    ],
    "min": 0,
    "max": 45
  },
  "engagement": {
    "half_life_days": 30,
    "rules": [
      {"activity": "page_view", "when": {"url": {"contains": "/pricing"}}, "points": 3},
      {"activity": "page_view", "points": 1, "max": 15},
      {"activity": "content_download", "points": 5},
      {"activity": "demo_request", "points": 20},
      {"activity": "email_open", "points": 2},
      {"activity": "email_click", "points": 5},
      {"activity": "webinar", "points": 10},
      {"activity": "unsubscribe", "points": -25}
    ],
    "min": 0,
    "max": 100
  },
  "stages": {
    "mql": {"min_fit": 15, "min_engagement": 20},
    "sql": {"min_fit": 20, "min_score": 70, "or_activities": ["demo_request"]}
  }
}
$json$);

-- pg_dump keeps user models (and modified defaults) and the version counter.
SELECT pg_catalog.pg_extension_config_dump('lead_qual.scoring_model', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('lead_qual.model_version_seq', '');

REVOKE ALL ON lead_qual.scoring_model FROM PUBLIC;
GRANT SELECT ON lead_qual.scoring_model TO PUBLIC;

------------------------------------------------------------------------------
-- score_state: the decayable engagement state of one lead.
------------------------------------------------------------------------------

CREATE TYPE lead_qual.score_state;

CREATE FUNCTION lead_qual.score_state_in(cstring) RETURNS lead_qual.score_state
    AS 'MODULE_PATHNAME', 'score_state_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION lead_qual.score_state_out(lead_qual.score_state) RETURNS cstring
    AS 'MODULE_PATHNAME', 'score_state_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION lead_qual.score_state_recv(internal) RETURNS lead_qual.score_state
    AS 'MODULE_PATHNAME', 'score_state_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION lead_qual.score_state_send(lead_qual.score_state) RETURNS bytea
    AS 'MODULE_PATHNAME', 'score_state_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE lead_qual.score_state (
    INPUT = lead_qual.score_state_in,
    OUTPUT = lead_qual.score_state_out,
    RECEIVE = lead_qual.score_state_recv,
    SEND = lead_qual.score_state_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE lead_qual.score_state IS
    'decayable engagement state of one lead: per-rule decayed sums and counts, model name and version, half-life and caps';
COMMENT ON FUNCTION lead_qual.score_state_in(cstring) IS 'score_state text input (the JSON its output produces)';
COMMENT ON FUNCTION lead_qual.score_state_out(lead_qual.score_state) IS 'score_state text output (JSON)';
COMMENT ON FUNCTION lead_qual.score_state_recv(internal) IS 'score_state binary input (validated)';
COMMENT ON FUNCTION lead_qual.score_state_send(lead_qual.score_state) IS 'score_state binary output';

------------------------------------------------------------------------------
-- Scoring functions and the engagement_state aggregate.
------------------------------------------------------------------------------

CREATE FUNCTION lead_qual.fit_score(model text, lead jsonb) RETURNS double precision
    AS 'MODULE_PATHNAME', 'lq_fit_score' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lead_qual.fit_score(text, jsonb) IS
    'fit score of a lead (its attributes as a JSON object): the points of every matching fit rule, clamped';

CREATE FUNCTION lead_qual.activity_points(model text, activity text, properties jsonb) RETURNS double precision
    AS 'MODULE_PATHNAME', 'lq_activity_points' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION lead_qual.activity_points(text, text, jsonb) IS
    'undecayed points of one activity: the first matching engagement rule''s points, 0 when none; NULL properties mean none';

CREATE FUNCTION lead_qual.add_activity(state lead_qual.score_state, model text, activity text,
                                       occurred_at timestamptz, properties jsonb) RETURNS lead_qual.score_state
    AS 'MODULE_PATHNAME', 'lq_add_activity' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION lead_qual.add_activity(lead_qual.score_state, text, text, timestamptz, jsonb) IS
    'folds one activity into a score_state (NULL state: empty); cost independent of the history; NULL activity or occurred_at: ignored';

CREATE FUNCTION lead_qual.score_state_combine(lead_qual.score_state, lead_qual.score_state) RETURNS lead_qual.score_state
    AS 'MODULE_PATHNAME', 'lq_score_state_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lead_qual.score_state_combine(lead_qual.score_state, lead_qual.score_state) IS
    'merges two score_states of the same model version (engagement_state combine function)';

CREATE AGGREGATE lead_qual.engagement_state(model text, activity text, occurred_at timestamptz, properties jsonb) (
    SFUNC = lead_qual.add_activity,
    STYPE = lead_qual.score_state,
    COMBINEFUNC = lead_qual.score_state_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE lead_qual.engagement_state(text, text, timestamptz, jsonb) IS
    'score_state of a set of activities (e.g. GROUP BY lead_id); parallel, with a combine function';

CREATE FUNCTION lead_qual.engagement(state lead_qual.score_state, as_of timestamptz DEFAULT now()) RETURNS double precision
    AS 'MODULE_PATHNAME', 'lq_engagement' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lead_qual.engagement(lead_qual.score_state, timestamptz) IS
    'engagement score of a state as of a time: decayed rule totals, capped, clamped; needs no model';

CREATE FUNCTION lead_qual.explain(state lead_qual.score_state, as_of timestamptz DEFAULT now(),
    OUT rule integer, OUT activity text, OUT activities bigint, OUT points double precision, OUT capped boolean)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'lq_explain' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 10;
COMMENT ON FUNCTION lead_qual.explain(lead_qual.score_state, timestamptz) IS
    'why a lead has its engagement score: per engagement rule, its activities and decayed (capped) points';

CREATE FUNCTION lead_qual.qualify(model text, lead jsonb, state lead_qual.score_state, current lead_qual.lead_stage,
                                  as_of timestamptz DEFAULT now()) RETURNS lead_qual.lead_stage
    AS 'MODULE_PATHNAME', 'lq_qualify' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION lead_qual.qualify(text, jsonb, lead_qual.score_state, lead_qual.lead_stage, timestamptz) IS
    'the stage the automatic rules give: the highest of mql/sql met, applied forward only (NULL state: no activity)';
