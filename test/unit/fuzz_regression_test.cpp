// Regression tests for what the fuzz targets (test/fuzz/, scripts/fuzz.sh)
// found in src/core. Each test fails, or trips UndefinedBehaviorSanitizer in
// scripts/sanitize.sh, without its fix.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/model.hpp"
#include "core/score_state.hpp"
#include "core/timestamp.hpp"

using lq::Timestamp;
using Buffer = std::vector<unsigned char>;

namespace {

constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();
constexpr Timestamp kDay = 86400LL * 1000000;
constexpr Timestamp kT0 = 9497 * kDay;  // 2026-01-01

// The text form of a state of model "m" version 1 with one rule per entry
// of `counts` (activity "a0", "a1", ...), each with the given sum.
std::string state_text(std::int64_t activities, const std::vector<std::int64_t> &counts, double sum = 1.0,
                       const char *as_of = "2026-01-01T00:00:00.000000Z") {
  nlohmann::json j = {{"model", "m"},
                      {"version", 1},
                      {"as_of", as_of},
                      {"activities", activities},
                      {"or_seen", nlohmann::json::array()},
                      {"half_life_days", 30.0},
                      {"min", nullptr},
                      {"max", nullptr}};
  nlohmann::json rules = nlohmann::json::array();
  for (std::size_t i = 0; i < counts.size(); ++i)
    rules.push_back(
        {{"activity", "a" + std::to_string(i)}, {"count", counts[i]}, {"sum", sum}, {"max", nullptr}});
  j["rules"] = rules;
  return j.dump();
}

// A model the states above pass check_model for, with `points` per rule
// (built by hand: compile_model refuses points beyond 1e9).
lq::Model model_for(std::size_t rules, double points) {
  lq::Model m;
  m.name = "m";
  m.version = 1;
  m.half_life_days = 30.0;
  m.engagement_rules.resize(rules);
  for (std::size_t i = 0; i < rules; ++i) {
    m.engagement_rules[i].activity = "a" + std::to_string(i);
    m.engagement_rules[i].key = m.engagement_rules[i].activity;
    m.engagement_rules[i].points = points;
  }
  return m;
}

// `op` throws lq::Error(ProgramLimit) and leaves `state` as it was.
template <typename Op>
void refused_unchanged(Buffer &state, Op op) {
  const Buffer before = state;
  try {
    op();
    ADD_FAILURE() << "not refused";
  } catch (const lq::Error &e) {
    EXPECT_EQ(e.kind(), lq::ErrorKind::ProgramLimit) << e.what();
  }
  EXPECT_EQ(state, before) << "a refused operation must not change the state";
  EXPECT_NO_THROW(lq::state_validate(state.data(), state.size(), lq::ErrorKind::DataCorrupted));
}

}  // namespace

// Found by fuzz_state_wire: state_validate added the rules' activity counts
// in an int64 that overflowed (undefined behaviour); wrapped, the sum passed
// the "rules count more activities than the state holds" check.
TEST(FuzzRegression, RuleCountsWhoseSumOverflowsAreRefused) {
  const std::string text = state_text(kInt64Max, {kInt64Max, kInt64Max, 2});
  try {
    lq::state_from_text(text);
    FAIL() << "accepted rule counts adding up to 2^64 with " << kInt64Max << " activities";
  } catch (const lq::Error &e) {
    EXPECT_EQ(e.kind(), lq::ErrorKind::InvalidText);
    EXPECT_NE(std::string(e.what()).find("more activities than the state holds"), std::string::npos)
        << e.what();
  }
  // Counts that add up to exactly the activities are fine.
  EXPECT_NO_THROW(lq::state_from_text(state_text(kInt64Max, {kInt64Max - 2, 2, 0})));
}

// Found by fuzz_state_text (its seed extremes.json): score_state_combine(s, s)
// overflowed the activity count (undefined behaviour; wrapped, the result was
// a state that no longer validates).
TEST(FuzzRegression, CombineRefusesActivityCountOverflow) {
  const Buffer other = lq::state_from_text(state_text(kInt64Max, {kInt64Max}));
  Buffer s = other;
  refused_unchanged(s, [&] { lq::state_combine(s.data(), other.data()); });
  // One activity short of the limit combines.
  Buffer half = lq::state_from_text(state_text(kInt64Max / 2, {1}));
  Buffer rest = lq::state_from_text(state_text(kInt64Max - kInt64Max / 2, {1}));
  lq::state_combine(half.data(), rest.data());
  EXPECT_EQ(lq::StateView(half.data()).header().activities, kInt64Max);
}

