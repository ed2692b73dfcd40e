-- lead_qual 1.0: lead scoring and MQL/SQL qualification.
\echo Use "CREATE EXTENSION lead_qual" to load this file. \quit

------------------------------------------------------------------------------
-- lead_stage: a lead's lifecycle stage, sorted in funnel order.
------------------------------------------------------------------------------

-- Everyone may use the extension's types and functions; its tables carry
-- their own privileges below.
GRANT USAGE ON SCHEMA lead_qual TO PUBLIC;

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
    NEW.updated_at := now();
  END IF;
  -- (An INSERT with a version is a restored row: it keeps its version and
  -- updated_at, so score states built under it stay valid.)
  RETURN NEW;
END $$;
COMMENT ON FUNCTION lead_qual.scoring_model_maintain() IS
    'trigger of scoring_model: validates the definition (22023 naming the JSON path), assigns a new version on every change';

CREATE TRIGGER scoring_model_maintain BEFORE INSERT OR UPDATE ON lead_qual.scoring_model
    FOR EACH ROW EXECUTE FUNCTION lead_qual.scoring_model_maintain();

-- Every backend caches compiled models; a change of the table tells them
-- (a relcache invalidation, delivered at commit) to look at it again.
CREATE FUNCTION lead_qual._models_changed() RETURNS trigger
    AS 'MODULE_PATHNAME', 'lq_models_changed' LANGUAGE C;
COMMENT ON FUNCTION lead_qual._models_changed() IS
    'internal: statement trigger of scoring_model that invalidates every backend''s compiled-model cache';
CREATE TRIGGER scoring_model_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON lead_qual.scoring_model
    FOR EACH STATEMENT EXECUTE FUNCTION lead_qual._models_changed();

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

------------------------------------------------------------------------------
-- Live qualification: stage history, tracked tables, triggers.
------------------------------------------------------------------------------

CREATE TABLE lead_qual.stage_history (
    id bigserial PRIMARY KEY,
    lead_table regclass NOT NULL,
    lead_key text NOT NULL,
    from_stage lead_qual.lead_stage,
    to_stage lead_qual.lead_stage NOT NULL,
    changed_at timestamptz NOT NULL,
    fit double precision,
    engagement double precision,
    score double precision,
    reason text NOT NULL CHECK (reason IN ('score', 'manual', 'rescore', 'refresh')),
    changed_by name NOT NULL
);
CREATE INDEX stage_history_lead_idx ON lead_qual.stage_history (lead_table, lead_key, changed_at);
CREATE INDEX stage_history_time_idx ON lead_qual.stage_history (changed_at);
COMMENT ON TABLE lead_qual.stage_history IS 'every stage change of every tracked lead, automatic or manual';
COMMENT ON COLUMN lead_qual.stage_history.lead_table IS 'the tracked leads table';
COMMENT ON COLUMN lead_qual.stage_history.lead_key IS 'the lead''s key, as text';
COMMENT ON COLUMN lead_qual.stage_history.from_stage IS 'stage before the change (NULL: none)';
COMMENT ON COLUMN lead_qual.stage_history.to_stage IS 'stage after the change';
COMMENT ON COLUMN lead_qual.stage_history.changed_at IS 'when the change happened (the statement''s time)';
COMMENT ON COLUMN lead_qual.stage_history.fit IS 'fit score at the change';
COMMENT ON COLUMN lead_qual.stage_history.engagement IS 'engagement score at the change';
COMMENT ON COLUMN lead_qual.stage_history.score IS 'fit + engagement at the change';
COMMENT ON COLUMN lead_qual.stage_history.reason IS
    'score: new activity; manual: a user set the stage; rescore: recomputed (attributes, deleted activities, rescore()); refresh: decay refresh or recycling';
COMMENT ON COLUMN lead_qual.stage_history.changed_by IS 'the role whose statement caused the change';
COMMENT ON SEQUENCE lead_qual.stage_history_id_seq IS 'ids of stage_history rows';
COMMENT ON INDEX lead_qual.stage_history_lead_idx IS 'per-lead history';
COMMENT ON INDEX lead_qual.stage_history_time_idx IS 'history by time';
SELECT pg_catalog.pg_extension_config_dump('lead_qual.stage_history', '');
SELECT pg_catalog.pg_extension_config_dump('lead_qual.stage_history_id_seq', '');
-- History holds every tracked lead's key and scores: not readable by PUBLIC;
-- grant SELECT to the roles that report on it.
REVOKE ALL ON lead_qual.stage_history FROM PUBLIC;

