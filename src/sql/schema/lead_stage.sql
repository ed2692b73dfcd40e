-- Schema: created once, by CREATE EXTENSION. A change here needs the same
-- change in an update file (src/sql/updates/README.md).

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
-- lead_stage -> name is implicit so that a role without lead_qual on its
-- search_path (a BI tool) can still write WHERE stage = 'mql' or
-- WHERE stage = $1: the lead_stage operators are not found there, and the
-- comparison falls back to name = text. With lead_qual on the search_path
-- the lead_stage operators match exactly and win. (An implicit cast to text
-- would make text || lead_stage ambiguous; name has no such operator.)
-- varchar -> lead_stage serves JDBC-style varchar parameters.
CREATE CAST (lead_qual.lead_stage AS text) WITH INOUT AS ASSIGNMENT;
CREATE CAST (text AS lead_qual.lead_stage) WITH INOUT AS ASSIGNMENT;
CREATE CAST (varchar AS lead_qual.lead_stage) WITH INOUT AS ASSIGNMENT;
CREATE CAST (lead_qual.lead_stage AS name) WITH INOUT AS IMPLICIT;
COMMENT ON CAST (lead_qual.lead_stage AS text) IS 'stage name, lower case';
COMMENT ON CAST (text AS lead_qual.lead_stage) IS 'parses a stage name (case-insensitive, trimmed)';
COMMENT ON CAST (lead_qual.lead_stage AS name) IS 'stage name, lower case (implicit: WHERE stage = ''mql'' works without lead_qual on the search_path)';
COMMENT ON CAST (varchar AS lead_qual.lead_stage) IS 'parses a stage name (case-insensitive, trimmed): varchar parameters of JDBC-style clients';
