// The configuration track() and add_score() give every trigger they install
// whose function reads TrackArgs (activity_inserted, activity_changed,
// lead_changed; lead_inserted reads that of the lead_changed trigger it
// names). Everything a trigger needs travels with it, so no per-table
// configuration is looked up at run time (on Citus, shard triggers cannot
// see the coordinator's lead_qual.tracked).
//
// Format 2 (since 1.2): ONE argument, "2" followed by the fields of
// core/track_fields.hpp (TrackField order), each length-prefixed; written by
// lead_qual._trigger_args() through lead_qual._encode_trigger_args(). It is
// decoded once per backend and trigger and kept (track_args.cpp):
// PostgreSQL copies every argument of a table's triggers, one palloc each,
// whenever a statement opens the table, so one argument instead of 22 saves
// that for every statement.
//
// Format 1 (triggers installed by 1.0/1.1, or by earlier builds of 1.2, still
// read): "1" and then field i of TrackField as argument i + 1, all strings:
//   0 format version "1"    1 leads table (qualified)   2 activities table
//   3 model                 4 leads key column          5 activity lead id column
//   6 activity type column  7 occurred_at column        8 properties column ("" = none)
//   9 score_state column   10 fit_score column         11 engagement_score column
//  12 score column         13 stage column             14 stage_changed_at column
//  15 NOTIFY channel
// and, from 1.2 builds (triggers installed by 1.0/1.1 have the first 16 only):
//  16 occurred_at zone ("" = timestamptz column)
//  17 "keep" or "refuse": a stale save of the stage (keep_stage_on_stale_save)
//  18 the transition policy's bits (TransitionPolicy::to_bits)
// and, when a row filter is set (row_filter.hpp; triggers without one have 19):
//  19 lead_filter ("" = none)  20 activity_filter ("" = none)
// and the triggers of a model of lead_qual.tracked_score (add_score(), README
// "Several scores per lead"), which always have 22:
//  21 "shadow": the model writes its own columns and never the lead's stage
//     (its stage column holds the stage it would have set; its changes go to
//     lead_qual.score_history, with no NOTIFY)
// Format 2 always has every field ("" for what format 1 left out).
#pragma once

extern "C" {
#include "postgres.h"

#include "commands/trigger.h"
}

#include "core/transition_policy.hpp"

namespace lq::pg {

// Table and column fields hold names (as track() wrote them: tables
// schema-qualified and quoted, columns plain), not values.
struct TrackArgs {
  const char *leads_table;
  const char *activities_table;
  const char *model_name;
  const char *key_column;      // leads: the lead key
  const char *lead_id_column;  // activities: the lead's key
  const char *activity_type_column;
  const char *occurred_at_column;
  const char *properties_column;  // NULL when the activity table has none
  const char *score_state_column;
  const char *fit_score_column;
  const char *engagement_score_column;
  const char *score_column;
  const char *stage_column;
  const char *stage_changed_at_column;
  const char *channel;  // NOTIFY channel
  // The zone a timestamp-without-time-zone occurred_at is stored in; NULL
  // for a timestamptz column.
  const char *occurred_at_zone;
  bool keep_stage_on_stale_save;
  TransitionPolicy policy;
  // Row filters (SQL boolean expressions over a row); NULL when not set.
  const char *lead_filter;
  const char *activity_filter;
  // A model of tracked_score: never the lead's stage (TrackField kShadow).
  bool shadow;
  Oid leads_oid;
  Oid activities_oid;
};

// Which of the two tables a trigger fires on.
enum class TrackedTable { Activities, Leads };

// Parses and checks the trigger's arguments (either format); ERROR
// (ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED, naming the trigger) when they
// are not what track() installs. The table the trigger fires on is `fired_on`; the other
// one's name is resolved to its OID (a catalog look-up, so only when
// `resolve_other`; otherwise its OID is InvalidOid).
void parse_track_args(const TriggerData *td, TrackedTable fired_on, bool resolve_other, TrackArgs *out);

// The model a lead_qual trigger scores with, without checking the rest; ""
// when a trigger of format 1 has no such argument. ERROR as
// parse_track_args() for a single argument that is not of format 2.
const char *trigger_model_name(const TriggerData *td);
const char *trigger_model_name(const Trigger *trigger);

}  // namespace lq::pg