CREATE TABLE lead_qual.tracked (
    activities regclass PRIMARY KEY,
    leads regclass NOT NULL UNIQUE,
    model text NOT NULL,
    options jsonb NOT NULL,
    tracked_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE lead_qual.tracked IS 'activity tables attached with track(): their leads table, model and resolved column options';
COMMENT ON COLUMN lead_qual.tracked.activities IS 'the activity table whose inserts are scored';
COMMENT ON COLUMN lead_qual.tracked.leads IS 'the leads table whose scores and stages are kept current';
COMMENT ON COLUMN lead_qual.tracked.model IS 'the scoring model';
COMMENT ON COLUMN lead_qual.tracked.options IS 'every column name and option, defaults resolved';
COMMENT ON COLUMN lead_qual.tracked.tracked_at IS 'when track() attached the tables';
SELECT pg_catalog.pg_extension_config_dump('lead_qual.tracked', '');
REVOKE ALL ON lead_qual.tracked FROM PUBLIC;
GRANT SELECT ON lead_qual.tracked TO PUBLIC;

CREATE TYPE lead_qual.lead_update AS (
    score_state lead_qual.score_state,
    engagement double precision,
    fit double precision,
    score double precision,
    stage lead_qual.lead_stage,
    stage_changed_at timestamptz
);
COMMENT ON TYPE lead_qual.lead_update IS 'internal: the columns lead_qual writes to a lead row';

CREATE FUNCTION lead_qual._apply(lead_key text, state lead_qual.score_state, stage lead_qual.lead_stage,
                                 stage_changed_at timestamptz, old_score double precision, attributes jsonb,
                                 full_state lead_qual.score_state)
    RETURNS lead_qual.lead_update
    AS 'MODULE_PATHNAME', 'lq_apply' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION lead_qual._apply(text, lead_qual.score_state, lead_qual.lead_stage, timestamptz, double precision, jsonb, lead_qual.score_state) IS
    'internal: computes a lead''s new scores and stage inside lead_qual''s own UPDATE statements; errors when called otherwise';

CREATE FUNCTION lead_qual._state_matches(state lead_qual.score_state, model text, version bigint) RETURNS boolean
    AS 'MODULE_PATHNAME', 'lq_state_matches' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION lead_qual._state_matches(lead_qual.score_state, text, bigint) IS
    'internal: true when a state is non-NULL and was built under this model name and version';

CREATE FUNCTION lead_qual.model_attributes(model text) RETURNS text[]
    AS 'MODULE_PATHNAME', 'lq_model_attributes' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lead_qual.model_attributes(text) IS
    'the lead attributes a model reads (fit rules and stage requirements); tracked leads tables need a column for each';

CREATE FUNCTION lead_qual.activity_inserted() RETURNS trigger
    AS 'MODULE_PATHNAME', 'lq_activity_inserted' LANGUAGE C;
COMMENT ON FUNCTION lead_qual.activity_inserted() IS
    'statement trigger (AFTER INSERT, transition table) installed by track(): folds new activities into their leads';
CREATE FUNCTION lead_qual.activity_changed() RETURNS trigger
    AS 'MODULE_PATHNAME', 'lq_activity_changed' LANGUAGE C;
COMMENT ON FUNCTION lead_qual.activity_changed() IS
    'statement trigger (AFTER UPDATE/DELETE, transition tables) installed by track(): rebuilds the affected leads from their history';
CREATE FUNCTION lead_qual.lead_changed() RETURNS trigger
    AS 'MODULE_PATHNAME', 'lq_lead_changed' LANGUAGE C;
COMMENT ON FUNCTION lead_qual.lead_changed() IS
    'row trigger (BEFORE INSERT OR UPDATE on leads) installed by track(): checks and records manual stage changes, rescores changed attributes';
CREATE FUNCTION lead_qual.activity_truncated() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  PERFORM lead_qual.rescore(TG_ARGV[0]::regclass);
  RETURN NULL;
END $$;
COMMENT ON FUNCTION lead_qual.activity_truncated() IS
    'statement trigger (AFTER TRUNCATE) installed by track(): rescoring every lead from the (now empty) history';

-- _rewrite(leads, reason, as_of, only_stale): lead_qual's set-based rewrite
-- of a tracked leads table, shared by rescore() and refresh(). Leads are
-- rebuilt from their activity history; with only_stale, only those whose
-- state is missing or of another model version (refresh() decays the rest).
CREATE FUNCTION lead_qual._rewrite(leads regclass, reason text, as_of timestamptz, only_stale boolean) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  t lead_qual.tracked;
  o jsonb;
  attrs text;
  set_list text;
  apply_args text;
  stale text;
  version bigint;
  changed bigint := 0;
BEGIN
  SELECT * INTO t FROM lead_qual.tracked WHERE tracked.leads = _rewrite.leads;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'table % is not tracked by lead_qual', leads USING ERRCODE = 'undefined_object',
      HINT = 'Attach it with lead_qual.track(activities, leads, model).';
  END IF;
  o := t.options;
  SELECT m.version INTO version FROM lead_qual.scoring_model m WHERE m.name = t.model;
  SELECT coalesce('pg_catalog.jsonb_build_object(' ||
                  string_agg(format('%L, l.%I', a, a), ', ') || ')', 'NULL::pg_catalog.jsonb')
    INTO attrs FROM unnest(lead_qual.model_attributes(t.model)) a
   -- A column dropped since track() reads as missing.
   WHERE EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = leads AND attname = a AND attnum > 0 AND NOT attisdropped);
  set_list := format('(%I, %I, %I, %I, %I, %I)', o->>'score_state', o->>'engagement_score', o->>'fit_score',
                     o->>'score', o->>'stage', o->>'stage_changed_at');
  apply_args := format('l.%I::pg_catalog.text, l.%I, l.%I, l.%I, l.%I, %s', o->>'key', o->>'score_state', o->>'stage',
                       o->>'stage_changed_at', o->>'score', attrs);
  stale := CASE WHEN only_stale
                THEN format(' AND NOT lead_qual._state_matches(l.%I, %L, %s)', o->>'score_state', t.model, version)
                ELSE '' END;
  -- One table lock up front instead of row locks in join order: no deadlock
  -- with the activity triggers, which lock leads rows in key order.
  EXECUTE format('LOCK TABLE %s IN SHARE ROW EXCLUSIVE MODE', leads);
  PERFORM lead_qual._begin_write(t.model, leads, reason, as_of);
  BEGIN
    IF reason = 'refresh' THEN
      -- Leads whose state is current: decay it to as_of (and recycle).
      EXECUTE format('UPDATE %s AS l SET %s = (SELECT r.* FROM lead_qual._apply(%s, l.%I) r)'
                     ' WHERE lead_qual._state_matches(l.%I, %L, %s)',
                     leads, set_list, apply_args, o->>'score_state', o->>'score_state', t.model, version);
    END IF;
    -- Leads with activities: their state rebuilt from the history.
    EXECUTE format(
      'UPDATE %s AS l SET %s = (SELECT r.* FROM lead_qual._apply(%s, h.state) r)'
      ' FROM (SELECT a.%I AS k, lead_qual.engagement_state(%L, a.%I::pg_catalog.text, COALESCE(a.%I, pg_catalog.now()), %s) AS state'
      '         FROM %s AS a GROUP BY a.%I) AS h'
      ' WHERE l.%I OPERATOR(pg_catalog.=) h.k%s',
      leads, set_list, apply_args,
      o->>'activity_lead_id', t.model, o->>'activity', o->>'occurred_at',
      CASE WHEN o->>'properties' IS NULL THEN 'NULL::pg_catalog.jsonb' ELSE format('a.%I', o->>'properties') END,
      t.activities, o->>'activity_lead_id', o->>'key', stale);
    -- Leads without any activity: an empty state.
    EXECUTE format(
      'UPDATE %s AS l SET %s = (SELECT r.* FROM lead_qual._apply(%s, NULL) r)'
      ' WHERE NOT EXISTS (SELECT 1 FROM %s AS a WHERE a.%I OPERATOR(pg_catalog.=) l.%I)%s',
      leads, set_list, apply_args, t.activities, o->>'activity_lead_id', o->>'key', stale);
    changed := lead_qual._end_write();
  EXCEPTION WHEN OTHERS THEN
    PERFORM lead_qual._abort_write();
    RAISE;
  END;
  RETURN changed;
