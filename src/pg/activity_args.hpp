// One activity as add_activity() and the engagement_state() aggregates read
// their arguments: (state, model, activity, occurred_at, properties
// [, as_of]). Both overloads of each: the model by name, or (`candidate`) by
// its jsonb definition.
#pragma once

extern "C" {
#include "postgres.h"

#include "fmgr.h"
#include "utils/timestamp.h"
}

#include "pg/model_cache.hpp"

namespace lq::pg {

struct ActivityArgs {
  // false: a NULL activity or an activity time that is not scored
  // (lq::pg::activity_time()): the state stays as it is, and the fields
  // below are not set.
  bool scored = false;
  ModelRef *model = nullptr;
  TimestampTz occurred_at = 0;
  // The scoring time (as_of); DT_NOEND without one: fold everything.
  TimestampTz horizon = DT_NOEND;
  int rule = -1;  // lq::Model::match(); -1: no rule
  uint8 or_bits = 0;
};

// Reads arguments 1.. (argument 0 is the state). ERROR 22004 for a NULL
// model or as_of, 22023 for an infinite as_of.
ActivityArgs read_activity(FunctionCallInfo fcinfo, bool candidate);

}  // namespace lq::pg
