#!/usr/bin/env bash
# Dump and restore: pg_dump -Fc of a database using lead_qual (a custom model,
# a modified 'default' model, three tracked table pairs with scores, stages and
# history, one with a partitioned activity table), pg_restore into a fresh database, then: models, history, leads
# (scores, stages, score_state text), lead_qual.tracked, the model versions
# and the version counter are identical, the restore reported no error, and tracking goes on
# (new activities change scores, stages and history; a manual stage change is
# checked and recorded; rescore() finds nothing to change).
# Needs a running server (PGHOST etc., e.g. inside pg_virtualenv).
set -euo pipefail
src=lq_dump_src_$$
dst=lq_dump_dst_$$
work=$(mktemp -d)
cleanup() {
  dropdb --if-exists "$src" >/dev/null 2>&1 || true
  dropdb --if-exists "$dst" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'echo "# dump_restore.sh: command failed at line $LINENO" >&2' ERR

q() {  # database, psql arguments...
  local db=$1
  shift
  psql -X -q -v ON_ERROR_STOP=1 -At -d "$db" "$@"
}

echo "1..24"
n=0
ok() {  # condition (0/1 exit status of a test), description
  n=$((n + 1))
  if [[ $1 -eq 0 ]]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}
same() {  # description, query: same output in both databases
  local a b
  a=$(q "$src" -c "$2")
  b=$(q "$dst" -c "$2")
  if [[ -n "$a" && "$a" == "$b" ]]; then
    ok 0 "$1"
  else
    ok 1 "$1"
    diff <(echo "$a") <(echo "$b") | sed 's/^/# /' | head -n 40 || true
    [[ -n "$a" ]] || echo "# (no rows)"
  fi
}
is() {  # got, want, description
  if [[ "$1" == "$2" ]]; then ok 0 "$3"; else ok 1 "$3"; echo "# got '$1', want '$2'"; fi
}

createdb "$src"
q "$src" >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION lead_qual;
-- A custom model without decay (scores do not depend on the clock) and the
-- shipped default made easier to reach MQL.
INSERT INTO lead_qual.scoring_model (name, definition) VALUES ('partner', '{
  "description": "partners: no decay",
  "fit": {"rules": [{"when": {"tier": {"in": ["gold", "platinum"]}}, "points": 20},
                    {"when": {"seats": {"gte": 100}}, "points": 10}], "max": 30},
  "engagement": {"rules": [{"activity": "Visit", "when": {"page": {"starts_with": "/pricing"}}, "points": 5},
                           {"activity": "visit", "points": 1, "max": 10},
                           {"activity": "meeting", "points": 25}], "max": 100},
  "stages": {"mql": {"min_fit": 20, "min_engagement": 10},
             "sql": {"min_fit": 20, "min_score": 70, "or_activities": ["meeting"]}}}');
UPDATE lead_qual.scoring_model
   SET definition = jsonb_set(definition, '{stages,mql,min_engagement}', '5')
 WHERE name = 'default';

CREATE TABLE leads (id int PRIMARY KEY, email text, industry text, employees int,
                    annual_revenue numeric, region text);
CREATE TABLE activities (id bigserial PRIMARY KEY, lead_id int, activity text,
                         occurred_at timestamptz, properties jsonb);
CREATE INDEX ON activities (lead_id);
CREATE SCHEMA "Partner Ops";
CREATE TABLE "Partner Ops"."Partners" ("Partner ID" text PRIMARY KEY, tier text, seats int);
CREATE TABLE "Partner Ops".touches (who text, what text, "when" timestamptz, props jsonb);
CREATE INDEX ON "Partner Ops".touches (who);

INSERT INTO leads (id, email, industry, employees, annual_revenue, region) VALUES
  (1, 'ada@example.com', 'software', 250, 20000000, 'europe'),
  (2, 'bob@example.com', 'retail', 12, 500000, 'asia'),
  (3, 'cy@example.com', 'fintech', 5000, 200000000, 'north america'),
  (4, 'di@example.com', 'saas', 60, NULL, 'europe');
INSERT INTO "Partner Ops"."Partners" VALUES ('p-1', 'gold', 150), ('p-2', 'silver', 5), ('p-3', 'platinum', 20);
SELECT lead_qual.track('activities', 'leads', 'default', '{"add_columns": true}');
SELECT lead_qual.track('"Partner Ops".touches', '"Partner Ops"."Partners"', 'partner',
  '{"activity_lead_id": "who", "activity": "what", "occurred_at": "when", "properties": "props",
    "key": "Partner ID", "add_columns": true, "channel": "partner alerts"}');
-- A second model on the leads (add_score(), issue #16): its configuration,
-- its trigger set, its columns and its score_history must survive too.
INSERT INTO lead_qual.scoring_model (name, definition)
SELECT 'challenger', jsonb_set(definition, '{stages,mql,min_engagement}', '1') FROM lead_qual.scoring_model WHERE name = 'default';
SELECT lead_qual.add_score('leads', 'challenger', '{"add_columns": true}');

-- Activities in several statements, so stages move more than once.
INSERT INTO activities (lead_id, activity, occurred_at, properties) VALUES
  (1, 'page_view', now() - interval '3 days', '{"url": "/pricing"}'),
  (1, 'page_view', now() - interval '2 days', '{"url": "/blog"}'),
  (2, 'page_view', now() - interval '2 days', NULL),
  (3, 'webinar', now() - interval '10 days', NULL);
INSERT INTO activities (lead_id, activity, occurred_at) VALUES
  (1, 'demo_request', now() - interval '1 day'),
  (3, 'content_download', now() - interval '5 days'),
  (5, 'webinar', now() - interval '1 day');          -- no such lead (yet)
INSERT INTO "Partner Ops".touches VALUES
  ('p-1', 'visit', '2026-03-01', '{"page": "/pricing/enterprise"}'),
  ('p-1', 'Visit', '2026-03-02', NULL),
  ('p-2', 'visit', '2026-03-02', NULL),
  ('p-3', 'visit', '2026-03-03', '{"page": "/pricing"}');
INSERT INTO "Partner Ops".touches VALUES ('p-1', 'meeting', '2026-03-05', NULL),
  ('p-3', 'visit', '2026-03-04', '{"page": "/pricing"}');
UPDATE leads SET stage = 'opportunity' WHERE id = 1;
-- A partitioned activity table, two levels deep: its partitions' triggers
-- and the list of partitions in lead_qual.tracked must survive the restore.
CREATE TABLE web_leads (id int PRIMARY KEY, tier text, seats int);
CREATE TABLE web_hits (lead_id int REFERENCES web_leads, activity text, occurred_at timestamptz, properties jsonb)
  PARTITION BY LIST (activity);
CREATE TABLE web_hits_views PARTITION OF web_hits FOR VALUES IN ('page_view') PARTITION BY RANGE (lead_id);
CREATE TABLE web_hits_views_all PARTITION OF web_hits_views DEFAULT;
CREATE TABLE web_hits_other PARTITION OF web_hits DEFAULT;
CREATE INDEX ON web_hits (lead_id);
INSERT INTO web_leads VALUES (1, 'gold', 150);
SELECT lead_qual.track('web_hits', 'web_leads', 'partner',
  '{"add_columns": true, "activity": "activity", "properties": "properties"}');
INSERT INTO web_hits_views_all VALUES (1, 'page_view', '2026-03-01', NULL);
INSERT INTO web_hits VALUES (1, 'meeting', '2026-03-02', NULL);
UPDATE "Partner Ops"."Partners" SET stage = 'disqualified' WHERE "Partner ID" = 'p-2';
SQL

pg_dump -Fc -f "$work/db.dump" -d "$src"
createdb "$dst"
restore_rc=0
pg_restore -d "$dst" "$work/db.dump" >"$work/restore.log" 2>&1 || restore_rc=$?
is "$restore_rc:$(wc -c <"$work/restore.log")" "0:0" "pg_restore succeeds without a warning or error"
sed 's/^/# /' "$work/restore.log" | head -n 20

models="SELECT name, definition, version, builtin FROM lead_qual.scoring_model ORDER BY name"
same "models identical (name, definition, version, builtin)" "$models"
is "$(q "$src" -c "SELECT count(*) FROM lead_qual.scoring_model WHERE name IN ('default', 'partner') AND NOT builtin")" \
  "2" "the source has the custom and the modified default model"
# (The shipped default's own row is made again by CREATE EXTENSION, like
# the model itself: not dumped, and dated by the restore.)
same "model versions identical (every definition each model had, issue #16)" \
  "SELECT name, version, definition, created_at, created_by FROM lead_qual.scoring_model_version
    WHERE NOT builtin ORDER BY 1, 2"
is "$(q "$src" -c "SELECT count(*) FILTER (WHERE builtin) || ' ' || (count(*) FILTER (WHERE NOT builtin) >= 2)::text
                    FROM lead_qual.scoring_model_version")" \
  "1 true" "the source kept the shipped default's version and those of the custom and modified models"
history="SELECT id, lead_table::text, lead_key, from_stage, to_stage, changed_at, fit, engagement, score, reason, changed_by,
                model_version, model
         FROM lead_qual.stage_history ORDER BY id"
same "stage_history identical" "$history"
same "leads identical: scores, stages, score_state text" \
  "SELECT id, fit_score, engagement_score, score, stage, stage_changed_at, score_state::text FROM leads ORDER BY id"
same "leads identical: the second model's columns" \
  "SELECT id, challenger_fit_score, challenger_engagement_score, challenger_score, challenger_stage,
          challenger_stage_changed_at, challenger_score_state::text FROM leads ORDER BY id"
same "lead_qual.tracked_score identical" "SELECT leads::text, model, options, added_at FROM lead_qual.tracked_score ORDER BY 1, 2"
is "$(q "$src" -c "SELECT count(*) > 0 FROM lead_qual.score_history")" "t" "the source has score_history rows"
same "score_history identical" \
  "SELECT id, lead_table::text, lead_key, model, model_version, from_stage, to_stage, changed_at, fit, engagement, score,
          reason, changed_by, life_id FROM lead_qual.score_history ORDER BY id"
same "partners identical: scores, stages, score_state text" \
  "SELECT \"Partner ID\", fit_score, engagement_score, score, stage, stage_changed_at, score_state::text
     FROM \"Partner Ops\".\"Partners\" ORDER BY 1"
same "lead_qual.tracked identical" \
  "SELECT activities::text, leads::text, model, options, tracked_at, partitions::text FROM lead_qual.tracked ORDER BY 1"
same "the model version counter is restored" "SELECT last_value, is_called FROM lead_qual.model_version_seq"

# Tracking goes on in the restored database.
before=$(q "$dst" -c "SELECT score || ' ' || stage FROM leads WHERE id = 3")
hist_before=$(q "$dst" -c "SELECT count(*) || ' ' || max(id) FROM lead_qual.stage_history")
q "$dst" -c "INSERT INTO activities (lead_id, activity, occurred_at) VALUES (3, 'demo_request', now()), (4, 'webinar', now())"
after=$(q "$dst" -c "SELECT score || ' ' || stage FROM leads WHERE id = 3")
[[ "${before% *}" != "${after% *}" && "${after#* }" == "sql" ]] && r=0 || r=1
ok "$r" "a new activity after the restore rescores its lead and moves it to sql ($before -> $after)"
is "$(q "$dst" -c "SELECT count(*) - ${hist_before% *} FROM lead_qual.stage_history"):$(q "$dst" -c "
      SELECT string_agg(lead_key || '>' || to_stage || ':' || reason, ',' ORDER BY lead_key) FROM lead_qual.stage_history
       WHERE id > ${hist_before#* }")" \
  "2:3>sql:score,4>mql:score" "the stage history grows by the two changes, with ids after the restored ones"
is "$(q "$dst" -c "SELECT count(*) FROM lead_qual.verify('leads', now(), 'challenger')")" "0" \
  "the second model's columns follow the new activities after the restore (verify() of that model is empty)"
q "$dst" -c "INSERT INTO leads (id, industry, employees) VALUES (5, 'software', 20)"
is "$(q "$dst" -c "SELECT engagement_score > 0 FROM leads WHERE id = 5")" "t" \
  "a lead inserted after the restore picks up its restored activities"

# The partner model has no decay: the same new touches in both databases
# must give the same scores and states.
for db in "$src" "$dst"; do
  q "$db" -c "INSERT INTO \"Partner Ops\".touches VALUES ('p-3', 'meeting', '2026-03-09', NULL), ('p-1', 'visit', '2026-03-10', NULL)"
  q "$db" -c "UPDATE \"Partner Ops\".\"Partners\" SET stage = 'customer' WHERE \"Partner ID\" = 'p-1'"
done
# (Without stage_changed_at and the state's scored_at: when each database scored.)
same "new touches and a manual stage change give the same partners in both databases" \
  "SELECT \"Partner ID\", fit_score, engagement_score, score, stage, (score_state::text::jsonb - 'scored_at')::text
     FROM \"Partner Ops\".\"Partners\" ORDER BY 1"
is "$(q "$dst" -c "SELECT string_agg(lead_key || ':' || coalesce(from_stage::text, '-') || '>' || to_stage || ':' || reason, ',' ORDER BY id)
                    FROM lead_qual.stage_history WHERE lead_table = '\"Partner Ops\".\"Partners\"'::regclass")" \
  "$(q "$src" -c "SELECT string_agg(lead_key || ':' || coalesce(from_stage::text, '-') || '>' || to_stage || ':' || reason, ',' ORDER BY id)
                    FROM lead_qual.stage_history WHERE lead_table = '\"Partner Ops\".\"Partners\"'::regclass")" \
  "the partners' history continues the same way in both databases"
is "$(q "$dst" -c "SELECT lead_qual.rescore('\"Partner Ops\".\"Partners\"')")" "0" \
  "rescore() of the restored partners changes nothing (states equal their history)"

# The partitioned activity table: the same triggers on every partition (and
# enabled the same way), writes straight into a partition are scored, and a
# partition attached after the restore is taken in (the event trigger).
triggers="SELECT c.relname, t.tgname, t.tgenabled FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
           WHERE t.tgname LIKE 'lead_qual%' ORDER BY 1, 2"
same "lead_qual's triggers identical on every table and partition" "$triggers"
for db in "$src" "$dst"; do
  q "$db" >/dev/null <<'SQL'
INSERT INTO web_hits_other VALUES (1, 'meeting', '2026-03-03', NULL);
CREATE TABLE web_hits_late (LIKE web_hits);
INSERT INTO web_hits_late VALUES (1, 'Visit', '2026-03-04', '{"page": "/pricing"}');
ALTER TABLE web_hits ATTACH PARTITION web_hits_late FOR VALUES IN ('Visit');
SQL
done
same "a direct partition write and an attached partition give the same leads in both databases" \
  "SELECT id, fit_score, engagement_score, score, stage, (score_state::text::jsonb - 'scored_at')::text FROM web_leads ORDER BY 1"
is "$(q "$dst" -c "SELECT count(*) FROM lead_qual.verify('web_leads')")" "0" \
  "verify() finds nothing for the partitioned table after the restore"
