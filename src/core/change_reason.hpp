// Why lead_qual changed a lead's stage, as lead_qual.stage_history.reason and
// the NOTIFY payload spell it. The C++ side names each word here once; the
// history table's CHECK constraint (SQL) lists the same four, and 'backfill',
// which only lead_qual.backfill() (SQL) writes.
#pragma once

namespace lq::reason {

inline constexpr const char *kScore = "score";      // a new lead, or new activities
inline constexpr const char *kRescore = "rescore";  // changed attributes or activities, rescore()
inline constexpr const char *kManual = "manual";    // a user set the stage column
inline constexpr const char *kRefresh = "refresh";  // refresh(): decay and the recycle rule

}  // namespace lq::reason
