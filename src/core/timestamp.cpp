#include "timestamp.hpp"

#include <cstdio>

namespace lq {

namespace {

constexpr std::int64_t kMicrosPerSecond = 1000000;
constexpr std::int64_t kSecondsPerDay = 86400;
// Days from 1970-01-01 to 2000-01-01.
constexpr std::int64_t kPgEpochDays = 10957;

// Howard Hinnant's civil-calendar algorithms (proleptic Gregorian).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, std::int64_t &y, unsigned &m, unsigned &d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

bool read_digits(std::string_view &s, std::size_t n, std::int64_t &out) {
  if (s.size() < n) return false;
  out = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  s.remove_prefix(n);
  return true;
}

bool expect(std::string_view &s, char c) {
  if (s.empty() || s.front() != c) return false;
  s.remove_prefix(1);
  return true;
}

}  // namespace

std::string format_timestamp(Timestamp t) {
  if (t == kTimestampInfinity) return "infinity";
  if (t == kTimestampMinusInfinity) return "-infinity";
  const std::int64_t seconds = floor_div(t, kMicrosPerSecond);
  const std::int64_t micros = t - seconds * kMicrosPerSecond;
  const std::int64_t days = floor_div(seconds, kSecondsPerDay);
  const std::int64_t secs_of_day = seconds - days * kSecondsPerDay;
  std::int64_t y;
  unsigned m;
  unsigned d;
  civil_from_days(days + kPgEpochDays, y, m, d);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s%04lld-%02u-%02uT%02lld:%02lld:%02lld.%06lldZ", y < 0 ? "-" : "",
                static_cast<long long>(y < 0 ? -y : y), m, d, static_cast<long long>(secs_of_day / 3600),
                static_cast<long long>(secs_of_day / 60 % 60), static_cast<long long>(secs_of_day % 60),
                static_cast<long long>(micros));
  return buf;
}

std::optional<Timestamp> parse_timestamp(std::string_view text) {
  std::string_view s = text;  // consumed as it is read
  if (s == "infinity") return kTimestampInfinity;
  if (s == "-infinity") return kTimestampMinusInfinity;
  const bool negative = !s.empty() && s.front() == '-';
  if (negative) s.remove_prefix(1);
  std::size_t year_digits = 0;
  while (year_digits < s.size() && s[year_digits] >= '0' && s[year_digits] <= '9') ++year_digits;
  if (year_digits < 4 || year_digits > 6) return std::nullopt;
  std::int64_t y;
  std::int64_t mo;
  std::int64_t d;
  std::int64_t h;
  std::int64_t mi;
  std::int64_t sec;
  std::int64_t micros = 0;
  if (!read_digits(s, year_digits, y) || !expect(s, '-') || !read_digits(s, 2, mo) || !expect(s, '-') ||
      !read_digits(s, 2, d) || !expect(s, 'T') || !read_digits(s, 2, h) || !expect(s, ':') ||
      !read_digits(s, 2, mi) || !expect(s, ':') || !read_digits(s, 2, sec))
    return std::nullopt;
  if (!s.empty() && s.front() == '.') {
    s.remove_prefix(1);
    if (!read_digits(s, 6, micros)) return std::nullopt;
  }
  if (!expect(s, 'Z') || !s.empty()) return std::nullopt;
  if (negative) y = -y;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59) return std::nullopt;
  const std::int64_t days =
      days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) - kPgEpochDays;
  // Reject day numbers the month does not have (2026-02-30).
  std::int64_t cy;
  unsigned cm;
  unsigned cd;
  civil_from_days(days + kPgEpochDays, cy, cm, cd);
  if (cy != y || cm != static_cast<unsigned>(mo) || cd != static_cast<unsigned>(d)) return std::nullopt;
  // Beyond this many days the microsecond count would overflow int64.
  if (days > 106751990 || days < -106751990) return std::nullopt;
  return ((days * kSecondsPerDay + h * 3600 + mi * 60 + sec) * kMicrosPerSecond) + micros;
}

}  // namespace lq