END $$;
COMMENT ON FUNCTION lead_qual._rewrite(regclass, text, timestamptz, boolean) IS
    'internal: set-based rewrite of a tracked leads table (rescore, refresh)';

CREATE FUNCTION lead_qual.rescore(leads regclass) RETURNS bigint
LANGUAGE sql STRICT SET search_path = pg_catalog, pg_temp
AS $$ SELECT lead_qual._rewrite(leads, 'rescore', NULL, false) $$;
COMMENT ON FUNCTION lead_qual.rescore(regclass) IS
    'rebuilds every lead of a tracked leads table from its activity history (set-based); returns how many leads changed';

CREATE FUNCTION lead_qual.refresh(leads regclass, as_of timestamptz DEFAULT now()) RETURNS bigint
LANGUAGE sql STRICT SET search_path = pg_catalog, pg_temp
AS $$ SELECT lead_qual._rewrite(leads, 'refresh', as_of, true) $$;
COMMENT ON FUNCTION lead_qual.refresh(regclass, timestamptz) IS
    'recomputes every lead''s decayed scores as of a time and applies the model''s recycle rule; returns how many leads changed';

CREATE FUNCTION lead_qual._begin_write(model text, leads regclass, reason text, as_of timestamptz) RETURNS void
    AS 'MODULE_PATHNAME', 'lq_begin_write' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION lead_qual._begin_write(text, regclass, text, timestamptz) IS 'internal: starts a lead_qual write (rescore, refresh)';
CREATE FUNCTION lead_qual._end_write() RETURNS bigint
    AS 'MODULE_PATHNAME', 'lq_end_write' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION lead_qual._end_write() IS 'internal: records stage history and notifications of a lead_qual write; returns how many leads changed';
CREATE FUNCTION lead_qual._abort_write() RETURNS void
    AS 'MODULE_PATHNAME', 'lq_abort_write' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION lead_qual._abort_write() IS 'internal: abandons a lead_qual write after an error';

