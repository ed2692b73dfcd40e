#!/usr/bin/env bash
# The BI contract (README, "BI role"): a read-only role granted exactly what
# the README says, without lead_qual on its search_path, runs every report
# through node-postgres (the extended protocol, parameters of unspecified
# type) and gets the known answers of a small fixed dataset; it cannot read
# personal columns or the per-lead history. The client is test/node
# (package-lock.json; installed here with npm ci when missing).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
node_dir="$here/../node"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "1..0 # SKIP node and npm are needed"; exit 0
fi
[[ -d $node_dir/node_modules/pg ]] || npm ci --prefix "$node_dir" --no-audit --no-fund --silent >&2

db=lq_bi_$$
role=lq_bi_$$
pw=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')   # the server may ask for one
createdb "$db"
trap 'dropdb --if-exists "$db" >/dev/null 2>&1 || true; psql -X -q -d postgres -c "DROP ROLE IF EXISTS $role" >/dev/null 2>&1 || true' EXIT
export PGDATABASE=$db

# Known answers: lead 1 reaches mql on Jan 1 and sql 240 hours later; lead 2
# reaches mql only; leads 3 and 4 have no activity. Lead 1 alone is
# positive for sql and has the highest score: AUC 1.
psql -X -q -v ON_ERROR_STOP=1 -v role="$role" -v pw="$pw" >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION lead_qual;
INSERT INTO lead_qual.scoring_model (name, definition) VALUES ('bi', '{
  "fit": {"rules": [{"when": {"industry": {"eq": "software"}}, "points": 10}]},
  "engagement": {"rules": [{"activity": "visit", "points": 10}]},
  "stages": {"mql": {"min_engagement": 20}, "sql": {"min_engagement": 40}},
  "grades": {"A": 10}}');
CREATE SCHEMA crm;
CREATE TABLE crm.leads (id int PRIMARY KEY, email text, industry text);
CREATE TABLE crm.activities (lead_id int REFERENCES crm.leads, activity text, occurred_at timestamptz);
CREATE INDEX ON crm.activities (lead_id);
INSERT INTO crm.leads VALUES (1, 'ann@example.com', 'software'), (2, 'bob@example.com', 'retail'),
                             (3, 'cy@example.com', 'software'), (4, 'di@example.com', 'retail');
SELECT lead_qual.track('crm.activities', 'crm.leads', 'bi', '{"add_columns": true}');
SET lead_qual.as_of = '2026-01-01';
INSERT INTO crm.activities VALUES (1, 'visit', '2026-01-01'), (1, 'visit', '2026-01-01'),
                                  (2, 'visit', '2026-01-01'), (2, 'visit', '2026-01-01');
SET lead_qual.as_of = '2026-01-11';
INSERT INTO crm.activities VALUES (1, 'visit', '2026-01-11'), (1, 'visit', '2026-01-11');
RESET lead_qual.as_of;

-- The README's grants for a BI role, exactly.
CREATE ROLE :"role" LOGIN PASSWORD :'pw';
GRANT USAGE ON SCHEMA crm TO :"role";
GRANT SELECT (id, fit_score, engagement_score, score, stage) ON crm.leads TO :"role";
GRANT SELECT ON lead_qual.stage_conversion, lead_qual.stage_velocity TO :"role";
SQL

export BI_EXPECT='{"mql": 1, "sql": 1, "entered": 2, "reached": 1, "median_hours": 240, "leads": 4, "auc": 1}'
PGUSER=$role PGPASSWORD=$pw PGOPTIONS='-c search_path="$user",public' node "$node_dir/bi_role.js"
