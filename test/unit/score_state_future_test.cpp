// score_state with a horizon: future-dated activities held apart, the exact
// engagement formula for every as-of time at or after the newest folded
// activity, combine order-independence, text/wire forms with held entries,
// and the states of lead_qual 1.1 (issue #12.2).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/model.hpp"
#include "core/score_state.hpp"
#include "core/timestamp.hpp"

using lq::Timestamp;

namespace {

constexpr Timestamp kSecond = 1000000;
constexpr Timestamp kDay = 86400 * kSecond;
constexpr Timestamp kT0 = 9497 * kDay;  // 2026-01-01T00:00:00Z
constexpr Timestamp kNone = lq::kTimestampInfinity;

using Buffer = std::vector<unsigned char>;

// The default model's engagement rules that issue #12's inputs use.
constexpr const char *kModel = R"({
  "engagement": {
    "half_life_days": 30,
    "rules": [
      {"activity": "page_view", "when": {"url": {"contains": "/pricing"}}, "points": 3},
      {"activity": "page_view", "points": 1, "max": 15},
      {"activity": "webinar", "points": 10},
      {"activity": "demo_request", "points": 20},
      {"activity": "email_open", "points": 2, "max": 9},
      {"activity": "unsubscribe", "points": -10}
    ],
    "max": 100
  },
  "stages": {"mql": {"or_activities": ["webinar"]}, "sql": {"or_activities": ["demo_request"]}}
})";

std::shared_ptr<const lq::Model> model() {
  static const auto m = lq::compile_model("m", 1, kModel);
  return m;
}

Buffer new_state(const lq::Model &m) {
  Buffer b(lq::state_size(m));
  lq::state_init(b.data(), m);
  return b;
}

// One activity: its rule (-1: none) and time.
struct Activity {
  int rule;
  Timestamp at;
};

std::uint8_t or_bits_of(const lq::Model &m, int rule) {
  static const char *const names[] = {"page_view",    "page_view",  "webinar",
                                      "demo_request", "email_open", "unsubscribe"};
  return rule < 0 ? 0 : m.or_bits(names[rule]);
}

// state_add as the SQL functions call it: the buffer grows when needed.
void add(Buffer &s, const lq::Model &m, const Activity &a, Timestamp horizon) {
  s.resize(lq::state_add_room(s.data(), a.rule, a.at, horizon));
  s.resize(lq::state_add(s.data(), m, a.rule, a.at, or_bits_of(m, a.rule), horizon));
  lq::state_validate(s.data(), s.size(), lq::ErrorKind::DataCorrupted);
}

void combine(Buffer &into, const Buffer &other) {
  into.resize(lq::state_combine_room(into.data(), other.data()));
  into.resize(lq::state_combine(into.data(), other.data()));
  lq::state_validate(into.data(), into.size(), lq::ErrorKind::DataCorrupted);
}

double engagement(const Buffer &s, Timestamp as_of) { return lq::StateView(s.data()).engagement(as_of); }

// The formula, from the activities alone: per rule
// min(cap, sum points * 0.5^(max(0, as_of - t)/h)), the total clamped.
double brute_force(const lq::Model &m, const std::vector<Activity> &history, Timestamp as_of) {
  std::vector<double> sums(m.engagement_rules.size(), 0.0);
  for (const Activity &a : history) {
    if (a.rule < 0) continue;
    const double age_days = std::max(0.0, static_cast<double>(as_of - a.at) / 86400e6);
    sums[a.rule] += m.engagement_rules[a.rule].points * std::pow(0.5, age_days / m.half_life_days);
  }
  double total = 0.0;
  for (std::size_t i = 0; i < sums.size(); ++i) {
    const auto &cap = m.engagement_rules[i].max;
    total += cap ? std::min(sums[i], *cap) : sums[i];
  }
  return m.engagement_bounds.clamp(total);
}

::testing::AssertionResult near_rel(double a, double b, double rel = 1e-9) {
  if (std::fabs(a - b) <= rel * std::max(1.0, std::fabs(b))) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << a << " vs " << b << " (diff " << a - b << ")";
}

