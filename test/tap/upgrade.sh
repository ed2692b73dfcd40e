#!/usr/bin/env bash
# ALTER EXTENSION lead_qual UPDATE from every older version this build
# installs (read from pg_available_extension_versions: no version is written
# here), on a database with live data:
#  - before the update, the new library refuses what needs the current
#    objects (55000, hint: ALTER EXTENSION lead_qual UPDATE) and leaves the
#    data alone;
#  - after it, the data is unchanged, the triggers keep tracking, verify()
#    works, and the extension is exactly a fresh install: every member,
#    column, function definition, view, trigger, index, constraint, type,
#    operator, cast, sequence, privilege and comment (lib/extension_state.sql).
# Then the comparison is shown to fail:
#  - a deliberately broken update script, assembled by scripts/sql_assemble.sh
#    from a copy of src/sql/ whose update file adds a column to stage_history
#    that the schema does not have and whose rescore() has another body, is
#    run by ALTER EXTENSION ... UPDATE TO a throwaway version (its script is
#    put next to the installed ones for the duration of the test, as `make
#    install` puts the real ones there): both differences must be reported;
#  - each kind of difference an update could leave behind (a column, a
#    function body, a view, a trigger, a grant, a comment), made in a copy of
#    an updated database, must appear in the report.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
q() { psql -X -q -v ON_ERROR_STOP=1 -At "$@"; }
state() { psql -X -q -v ON_ERROR_STOP=1 -d "$1" -f "$here/lib/extension_state.sql"; }
databases=()
scratch=$(mktemp -d)
broken_script=""
cleanup() {
  for d in "${databases[@]}"; do dropdb --if-exists "$d" >/dev/null 2>&1 || true; done
  if [[ -n $broken_script ]]; then rm -f "$broken_script"; fi
  rm -rf "$scratch"
}
trap cleanup EXIT
newdb() { createdb "$1"; databases+=("$1"); }

current=$(q -d postgres -c "SELECT default_version FROM pg_available_extensions WHERE name = 'lead_qual'")
# Released versions are numbered; anything else (a throwaway version this test
# left behind when killed) is not one to update from.
mapfile -t olds < <(q -d postgres -c "SELECT version FROM pg_available_extension_versions
                                       WHERE name = 'lead_qual' AND version ~ '^[0-9]+(\.[0-9]+)*$'
                                         AND string_to_array(version, '.')::int[] < string_to_array('$current', '.')::int[]
                                       ORDER BY string_to_array(version, '.')::int[]")
kinds=(column function view trigger grant comment)
echo "1..$((1 + 9 * ${#olds[@]} + 1 + ${#kinds[@]}))"
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; }
check() {  # description, got, want
  if [[ "$2" == "$3" ]]; then ok "$1"; else not_ok "$1"; echo "#   got '$2', want '$3'"; fi
}
report() {  # description, diff output: ok when empty, else the diff as diagnostics
  if [[ -z "$2" ]]; then ok "$1"; else not_ok "$1"; sed 's/^/#   /' <<<"$2"; fi
}

