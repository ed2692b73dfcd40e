// Writing lead_qual.stage_history rows without SQL (issue #17).
//
// A stage change of a one-row activity INSERT was recorded by two prepared
// statements: the lead's life (INSERT INTO lead_life ... ON CONFLICT DO
// NOTHING) and its history row (INSERT ... SELECT with three subqueries,
// RETURNING). Executor start-up, the subqueries and the portal made them cost
// 24 and 61 us per change in a profile of single-row inserts (11% of the
// INSERTs' time with 5.7% of them changing a stage; `pg_stat_statements` in
// test/bench/profile.sh), against a few microseconds for the rows
// themselves. Here the life is looked up through lead_life's primary key and
// the history row inserted the way PostgreSQL's logical replication apply
// worker inserts a row (ExecSimpleRelationInsert: BEFORE and AFTER row
// triggers, NOT NULL and CHECK constraints, index entries).
//
// Only for a write that knows its model (the activity triggers, rescore(),
// refresh()) on one server, with the history table as lead_qual creates it;
// everything else (a manual change, a Citus shard, a history table with
// other columns, rules, statement triggers or BEFORE row triggers) takes the
// SQL path, which writes the same rows. lead_qual.direct_lead_writes off
// takes the SQL path always (the differential test runs both).
#pragma once

extern "C" {
#include "postgres.h"

#include "utils/timestamp.h"
}

#include "pg/stage_history.hpp"

namespace lq::pg {

// The life ids (lead_qual.lead_life.life_id) of the changed leads of table
// `leads`, by their key texts, as a statement run now sees them: lives[i] is
// 0 where the key has none. Returns how many were found.
int find_lives(Oid leads, const StageChange *changes, int count, int64 *lives);

// Gives each change whose lives[i] is 0 a life, as INSERT INTO lead_life
// ... ON CONFLICT (lead_table, lead_key) DO NOTHING does (a key that got one
// meanwhile keeps 0: look it up again), with the life ids lives[i]. Returns
// false, having written nothing, when lead_life is not as lead_qual creates
// it or has triggers (then the caller inserts them through SQL).
bool insert_lives(Oid leads, const StageChange *changes, int count, int64 *lives);

// Inserts one stage_history row per change, in order, with the ids its
// sequence gives them (ids[i]), `lives` from find_lives() (all found), and
// `model`, `model_version`: the model that computed the changes. Returns
// false, having written nothing, when the table is not as lead_qual creates
// it (then the caller writes the rows through SQL).
bool insert_history_rows(Oid leads, const StageChange *changes, int count, const char *reason, TimestampTz at,
                         Oid changed_by, const int64 *lives, const char *model, int64 model_version,
                         int64 *ids);

}  // namespace lq::pg
