// PostgreSQL-compatible timestamps and their ISO 8601 text form
// (src/core/timestamp.*).
#include "core/timestamp.hpp"

#include <gtest/gtest.h>

#include <ctime>
#include <random>
#include <string>

using lq::Timestamp;

namespace {

constexpr Timestamp kSecond = 1000000;
constexpr Timestamp kDay = 86400 * kSecond;
// Seconds from 1970-01-01 to 2000-01-01.
constexpr std::int64_t kUnixToPg = 946684800;

// The same instant computed by the C library, independently of timestamp.cpp.
Timestamp via_timegm(int year, int month, int day, int hour, int minute, int second, int micros) {
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  const std::int64_t unix_seconds = timegm(&tm);
  return (unix_seconds - kUnixToPg) * kSecond + micros;
}

Timestamp parse(const std::string &s) {
  auto t = lq::parse_timestamp(s);
  EXPECT_TRUE(t.has_value()) << s;
  return t.value_or(0);
}

}  // namespace

TEST(Timestamp, Epoch) {
  EXPECT_EQ(lq::format_timestamp(0), "2000-01-01T00:00:00.000000Z");
  EXPECT_EQ(parse("2000-01-01T00:00:00.000000Z"), 0);
  EXPECT_EQ(parse("2000-01-01T00:00:00Z"), 0) << "the fraction is optional";
  EXPECT_EQ(parse("1970-01-01T00:00:00Z"), -kUnixToPg * kSecond);
  EXPECT_EQ(lq::format_timestamp(-kUnixToPg * kSecond), "1970-01-01T00:00:00.000000Z");
}

TEST(Timestamp, BeforeTwoThousand) {
  EXPECT_EQ(lq::format_timestamp(-1), "1999-12-31T23:59:59.999999Z");
  EXPECT_EQ(parse("1999-12-31T23:59:59.999999Z"), -1);
  EXPECT_EQ(lq::format_timestamp(-kSecond), "1999-12-31T23:59:59.000000Z");
  EXPECT_EQ(lq::format_timestamp(-kDay), "1999-12-31T00:00:00.000000Z");
  EXPECT_EQ(lq::format_timestamp(-kDay - 1), "1999-12-30T23:59:59.999999Z");
  EXPECT_EQ(parse("1969-07-20T20:17:40.123456Z"), via_timegm(1969, 7, 20, 20, 17, 40, 123456));
  EXPECT_EQ(lq::format_timestamp(via_timegm(1969, 7, 20, 20, 17, 40, 123456)), "1969-07-20T20:17:40.123456Z");
}

TEST(Timestamp, MatchesTheCLibrary) {
  struct {
    int y, mo, d, h, mi, s, us;
    const char *text;
  } cases[] = {
      {2026, 3, 1, 12, 0, 0, 0, "2026-03-01T12:00:00.000000Z"},
      {2024, 2, 29, 23, 59, 59, 999999, "2024-02-29T23:59:59.999999Z"},
      {2024, 3, 1, 0, 0, 0, 1, "2024-03-01T00:00:00.000001Z"},
      {2000, 2, 29, 6, 30, 0, 0, "2000-02-29T06:30:00.000000Z"},
      {2100, 3, 1, 0, 0, 0, 0, "2100-03-01T00:00:00.000000Z"},
      {1900, 3, 1, 0, 0, 0, 0, "1900-03-01T00:00:00.000000Z"},
      {1601, 1, 1, 0, 0, 0, 0, "1601-01-01T00:00:00.000000Z"},
      {2038, 1, 19, 3, 14, 8, 0, "2038-01-19T03:14:08.000000Z"},
      {9999, 12, 31, 23, 59, 59, 999999, "9999-12-31T23:59:59.999999Z"},
  };
  for (const auto &c : cases) {
    const Timestamp expected = via_timegm(c.y, c.mo, c.d, c.h, c.mi, c.s, c.us);
    EXPECT_EQ(parse(c.text), expected) << c.text;
    EXPECT_EQ(lq::format_timestamp(expected), c.text);
  }
}

