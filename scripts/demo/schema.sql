-- Demo CRM: leads with firmographics and BANT flags, an activity table, and
-- (kept apart, as no CRM would have it) each lead's true buying intent.
\set ON_ERROR_STOP 1
CREATE EXTENSION IF NOT EXISTS lead_qual;
CREATE SCHEMA crm;
CREATE SCHEMA demo;
-- The hand-offs to sales the worker (worker.py) handled, each recorded in
-- the transaction that took it from lead_qual's hand-off feed.
CREATE TABLE demo.handoffs (history_id bigint PRIMARY KEY, lead_table text NOT NULL, lead_key text NOT NULL,
                            how text NOT NULL);

CREATE TABLE crm.leads (
  id int PRIMARY KEY,
  email text NOT NULL,
  company text NOT NULL,
  industry text,
  employees int,
  annual_revenue numeric,
  region text,
  role text,
  budget_confirmed boolean NOT NULL DEFAULT false,
  authority_confirmed boolean NOT NULL DEFAULT false
);
CREATE TABLE crm.activities (
  id bigserial PRIMARY KEY,
  lead_id int NOT NULL REFERENCES crm.leads,
  activity text NOT NULL,
  occurred_at timestamptz,
  properties jsonb
);
CREATE INDEX ON crm.activities (lead_id);

CREATE TABLE demo.truth (id int PRIMARY KEY, intent float8 NOT NULL);
CREATE TABLE demo.events (day int, lead_id int, activity text, occurred_at timestamptz, properties jsonb);

-- A deterministic coin: the same lead, day and purpose always give the same draw.
CREATE FUNCTION demo.chance(id int, day int, purpose int) RETURNS float8
LANGUAGE sql IMMUTABLE AS $$
  SELECT (hashint8(id::bigint * 1000003 + day * 101 + purpose) & 2147483647)::float8 / 2147483647
$$;
