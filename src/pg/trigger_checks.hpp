// Checks every lead_qual trigger function makes of how it was called, with
// one wording: "X() must be called as a trigger", "X() must be fired ...".
#pragma once

extern "C" {
#include "postgres.h"

#include "commands/trigger.h"
#include "fmgr.h"
}

namespace lq::pg {

// The call's TriggerData; ERROR 39P01 unless `function` runs as a trigger.
TriggerData *trigger_data(FunctionCallInfo fcinfo, const char *function);

// ERROR 39P01 "`function`() must be fired `how`" unless `fired_as_required`.
void require_firing(bool fired_as_required, const char *function, const char *how);

}  // namespace lq::pg
