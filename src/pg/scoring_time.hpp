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
// the BEFORE ROW trigger track() installs (lead_qual.activity_time_stamp())
// writes into an activity inserted or updated with a NULL occurred_at.
TimestampTz default_activity_time();

// An activity time stored as timestamp without time zone in the named zone
// (track()'s option occurred_at_zone), as timestamptz: PostgreSQL's
// `stored AT TIME ZONE zone`. The one conversion: the insert trigger calls
// it, and SQL reaches it through lead_qual._stored_time().
TimestampTz stored_time(Datum stored, const char *zone);

// The time an activity counts at: its occurred_at. An activity whose
// occurred_at is still NULL (written before track(), or while its triggers
// were disabled) is not scored by any path: false. The one home of that
// rule: the insert trigger and add_activity() (the transition function of
// every aggregate, so of every rebuild, rescore(), refresh() and verify())
// call it.
// `zone`: the zone a timestamp without time zone column is stored in
// (track()'s occurred_at_zone), NULL for a timestamptz column (SQL passes
// such a column through lead_qual._stored_time() first).
inline bool activity_time(bool isnull, Datum occurred_at, const char *zone, TimestampTz *out) {
  if (isnull) return false;
  *out = zone != nullptr ? stored_time(occurred_at, zone) : DatumGetTimestampTz(occurred_at);
  return true;
}

}  // namespace lq::pg
