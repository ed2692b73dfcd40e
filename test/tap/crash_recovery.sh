#!/usr/bin/env bash
# Crash recovery: a 1,000,000-row INSERT ... SELECT into a tracked activity
# table runs in the background; once it has written rows, its backend is
# killed with SIGKILL, so the postmaster resets every session and recovers
# from the WAL. Then: the server is back, the interrupted INSERT left nothing
# (activities, leads, scores, states and history exactly as before it), every
# lead's stored score_state equals lead_qual.engagement_state() aggregated
# over its history (engagement at a fixed as-of time within 1e-9, same
# activity counts), and tracking still works.
# Needs a running server that this user may signal (inside pg_virtualenv as
# root or as the server's user). Takes about 30 s.
set -euo pipefail
db=lq_crash_$$
app=lq_crash_insert_$$
work=$(mktemp -d)
insert_pid=
cleanup() {
  if [[ -n "$insert_pid" ]]; then kill "$insert_pid" 2>/dev/null || true; wait "$insert_pid" 2>/dev/null || true; fi
  # The server may still be recovering: give it a moment before dropping.
  for _ in $(seq 1 30); do pg_isready -q && break; sleep 1; done
  dropdb --if-exists "$db" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'echo "# crash_recovery.sh: command failed at line $LINENO" >&2' ERR

q() { psql -X -q -v ON_ERROR_STOP=1 -At -d "$db" "$@"; }

echo "1..9"
n=0
ok() {  # exit status of a check (0: passed), description
  n=$((n + 1))
  if [[ $1 -eq 0 ]]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}
is() {  # got, want, description
  if [[ "$1" == "$2" ]]; then ok 0 "$3"; else ok 1 "$3"; echo "# got '$1', want '$2'"; fi
}

createdb "$db"
q >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION lead_qual;
CREATE TABLE leads (id int PRIMARY KEY, industry text, employees int, annual_revenue numeric, region text);
CREATE TABLE activities (id bigserial PRIMARY KEY, lead_id int NOT NULL, activity text NOT NULL,
                         occurred_at timestamptz NOT NULL, properties jsonb);
CREATE INDEX ON activities (lead_id);
INSERT INTO leads
SELECT i, (ARRAY['software', 'retail', 'fintech', 'saas'])[i % 4 + 1], (i * 37) % 3000, (i * 7919) % 200000000,
       (ARRAY['europe', 'asia', 'north america'])[i % 3 + 1]
  FROM generate_series(1, 1000) i;
SELECT lead_qual.track('activities', 'leads', 'default', '{"add_columns": true}');
-- A committed history in a few statements: states, stages and history exist.
INSERT INTO activities (lead_id, activity, occurred_at, properties)
SELECT i % 1000 + 1, (ARRAY['page_view', 'email_open', 'content_download', 'webinar'])[i % 4 + 1],
       timestamptz '2026-03-01' + i * interval '7 minutes', jsonb_build_object('url', CASE WHEN i % 5 = 0 THEN '/pricing' END)
  FROM generate_series(1, 6000) i;
INSERT INTO activities (lead_id, activity, occurred_at)
SELECT i * 3, 'demo_request', timestamptz '2026-03-20' + i * interval '1 minute' FROM generate_series(1, 100) i;
CHECKPOINT;
SQL

snapshot() {  # everything the interrupted INSERT could have touched
  q -c "SELECT count(*), coalesce(max(id), 0) FROM activities"
  q -c "SELECT id, fit_score, engagement_score, score, stage, stage_changed_at, score_state::text FROM leads ORDER BY id" | md5sum
  q -c "SELECT count(*), coalesce(max(id), 0) FROM lead_qual.stage_history"
}
before=$(snapshot)
size_before=$(q -c "SELECT pg_relation_size('activities')")

# The bulk INSERT, in the background.
PGAPPNAME=$app psql -X -q -d "$db" -c "
  INSERT INTO activities (lead_id, activity, occurred_at, properties)
  SELECT i % 1000 + 1, 'page_view', timestamptz '2026-04-01' + i * interval '1 second', '{\"url\": \"/docs\"}'
    FROM generate_series(1, 1000000) i" >"$work/insert.log" 2>&1 &
insert_pid=$!

# Wait (at most 30 s) until it runs and has written a few MB of rows.
backend=
for _ in $(seq 1 300); do
  backend=$(q -c "SELECT pid FROM pg_stat_activity WHERE application_name = '$app' AND state = 'active'")
  if [[ -n "$backend" ]] &&
     [[ $(q -c "SELECT pg_relation_size('activities') > $size_before + 8 * 1024 * 1024") == t ]]; then
    break
  fi
  kill -0 "$insert_pid" 2>/dev/null || break
  sleep 0.1
done
running=$(q -c "SELECT count(*) FROM pg_stat_activity WHERE pid = '${backend:-0}' AND state = 'active'")
is "$running" "1" "the 1M-row INSERT is running and has written rows when its backend is killed"
if [[ -n "$backend" ]]; then kill -9 "$backend"; fi

# The postmaster resets all sessions and recovers; wait until it accepts
# connections again (at most 60 s).
up=1
for _ in $(seq 1 120); do
  if pg_isready -q && q -c "SELECT 1" >/dev/null 2>&1; then up=0; break; fi
  sleep 0.5
done
ok "$up" "the server accepts connections again after the crash"
insert_rc=0
wait "$insert_pid" || insert_rc=$?
insert_pid=
[[ $insert_rc -ne 0 ]] && r=0 || r=1
ok "$r" "the INSERT's client lost its connection (exit $insert_rc)"
sed 's/^/# /' "$work/insert.log" | head -n 5
[[ $up -eq 0 ]] || exit 1

after=$(snapshot)
is "$(sed -n 1p <<<"$after")" "$(sed -n 1p <<<"$before")" \
  "the partially inserted activities are gone (count and max id as before)"
is "$(sed -n 2p <<<"$after")" "$(sed -n 2p <<<"$before")" "leads' scores, stages and score_states are as before"
is "$(sed -n 3p <<<"$after")" "$(sed -n 3p <<<"$before")" "the stage history is as before"

# Stored states against the history, at a fixed as-of time.
check_states() {
  q -c "
    SELECT count(*) FILTER (WHERE l.score_state IS NULL OR h.state IS NULL
                              OR NOT abs(lead_qual.engagement(l.score_state, '2026-06-01')
                                         - lead_qual.engagement(h.state, '2026-06-01')) < 1e-9
                              OR (l.score_state::text::jsonb->'activities') <> (h.state::text::jsonb->'activities'))
           || ' of ' || count(*)
      FROM leads l
      LEFT JOIN (SELECT lead_id, lead_qual.engagement_state('default', activity, occurred_at, properties) AS state
                   FROM activities GROUP BY lead_id) h ON h.lead_id = l.id"
}
is "$(check_states)" "0 of 1000" "every lead's score_state equals engagement_state() over its history"

# Tracking goes on after the recovery.
old=$(q -c "SELECT score_state::text::jsonb->>'activities' FROM leads WHERE id = 7")
q -c "INSERT INTO activities (lead_id, activity, occurred_at) VALUES (7, 'webinar', '2026-05-01'), (7, 'demo_request', '2026-05-02')"
is "$(q -c "SELECT (score_state::text::jsonb->>'activities')::int - $old || ' ' || stage FROM leads WHERE id = 7")" "2 sql" \
  "new activities after the recovery are tracked (two more activities, the demo request makes an sql)"
is "$(check_states)" "0 of 1000" "and the states still equal their history"