// add_activity on a state at the count limit: the same overflow.
TEST(FuzzRegression, AddRefusesActivityCountOverflow) {
  const lq::Model m = model_for(1, 1.0);
  Buffer s = lq::state_from_text(state_text(kInt64Max, {5}));
  refused_unchanged(s, [&] { lq::state_add(s.data(), m, 0, kT0, 0); });
  refused_unchanged(s, [&] { lq::state_add(s.data(), m, -1, kT0 + kDay, lq::kSeenForSql); });
  Buffer below = lq::state_from_text(state_text(kInt64Max - 1, {5}));
  lq::state_add(below.data(), m, 0, kT0, 0);
  EXPECT_EQ(lq::StateView(below.data()).header().activities, kInt64Max);
}

// Found by fuzz_state_text: combining states whose finite sums add up beyond
// a double gave an infinite sum, i.e. a state every later read refused as
// corrupt (XX001). Now refused when combined, with the state untouched.
TEST(FuzzRegression, CombineRefusesSumsBeyondADouble) {
  const double big = std::numeric_limits<double>::max();
  const Buffer other = lq::state_from_text(state_text(1, {1}, big));
  Buffer s = other;
  refused_unchanged(s, [&] { lq::state_combine(s.data(), other.data()); });
  const Buffer negative = lq::state_from_text(state_text(1, {1}, -big));
  lq::state_combine(s.data(), negative.data());
  EXPECT_EQ(lq::StateView(s.data()).rules()[0].sum, 0.0);
}

TEST(FuzzRegression, AddRefusesSumsBeyondADouble) {
  const double big = std::numeric_limits<double>::max();
  const lq::Model m = model_for(1, big / 4);
  Buffer s = lq::state_from_text(state_text(1, {1}, big));
  refused_unchanged(s, [&] { lq::state_add(s.data(), m, 0, kT0, 0); });
  // A newer activity first decays the sum by 0.5 (one half-life): that fits.
  lq::state_add(s.data(), m, 0, kT0 + 30 * kDay, 0);
  EXPECT_DOUBLE_EQ(lq::StateView(s.data()).rules()[0].sum, big / 2 + big / 4);
}

// Found by fuzz_state_wire: the binary input accepted any finite reference
// time, but the text form of one beyond PostgreSQL's timestamptz range (what
// pg_dump writes) could not be read back, so such a value broke a restore.
TEST(FuzzRegression, ReferenceTimesOutsidePostgresRangeAreRefused) {
  const Buffer s = lq::state_from_text(state_text(1, {1}));
  for (Timestamp ref : {lq::kPgTimestampEnd, lq::kPgTimestampMin - 1, kInt64Max - 1,
                        std::numeric_limits<Timestamp>::min() + 1}) {
    Buffer t = s;
    reinterpret_cast<lq::StateHeader *>(t.data())->ref_time = ref;
    const Buffer wire = lq::state_to_wire(t.data());
    try {
      lq::state_from_wire(wire.data(), wire.size());
      ADD_FAILURE() << "accepted reference time " << ref;
    } catch (const lq::Error &e) {
      EXPECT_EQ(e.kind(), lq::ErrorKind::InvalidBinary);
      EXPECT_NE(std::string(e.what()).find("reference time out of range"), std::string::npos) << e.what();
    }
  }
  // Both ends of the range are accepted and survive the text form.
  for (Timestamp ref : {lq::kPgTimestampMin, lq::kPgTimestampEnd - 1}) {
    Buffer t = s;
    reinterpret_cast<lq::StateHeader *>(t.data())->ref_time = ref;
    const Buffer wire = lq::state_to_wire(t.data());
    const Buffer back = lq::state_from_wire(wire.data(), wire.size());
    EXPECT_EQ(back, t);
    EXPECT_EQ(lq::state_from_text(lq::state_to_text(back.data())), t) << lq::state_to_text(back.data());
  }
  // The text form refuses times beyond the range that it can spell.
  EXPECT_THROW(lq::state_from_text(state_text(1, {1}, 1.0, "294277-01-01T00:00:00Z")), lq::Error);
  EXPECT_THROW(lq::state_from_text(state_text(1, {1}, 1.0, "-4713-11-23T23:59:59.999999Z")), lq::Error);
  EXPECT_NO_THROW(lq::state_from_text(state_text(1, {1}, 1.0, "-4713-11-24T00:00:00Z")));
  // add_activity never moves a state out of the range.
  const lq::Model m = model_for(1, 1.0);
  Buffer t = s;
  EXPECT_THROW(lq::state_add(t.data(), m, 0, lq::kPgTimestampEnd, 0), lq::Error);
  EXPECT_EQ(t, s);
  EXPECT_NO_THROW(lq::state_add(t.data(), m, 0, lq::kPgTimestampEnd - 1, 0));
}