fresh=lq_fresh_$$
newdb "$fresh"
q -d "$fresh" -c "CREATE EXTENSION lead_qual" >/dev/null
fresh_state=$(state "$fresh")
if (( ${#olds[@]} > 0 )); then ok "older versions to update from: ${olds[*]} (current $current)"
else not_ok "older versions to update from (none installed besides $current)"; fi

leads_digest="SELECT md5(string_agg(id || stage::text || score_state::text, ',' ORDER BY id)) FROM leads"
updated=()
for v in "${olds[@]}"; do
  db=lq_upgrade_${v//./_}_$$
  newdb "$db"
  # Live data under version $v: activities recorded, then tracked (track()
  # rebuilds every lead from them), stage history written.
  q -d "$db" >/dev/null <<SQL
CREATE EXTENSION lead_qual VERSION '$v';
CREATE TABLE leads (id int PRIMARY KEY, industry text, employees int, annual_revenue numeric, region text);
CREATE TABLE activities (lead_id int, activity text, occurred_at timestamptz, properties jsonb);
CREATE INDEX ON activities (lead_id);
INSERT INTO leads SELECT i, 'software', 300, 20000000, 'europe' FROM generate_series(1, 200) i;
INSERT INTO activities SELECT 1 + i % 200, (ARRAY['webinar', 'page_view', 'demo_request'])[1 + i % 3], now(), NULL
FROM generate_series(1, 1000) i;
SELECT lead_qual.track('activities', 'leads', 'default', '{"add_columns": true}');
SQL
  before=$(q -d "$db" -c "$leads_digest")

  refusal=$(psql -X -q -At -v VERBOSITY=verbose -d "$db" -c "INSERT INTO activities VALUES (1, 'demo_request', now(), NULL)" 2>&1 || true)
  check "$v: before the update, the library refuses the old objects (55000, hint to update) and keeps the data" \
    "$(grep -c -e "^ERROR:  55000: lead_qual's SQL objects in this database are version $v, but its library is version $current" \
               -e '^HINT:  Run ALTER EXTENSION lead_qual UPDATE.' <<<"$refusal"):$(q -d "$db" -c "$leads_digest")" "2:$before"

  q -d "$db" -c "ALTER EXTENSION lead_qual UPDATE" >/dev/null
  check "$v: updated to $current" "$(q -d "$db" -c "SELECT extversion FROM pg_extension WHERE extname = 'lead_qual'")" "$current"
  check "$v: leads, stages and states unchanged by the update" "$(q -d "$db" -c "$leads_digest")" "$before"
  check "$v: verify() finds the live data consistent" "$(q -d "$db" -c "SELECT count(*) FROM lead_qual.verify('leads')")" "0"
  q -d "$db" -c "INSERT INTO activities VALUES (1, 'demo_request', now(), NULL)" >/dev/null
  check "$v: the triggers keep tracking after the update" \
    "$(q -d "$db" -c "SELECT (score_state::text::jsonb->>'activities')::int FROM leads WHERE id = 1")" "6"
  # States written by lead_qual 1.1 stay in users' tables after the update
  # (it does not rewrite them): the 1.1 format ("LQS1", no horizon, no held
  # entries) is read as it is and rewritten in the current one by the next
  # write. The bytes are made here from the stored states in the 1.1 layout
  # (header without horizon, future_count and reserved bytes; flags without
  # the horizon bit) and written verbatim through a throwaway type with
  # bytea's I/O that is binary-coercible to score_state, with the leads
  # trigger off so that nothing rewrites them.
  q -d "$db" >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE TYPE lq_raw;
CREATE FUNCTION lq_raw_in(cstring) RETURNS lq_raw AS 'byteain' LANGUAGE internal IMMUTABLE STRICT;
CREATE FUNCTION lq_raw_out(lq_raw) RETURNS cstring AS 'byteaout' LANGUAGE internal IMMUTABLE STRICT;
CREATE TYPE lq_raw (INPUT = lq_raw_in, OUTPUT = lq_raw_out, INTERNALLENGTH = VARIABLE, ALIGNMENT = double);
CREATE CAST (lq_raw AS lead_qual.score_state) WITHOUT FUNCTION;
CREATE CAST (lead_qual.score_state AS lq_raw) WITHOUT FUNCTION;
CREATE FUNCTION state_bytes(s lead_qual.score_state) RETURNS bytea LANGUAGE sql IMMUTABLE
  AS $$ SELECT decode(substr(s::lq_raw::text, 3), 'hex') $$;
CREATE TABLE engagement_before AS
  SELECT id, lead_qual.engagement(score_state, (current_date + 7)::timestamptz) AS e FROM leads;
ALTER TABLE leads DISABLE TRIGGER lead_qual_lead;
UPDATE leads SET score_state = (
  SELECT ('\x' || encode(set_byte(set_byte(substr(b, 1, 20) || substr(b, 29, 40) || substr(b, 77), 0, 49),
                                   54, get_byte(b, 62) & 1), 'hex'))::lq_raw::lead_qual.score_state
    FROM (SELECT state_bytes(score_state) AS b) x);
ALTER TABLE leads ENABLE TRIGGER lead_qual_lead;
SQL
  check "$v: states in the 1.1 format are read: the same engagement, verify() finds them consistent" \
    "$(q -d "$db" -c "SELECT count(*) FILTER (WHERE substr(state_bytes(score_state), 1, 4) = '\\x3153514c')
                             || ':' || count(*) FILTER (WHERE abs(lead_qual.engagement(score_state, (current_date + 7)::timestamptz) - b.e) > 1e-9)
                             || ':' || (SELECT count(*) FROM lead_qual.verify('leads'))
                        FROM leads JOIN engagement_before b USING (id)")" "200:0:0"
  q -d "$db" -c "INSERT INTO activities VALUES (3, 'webinar', now(), NULL)" >/dev/null
  check "$v: the next write stores a state of 1.1 in the current format, with its scoring time" \
    "$(q -d "$db" -c "SELECT substr(state_bytes(score_state), 1, 4) = '\\x3253514c' AND lead_qual.scored_at(score_state) IS NOT NULL
                             AND (score_state::text::jsonb->>'activities')::int = 6 FROM leads WHERE id = 3")" "t"
  q -d "$db" -c "SET client_min_messages = warning" -c "DROP TABLE engagement_before" -c "DROP FUNCTION state_bytes" \
    -c "DROP TYPE lq_raw CASCADE" >/dev/null
  # With lead_qual's trigger on, an UPDATE of its columns keeps lead_qual's values.
  q -d "$db" -c "ALTER TABLE leads DISABLE TRIGGER lead_qual_lead; UPDATE leads SET score_state = NULL WHERE id = 2;
                 ALTER TABLE leads ENABLE TRIGGER lead_qual_lead" >/dev/null
  check "$v: verify() reports a lead whose state was wiped" \
    "$(q -d "$db" -c "SELECT lead_key || ': ' || problem FROM lead_qual.verify('leads')")" "2: no state"
  report "$v: the updated extension is exactly a fresh install of $current" \
    "$(diff <(echo "$fresh_state") <(state "$db") || true)"
  updated+=("$db")
done

# A deliberately broken update from the oldest version, built and run like
# the real ones.
sharedir=$(q -d postgres -c "SELECT setting FROM pg_config WHERE name = 'SHAREDIR'")/extension
oldest=${olds[0]:-}
if [[ -z $oldest || ! -w $sharedir ]]; then
  n=$((n + 1)); echo "ok $n # SKIP a broken update script needs an older version and a writable $sharedir"
else
  cp -r "$repo/src/sql" "$scratch/sql"
  last_step=$(ls "$scratch/sql/updates/"*"--$current.sql")
  echo "ALTER TABLE lead_qual.stage_history ADD COLUMN note text;" >>"$last_step"
  sed -i "s/lead_qual._rewrite(leads, 'rescore', NULL, false, m.model)/lead_qual._rewrite(leads, 'rescore', NULL, true, m.model)/" \
    "$scratch/sql/tracking.sql"
  bash "$repo/scripts/sql_assemble.sh" "$scratch/lead_qual--$oldest--$current.sql" "$scratch/sql"
  throwaway=broken_update_test_$$
  broken_script=$sharedir/lead_qual--$oldest--$throwaway.sql
  cp "$scratch/lead_qual--$oldest--$current.sql" "$broken_script"
  db=lq_broken_update_$$
  newdb "$db"
  q -d "$db" -c "CREATE EXTENSION lead_qual VERSION '$oldest'" -c "ALTER EXTENSION lead_qual UPDATE TO '$throwaway'" >/dev/null
  rm -f "$broken_script"; broken_script=""
  differences=$(diff <(echo "$fresh_state") <(state "$db") || true)
  if grep -qF "> column | lead_qual.stage_history.note" <<<"$differences" &&
     grep -qF "> function | function lead_qual.rescore(regclass,text) |" <<<"$differences"; then
    ok "a broken update from $oldest (stage_history.note added, rescore() body changed) is reported"
    echo "#   the report (fresh install <, broken update >):"
    sed 's/^/#   /' <<<"$differences"
  else
    not_ok "a broken update from $oldest (stage_history.note added, rescore() body changed) is reported"
    sed 's/^/#   /' <<<"${differences:-(no difference reported)}"
  fi
fi

# The comparison fails when an update leaves a difference. Each change below
# is what an update script that forgot something (or did one thing too many)
# leaves behind; it is made in a copy of a database updated above, and the
# comparison's report must name the object.
base=${updated[0]:-$fresh}
broken() {  # kind, SQL that breaks a copy, the report line that must appear
  local copy=lq_broken_$1_$$
  databases+=("$copy")
  createdb -T "$base" "$copy"
  q -d "$copy" -c "$2" >/dev/null
  local differences
  differences=$(diff <(echo "$fresh_state") <(state "$copy") || true)
  if grep -qF -- "$3" <<<"$differences"; then
    ok "the comparison reports a $1 that differs: $3"
  else
    not_ok "the comparison reports a $1 that differs: $3"
    sed 's/^/#   /' <<<"${differences:-(no difference reported)}"
  fi
}
broken column "ALTER TABLE lead_qual.stage_history ADD COLUMN note text" \
  "> column | lead_qual.stage_history.note"
broken function "CREATE OR REPLACE FUNCTION lead_qual.rescore(leads regclass, model text DEFAULT NULL) RETURNS bigint
                 LANGUAGE sql SET search_path = pg_catalog, pg_temp AS \$\$ SELECT lead_qual._rewrite(leads, 'rescore', NULL, true, model) \$\$" \
  "> function | function lead_qual.rescore(regclass,text)"
broken view "CREATE OR REPLACE VIEW lead_qual.conversion_pairs (from_stage, to_stage) AS
             VALUES ('mql'::lead_qual.lead_stage, 'sql'::lead_qual.lead_stage)" \
  "> view | lead_qual.conversion_pairs"
broken trigger "DROP TRIGGER scoring_model_changed ON lead_qual.scoring_model" \
  "< trigger | scoring_model_changed on lead_qual.scoring_model"
broken grant "GRANT SELECT ON lead_qual.stage_history TO PUBLIC" \
  "> relation | lead_qual.stage_history"
broken comment "COMMENT ON FUNCTION lead_qual.verify(regclass, timestamptz, text) IS 'checks leads'" \
  "> comment | function lead_qual.verify(regclass,timestamp with time zone,text) | checks leads"