-- track(activities, leads, model, options): attaches lead_qual to a CRM's
-- activity and leads tables (README, "Live qualification").
CREATE FUNCTION lead_qual.track(activities regclass, leads regclass, model text, options jsonb DEFAULT '{}')
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  o jsonb;
  k text;
  problems text[] := '{}';
  missing text[] := '{}';
  col record;
  key_type regtype;
  args text;
  written constant text[] := ARRAY['fit_score', 'engagement_score', 'score', 'stage', 'score_state', 'stage_changed_at'];
  written_types constant regtype[] := ARRAY['float8', 'float8', 'float8', 'lead_qual.lead_stage', 'lead_qual.score_state',
                                            'timestamptz']::regtype[];
  i int;
  t regtype;
  scored bigint;
BEGIN
  IF activities IS NULL OR leads IS NULL OR model IS NULL OR options IS NULL THEN
    RAISE EXCEPTION 'track() arguments must not be NULL' USING ERRCODE = 'null_value_not_allowed';
  END IF;
  -- The caller acts through this SECURITY DEFINER function only on tables it owns.
  IF NOT pg_has_role(session_user, (SELECT relowner FROM pg_class WHERE oid = activities), 'USAGE')
     OR NOT pg_has_role(session_user, (SELECT relowner FROM pg_class WHERE oid = leads), 'USAGE') THEN
    RAISE EXCEPTION 'must be owner of tables % and % to track them', activities, leads
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM lead_qual.scoring_model m WHERE m.name = model) THEN
    RAISE EXCEPTION 'scoring model "%" does not exist', model USING ERRCODE = 'undefined_object';
  END IF;
  IF EXISTS (SELECT 1 FROM lead_qual.tracked tr WHERE tr.activities = track.activities OR tr.leads = track.leads) THEN
    RAISE EXCEPTION 'table % or % is already tracked', activities, leads USING ERRCODE = 'duplicate_object',
      HINT = 'lead_qual.untrack(activities) detaches it first.';
  END IF;
  FOR k IN SELECT jsonb_object_keys(options) LOOP
    IF k NOT IN ('activity_lead_id', 'activity', 'occurred_at', 'properties', 'key', 'fit_score', 'engagement_score',
                 'score', 'stage', 'score_state', 'stage_changed_at', 'channel', 'add_columns') THEN
      problems := problems || format('unknown option "%s"', k);
    ELSIF k <> 'add_columns' AND jsonb_typeof(options->k) <> 'string' THEN
      problems := problems || format('option "%s" must be a string', k);
    END IF;
  END LOOP;
  IF options ? 'add_columns' AND jsonb_typeof(options->'add_columns') <> 'boolean' THEN
    problems := problems || 'option "add_columns" must be true or false'::text;
  END IF;
  IF cardinality(problems) > 0 THEN
    RAISE EXCEPTION 'invalid track() options: %', array_to_string(problems, '; ') USING ERRCODE = 'invalid_parameter_value';
  END IF;
  o := jsonb_build_object('activity_lead_id', 'lead_id', 'activity', 'activity', 'occurred_at', 'occurred_at',
                          'properties', 'properties', 'key', 'id', 'fit_score', 'fit_score',
                          'engagement_score', 'engagement_score', 'score', 'score', 'stage', 'stage',
                          'score_state', 'score_state', 'stage_changed_at', 'stage_changed_at', 'channel', 'lead_qual')
       || (options - 'add_columns');

  -- Activity columns.
  SELECT atttypid::regtype INTO key_type FROM pg_attribute
   WHERE attrelid = leads AND attname = o->>'key' AND attnum > 0 AND NOT attisdropped;
  IF key_type IS NULL THEN
    problems := problems || format('leads table %s has no key column "%s"', leads, o->>'key');
  ELSIF NOT EXISTS (SELECT 1 FROM pg_index x JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[0]
                     WHERE x.indrelid = leads AND x.indisunique AND x.indnkeyatts = 1 AND x.indpred IS NULL
                       AND a.attname = o->>'key') THEN
    problems := problems || format('key column %s.%s is not unique (it needs a primary key or unique index)', leads, o->>'key');
  END IF;
  FOR k, t IN SELECT * FROM (VALUES ('activity_lead_id', key_type), ('activity', 'text'::regtype),
                                    ('occurred_at', 'timestamptz'::regtype), ('properties', 'jsonb'::regtype)) v LOOP
    SELECT atttypid::regtype AS typ INTO col FROM pg_attribute
     WHERE attrelid = activities AND attname = o->>k AND attnum > 0 AND NOT attisdropped;
    IF NOT FOUND THEN
      IF k = 'properties' AND NOT options ? 'properties' THEN
        o := o - 'properties';    -- optional: activities without properties
      ELSE
        problems := problems || format('activity table %s has no column "%s" (option %s)', activities, o->>k, k);
      END IF;
    ELSIF k = 'activity' AND col.typ NOT IN ('text'::regtype, 'varchar'::regtype) THEN
      problems := problems || format('column %s.%s must be text or varchar, not %s', activities, o->>k, col.typ);
    ELSIF t IS NOT NULL AND k <> 'activity' AND col.typ <> t THEN
      problems := problems || format('column %s.%s must be of type %s, not %s', activities, o->>k, t, col.typ);
    END IF;
  END LOOP;

  -- Written lead columns.
  FOR i IN 1 .. cardinality(written) LOOP
    SELECT atttypid::regtype AS typ INTO col FROM pg_attribute
     WHERE attrelid = leads AND attname = o->>written[i] AND attnum > 0 AND NOT attisdropped;
    IF NOT FOUND THEN
      missing := missing || written[i];
    ELSIF col.typ <> written_types[i] THEN
      problems := problems || format('column %s.%s must be of type %s, not %s', leads, o->>written[i], written_types[i], col.typ);
    END IF;
  END LOOP;
  IF cardinality(missing) > 0 AND NOT coalesce((options->>'add_columns')::boolean, false) THEN
    problems := problems || (SELECT array_agg(format('leads table %s has no column "%s" (option %s; or pass "add_columns": true)',
                                                      leads, o->>m, m)) FROM unnest(missing) m);
  END IF;

  -- Every attribute the model reads must be a column of the leads table.
  problems := problems || coalesce((SELECT array_agg(format('model "%s" reads attribute "%s", but leads table %s has no such column', model, a, leads))
                                      FROM unnest(lead_qual.model_attributes(model)) a
                                     WHERE NOT EXISTS (SELECT 1 FROM pg_attribute
                                                        WHERE attrelid = leads AND attname = a AND attnum > 0 AND NOT attisdropped)), '{}');
  IF cardinality(problems) = 1 THEN
    RAISE EXCEPTION 'cannot track % and %: %', activities, leads, problems[1]
      USING ERRCODE = CASE WHEN problems[1] LIKE '%has no%' THEN 'undefined_column' ELSE 'datatype_mismatch' END;
  ELSIF cardinality(problems) > 1 THEN
    RAISE EXCEPTION 'cannot track % and %: %', activities, leads, problems[1]
      USING ERRCODE = CASE WHEN problems[1] LIKE '%has no%' THEN 'undefined_column' ELSE 'datatype_mismatch' END,
            DETAIL = 'All ' || cardinality(problems) || ' problems:' || E'\n  ' || array_to_string(problems, E'\n  ');
  END IF;
  IF cardinality(missing) > 0 THEN
    EXECUTE format('ALTER TABLE %s %s', leads,
                   (SELECT string_agg(format('ADD COLUMN %I %s', o->>written[g.n], written_types[g.n]), ', ')
                      FROM generate_subscripts(written, 1) AS g(n) WHERE written[g.n] = ANY (missing)));
  END IF;

  INSERT INTO lead_qual.tracked (activities, leads, model, options) VALUES (activities, leads, model, o);

  -- Everything the triggers need travels in their arguments (no look-up of
  -- this configuration at run time): see src/pg/track_args.hpp for the order.
  args := format('%L, %L, %L, %L, %L, %L, %L, %L, %L, %L, %L, %L, %L, %L, %L, %L',
                 '1', leads::text, activities::text, model, o->>'key', o->>'activity_lead_id', o->>'activity',
                 o->>'occurred_at', coalesce(o->>'properties', ''), o->>'score_state', o->>'fit_score',
                 o->>'engagement_score', o->>'score', o->>'stage', o->>'stage_changed_at', o->>'channel');
  EXECUTE format('CREATE TRIGGER lead_qual_activity_insert AFTER INSERT ON %s REFERENCING NEW TABLE AS lead_qual_new'
                 ' FOR EACH STATEMENT EXECUTE FUNCTION lead_qual.activity_inserted(%s)', activities, args);
  EXECUTE format('CREATE TRIGGER lead_qual_activity_update AFTER UPDATE ON %s'
                 ' REFERENCING OLD TABLE AS lead_qual_old NEW TABLE AS lead_qual_new'
                 ' FOR EACH STATEMENT EXECUTE FUNCTION lead_qual.activity_changed(%s)', activities, args);
  EXECUTE format('CREATE TRIGGER lead_qual_activity_delete AFTER DELETE ON %s REFERENCING OLD TABLE AS lead_qual_old'
                 ' FOR EACH STATEMENT EXECUTE FUNCTION lead_qual.activity_changed(%s)', activities, args);
  EXECUTE format('CREATE TRIGGER lead_qual_activity_truncate AFTER TRUNCATE ON %s'
                 ' FOR EACH STATEMENT EXECUTE FUNCTION lead_qual.activity_truncated(%L)', activities, leads::text);
  EXECUTE format('CREATE TRIGGER lead_qual_lead BEFORE INSERT OR UPDATE ON %s'
                 ' FOR EACH ROW EXECUTE FUNCTION lead_qual.lead_changed(%s)', leads, args);

  IF NOT EXISTS (SELECT 1 FROM pg_index x JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[0]
                  WHERE x.indrelid = activities AND a.attname = o->>'activity_lead_id') THEN
    RAISE WARNING 'activity table % has no index on %: rebuilding a lead from its history will scan the whole table',
      activities, o->>'activity_lead_id'
      USING HINT = format('CREATE INDEX ON %s (%I);', activities, o->>'activity_lead_id');
  END IF;
  scored := lead_qual.rescore(leads);
  RETURN scored;