TEST(Timestamp, LeapDays) {
  EXPECT_EQ(parse("2024-03-01T00:00:00Z") - parse("2024-02-28T00:00:00Z"), 2 * kDay);
  EXPECT_EQ(parse("2023-03-01T00:00:00Z") - parse("2023-02-28T00:00:00Z"), kDay);
  EXPECT_EQ(parse("2000-03-01T00:00:00Z") - parse("2000-02-28T00:00:00Z"), 2 * kDay) << "2000 is a leap year";
  EXPECT_EQ(parse("2100-03-01T00:00:00Z") - parse("2100-02-28T00:00:00Z"), kDay) << "2100 is not";
  EXPECT_EQ(parse("2025-01-01T00:00:00Z") - parse("2024-01-01T00:00:00Z"), 366 * kDay);
  EXPECT_TRUE(lq::parse_timestamp("2024-02-29T00:00:00Z").has_value());
  EXPECT_TRUE(lq::parse_timestamp("2000-02-29T00:00:00Z").has_value());
  EXPECT_FALSE(lq::parse_timestamp("2023-02-29T00:00:00Z").has_value());
  EXPECT_FALSE(lq::parse_timestamp("1900-02-29T00:00:00Z").has_value());
  EXPECT_FALSE(lq::parse_timestamp("2100-02-29T00:00:00Z").has_value());
}

TEST(Timestamp, RejectsInvalidDatesAndSyntax) {
  for (const char *bad : {
           "2026-02-30T00:00:00Z",
           "2026-02-31T00:00:00Z",
           "2026-04-31T00:00:00Z",
           "2026-06-31T00:00:00Z",
           "2026-13-01T00:00:00Z",
           "2026-00-10T00:00:00Z",
           "2026-01-00T00:00:00Z",
           "2026-01-32T00:00:00Z",
           "2026-01-01T24:00:00Z",
           "2026-01-01T23:60:00Z",
           "2026-01-01T23:59:60Z",  // no leap seconds
           "",
           "Z",
           "infinityx",
           "+infinity",
           "Infinity",
           " 2026-01-01T00:00:00Z",
           "2026-01-01T00:00:00Z ",
           "2026-01-01T00:00:00",
           "2026-01-01 00:00:00Z",
           "2026-01-01t00:00:00Z",
           "2026-01-01T00:00:00z",
           "2026-01-01T00:00:00+00:00",
           "2026-01-01T00:00Z",
           "2026-01-01",
           "2026-1-01T00:00:00Z",
           "2026-01-1T00:00:00Z",
           "2026-01-01T0:00:00Z",
           "2026-01-01T00:00:00.Z",
           "2026-01-01T00:00:00.123Z",
           "2026-01-01T00:00:00.1234567Z",
           "2026-01-01T00:00:00,000000Z",
           "226-01-01T00:00:00Z",
           "2026222-01-01T00:00:00Z",
           "+2026-01-01T00:00:00Z",
           "--2026-01-01T00:00:00Z",
           "2026-01-01T00:00:00.00000aZ",
           "2026-01-01T00:00:00.000000ZZ",
           "\xef\xbc\x92"
           "026-01-01T00:00:00Z",
       }) {
    EXPECT_FALSE(lq::parse_timestamp(bad).has_value()) << '"' << bad << '"';
  }
}

TEST(Timestamp, Infinity) {
  EXPECT_EQ(lq::format_timestamp(lq::kTimestampInfinity), "infinity");
  EXPECT_EQ(lq::format_timestamp(lq::kTimestampMinusInfinity), "-infinity");
  EXPECT_EQ(lq::parse_timestamp("infinity"), lq::kTimestampInfinity);
  EXPECT_EQ(lq::parse_timestamp("-infinity"), lq::kTimestampMinusInfinity);
  EXPECT_FALSE(lq::is_finite(lq::kTimestampInfinity));
  EXPECT_FALSE(lq::is_finite(lq::kTimestampMinusInfinity));
  EXPECT_TRUE(lq::is_finite(lq::kTimestampInfinity - 1));
  EXPECT_TRUE(lq::is_finite(lq::kTimestampMinusInfinity + 1));
  EXPECT_TRUE(lq::is_finite(0));
}