// Random activities around kT0: past, future, and exactly at the horizons.
std::vector<Activity> random_history(std::mt19937_64 &rng, std::size_t n,
                                     const std::vector<Timestamp> &equal) {
  std::uniform_int_distribution<int> rule(-1, 5), kind(0, 3);
  std::uniform_int_distribution<Timestamp> span(-200 * kDay, 200 * kDay);
  std::uniform_int_distribution<std::size_t> pick(0, equal.size() - 1);
  std::vector<Activity> h;
  for (std::size_t i = 0; i < n; ++i)
    h.push_back({rule(rng), kind(rng) == 0 ? equal[pick(rng)] : kT0 + span(rng)});
  return h;
}

Timestamp newest_folded(const Buffer &s) {
  const lq::StateView v(s.data());
  return v.has_ref() ? v.header().ref_time : std::numeric_limits<Timestamp>::min() / 2;
}

}  // namespace

// The property of the format: whatever the order of the writes and their
// scoring times, engagement(as_of) is the formula for every as_of at or
// after the newest activity folded into the sums.
TEST(ScoreStateFuture, EngagementIsTheFormulaFromTheNewestFoldedActivityOn) {
  const lq::Model &m = *model();
  for (std::uint64_t seed = 1; seed <= 60; ++seed) {
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<Timestamp> hspan(-100 * kDay, 100 * kDay);
    std::vector<Timestamp> horizons;
    for (int i = 0; i < 6; ++i) horizons.push_back(kT0 + hspan(rng));
    const std::size_t n = seed % 4 == 0 ? 200 : 1 + seed % 40;  // some beyond kMaxFuture held entries
    const std::vector<Activity> history = random_history(rng, n, horizons);
    std::uniform_int_distribution<std::size_t> pick(0, horizons.size() - 1);

    // One state written activity by activity, each write at a random scoring time.
    Buffer s = new_state(m);
    for (const Activity &a : history) add(s, m, a, horizons[pick(rng)]);
    EXPECT_EQ(lq::StateView(s.data()).header().activities, static_cast<std::int64_t>(n));

    // The same activities in partial states, combined in two orders.
    const std::size_t parts = 2 + seed % 4;
    std::vector<Buffer> partial(parts, new_state(m));
    std::uniform_int_distribution<std::size_t> part(0, parts - 1);
    for (const Activity &a : history) add(partial[part(rng)], m, a, horizons[pick(rng)]);
    Buffer forward = new_state(m), backward = new_state(m);
    for (std::size_t i = 0; i < parts; ++i) combine(forward, partial[i]);
    for (std::size_t i = parts; i-- > 0;) combine(backward, partial[i]);

    std::uniform_int_distribution<Timestamp> later(0, 300 * kDay);
    for (const Buffer *b : {&s, &forward, &backward}) {
      for (int k = 0; k < 8; ++k) {
        const Timestamp as_of = newest_folded(*b) > kT0 - 400 * kDay
                                    ? newest_folded(*b) + (k == 0 ? 0 : later(rng))
                                    : kT0 - 250 * kDay + later(rng);
        EXPECT_TRUE(near_rel(engagement(*b, as_of), brute_force(m, history, as_of)))
            << "seed " << seed << " as_of " << lq::format_timestamp(as_of) << "\n"
            << lq::state_to_text(b->data());
      }
    }
    // Order-independence: the same counts, held entries and scores.
    const lq::StateView f(forward.data()), r(backward.data());
    EXPECT_EQ(f.header().activities, r.header().activities);
    EXPECT_EQ(f.header().or_seen, r.header().or_seen);
    EXPECT_EQ(f.header().horizon, r.header().horizon);
    EXPECT_EQ(f.header().ref_time, r.header().ref_time);
    ASSERT_EQ(f.header().future_count, r.header().future_count);
    for (std::uint16_t k = 0; k < f.header().future_count; ++k) {
      EXPECT_EQ(f.future()[k].at, r.future()[k].at);
      EXPECT_EQ(f.future()[k].rule, r.future()[k].rule);
    }
    for (std::uint16_t i = 0; i < f.header().rule_count; ++i) {
      EXPECT_EQ(f.rules()[i].count, r.rules()[i].count);
      EXPECT_TRUE(near_rel(f.rules()[i].sum, r.rules()[i].sum));
    }
  }
}

