// Datum conversions for the lead_stage type: one byte, passed by value, the
// byte being the stage's funnel rank (lq::Stage).
#pragma once

extern "C" {
#include "postgres.h"
}

#include "core/stage.hpp"
#include "core/transition_policy.hpp"

namespace lq::pg {

inline Datum stage_to_datum(Stage s) { return CharGetDatum(static_cast<char>(stage_rank(s))); }

// Stored bytes were validated on input (in/recv), so a rank out of range
// means corruption; it is reported, never used as an index.
Stage stage_from_datum(Datum d);

// Raises 23514 "invalid lead stage transition from X to Y" unless allowed.
void check_transition(Stage from, Stage to);
// The same under a tracked table's policy.
void check_transition(Stage from, Stage to, const TransitionPolicy &policy);

}  // namespace lq::pg

#define PG_GETARG_LEAD_STAGE(n) lq::pg::stage_from_datum(PG_GETARG_DATUM(n))
#define PG_RETURN_LEAD_STAGE(s) return lq::pg::stage_to_datum(s)
