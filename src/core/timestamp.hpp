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

// "2026-03-01T12:00:00.000000Z"
std::string format_timestamp(Timestamp t);
// Parses exactly the format above (also without fraction); nullopt otherwise.
std::optional<Timestamp> parse_timestamp(std::string_view text);

}  // namespace lq