// The exact aggregate: every activity added with the same as_of gives the
// formula at that as_of and at every later time.
TEST(ScoreStateFuture, OneScoringTimeIsExactAtItAndLater) {
  const lq::Model &m = *model();
  for (std::uint64_t seed = 100; seed < 130; ++seed) {
    std::mt19937_64 rng(seed);
    const Timestamp as_of = kT0 + static_cast<Timestamp>(seed % 7) * kDay;
    const std::vector<Activity> history = random_history(rng, 30, {as_of});
    Buffer s = new_state(m);
    for (const Activity &a : history) add(s, m, a, as_of);
    const lq::StateView v(s.data());
    ASSERT_TRUE(v.has_horizon());
    EXPECT_EQ(v.header().horizon, as_of);
    EXPECT_TRUE(!v.has_ref() || v.header().ref_time <= as_of);
    for (Timestamp t : {as_of, as_of + kSecond, as_of + 45 * kDay, as_of + 400 * kDay})
      EXPECT_TRUE(near_rel(engagement(s, t), brute_force(m, history, t))) << seed;
  }
}

// Issue #12, input 2, with the default model's points.
TEST(ScoreStateFuture, IssueInputTwo) {
  const lq::Model &m = *model();
  const Timestamp now = kT0;
  Buffer lead1 = new_state(m);
  add(lead1, m, {1, now + 365 * kDay}, now);  // a page view a year ahead
  add(lead1, m, {2, now}, now);               // two webinars now
  add(lead1, m, {2, now}, now);
  EXPECT_TRUE(near_rel(engagement(lead1, now), 21.0));
  Buffer lead2 = new_state(m);
  add(lead2, m, {3, now - 30 * kDay}, now);  // a demo request a month ago
  add(lead2, m, {4, now + 30 * kDay}, now);  // an email open a month ahead
  EXPECT_TRUE(near_rel(engagement(lead2, now), 12.0));
  // A year later both are decayed from their own times.
  EXPECT_TRUE(near_rel(engagement(lead1, now + 365 * kDay), 1.0 + 20 * std::pow(0.5, 365 / 30.0)));
}

// An activity without points dated in the future changes no score
// (test/diff/regressions/future_activity_without_points.sql).
TEST(ScoreStateFuture, UnscoredFutureActivityMovesNothing) {
  const lq::Model &m = *model();
  Buffer s = new_state(m);
  add(s, m, {2, kT0 - 30 * kDay}, kT0);
  add(s, m, {-1, kT0 + 365 * kDay}, kT0);
  EXPECT_TRUE(near_rel(engagement(s, kT0), 5.0));
  EXPECT_EQ(lq::StateView(s.data()).header().ref_time, kT0 - 30 * kDay);
  EXPECT_EQ(lq::StateView(s.data()).header().activities, 2);
}

// A write or refresh whose scoring time passes a held entry folds it.
TEST(ScoreStateFuture, PassingTheHorizonFoldsHeldEntries) {
  const lq::Model &m = *model();
  Buffer s = new_state(m);
  add(s, m, {2, kT0 + 10 * kDay}, kT0);
  add(s, m, {3, kT0 + 20 * kDay}, kT0);
  ASSERT_EQ(lq::StateView(s.data()).header().future_count, 2);
  const double before = engagement(s, kT0 + 15 * kDay);
  s.resize(lq::state_set_horizon(s.data(), kT0 + 15 * kDay));
  lq::state_validate(s.data(), s.size(), lq::ErrorKind::DataCorrupted);
  const lq::StateView v(s.data());
  EXPECT_EQ(v.header().future_count, 1);
  EXPECT_EQ(v.header().ref_time, kT0 + 10 * kDay);
  EXPECT_EQ(v.header().horizon, kT0 + 15 * kDay);
  EXPECT_TRUE(near_rel(engagement(s, kT0 + 15 * kDay), before));
  EXPECT_TRUE(near_rel(engagement(s, kT0 + 15 * kDay), 10 * std::pow(0.5, 5 / 30.0) + 20));
  // Without a scoring time (add_activity() without as_of) an activity is folded.
  add(s, m, {2, kT0 + 50 * kDay}, kNone);
  EXPECT_EQ(lq::StateView(s.data()).header().ref_time, kT0 + 50 * kDay);
  EXPECT_EQ(lq::StateView(s.data()).header().horizon, kT0 + 15 * kDay);
}

