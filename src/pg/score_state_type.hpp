// score_state datums: a varlena whose whole buffer (header included) is the
// core's state layout (src/core/score_state.hpp).
#pragma once

extern "C" {
#include "postgres.h"

#include "fmgr.h"
}

#include <vector>

#include "core/model.hpp"

namespace lq::pg {

// A stored state datum detoasted and validated (XX001 when the stored bytes
// are corrupt).
void *validated_state(Datum stored);

// Detoasted state argument n, validated.
void *state_arg(FunctionCallInfo fcinfo, int n);

// A new empty state of `model` in `cxt`.
void *empty_state(const Model &model, MemoryContext cxt);

// A private, modifiable copy of the (detoasted) state `state` in `cxt`.
void *copy_state(const void *state, MemoryContext cxt);

// A new varlena in CurrentMemoryContext holding `bytes` (a core state buffer).
Datum state_datum(const std::vector<unsigned char> &bytes);

}  // namespace lq::pg
