// score_state datums: a varlena whose whole buffer (header included) is the
// core's state layout (src/core/score_state.hpp).
#pragma once

extern "C" {
#include "postgres.h"

#include "fmgr.h"
#include "utils/timestamp.h"
}

#include <vector>

#include "core/model.hpp"

namespace lq::pg {

// A stored state datum detoasted and validated (XX001 when the stored bytes
// are corrupt). A state written by lead_qual 1.1 (magic "LQS1") is converted
// into a palloc'd copy of the current format.
void *validated_state(Datum stored);

// Detoasted state argument n, validated.
void *state_arg(FunctionCallInfo fcinfo, int n);

// A new empty state of `model` in `cxt`.
void *empty_state(const Model &model, MemoryContext cxt);

// A private, modifiable copy of the (detoasted) state `state` in `cxt`.
void *copy_state(const void *state, MemoryContext cxt);

// A new varlena in CurrentMemoryContext holding `bytes` (a core state buffer).
Datum state_datum(const std::vector<unsigned char> &bytes);

// lq::state_add on a private palloc'd state, which grows (repalloc, in its
// own context) when the activity is held apart; returns it, possibly moved.
void *add_to_state(void *state, const Model &model, int rule, TimestampTz occurred_at, uint8 or_bits,
                   TimestampTz horizon);

// into += other (lq::state_combine) on a private palloc'd state; returns
// `into`, possibly moved.
void *combine_into(void *into, const void *other);

// Sets a private state's horizon to `scoring_time` (lq::state_set_horizon):
// what every write stores, so that lead_qual.scored_at(state) is the time
// the row's scores were computed at.
void set_scoring_time(void *state, TimestampTz scoring_time);

}  // namespace lq::pg
