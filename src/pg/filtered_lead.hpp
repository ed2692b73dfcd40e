// What lead_changed() does with a lead outside the lead filter (track()
// option lead_filter; README, "Row filters"): lead_qual computes nothing for
// it (no scoring, no automatic stage move, no hand-off), but a person's
// stage change stays a recorded, checked decision, so that the stage
// history remains the lead's whole record.
#pragma once

extern "C" {
#include "postgres.h"

#include "access/htup.h"
#include "access/tupdesc.h"
#include "utils/timestamp.h"
}

#include "core/stage.hpp"
#include "pg/tracked_columns.hpp"

namespace lq::pg {

// A lead inserted outside the filter: the columns lead_qual owns NULL, the
// stage as given (lead when NULL). Nothing is recorded.
HeapTuple inserted_outside_filter(HeapTuple row, TupleDesc desc, const LeadColumns &columns);

// A manual stage change (already checked against the transition policy) of
// a lead outside the filter, from rank `from_rank` (-1: none) to `to`:
// recorded (reason manual) with the lead's stored, unchanged scores, and
// stage_changed_at set to `now`. Returns the row to write.
HeapTuple manual_change_outside_filter(HeapTuple row, TupleDesc desc, LeadColumns &columns, Oid leads,
                                       int from_rank, Stage to, const char *channel, TimestampTz now);

}  // namespace lq::pg