// Beyond kMaxFuture held entries the earliest is folded: exact again from its time.
TEST(ScoreStateFuture, HeldEntriesAreBounded) {
  const lq::Model &m = *model();
  Buffer s = new_state(m);
  std::vector<Activity> history;
  for (int i = 1; i <= lq::kMaxFuture + 5; ++i) history.push_back({2, kT0 + i * kDay});
  for (const Activity &a : history) add(s, m, a, kT0);
  const lq::StateView v(s.data());
  EXPECT_EQ(v.header().future_count, lq::kMaxFuture);
  EXPECT_EQ(v.header().ref_time, kT0 + 5 * kDay);
  for (Timestamp t : {kT0 + 5 * kDay, kT0 + 20 * kDay, kT0 + 90 * kDay})
    EXPECT_TRUE(near_rel(engagement(s, t), brute_force(m, history, t)));
}

TEST(ScoreStateFuture, TextAndWireRoundTrips) {
  const lq::Model &m = *model();
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    std::mt19937_64 rng(seed);
    Buffer s = new_state(m);
    for (const Activity &a : random_history(rng, 1 + seed * 3, {kT0})) add(s, m, a, kT0);
    const std::string text = lq::state_to_text(s.data());
    const Buffer from_text = lq::state_from_text(text);
    EXPECT_EQ(from_text, s) << text;
    EXPECT_EQ(lq::state_to_text(from_text.data()), text);
    const Buffer wire = lq::state_to_wire(s.data());
    EXPECT_EQ(lq::state_from_wire(wire.data(), wire.size()), s);
  }
  Buffer s = new_state(m);
  add(s, m, {3, kT0 + kDay}, kT0);
  const nlohmann::json j = nlohmann::json::parse(lq::state_to_text(s.data()));
  EXPECT_EQ(j["scored_at"], "2026-01-01T00:00:00.000000Z");
  EXPECT_TRUE(j["as_of"].is_null()) << "no activity folded into the sums yet";
  ASSERT_EQ(j["future"].size(), 1u);
  EXPECT_EQ(j["future"][0]["rule"], 4);
  EXPECT_EQ(j["future"][0]["at"], "2026-01-02T00:00:00.000000Z");
  EXPECT_EQ(j["future"][0]["points"], 20.0);
}

TEST(ScoreStateFuture, RefusesBadHeldEntries) {
  const lq::Model &m = *model();
  Buffer base = new_state(m);
  add(base, m, {1, kT0 - kDay}, kT0);
  add(base, m, {2, kT0 + kDay}, kT0);
  add(base, m, {3, kT0 + 2 * kDay}, kT0);
  auto entries = [](Buffer &s) { return const_cast<lq::FutureEntry *>(lq::StateView(s.data()).future()); };
  auto hdr = [](Buffer &s) { return reinterpret_cast<lq::StateHeader *>(s.data()); };
  struct Case {
    const char *what;
    std::function<void(Buffer &)> corrupt;
  };
  const Case cases[] = {
      {"not later than the horizon", [&](Buffer &s) { entries(s)[0].at = kT0; }},
      {"out of order", [&](Buffer &s) { entries(s)[1].at = kT0 + kSecond; }},
      {"names no rule", [&](Buffer &s) { entries(s)[0].rule = 6; }},
      {"exceeds its rule", [&](Buffer &s) { entries(s)[1].rule = 2; }},
      {"non-finite points", [&](Buffer &s) { entries(s)[0].points = std::nan(""); }},
      {"reserved", [&](Buffer &s) { entries(s)[0].reserved = 1; }},
      {"without a horizon", [&](Buffer &s) { hdr(s)->flags &= static_cast<std::uint8_t>(~lq::kHasHorizon); }},
  };
  for (const Case &c : cases) {
    Buffer s = base;
    c.corrupt(s);
    try {
      lq::state_validate(s.data(), s.size(), lq::ErrorKind::DataCorrupted);
      ADD_FAILURE() << "accepted: " << c.what;
    } catch (const lq::Error &e) {
      EXPECT_NE(std::string(e.what()).find(c.what), std::string::npos) << e.what();
    }
  }
}