END $$;
COMMENT ON FUNCTION lead_qual.track(regclass, regclass, text, jsonb) IS
    'attaches lead_qual to an activity table and its leads table: checks every column up front, installs the triggers, scores every lead; returns how many leads changed';

CREATE FUNCTION lead_qual.untrack(activities regclass) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  t lead_qual.tracked;
BEGIN
  SELECT * INTO t FROM lead_qual.tracked tr WHERE tr.activities = untrack.activities;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'table % is not tracked by lead_qual', activities USING ERRCODE = 'undefined_object';
  END IF;
  IF NOT pg_has_role(session_user, (SELECT relowner FROM pg_class WHERE oid = activities), 'USAGE') THEN
    RAISE EXCEPTION 'must be owner of table % to untrack it', activities USING ERRCODE = 'insufficient_privilege';
  END IF;
  EXECUTE format('DROP TRIGGER IF EXISTS lead_qual_activity_insert ON %s', t.activities);
  EXECUTE format('DROP TRIGGER IF EXISTS lead_qual_activity_update ON %s', t.activities);
  EXECUTE format('DROP TRIGGER IF EXISTS lead_qual_activity_delete ON %s', t.activities);
  EXECUTE format('DROP TRIGGER IF EXISTS lead_qual_activity_truncate ON %s', t.activities);
  EXECUTE format('DROP TRIGGER IF EXISTS lead_qual_lead ON %s', t.leads);
  DELETE FROM lead_qual.tracked tr WHERE tr.activities = untrack.activities;
