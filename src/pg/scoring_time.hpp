// The time lead_qual scores as of: the statement's start, or the value of
// the superuser-only setting lead_qual.as_of, which lets a backfill or a
// replay of historical activities (the demo) score and date stage changes as
// of the time being replayed.
#pragma once

extern "C" {
#include "postgres.h"

#include "utils/timestamp.h"
}

namespace lq::pg {

void define_scoring_time_setting();

// lead_qual.as_of when set, else the current statement's start time.
TimestampTz scoring_time();

// lead_qual.as_of when set, else the current transaction's start time: what
// an activity with a NULL occurred_at is taken to have happened at. The one
// definition of that rule: SQL reaches it through lead_qual._counted_at().
TimestampTz default_activity_time();

// An activity time stored as timestamp without time zone in the named zone
// (track()'s option occurred_at_zone), as timestamptz: PostgreSQL's
// `stored AT TIME ZONE zone`. The one conversion: the insert trigger calls
// it, and SQL reaches it through lead_qual._stored_time().
TimestampTz stored_time(Datum stored, const char *zone);

}  // namespace lq::pg
