// The history of the stage a model of lead_qual.tracked_score would have set
// (add_score(), README "Several scores per lead"): rows appended to
// lead_qual.score_history. Unlike stage_history (stage_history.hpp) it
// records no change of the lead itself: no NOTIFY, no hand-off.
#pragma once

extern "C" {
#include "postgres.h"

#include "utils/timestamp.h"
}

#include "pg/stage_history.hpp"

namespace lq::pg {

// Appends rows to score_history (as the table's owner) for model `model`
// (version `version`) of tracked leads table `leads`.
void record_score_changes(Oid leads, const char *model, int64 version, const StageChange *changes, int count,
                          const char *reason, TimestampTz at, Oid changed_by);

}  // namespace lq::pg