END $$;
COMMENT ON FUNCTION lead_qual.untrack(regclass) IS
    'detaches lead_qual from an activity table: drops its triggers; scores, stages and history stay';

------------------------------------------------------------------------------
-- Reports for BI dashboards and closed-loop model checks.
------------------------------------------------------------------------------

CREATE FUNCTION lead_qual.stages() RETURNS lead_qual.lead_stage[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT '{subscriber,lead,mql,sql,opportunity,customer,recycled,disqualified}'::lead_qual.lead_stage[] $$;
COMMENT ON FUNCTION lead_qual.stages() IS 'every lead_stage, in funnel order';

CREATE FUNCTION lead_qual.grade(model text, fit double precision) RETURNS text
    AS 'MODULE_PATHNAME', 'lq_grade' LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION lead_qual.grade(text, double precision) IS
    'the model''s fit grade for a fit score (its "grades": the highest threshold met, else D); NULL when the model has none';

-- _outcomes(leads, outcome): per lead of a tracked table, its score, fit,
-- grade, stage, and whether it ever reached `outcome` or a later funnel stage
-- (by stage_history or its current stage). The base of the closed-loop
-- reports.
CREATE FUNCTION lead_qual._outcomes(leads regclass, outcome lead_qual.lead_stage)
RETURNS TABLE (lead_key text, score double precision, fit double precision, grade text, stage lead_qual.lead_stage,
               positive boolean)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  t lead_qual.tracked;
BEGIN
  IF leads IS NULL OR outcome IS NULL THEN
    RETURN;
  END IF;
  SELECT * INTO t FROM lead_qual.tracked WHERE tracked.leads = _outcomes.leads;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'table % is not tracked by lead_qual', leads USING ERRCODE = 'undefined_object';
  END IF;
  RETURN QUERY EXECUTE format(
    'SELECT k.key, l.%1$I, l.%2$I, lead_qual.grade(%3$L, l.%2$I), l.%4$I,'
    '       (l.%4$I OPERATOR(lead_qual.>=) $1 AND l.%4$I OPERATOR(lead_qual.<=) ''customer'')'
    '       OR k.key IN (SELECT h.lead_key FROM lead_qual.stage_history h'
    '                     WHERE h.lead_table OPERATOR(pg_catalog.=) $2'
    '                       AND h.to_stage OPERATOR(lead_qual.>=) $1 AND h.to_stage OPERATOR(lead_qual.<=) ''customer'')'
    '  FROM %5$s AS l CROSS JOIN LATERAL (SELECT l.%6$I::pg_catalog.text AS key) AS k',
    t.options->>'score', t.options->>'fit_score', t.model, t.options->>'stage', leads, t.options->>'key')
  USING outcome, leads;
END $$;
COMMENT ON FUNCTION lead_qual._outcomes(regclass, lead_qual.lead_stage) IS
    'internal: per lead its score, fit, grade, stage and whether it ever reached the outcome stage or a later funnel stage';

CREATE FUNCTION lead_qual.funnel_counts()
RETURNS TABLE (lead_table regclass, stage lead_qual.lead_stage, leads bigint, share double precision)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  t lead_qual.tracked;
BEGIN
  FOR t IN SELECT * FROM lead_qual.tracked ORDER BY tracked.leads::text LOOP
    RETURN QUERY EXECUTE format(
      'SELECT $1, s.stage, COALESCE(c.n, 0), COALESCE(c.n, 0)::float8 / NULLIF(pg_catalog.sum(c.n) OVER (), 0)::float8'
      '  FROM pg_catalog.unnest(lead_qual.stages()) AS s(stage)'
      '  LEFT JOIN (SELECT l.%I AS stage, pg_catalog.count(*) AS n FROM %s AS l GROUP BY 1) AS c'
      '    ON c.stage OPERATOR(lead_qual.=) s.stage'
      ' ORDER BY s.stage', t.options->>'stage', t.leads)
    USING t.leads;
  END LOOP;
END $$;
COMMENT ON FUNCTION lead_qual.funnel_counts() IS 'current leads per tracked table and stage (the funnel view)';

CREATE VIEW lead_qual.funnel AS SELECT * FROM lead_qual.funnel_counts();
COMMENT ON VIEW lead_qual.funnel IS 'current leads per tracked table and stage, every stage listed (zero included), with its share';

-- When each lead first reached each funnel stage "or later": a lead that
-- jumped from lead straight to sql has passed mql too, at the same moment.
CREATE VIEW lead_qual.stage_reached AS
SELECT h.lead_table, h.lead_key, s.stage, min(h.changed_at) AS reached_at
FROM lead_qual.stage_history h
JOIN unnest('{subscriber,lead,mql,sql,opportunity,customer}'::lead_qual.lead_stage[]) AS s(stage)
  ON h.to_stage >= s.stage AND h.to_stage <= 'customer'
GROUP BY h.lead_table, h.lead_key, s.stage;
COMMENT ON VIEW lead_qual.stage_reached IS
    'when each tracked lead first reached each funnel stage or a later one (from stage_history)';

CREATE VIEW lead_qual.conversion_pairs (from_stage, to_stage) AS
VALUES ('mql'::lead_qual.lead_stage, 'sql'::lead_qual.lead_stage),
       ('sql', 'opportunity'), ('opportunity', 'customer'), ('mql', 'customer');
COMMENT ON VIEW lead_qual.conversion_pairs IS 'the stage pairs the conversion and velocity views report';

CREATE VIEW lead_qual.stage_conversion AS
SELECT f.lead_table, date_trunc('month', f.reached_at)::date AS cohort_month, p.from_stage, p.to_stage,
       count(*) AS entered, count(t.reached_at) AS reached, count(t.reached_at)::float8 / count(*) AS rate
FROM lead_qual.stage_reached f
JOIN lead_qual.conversion_pairs p ON f.stage = p.from_stage
LEFT JOIN lead_qual.stage_reached t ON t.lead_table = f.lead_table AND t.lead_key = f.lead_key AND t.stage = p.to_stage
GROUP BY GROUPING SETS ((f.lead_table, p.from_stage, p.to_stage, date_trunc('month', f.reached_at)),
                        (f.lead_table, p.from_stage, p.to_stage));
COMMENT ON VIEW lead_qual.stage_conversion IS
    'of the leads that first reached from_stage (or later) in cohort_month (NULL: all time), how many later reached to_stage (or later)';

CREATE VIEW lead_qual.stage_velocity AS
SELECT f.lead_table, p.from_stage, p.to_stage, count(*) AS leads,
       make_interval(secs => percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM t.reached_at - f.reached_at))) AS median,
       make_interval(secs => percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM t.reached_at - f.reached_at))) AS p90