TEST(Timestamp, NegativeAndLargeYears) {
  // Proleptic Gregorian, astronomical year numbering (year 0 = 1 BC).
  EXPECT_EQ(parse("0000-01-01T00:00:00Z"), via_timegm(0, 1, 1, 0, 0, 0, 0));
  EXPECT_EQ(lq::format_timestamp(via_timegm(0, 1, 1, 0, 0, 0, 0)), "0000-01-01T00:00:00.000000Z");
  EXPECT_EQ(parse("-0001-12-31T23:59:59.999999Z"), via_timegm(0, 1, 1, 0, 0, 0, 0) - 1);
  EXPECT_EQ(lq::format_timestamp(via_timegm(0, 1, 1, 0, 0, 0, 0) - 1), "-0001-12-31T23:59:59.999999Z");
  EXPECT_EQ(parse("-4713-11-24T00:00:00Z"), -211813488000000000LL) << "PostgreSQL's lowest timestamp";
  EXPECT_EQ(lq::format_timestamp(-211813488000000000LL), "-4713-11-24T00:00:00.000000Z");
  EXPECT_EQ(parse("294277-01-01T00:00:00Z"), 9223371331200000000LL) << "PostgreSQL's END_TIMESTAMP";
  EXPECT_EQ(lq::format_timestamp(9223371331200000000LL), "294277-01-01T00:00:00.000000Z");
  EXPECT_EQ(parse("10000-01-01T00:00:00Z") - parse("9999-12-31T00:00:00Z"), kDay);
  EXPECT_TRUE(lq::parse_timestamp("-0004-02-29T00:00:00Z").has_value()) << "year -4 (5 BC) is a leap year";
  EXPECT_FALSE(lq::parse_timestamp("-0001-02-29T00:00:00Z").has_value());
  // Beyond what int64 microseconds hold: refused, not wrapped.
  EXPECT_FALSE(lq::parse_timestamp("999999-12-31T23:59:59.999999Z").has_value());
  EXPECT_FALSE(lq::parse_timestamp("-999999-01-01T00:00:00Z").has_value());
  EXPECT_FALSE(lq::parse_timestamp("300000-01-01T00:00:00Z").has_value());
}

TEST(Timestamp, RandomRoundTrips) {
  std::mt19937_64 rng(20260101);
  // Every instant from 4714 BC to 294276 AD (PostgreSQL's range) and beyond,
  // within the years the text form can spell.
  std::uniform_int_distribution<Timestamp> any(-9000000000000000000LL, 9200000000000000000LL);
  std::uniform_int_distribution<Timestamp> near(-200LL * 365 * kDay, 200LL * 365 * kDay);
  for (int i = 0; i < 200000; ++i) {
    const Timestamp t = i % 2 ? any(rng) : near(rng);
    const std::string text = lq::format_timestamp(t);
    const auto back = lq::parse_timestamp(text);
    ASSERT_TRUE(back.has_value()) << t << " -> " << text;
    ASSERT_EQ(*back, t) << text;
  }
}

TEST(Timestamp, FormatIsOrderPreservingWithinFourDigitYears) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<Timestamp> years(via_timegm(1000, 1, 1, 0, 0, 0, 0),
                                                 via_timegm(9999, 12, 31, 0, 0, 0, 0));
  for (int i = 0; i < 10000; ++i) {
    const Timestamp a = years(rng), b = years(rng);
    EXPECT_EQ(a < b, lq::format_timestamp(a) < lq::format_timestamp(b)) << a << " " << b;
  }
}
