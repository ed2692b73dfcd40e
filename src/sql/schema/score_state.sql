-- Schema: created once, by CREATE EXTENSION. A change here needs the same
-- change in an update file (src/sql/updates/README.md).

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

-- Explicit cast to jsonb (the text output is JSON): state::jsonb.
CREATE CAST (lead_qual.score_state AS jsonb) WITH INOUT;
COMMENT ON CAST (lead_qual.score_state AS jsonb) IS 'the state''s JSON (its text output) as jsonb';