FROM lead_qual.stage_reached f
JOIN lead_qual.conversion_pairs p ON f.stage = p.from_stage
JOIN lead_qual.stage_reached t ON t.lead_table = f.lead_table AND t.lead_key = f.lead_key AND t.stage = p.to_stage
GROUP BY f.lead_table, p.from_stage, p.to_stage;
COMMENT ON VIEW lead_qual.stage_velocity IS
    'time from first reaching from_stage (or later) to first reaching to_stage (or later): median and 90th percentile';

CREATE FUNCTION lead_qual.threshold_report(leads regclass, outcome lead_qual.lead_stage DEFAULT 'sql',
                                           thresholds double precision[] DEFAULT NULL)
RETURNS TABLE (threshold double precision, flagged bigint, flagged_share double precision,
               "precision" double precision, recall double precision, lift double precision)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  WITH o AS (SELECT * FROM lead_qual._outcomes(leads, outcome)),
  totals AS (SELECT count(*) AS n, count(*) FILTER (WHERE positive) AS p, min(score) AS lo, max(score) AS hi FROM o),
  cut AS (
    SELECT unnest(thresholds) AS threshold WHERE thresholds IS NOT NULL
    UNION ALL
    SELECT generate_series((floor(lo / 5) * 5)::numeric, (ceil(hi / 5) * 5)::numeric, 5)::float8
      FROM totals WHERE thresholds IS NULL AND n > 0
  )
  SELECT c.threshold, s.flagged, s.flagged::float8 / NULLIF(t.n, 0),
         s.tp::float8 / NULLIF(s.flagged, 0), s.tp::float8 / NULLIF(t.p, 0),
         (s.tp::float8 / NULLIF(s.flagged, 0)) / NULLIF(t.p::float8 / NULLIF(t.n, 0), 0)
  FROM cut c CROSS JOIN totals t
  CROSS JOIN LATERAL (SELECT count(*) FILTER (WHERE o.score >= c.threshold) AS flagged,
                             count(*) FILTER (WHERE o.score >= c.threshold AND o.positive) AS tp FROM o) s
  ORDER BY c.threshold
