// The stage-change log: rows appended to lead_qual.stage_history and one
// NOTIFY per change (delivered at commit, dropped on rollback).
#pragma once

extern "C" {
#include "postgres.h"

#include "utils/timestamp.h"
}

#include "core/stage.hpp"

namespace lq::pg {

struct StageChange {
  char *lead_key;  // text form
  int from_rank;   // lq::Stage rank, -1 for none
  int to_rank;
  double fit, engagement, score;
};

// The parameters $1..$10 every history insert takes (stage_history, its Citus
// companion, score_history): $1 the leads table, $2 the time, $3 the reason,
// $4 who, $5..$10 arrays of keys, from, to, fit, engagement, score, one
// element per change. Fills `values` and `types` (kChangeParams each).
inline constexpr int kChangeParams = 10;
void change_parameters(Oid leads, const StageChange *changes, int count, const char *reason, TimestampTz at,
                       Oid changed_by, Datum *values, Oid *types);

// Appends rows to stage_history (as the table's owner) and sends one NOTIFY
// per change on `channel`. `reason`: one of lq::reason (core/change_reason.hpp).
void record_stage_changes(Oid leads, const StageChange *changes, int count, const char *reason,
                          const char *channel, TimestampTz at, Oid changed_by);

// Whether an UPDATE that sets lead `key` of `leads` from `current` to
// `written` writes back a stale stage: the lead's newest history row is a
// change lead_qual made (reason other than manual) from `written` to
// `current` (track() option keep_stage_on_stale_save).
bool is_stale_stage_write(Oid leads, const char *key, Stage current, Stage written);

}  // namespace lq::pg
