// score_state datums: a varlena whose whole buffer (header included) is the
// core's state layout (src/core/score_state.hpp).
#pragma once

extern "C" {
#include "postgres.h"
#include "fmgr.h"
}

#include <vector>

namespace lq::pg {

// Detoasted state argument n, validated (XX001 when the stored bytes are
// corrupt).
void *state_arg(FunctionCallInfo fcinfo, int n);

// A new varlena in CurrentMemoryContext holding `bytes` (a core state buffer).
Datum state_datum(const std::vector<unsigned char> &bytes);

}  // namespace lq::pg