$$;
COMMENT ON FUNCTION lead_qual.threshold_report(regclass, lead_qual.lead_stage, double precision[]) IS
    'for each score threshold: leads flagged (score >= threshold), their share, precision, recall and lift for reaching the outcome stage';

CREATE FUNCTION lead_qual.score_auc(leads regclass, outcome lead_qual.lead_stage DEFAULT 'sql') RETURNS double precision
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
  WITH o AS (SELECT score, positive FROM lead_qual._outcomes(leads, outcome)),
  ranked AS (SELECT positive, rank() OVER (ORDER BY score) + (count(*) OVER (PARTITION BY score) - 1) / 2.0 AS r FROM o),
  t AS (SELECT count(*) FILTER (WHERE positive) AS p, count(*) FILTER (WHERE NOT positive) AS n,
               sum(r) FILTER (WHERE positive) AS rank_sum FROM ranked)
  SELECT ((rank_sum - p * (p + 1) / 2.0) / (p * n))::float8 FROM t WHERE p > 0 AND n > 0
$$;
COMMENT ON FUNCTION lead_qual.score_auc(regclass, lead_qual.lead_stage) IS
    'ROC AUC of the lead score for reaching the outcome stage or later (ties count half); NULL without both classes';

CREATE FUNCTION lead_qual.score_band_counts()
RETURNS TABLE (lead_table regclass, band_low double precision, band_high double precision, leads bigint, reached bigint,
               rate double precision)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  t lead_qual.tracked;
BEGIN
  FOR t IN SELECT * FROM lead_qual.tracked ORDER BY tracked.leads::text LOOP
    RETURN QUERY
      SELECT t.leads, floor(o.score / 10) * 10, floor(o.score / 10) * 10 + 10, count(*),
             count(*) FILTER (WHERE o.positive), (count(*) FILTER (WHERE o.positive))::float8 / count(*)
      FROM lead_qual._outcomes(t.leads, 'sql') o WHERE o.score IS NOT NULL
      GROUP BY 2, 3 ORDER BY 2;
  END LOOP;
END $$;
COMMENT ON FUNCTION lead_qual.score_band_counts() IS 'leads per 10-point score band and the share that reached sql or later (the score_bands view)';

CREATE VIEW lead_qual.score_bands AS SELECT * FROM lead_qual.score_band_counts();
COMMENT ON VIEW lead_qual.score_bands IS '10-point score bands per tracked table, with how many leads reached sql or a later funnel stage';

CREATE FUNCTION lead_qual.grade_counts()
RETURNS TABLE (lead_table regclass, grade text, leads bigint, reached bigint, rate double precision)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  t lead_qual.tracked;
BEGIN
  FOR t IN SELECT * FROM lead_qual.tracked ORDER BY tracked.leads::text LOOP
    RETURN QUERY
      SELECT t.leads, o.grade, count(*), count(*) FILTER (WHERE o.positive),
             (count(*) FILTER (WHERE o.positive))::float8 / count(*)
      FROM lead_qual._outcomes(t.leads, 'sql') o WHERE o.grade IS NOT NULL
      GROUP BY o.grade ORDER BY o.grade;
  END LOOP;
END $$;
COMMENT ON FUNCTION lead_qual.grade_counts() IS 'leads per fit grade and the share that reached sql or later (the fit_grades view)';

CREATE VIEW lead_qual.fit_grades AS SELECT * FROM lead_qual.grade_counts();
COMMENT ON VIEW lead_qual.fit_grades IS 'per tracked table and fit grade: leads, how many reached sql or later, and the rate (models with "grades")';

-- Views over stage_history read it with their owner's rights, so like the
-- history they are not readable by PUBLIC: grant them to reporting roles.
-- The others run as the caller.
REVOKE ALL ON lead_qual.stage_reached, lead_qual.stage_conversion, lead_qual.stage_velocity FROM PUBLIC;
GRANT SELECT ON lead_qual.funnel, lead_qual.conversion_pairs, lead_qual.score_bands, lead_qual.fit_grades TO PUBLIC;
