#!/usr/bin/env bash
# ALTER EXTENSION lead_qual UPDATE from 1.0 on a database with live data:
# the data and the triggers keep working, the new objects appear, and the
# upgraded extension has exactly the objects of a fresh install.
set -euo pipefail
old=lq_upgrade_$$
fresh=lq_fresh_$$
createdb "$old"
createdb "$fresh"
trap 'dropdb --if-exists "$old" >/dev/null 2>&1 || true; dropdb --if-exists "$fresh" >/dev/null 2>&1 || true' EXIT
q() { psql -X -q -v ON_ERROR_STOP=1 -At "$@"; }
objects() {  # every object of the extension, described, one per line
  q -d "$1" -c "SELECT pg_describe_object(classid, objid, objsubid) FROM pg_depend d
                 JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'lead_qual'
                WHERE d.deptype = 'e' ORDER BY 1"
}

q -d "$old" >/dev/null <<'SQL'
CREATE EXTENSION lead_qual VERSION '1.0';
CREATE TABLE leads (id int PRIMARY KEY, industry text, employees int, annual_revenue numeric, region text);
CREATE TABLE activities (lead_id int, activity text, occurred_at timestamptz, properties jsonb);
CREATE INDEX ON activities (lead_id);
INSERT INTO leads SELECT i, 'software', 300, 20000000, 'europe' FROM generate_series(1, 200) i;
SELECT lead_qual.track('activities', 'leads', 'default', '{"add_columns": true}');
INSERT INTO activities SELECT 1 + i % 200, (ARRAY['webinar', 'page_view', 'demo_request'])[1 + i % 3], now(), NULL
FROM generate_series(1, 1000) i;
SQL
before=$(q -d "$old" -c "SELECT md5(string_agg(id || stage::text || score_state::text, ',' ORDER BY id)) FROM leads")
q -d "$old" -c "ALTER EXTENSION lead_qual UPDATE" >/dev/null
q -d "$fresh" -c "CREATE EXTENSION lead_qual" >/dev/null

echo "1..6"
check() { if [[ "$2" == "$3" ]]; then echo "ok $1 - $4"; else echo "not ok $1 - $4 (got '$2', want '$3')"; fi; }
check 1 "$(q -d "$old" -c "SELECT extversion FROM pg_extension WHERE extname = 'lead_qual'")" "1.1" "updated to 1.1"
check 2 "$(q -d "$old" -c "SELECT md5(string_agg(id || stage::text || score_state::text, ',' ORDER BY id)) FROM leads")" \
  "$before" "leads, stages and states unchanged by the update"
check 3 "$(q -d "$old" -c "SELECT count(*) FROM lead_qual.verify('leads')")" "0" "verify() (new in 1.1) finds the live data consistent"
q -d "$old" -c "INSERT INTO activities VALUES (1, 'demo_request', now(), NULL)" >/dev/null
check 4 "$(q -d "$old" -c "SELECT (score_state::text::jsonb->>'activities')::int FROM leads WHERE id = 1")" "6" \
  "the triggers keep tracking after the update"
q -d "$old" -c "UPDATE leads SET score_state = NULL WHERE id = 2" >/dev/null
check 5 "$(q -d "$old" -c "SELECT lead_key || ': ' || problem FROM lead_qual.verify('leads')")" "2: no state" \
  "verify() reports a lead whose state was wiped"
check 6 "$(diff <(objects "$old") <(objects "$fresh") && echo same)" "same" "an updated install has exactly the objects of a fresh one"