// Integers beyond int64 in the text form were wrapped (a version of
// 18446744073709551615 was read as -1) instead of refused.
TEST(FuzzRegression, TextIntegersBeyondInt64AreRefused) {
  nlohmann::json j = nlohmann::json::parse(state_text(1, {1}));
  j["version"] = std::numeric_limits<std::uint64_t>::max();
  EXPECT_THROW(lq::state_from_text(j.dump()), lq::Error) << j.dump();
  j["version"] = static_cast<std::uint64_t>(kInt64Max) + 1;
  EXPECT_THROW(lq::state_from_text(j.dump()), lq::Error) << j.dump();
  j["version"] = static_cast<std::uint64_t>(kInt64Max);
  const Buffer s = lq::state_from_text(j.dump());
  EXPECT_EQ(lq::StateView(s.data()).header().model_version, kInt64Max);
  j["version"] = std::numeric_limits<std::int64_t>::min();
  EXPECT_NO_THROW(lq::state_from_text(j.dump()));
}

// Found by fuzz_model (a 300-second run, after 352,532 runs): a condition
// whose operator name is "\u0000" put a NUL into the error message; what() is
// a C string, so the compiled error's message was cut at the NUL while
// validate_model's first problem kept it. Every byte the input can hold now
// reaches the message escaped, and the two agree.
TEST(FuzzRegression, NulInAConditionNameSurvivesTheErrorMessage) {
  const std::string model = R"({"fit": {"rules": [{"when": {"a": {"\u0000": 1}}, "points": 1}]}})";
  const std::vector<std::string> problems = lq::validate_model(model);
  ASSERT_FALSE(problems.empty());
  EXPECT_EQ(problems.front().find('\0'), std::string::npos);
  try {
    lq::compile_model("fuzz", 7, model);
    FAIL() << "compiled a model with an unknown condition";
  } catch (const lq::Error &e) {
    EXPECT_EQ(std::string(e.what()), "invalid scoring model \"fuzz\": " + problems.front());
    EXPECT_NE(std::string(e.what()).find(R"(unknown condition "\x00")"), std::string::npos) << e.what();
  }
}

// The same kind elsewhere: a NUL or a control character in an attribute key
// or a model name, and invalid UTF-8 cut out of the JSON parser's message.
TEST(FuzzRegression, InputBytesInMessagesAreEscapedEverywhere) {
  const std::vector<std::string> problems =
      lq::validate_model(R"({"fit": {"rules": [{"when": {"a\u0000\n\"": {"eq": []}}, "points": 1}]}})");
  ASSERT_EQ(problems.size(), 1U);
  EXPECT_EQ(problems.front(), R"(fit.rules[0].when["a\x00\x0a\""].eq: expected a string, number or boolean)");
  try {
    lq::compile_model(std::string("m\0\xff", 3), 1, "[]");
    FAIL() << "no error";
  } catch (const lq::Error &e) {
    EXPECT_EQ(std::string(e.what()).rfind(R"(invalid scoring model "m\x00\xff": )", 0), 0U) << e.what();
  }
  // A parse error quoting a long run of 3-byte characters is cut at a
  // character boundary, so it is still valid UTF-8.
  std::string text = "[\"";
  for (int i = 0; i < 100; ++i) text += "\xe2\x82\xac";
  const std::vector<std::string> parse = lq::validate_model(text);
  ASSERT_EQ(parse.size(), 1U);
  EXPECT_EQ(lq::printable(parse.front()), parse.front());
  EXPECT_EQ(parse.front().find("\\x"), std::string::npos) << parse.front();
}
