// PostgreSQL-compatible timestamps without PostgreSQL: microseconds since
// 2000-01-01 00:00:00 UTC (the TimestampTz representation), and their
// ISO 8601 UTC text form used by score_state's text I/O.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace lq {

using Timestamp = std::int64_t;
inline constexpr Timestamp kTimestampMinusInfinity = std::numeric_limits<std::int64_t>::min();
inline constexpr Timestamp kTimestampInfinity = std::numeric_limits<std::int64_t>::max();
inline constexpr double kMicrosPerDay = 86400.0 * 1e6;

inline bool is_finite(Timestamp t) { return t != kTimestampMinusInfinity && t != kTimestampInfinity; }

// PostgreSQL's finite timestamptz range: from 4714-11-24 00:00:00 BC
// (MIN_TIMESTAMP) up to, not including, 294277-01-01 00:00:00 (END_TIMESTAMP).
// Every time in it has a text form that parse_timestamp reads back.
inline constexpr Timestamp kPgTimestampMin = -211813488000000000LL;
inline constexpr Timestamp kPgTimestampEnd = 9223371331200000000LL;
inline bool in_pg_range(Timestamp t) { return t >= kPgTimestampMin && t < kPgTimestampEnd; }

// "2026-03-01T12:00:00.000000Z"
std::string format_timestamp(Timestamp t);
// Parses exactly the format above (also without fraction); nullopt otherwise.
std::optional<Timestamp> parse_timestamp(std::string_view text);

}  // namespace lq