// States written by lead_qual 1.1 (stored in users' tables, dumped as text,
// sent in binary) are read: the same sums, no horizon, no held entries.
TEST(ScoreStateFuture, ReadsStatesOfLeadQual11) {
  const lq::Model &m = *model();
  Buffer s = new_state(m);
  for (const Activity &a : {Activity{2, kT0 - 3 * kDay}, Activity{1, kT0}, Activity{-1, kT0 - kDay}})
    add(s, m, a, kNone);
  ASSERT_FALSE(lq::StateView(s.data()).has_horizon());
  // The 1.1 layout: the same header without horizon, future_count, reserved.
  const lq::StateHeader &h = lq::StateView(s.data()).header();
  Buffer v1(s.size() - 16, 0);
  unsigned char *p = v1.data();
  auto put = [&p](const void *from, std::size_t n) {
    std::memcpy(p, from, n);
    p += n;
  };
  const std::int32_t varlena = 0;
  put(&varlena, 4);
  put(&lq::kStateMagicV1, 4);
  put(&h.model_version, 8);
  put(&h.ref_time, 8);
  put(&h.activities, 8);
  put(&h.half_life_days, 8);
  put(&h.engagement_min, 8);
  put(&h.engagement_max, 8);
  put(&h.rule_count, 2);
  put(&h.flags, 1);
  put(&h.or_seen, 1);
  put(&h.name_len, 2);
  put(&h.labels_len, 2);
  put(s.data() + sizeof(lq::StateHeader), s.size() - sizeof(lq::StateHeader));
  ASSERT_TRUE(lq::state_is_v1(v1.data(), v1.size()));
  EXPECT_EQ(lq::state_from_v1(v1.data(), v1.size(), lq::ErrorKind::DataCorrupted), s);
  EXPECT_THROW(lq::state_validate(v1.data(), v1.size(), lq::ErrorKind::DataCorrupted), lq::Error)
      << "the 1.1 layout is converted, never read in place";
  Buffer bad = v1;
  bad.pop_back();
  EXPECT_THROW(lq::state_from_v1(bad.data(), bad.size(), lq::ErrorKind::DataCorrupted), lq::Error);

  // Its wire form: the current one without horizon and future_count.
  Buffer wire = lq::state_to_wire(s.data());
  wire[3] = 0x31;                                    // "LQS1"
  wire.erase(wire.begin() + 20, wire.begin() + 28);  // horizon
  wire.erase(wire.begin() + 60, wire.begin() + 62);  // future_count
  EXPECT_EQ(lq::state_from_wire(wire.data(), wire.size()), s);

  // Its text form: no "scored_at", no "future".
  nlohmann::json j = nlohmann::json::parse(lq::state_to_text(s.data()));
  j.erase("scored_at");
  j.erase("future");
  EXPECT_EQ(lq::state_from_text(j.dump()), s);

  // A write gives it a horizon.
  add(s, m, {3, kT0 + kDay}, kT0);
  EXPECT_TRUE(lq::StateView(s.data()).has_horizon());
  EXPECT_TRUE(near_rel(engagement(s, kT0), 10 * std::pow(0.5, 0.1) + 1 + 20));
}
