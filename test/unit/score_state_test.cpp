// score_state: decay, caps, first-match, combine, text/wire forms and the
// validation of untrusted bytes (src/core/score_state.*).
#include "core/score_state.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <deque>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/model.hpp"
#include "core/timestamp.hpp"

using lq::AttrValue;
using lq::Timestamp;

namespace {

constexpr Timestamp kSecond = 1000000;
constexpr Timestamp kDay = 86400 * kSecond;
// 2026-01-01T00:00:00Z in microseconds since 2000-01-01.
constexpr Timestamp kT0 = 9497 * kDay;
// PostgreSQL's timestamptz range: 4714-11-24 BC .. 294276-12-31 AD.
constexpr Timestamp kPgMin = -211813488000000000LL;
constexpr Timestamp kPgMax = 9223371331200000000LL - 1;

constexpr const char *kSpecModel = R"({
  "fit": {
    "rules": [
      {"when": {"industry": {"in": ["software", "fintech"]}}, "points": 10},
      {"when": {"employees": {"between": [50, 1000]}}, "points": 15},
      {"when": {"email": {"ends_with": ["@gmail.com", "@yahoo.com"]}}, "points": -10}
    ],
    "max": 50
  },
  "engagement": {
    "half_life_days": 30,
    "rules": [
      {"activity": "page_view", "when": {"url": {"contains": "/pricing"}}, "points": 3},
      {"activity": "page_view", "points": 1, "max": 15},
      {"activity": "demo_request", "points": 20}
    ],
    "max": 100
  },
  "stages": {
    "mql": {"min_fit": 15, "min_engagement": 25},
    "sql": {"min_fit": 20, "min_score": 70, "or_activities": ["demo_request"],
            "require": {"budget_confirmed": {"eq": true}}}
  }
})";

std::shared_ptr<const lq::Model> model_of(const std::string &json, const std::string &name = "m",
                                          std::int64_t version = 1) {
  return lq::compile_model(name, version, json);
}

using Buffer = std::vector<unsigned char>;

// A state buffer for `model`, initialised.
Buffer new_state(const lq::Model &model) {
  Buffer b(lq::state_size(model), 0xAB);  // garbage, to prove state_init writes every byte
  lq::state_init(b.data(), model);
  return b;
}

// One activity as the SQL aggregate would fold it in: match + or_bits.
struct Activity {
  std::string type;
  std::string url;  // "" = no url property
  Timestamp at;
};

void add(Buffer &state, const lq::Model &model, const Activity &a) {
  std::vector<AttrValue> props(model.property_attributes.size(), AttrValue::missing());
  for (std::size_t i = 0; i < props.size(); ++i)
    if (model.property_attributes.names()[i] == "url" && !a.url.empty())
      props[i] = AttrValue::of_string(a.url);
  lq::state_add(state.data(), model, model.match(a.type, props.data()), a.at, model.or_bits(a.type));
}

void add(Buffer &state, const lq::Model &model, const std::string &type, Timestamp at,
         const std::string &url = "") {
  add(state, model, Activity{type, url, at});
}

double engagement(const Buffer &state, Timestamp as_of) {
  return lq::StateView(state.data()).engagement(as_of);
}

void validate(const Buffer &state) {
  lq::state_validate(state.data(), state.size(), lq::ErrorKind::InvalidBinary);
}

// |a - b| <= rel * max(1, |b|)
::testing::AssertionResult near_rel(double a, double b, double rel) {
  if (std::fabs(a - b) <= rel * std::max(1.0, std::fabs(b))) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << a << " vs " << b << " (diff " << a - b << ")";
}

// Engagement computed from the history by definition, independently of the
// state: per rule, the sum of points * 0.5^(age/half_life) with the age
// measured to as_of (an activity after as_of has age 0), capped at the rule's
// max; then the total clamped to the engagement bounds.
double brute_force(const lq::Model &model, const std::vector<Activity> &history, Timestamp as_of) {
  std::vector<double> sums(model.engagement_rules.size(), 0.0);
  for (const Activity &a : history) {
    std::vector<AttrValue> props(model.property_attributes.size(), AttrValue::missing());
    for (std::size_t i = 0; i < props.size(); ++i)
      if (model.property_attributes.names()[i] == "url" && !a.url.empty())
        props[i] = AttrValue::of_string(a.url);
    const int rule = model.match(a.type, props.data());
    if (rule < 0) continue;
    const double age_days = std::max(0.0, static_cast<double>(as_of - a.at) / 86400e6);
    const double decay = model.half_life_days > 0 ? std::pow(0.5, age_days / model.half_life_days) : 1.0;
    sums[rule] += model.engagement_rules[rule].points * decay;
  }
  double total = 0.0;
  for (std::size_t i = 0; i < sums.size(); ++i) {
    const auto &cap = model.engagement_rules[i].max;
    total += cap ? std::min(sums[i], *cap) : sums[i];
  }
  return model.engagement_bounds.clamp(total);
}

// A model with several rule shapes for the randomized tests.
constexpr const char *kRandomModel = R"({
  "engagement": {
    "half_life_days": 21.5,
    "rules": [
      {"activity": "page_view", "when": {"url": {"contains": "/pricing"}}, "points": 3},
      {"activity": "page_view", "points": 1, "max": 40},
      {"activity": "demo_request", "points": 20},
      {"activity": "email_open", "points": 0.5},
      {"activity": "unsubscribe", "points": -5}
    ]
  },
  "stages": {"mql": {"or_activities": ["webinar"]}, "sql": {"or_activities": ["demo_request"]}}
})";

std::vector<Activity> random_history(std::mt19937_64 &rng, std::size_t n, Timestamp start, Timestamp span) {
  static const char *const types[] = {"page_view",  "page_view",   "Page_View", "demo_request", "email_open",
                                      "EMAIL_OPEN", "unsubscribe", "webinar",   "unknown"};
  static const char *const urls[] = {"", "/pricing", "/en/PRICING/x", "/blog", "/docs"};
  std::uniform_int_distribution<std::size_t> type(0, std::size(types) - 1), url(0, std::size(urls) - 1);
  std::uniform_int_distribution<Timestamp> at(start, start + span);
  std::vector<Activity> h;
  for (std::size_t i = 0; i < n; ++i) h.push_back({types[type(rng)], urls[url(rng)], at(rng)});
  return h;
}

Timestamp newest(const std::vector<Activity> &h) {
  Timestamp t = std::numeric_limits<Timestamp>::min();
  for (const Activity &a : h) t = std::max(t, a.at);
  return t;
}

}  // namespace

// ---- layout and the empty state ---------------------------------------------------

TEST(ScoreState, LayoutAndEmptyState) {
  auto m = model_of(kSpecModel, "default", 42);
  Buffer s = new_state(*m);
  EXPECT_EQ(s.size(), 80u + 3 * 24 + std::strlen("default") + std::strlen("page_view") * 2 + 2 +
                          std::strlen("demo_request") + 1);
  validate(s);
  lq::StateView v(s.data());
  EXPECT_EQ(v.size(), s.size());
  EXPECT_EQ(v.header().varlena_header, 0);
  EXPECT_EQ(v.header().magic, lq::kStateMagic);
  EXPECT_EQ(v.header().model_version, 42);
  EXPECT_EQ(v.header().activities, 0);
  EXPECT_EQ(v.header().or_seen, 0);
  EXPECT_FALSE(v.has_ref());
  EXPECT_FALSE(v.has_horizon());
  EXPECT_EQ(v.header().future_count, 0);
  EXPECT_EQ(v.model_name(), "default");
  EXPECT_EQ(v.labels(), (std::vector<std::string>{"page_view", "page_view", "demo_request"}));
  EXPECT_EQ(engagement(s, kT0), 0.0);
  const auto rows = v.explain(kT0);
  ASSERT_EQ(rows.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(rows[i].rule, i + 1);
    EXPECT_EQ(rows[i].activities, 0);
    EXPECT_EQ(rows[i].points, 0.0);
    EXPECT_FALSE(rows[i].capped);
  }
  EXPECT_EQ(rows[2].activity, "demo_request");
  EXPECT_NO_THROW(v.check_model(*m));
}

TEST(ScoreState, EmptyStateEngagementIsTheClampedEmptySum) {
  // engagement = (sum over no rules = 0) clamped to the bounds, whether or
  // not any activity was folded in; qualify() with a NULL state uses
  // engagement_bounds.clamp(0) too.
  for (const char *bounds : {R"("min": 5)", R"("min": -5)", R"("max": 10)", R"("max": -5)",
                             R"("min": -10, "max": -5)", R"("min": 2, "max": 3)"}) {
    auto m = model_of(std::string(R"({"engagement": {"rules": [{"activity": "a", "points": 1}], )") + bounds +
                      "}}");
    const double expected = m->engagement_bounds.clamp(0.0);
    Buffer s = new_state(*m);
    EXPECT_EQ(engagement(s, kT0), expected) << bounds << ", no activity";
    add(s, *m, "unknown", kT0);
    EXPECT_EQ(engagement(s, kT0), expected) << bounds << ", one unscored activity";
  }
}

// ---- decay ----------------------------------------------------------------------

TEST(ScoreState, DecayIsExact) {
  auto m = model_of(
      R"({"engagement": {"half_life_days": 30, "rules": [{"activity": "demo_request", "points": 20}]}})");
  Buffer s = new_state(*m);
  add(s, *m, "demo_request", kT0);
  EXPECT_EQ(engagement(s, kT0), 20.0);
  EXPECT_NEAR(engagement(s, kT0 + 30 * kDay), 10.0, 1e-12);
  EXPECT_NEAR(engagement(s, kT0 + 60 * kDay), 5.0, 1e-12);
  EXPECT_NEAR(engagement(s, kT0 + 90 * kDay), 2.5, 1e-12);
  EXPECT_NEAR(engagement(s, kT0 + 15 * kDay), 20.0 / std::sqrt(2.0), 1e-12);
  EXPECT_NEAR(engagement(s, kT0 + 12 * 3600 * kSecond), 20.0 * std::pow(0.5, 0.5 / 30), 1e-12);
  EXPECT_NEAR(engagement(s, kT0 + 3000 * kDay), 20.0 * std::pow(0.5, 100.0), 1e-40);
  // Reading never changes the state.
  EXPECT_EQ(engagement(s, kT0), 20.0);
}

TEST(ScoreState, DecayFactor) {
  EXPECT_EQ(lq::decay_factor(30, 30 * kDay), 0.5);
  EXPECT_EQ(lq::decay_factor(30, 60 * kDay), 0.25);
  EXPECT_EQ(lq::decay_factor(30, 0), 1.0);
  EXPECT_EQ(lq::decay_factor(30, -kDay), 1.0) << "no extrapolation backwards";
  EXPECT_EQ(lq::decay_factor(0, 1000 * kDay), 1.0) << "no half-life: no decay";
  EXPECT_NEAR(lq::decay_factor(0.5, kDay), 0.25, 1e-15);
}

TEST(ScoreState, NoHalfLifeMeansNoDecay) {
  auto m = model_of(R"({"engagement": {"rules": [{"activity": "a", "points": 7}]}})");
  Buffer s = new_state(*m);
  add(s, *m, "a", kT0);
  add(s, *m, "a", kT0 - 400 * kDay);
  add(s, *m, "a", kT0 + 400 * kDay);
  EXPECT_EQ(engagement(s, kT0 + 10000 * kDay), 21.0);
  EXPECT_EQ(engagement(s, kT0), 21.0);
}

TEST(ScoreState, AgeIsMeasuredToAsOf) {
  auto m = model_of(R"({"engagement": {"half_life_days": 10, "rules": [{"activity": "a", "points": 8}]}})");
  Buffer s = new_state(*m);
  add(s, *m, "a", kT0);              // age 20 days at kT0 + 20d: 2
  add(s, *m, "a", kT0 + 10 * kDay);  // age 10 days: 4
  add(s, *m, "a", kT0 + 20 * kDay);  // age 0: 8
  EXPECT_NEAR(engagement(s, kT0 + 20 * kDay), 14.0, 1e-12);
  EXPECT_NEAR(engagement(s, kT0 + 30 * kDay), 7.0, 1e-12);
}

TEST(ScoreState, FutureActivityCountsWithAgeZero) {
  auto m = model_of(
      R"({"engagement": {"half_life_days": 30, "rules": [{"activity": "demo_request", "points": 20}]}})");
  Buffer s = new_state(*m);
  add(s, *m, "demo_request", kT0 + 10 * kDay);
  EXPECT_EQ(engagement(s, kT0), 20.0) << "an activity later than as_of counts with age 0";
  EXPECT_EQ(engagement(s, kT0 - 1000 * kDay), 20.0);
  // Design detail: a state keeps its sums as of its newest activity R, and
  // reading at as_of < R reads as of R.
  add(s, *m, "demo_request", kT0 - 20 * kDay);  // 30 days older than R
  EXPECT_NEAR(engagement(s, kT0), 30.0, 1e-12);
  EXPECT_NEAR(engagement(s, kT0 + 10 * kDay), 30.0, 1e-12);
  EXPECT_NEAR(engagement(s, kT0 + 40 * kDay), 15.0, 1e-12);
}

TEST(ScoreState, InfiniteAsOf) {
  // as_of comes straight from a timestamptz, so it may be +-infinity.
  auto m = model_of(R"({"engagement": {"half_life_days": 30, "rules": [{"activity": "a", "points": 20}]}})");
  for (Timestamp at : {kT0, Timestamp{1}, Timestamp{-1}, -kT0, kPgMin, kPgMax}) {
    Buffer s = new_state(*m);
    add(s, *m, "a", at);
    EXPECT_EQ(engagement(s, lq::kTimestampMinusInfinity), 20.0) << "as of R, activity at " << at;
    EXPECT_EQ(engagement(s, lq::kTimestampInfinity), 0.0) << "decayed away, activity at " << at;
    EXPECT_EQ(lq::StateView(s.data()).explain(lq::kTimestampMinusInfinity)[0].points, 20.0) << at;
    EXPECT_EQ(lq::StateView(s.data()).explain(lq::kTimestampInfinity)[0].points, 0.0) << at;
  }
}

TEST(ScoreState, ExtremeTimestamps) {
  // The whole timestamptz range: elapsed times exceed INT64_MAX microseconds.
  auto m = model_of(R"({"engagement": {"half_life_days": 30, "rules": [{"activity": "a", "points": 20}]}})");
  Buffer s = new_state(*m);
  add(s, *m, "a", kPgMin);
  add(s, *m, "a", kPgMax);
  EXPECT_EQ(engagement(s, kPgMax), 20.0) << "the first activity decayed away";
  Buffer r = new_state(*m);
  add(r, *m, "a", kPgMax);
  add(r, *m, "a", kPgMin);
  EXPECT_EQ(engagement(r, kPgMax), 20.0) << "same, added in the other order";
  Buffer a = new_state(*m), b = new_state(*m);
  add(a, *m, "a", kPgMin);
  add(b, *m, "a", kPgMax);
  lq::state_combine(a.data(), b.data());
  EXPECT_EQ(engagement(a, kPgMax), 20.0) << "combined";
  Buffer c = new_state(*m), d = new_state(*m);
  add(c, *m, "a", kPgMax);
  add(d, *m, "a", kPgMin);
  lq::state_combine(c.data(), d.data());
  EXPECT_EQ(engagement(c, kPgMax), 20.0) << "combined the other way";
  Buffer e = new_state(*m);
  add(e, *m, "a", kPgMin);
  EXPECT_EQ(engagement(e, kPgMax), 0.0);
}

TEST(ScoreState, InfiniteTimestampIsRefused) {
  auto m = model_of(kSpecModel);
  Buffer s = new_state(*m);
  add(s, *m, "demo_request", kT0);
  const Buffer before = s;
  for (Timestamp t : {lq::kTimestampInfinity, lq::kTimestampMinusInfinity}) {
    try {
      lq::state_add(s.data(), *m, 2, t, lq::kSeenForSql);
      ADD_FAILURE() << "state_add accepted timestamp " << t;
    } catch (const lq::Error &e) {
      EXPECT_EQ(e.kind(), lq::ErrorKind::InvalidParameter);
    }
    EXPECT_EQ(s, before) << "a refused activity leaves the state unchanged";
  }
  Buffer empty = new_state(*m);
  EXPECT_THROW(lq::state_add(empty.data(), *m, -1, lq::kTimestampInfinity, 0), lq::Error);
  validate(empty);
  EXPECT_FALSE(lq::StateView(empty.data()).has_ref());
}

// ---- rules, caps and bounds -----------------------------------------------------------

TEST(ScoreState, FirstMatchingRuleOnly) {
  auto m = model_of(kSpecModel);
  Buffer s = new_state(*m);
  add(s, *m, "page_view", kT0, "/pricing");
  EXPECT_EQ(engagement(s, kT0), 3.0) << "the pricing rule, not also the catch-all";
  auto rows = lq::StateView(s.data()).explain(kT0);
  EXPECT_EQ(rows[0].activities, 1);
  EXPECT_EQ(rows[1].activities, 0);
  add(s, *m, "PAGE_VIEW", kT0, "/blog");
  EXPECT_EQ(engagement(s, kT0), 4.0);
  add(s, *m, "email_open", kT0);
  EXPECT_EQ(engagement(s, kT0), 4.0) << "no rule: no points";
  const lq::StateView v(s.data());
  EXPECT_EQ(v.header().activities, 3) << "every activity is counted, scored or not";
  rows = v.explain(kT0);
  EXPECT_EQ(rows[0].activities, 1);
  EXPECT_EQ(rows[1].activities, 1);
  EXPECT_EQ(rows[2].activities, 0);
}

TEST(ScoreState, PerRuleCap) {
  auto m = model_of(kSpecModel);
  Buffer s = new_state(*m);
  for (int i = 0; i < 20; ++i) add(s, *m, "page_view", kT0, "/blog");
  EXPECT_EQ(engagement(s, kT0), 15.0) << "20 points capped at the rule's max";
  auto rows = lq::StateView(s.data()).explain(kT0);
  EXPECT_EQ(rows[1].activities, 20);
  EXPECT_EQ(rows[1].points, 15.0);
  EXPECT_TRUE(rows[1].capped);
  EXPECT_FALSE(rows[0].capped);
  // The cap applies to the decayed total: 30 days later 20 -> 10, under the cap.
  EXPECT_NEAR(engagement(s, kT0 + 30 * kDay), 10.0, 1e-12);
  rows = lq::StateView(s.data()).explain(kT0 + 30 * kDay);
  EXPECT_NEAR(rows[1].points, 10.0, 1e-12);
  EXPECT_FALSE(rows[1].capped);
  // Other rules are not capped by it.
  for (int i = 0; i < 10; ++i) add(s, *m, "page_view", kT0, "/pricing");
  EXPECT_EQ(engagement(s, kT0), 45.0);
}

TEST(ScoreState, EngagementMaxAndMin) {
  auto m = model_of(kSpecModel);
  Buffer s = new_state(*m);
  for (int i = 0; i < 10; ++i) add(s, *m, "demo_request", kT0);
  EXPECT_EQ(engagement(s, kT0), 100.0) << "200 clamped to the engagement max";
  EXPECT_NEAR(engagement(s, kT0 + 30 * kDay), 100.0, 1e-12);
  EXPECT_NEAR(engagement(s, kT0 + 60 * kDay), 50.0, 1e-12);
  auto rows = lq::StateView(s.data()).explain(kT0);
  EXPECT_EQ(rows[2].points, 200.0) << "explain shows rule totals before the overall clamp";
  EXPECT_FALSE(rows[2].capped);

  auto neg = model_of(R"({"engagement": {"rules": [{"activity": "unsubscribe", "points": -50},
                                                  {"activity": "visit", "points": 10}], "min": -20}})");
  Buffer n = new_state(*neg);
  add(n, *neg, "visit", kT0);
  add(n, *neg, "unsubscribe", kT0);
  EXPECT_EQ(engagement(n, kT0), -20.0) << "-40 clamped to the engagement min";
}

TEST(ScoreState, WorkedExampleWithTheSpecModel) {
  auto m = model_of(kSpecModel);
  std::vector<AttrValue> lead(m->lead_attributes.size(), AttrValue::missing());
  auto set = [&](const std::string &name, AttrValue v) {
    for (std::size_t i = 0; i < lead.size(); ++i)
      if (m->lead_attributes.names()[i] == name) lead[i] = v;
  };
  set("industry", AttrValue::of_string("Software"));
  set("employees", AttrValue::of_number(200));
  set("email", AttrValue::of_string("jane@acme.io"));
  const double fit = m->fit(lead.data());
  EXPECT_EQ(fit, 25.0);

  Buffer s = new_state(*m);
  for (int i = 0; i < 5; ++i) add(s, *m, "page_view", kT0, "/pricing");  // 15
  for (int i = 0; i < 20; ++i) add(s, *m, "page_view", kT0, "/blog");    // 20, capped at 15
  double e = engagement(s, kT0);
  EXPECT_EQ(e, 30.0);
  lq::StateView v(s.data());
  EXPECT_EQ(m->automatic_stage(fit, e, v.header().or_seen, lead.data()), lq::Stage::Mql);

  add(s, *m, "demo_request", kT0);
  e = engagement(s, kT0);
  EXPECT_EQ(e, 50.0);
  EXPECT_EQ(v.header().or_seen, lq::kSeenForSql);
  EXPECT_EQ(m->automatic_stage(fit, e, v.header().or_seen, lead.data()), lq::Stage::Mql)
      << "budget not confirmed yet";
  set("budget_confirmed", AttrValue::of_bool(true));
  EXPECT_EQ(m->automatic_stage(fit, e, v.header().or_seen, lead.data()), lq::Stage::Sql);

  // 30 days later everything has halved: 7.5 + 10 (under the cap now) + 10.
  EXPECT_NEAR(engagement(s, kT0 + 30 * kDay), 27.5, 1e-6);
}

// ---- order independence and combine ----------------------------------------------------

TEST(ScoreState, CombineEqualsSequentialAndBruteForce) {
  auto m = model_of(kRandomModel);
  for (std::uint64_t seed = 1; seed <= 12; ++seed) {
    std::mt19937_64 rng(seed);
    std::vector<Activity> history = random_history(rng, 1000, kT0 - 365 * kDay, 365 * kDay);
    const Timestamp as_of = newest(history) + static_cast<Timestamp>(seed % 3) * 7 * kDay;

    // Sequential: in time order.
    std::vector<Activity> sorted = history;
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const Activity &a, const Activity &b) { return a.at < b.at; });
    Buffer sequential = new_state(*m);
    for (const Activity &a : sorted) add(sequential, *m, a);

    // Partitions, each fed in arbitrary order, then combined in arbitrary order.
    const std::size_t parts = 2 + seed % 3;
    std::vector<Buffer> partial(parts, new_state(*m));
    std::uniform_int_distribution<std::size_t> pick(0, parts - 1);
    std::shuffle(history.begin(), history.end(), rng);
    for (const Activity &a : history) add(partial[pick(rng)], *m, a);
    std::shuffle(partial.begin(), partial.end(), rng);
    Buffer combined = new_state(*m);  // an empty state as the start, like the aggregate's
    for (const Buffer &p : partial) {
      validate(p);
      lq::state_combine(combined.data(), p.data());
    }
    const Buffer empty = new_state(*m);
    lq::state_combine(combined.data(), empty.data());  // combining an empty state changes nothing
    validate(combined);

    const double expected = brute_force(*m, history, as_of);
    EXPECT_TRUE(near_rel(engagement(sequential, as_of), expected, 1e-9)) << "seed " << seed;
    EXPECT_TRUE(near_rel(engagement(combined, as_of), expected, 1e-9)) << "seed " << seed;
    EXPECT_TRUE(near_rel(engagement(combined, as_of), engagement(sequential, as_of), 1e-9))
        << "seed " << seed;

    const lq::StateView c(combined.data()), q(sequential.data());
    EXPECT_EQ(c.header().activities, 1000);
    EXPECT_EQ(q.header().activities, 1000);
    EXPECT_EQ(c.header().ref_time, q.header().ref_time);
    EXPECT_EQ(c.header().ref_time, newest(history));
    EXPECT_EQ(c.header().or_seen, q.header().or_seen);
    const auto cr = c.explain(as_of), qr = q.explain(as_of);
    for (std::size_t i = 0; i < cr.size(); ++i) {
      EXPECT_EQ(cr[i].activities, qr[i].activities) << "rule " << i;
      EXPECT_TRUE(near_rel(cr[i].points, qr[i].points, 1e-9)) << "rule " << i;
      EXPECT_EQ(cr[i].capped, qr[i].capped);
    }
  }
}

TEST(ScoreState, CombineAccumulatesCountsAndOrBits) {
  auto m = model_of(kRandomModel);
  Buffer a = new_state(*m), b = new_state(*m);
  add(a, *m, "webinar", kT0);
  add(b, *m, "demo_request", kT0 - kDay);
  add(b, *m, "page_view", kT0 + kDay, "/blog");
  lq::state_combine(a.data(), b.data());
  const lq::StateView v(a.data());
  EXPECT_EQ(v.header().activities, 3);
  EXPECT_EQ(v.header().or_seen, lq::kSeenForMql | lq::kSeenForSql);
  EXPECT_EQ(v.header().ref_time, kT0 + kDay);
  EXPECT_NEAR(v.engagement(kT0 + kDay), 1 + 20 * std::pow(0.5, 2 / 21.5), 1e-12);
  // Into an empty state: a copy of the other.
  Buffer e = new_state(*m);
  lq::state_combine(e.data(), b.data());
  EXPECT_EQ(e, b);
}

TEST(ScoreState, OutOfOrderEqualsBruteForce) {
  auto m = model_of(kRandomModel);
  for (std::uint64_t seed = 100; seed < 110; ++seed) {
    std::mt19937_64 rng(seed);
    const std::vector<Activity> history = random_history(rng, 500, kT0 - 200 * kDay, 200 * kDay);
    Buffer s = new_state(*m);
    for (const Activity &a : history) add(s, *m, a);  // random order
    for (Timestamp later : {Timestamp{0}, kSecond, kDay, 45 * kDay, 1000 * kDay}) {
      const Timestamp as_of = newest(history) + later;
      EXPECT_TRUE(near_rel(engagement(s, as_of), brute_force(*m, history, as_of), 1e-9))
          << "seed " << seed << " +" << later;
    }
  }
}

TEST(ScoreState, CombineRefusesOtherModels) {
  auto m1 = model_of(kSpecModel, "m", 1);
  auto m2 = model_of(kSpecModel, "m", 2);
  auto n1 = model_of(kSpecModel, "n", 1);
  auto small = model_of(R"({"engagement": {"rules": [{"activity": "a", "points": 1}]}})", "m", 1);
  Buffer a = new_state(*m1), b = new_state(*m2), c = new_state(*n1), d = new_state(*small);
  for (Buffer *other : {&b, &c, &d}) {
    Buffer into = a;
    try {
      lq::state_combine(into.data(), other->data());
      ADD_FAILURE() << "combined states of different models";
    } catch (const lq::Error &e) {
      EXPECT_EQ(e.kind(), lq::ErrorKind::InvalidParameter);
    }
    EXPECT_EQ(into, a);
  }
}

TEST(ScoreState, CheckModel) {
  auto m1 = model_of(kSpecModel, "default", 1);
  auto m2 = model_of(kSpecModel, "default", 2);
  auto other = model_of(kSpecModel, "other", 1);
  Buffer s = new_state(*m1);
  add(s, *m1, "demo_request", kT0);
  const lq::StateView v(s.data());
  EXPECT_NO_THROW(v.check_model(*m1));
  try {
    v.check_model(*m2);
    FAIL() << "check_model accepted another version";
  } catch (const lq::Error &e) {
    EXPECT_EQ(e.kind(), lq::ErrorKind::InvalidParameter);
    const std::string what = e.what();
    EXPECT_NE(what.find("version 1"), std::string::npos) << what;
    EXPECT_NE(what.find("version 2"), std::string::npos) << what;
    EXPECT_NE(what.find("\"default\""), std::string::npos) << what;
  }
  try {
    v.check_model(*other);
    FAIL() << "check_model accepted another model";
  } catch (const lq::Error &e) {
    EXPECT_NE(std::string(e.what()).find("\"other\""), std::string::npos) << e.what();
  }
  auto fewer = model_of(R"({"engagement": {"rules": [{"activity": "a", "points": 1}]}})", "default", 1);
  EXPECT_THROW(v.check_model(*fewer), lq::Error) << "same name and version but a different rule count";
}

// ---- text and wire forms -------------------------------------------------------------

namespace {
// A few states covering the optional fields: no half-life, bounds, caps, no activity.
std::vector<std::pair<std::shared_ptr<const lq::Model>, Buffer>> sample_states() {
  std::vector<std::pair<std::shared_ptr<const lq::Model>, Buffer>> out;
  auto spec = model_of(kSpecModel, "default", 3);
  out.emplace_back(spec, new_state(*spec));
  Buffer s = new_state(*spec);
  add(s, *spec, "page_view", kT0 - 3 * kDay, "/pricing");
  add(s, *spec, "page_view", kT0 - 1, "/blog");
  add(s, *spec, "demo_request", kT0 - 7 * kDay + 12345);
  add(s, *spec, "signup", kT0 - 400 * kDay);
  for (int i = 0; i < 30; ++i) add(s, *spec, "page_view", kT0 - i * kDay);
  out.emplace_back(spec, s);
  auto nodecay = model_of(R"({"engagement": {"rules": [{"activity": "x", "points": 0.1},
      {"activity": "Y", "points": -1e-300, "max": 0}], "min": -3.5, "max": 1e9},
      "stages": {"mql": {"or_activities": ["x"]}}})",
                          "n\xc3\xa4me with spaces \"quoted\"", -9);
  Buffer n = new_state(*nodecay);
  add(n, *nodecay, "x", -kT0);  // before 2000
  add(n, *nodecay, "y", kPgMin);
  add(n, *nodecay, "x", kPgMax);
  out.emplace_back(nodecay, n);
  auto empty = model_of("{}", "e", 0);
  Buffer e = new_state(*empty);
  add(e, *empty, "anything", 0);
  out.emplace_back(empty, e);
  out.emplace_back(empty, new_state(*empty));
  return out;
}
}  // namespace

TEST(ScoreState, TextRoundTrip) {
  for (const auto &[model, s] : sample_states()) {
    validate(s);
    const std::string text = lq::state_to_text(s.data());
    const Buffer back = lq::state_from_text(text);
    EXPECT_EQ(back, s) << text;
    EXPECT_EQ(lq::state_to_text(back.data()), text);
    EXPECT_EQ(engagement(back, kT0), engagement(s, kT0)) << text;
    EXPECT_NO_THROW(lq::StateView(back.data()).check_model(*model));
  }
}

TEST(ScoreState, TextForm) {
  auto m = model_of(kSpecModel, "default", 3);
  Buffer s = new_state(*m);
  add(s, *m, "demo_request", kT0);
  add(s, *m, "page_view", kT0 - kDay, "/blog");
  const nlohmann::json j = nlohmann::json::parse(lq::state_to_text(s.data()));
  EXPECT_EQ(j["model"], "default");
  EXPECT_EQ(j["version"], 3);
  EXPECT_EQ(j["as_of"], "2026-01-01T00:00:00.000000Z");
  EXPECT_EQ(j["activities"], 2);
  EXPECT_EQ(j["or_seen"], nlohmann::json::array({"sql"}));
  EXPECT_EQ(j["half_life_days"], 30.0);
  EXPECT_TRUE(j["min"].is_null());
  EXPECT_EQ(j["max"], 100.0);
  ASSERT_EQ(j["rules"].size(), 3u);
  EXPECT_EQ(j["rules"][1]["activity"], "page_view");
  EXPECT_EQ(j["rules"][1]["max"], 15.0);
  EXPECT_EQ(j["rules"][1]["count"], 1);
  EXPECT_DOUBLE_EQ(j["rules"][1]["sum"].get<double>(), std::pow(0.5, 1.0 / 30));
  EXPECT_TRUE(j["rules"][2]["max"].is_null());
  EXPECT_EQ(j["rules"][2]["sum"], 20.0);

  Buffer empty = new_state(*m);
  const nlohmann::json e = nlohmann::json::parse(lq::state_to_text(empty.data()));
  EXPECT_TRUE(e["as_of"].is_null());
  EXPECT_EQ(e["or_seen"], nlohmann::json::array());
}

TEST(ScoreState, WireRoundTrip) {
  for (const auto &[model, s] : sample_states()) {
    const Buffer wire = lq::state_to_wire(s.data());
    EXPECT_EQ(wire.size(), s.size() - 4 - 6 - 4 * lq::StateView(s.data()).header().future_count)
        << "everything but the varlena header and the reserved bytes";
    const Buffer back = lq::state_from_wire(wire.data(), wire.size());
    EXPECT_EQ(back, s);
    EXPECT_EQ(lq::state_to_wire(back.data()), wire);
  }
}

TEST(ScoreState, WireIsBigEndian) {
  auto m = model_of(kSpecModel, "default", 0x0102030405060708LL);
  Buffer s = new_state(*m);
  const Buffer wire = lq::state_to_wire(s.data());
  ASSERT_GE(wire.size(), 12u);
  EXPECT_EQ((std::vector<unsigned char>(wire.begin(), wire.begin() + 12)),
            (std::vector<unsigned char>{0x4c, 0x51, 0x53, 0x32, 1, 2, 3, 4, 5, 6, 7, 8}));
}

TEST(ScoreState, WireRejectsTruncationAndTrailingBytes) {
  const auto samples = sample_states();
  const Buffer &s = samples[1].second;
  const Buffer wire = lq::state_to_wire(s.data());
  for (std::size_t n = 0; n < wire.size(); ++n) {
    Buffer prefix(wire.begin(), wire.begin() + n);  // exact-size copy so ASan sees overreads
    try {
      lq::state_from_wire(prefix.data(), prefix.size());
      ADD_FAILURE() << "accepted a wire form truncated to " << n << " bytes";
    } catch (const lq::Error &e) {
      EXPECT_EQ(e.kind(), lq::ErrorKind::InvalidBinary);
    }
  }
  Buffer longer = wire;
  longer.push_back(0);
  EXPECT_THROW(lq::state_from_wire(longer.data(), longer.size()), lq::Error);
}

namespace {
// Uses a state that passed validation in every way the SQL functions can.
void exercise(const Buffer &s) {
  const lq::StateView v(s.data());
  for (Timestamp as_of :
       {kT0, Timestamp{0}, kPgMin, kPgMax, lq::kTimestampInfinity, lq::kTimestampMinusInfinity}) {
    (void)v.engagement(as_of);
    EXPECT_EQ(v.explain(as_of).size(), v.header().rule_count);
  }
  EXPECT_EQ(v.labels().size(), v.header().rule_count);
  EXPECT_EQ(v.size(), s.size());
  const Buffer wire = lq::state_to_wire(s.data());
  const Buffer from_wire = lq::state_from_wire(wire.data(), wire.size());
  EXPECT_EQ(std::memcmp(from_wire.data() + 4, s.data() + 4, s.size() - 4), 0) << "wire round trip";
  const std::string text = lq::state_to_text(s.data());
  try {
    const Buffer from_text = lq::state_from_text(text);
    validate(from_text);
  } catch (const lq::Error &) {
    // The text form may refuse what it cannot represent (a reference time
    // beyond its year range, a non-UTF-8 label), but must not crash.
  }
  Buffer combined = s;
  try {
    lq::state_combine(combined.data(), s.data());
  } catch (const lq::Error &) {
  }
}
}  // namespace

TEST(ScoreState, EveryByteFlipIsRefusedOrHarmless) {
  for (const auto &[model, original] : sample_states()) {
    validate(original);
    std::size_t refused = 0, accepted = 0;
    for (std::size_t i = 0; i < original.size(); ++i) {
      for (unsigned mask : {0x01u, 0x10u, 0x80u, 0xffu}) {
        Buffer s = original;
        s[i] ^= static_cast<unsigned char>(mask);
        try {
          validate(s);
        } catch (const lq::Error &e) {
          EXPECT_EQ(e.kind(), lq::ErrorKind::InvalidBinary);
          ++refused;
          continue;
        }
        ++accepted;
        exercise(s);
        // Still valid as a wire form: the same bytes, sent and received.
        const Buffer wire = lq::state_to_wire(s.data());
        EXPECT_NO_THROW(lq::state_from_wire(wire.data(), wire.size()));
      }
    }
    EXPECT_GT(refused, 0u);
    EXPECT_GT(accepted, 0u);
  }
}

TEST(ScoreState, EveryWireByteFlipIsRefusedOrValid) {
  for (const auto &[model, original] : sample_states()) {
    const Buffer wire = lq::state_to_wire(original.data());
    for (std::size_t i = 0; i < wire.size(); ++i) {
      for (unsigned mask : {0x01u, 0x80u, 0xffu}) {
        Buffer w = wire;
        w[i] ^= static_cast<unsigned char>(mask);
        Buffer s;
        try {
          s = lq::state_from_wire(w.data(), w.size());
        } catch (const lq::Error &e) {
          EXPECT_EQ(e.kind(), lq::ErrorKind::InvalidBinary);
          continue;
        }
        validate(s);
        exercise(s);
      }
    }
  }
}

// ---- state_validate -----------------------------------------------------------------

namespace {
// A state with activities, for targeted corruption.
Buffer valid_state() { return sample_states()[1].second; }

lq::StateHeader &header(Buffer &s) { return *reinterpret_cast<lq::StateHeader *>(s.data()); }
lq::RuleSlot *slots(Buffer &s) {
  return reinterpret_cast<lq::RuleSlot *>(s.data() + sizeof(lq::StateHeader));
}

// state_validate throws lq::Error of the given kind, its message containing `what`.
::testing::AssertionResult refused(const Buffer &s, const std::string &what, std::size_t size = SIZE_MAX) {
  try {
    lq::state_validate(s.data(), size == SIZE_MAX ? s.size() : size, lq::ErrorKind::InvalidText);
  } catch (const lq::Error &e) {
    if (e.kind() != lq::ErrorKind::InvalidText)
      return ::testing::AssertionFailure() << "wrong kind: " << e.what();
    if (std::string(e.what()).find(what) == std::string::npos)
      return ::testing::AssertionFailure() << "message \"" << e.what() << "\" lacks \"" << what << "\"";
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "accepted";
}
}  // namespace

TEST(StateValidate, AcceptsValidStates) {
  for (const auto &[model, s] : sample_states()) EXPECT_NO_THROW(validate(s));
}

TEST(StateValidate, RejectsTruncatedAndOversizedBuffers) {
  const Buffer s = valid_state();
  for (std::size_t n = 0; n < s.size(); ++n) {
    Buffer prefix(s.begin(), s.begin() + n);  // exact size, so ASan catches overreads
    EXPECT_THROW(lq::state_validate(prefix.data(), prefix.size(), lq::ErrorKind::InvalidBinary), lq::Error)
        << n;
  }
  Buffer longer = s;
  longer.push_back(0);
  EXPECT_TRUE(refused(longer, "does not match"));
  EXPECT_TRUE(refused(s, "too short", 10));
}

TEST(StateValidate, RejectsCorruptHeaders) {
  struct Case {
    const char *what;
    void (*corrupt)(Buffer &);
  } cases[] = {
      {"bad magic", [](Buffer &s) { header(s).magic ^= 1; }},
      {"too many rules", [](Buffer &s) { header(s).rule_count = 1001; }},
      {"model name length", [](Buffer &s) { header(s).name_len = 0; }},
      {"model name length", [](Buffer &s) { header(s).name_len = 201; }},
      {"does not match", [](Buffer &s) { header(s).rule_count -= 1; }},
      {"does not match", [](Buffer &s) { header(s).labels_len += 1; }},
      {"unknown flags", [](Buffer &s) { header(s).flags |= 4; }},
      {"reserved bytes", [](Buffer &s) { header(s).reserved[1] = 1; }},
      {"horizon out of range",
       [](Buffer &s) {
         header(s).flags |= lq::kHasHorizon;
         header(s).horizon = lq::kTimestampInfinity;
       }},
      {"does not match", [](Buffer &s) { header(s).future_count = 1; }},
      {"unknown flags", [](Buffer &s) { header(s).flags = 0x80 | lq::kHasRef; }},
      {"or_seen", [](Buffer &s) { header(s).or_seen = 4; }},
      {"half-life", [](Buffer &s) { header(s).half_life_days = -1; }},
      {"half-life", [](Buffer &s) { header(s).half_life_days = std::numeric_limits<double>::quiet_NaN(); }},
      {"half-life", [](Buffer &s) { header(s).half_life_days = std::numeric_limits<double>::infinity(); }},
      {"infinite engagement bounds",
       [](Buffer &s) { header(s).engagement_max = std::numeric_limits<double>::infinity(); }},
      {"infinite engagement bounds",
       [](Buffer &s) { header(s).engagement_min = -std::numeric_limits<double>::infinity(); }},
      {"negative activity count", [](Buffer &s) { header(s).activities = -1; }},
      {"infinite reference time", [](Buffer &s) { header(s).ref_time = lq::kTimestampInfinity; }},
      {"infinite reference time", [](Buffer &s) { header(s).ref_time = lq::kTimestampMinusInfinity; }},
      {"without a reference time", [](Buffer &s) { header(s).flags = 0; }},
      {"non-finite sum", [](Buffer &s) { slots(s)[0].sum = std::numeric_limits<double>::quiet_NaN(); }},
      {"non-finite sum", [](Buffer &s) { slots(s)[2].sum = -std::numeric_limits<double>::infinity(); }},
      {"bad activity count", [](Buffer &s) { slots(s)[1].count = -1; }},
      {"bad activity count", [](Buffer &s) { slots(s)[1].count = header(s).activities + 1; }},
      {"more activities", [](Buffer &s) { slots(s)[0].count = header(s).activities; }},
      {"bad cap", [](Buffer &s) { slots(s)[1].cap = -1; }},
      {"bad cap", [](Buffer &s) { slots(s)[0].cap = std::numeric_limits<double>::infinity(); }},
      {"bad activity label", [](Buffer &s) { s[s.size() - std::strlen("demo_request") - 1] = 0; }},
      {"truncated", [](Buffer &s) { s[s.size() - 1] = 'x'; }},
      // "page_view" -> "page\0view": three labels end before the last one.
      {"trailing bytes",
       [](Buffer &s) {
         s[sizeof(lq::StateHeader) + header(s).rule_count * sizeof(lq::RuleSlot) + header(s).name_len + 4] =
             0;
       }},
  };
  for (const Case &c : cases) {
    Buffer s = valid_state();
    c.corrupt(s);
    EXPECT_TRUE(refused(s, c.what)) << c.what;
  }
}

TEST(StateValidate, RejectsBadLabels) {
  // Model "m", one rule "abc": the labels are the last 4 bytes.
  auto m = model_of(R"({"engagement": {"rules": [{"activity": "abc", "points": 1}]}})");
  Buffer s = new_state(*m);
  validate(s);
  Buffer t = s;
  t[t.size() - 1] = 'd';  // no NUL
  EXPECT_TRUE(refused(t, "truncated"));
  t = s;
  t[t.size() - 4] = 0;  // empty label, then "bc\0" left over
  EXPECT_TRUE(refused(t, "bad activity label"));
}

// ---- from_text --------------------------------------------------------------------------

namespace {
nlohmann::json valid_text_json() { return nlohmann::json::parse(lq::state_to_text(valid_state().data())); }

::testing::AssertionResult text_refused(const std::string &text) {
  try {
    lq::state_from_text(text);
  } catch (const lq::Error &e) {
    if (e.kind() != lq::ErrorKind::InvalidText)
      return ::testing::AssertionFailure() << "wrong kind: " << e.what();
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "accepted " << text;
}
}  // namespace

TEST(StateFromText, RejectsMalformedJson) {
  for (const char *text : {"", " ", "{", "[]", "null", "1", "\"x\"", "{\"model\": \"m\",}", "{} {}", "nope"})
    EXPECT_TRUE(text_refused(text)) << '"' << text << '"';
}

TEST(StateFromText, RejectsMissingKeys) {
  const nlohmann::json j = valid_text_json();
  ASSERT_TRUE(lq::state_from_text(j.dump()).size() > 0);
  for (const auto &item : j.items()) {
    // Absent from the text of 1.1 states: optional.
    if (item.key() == "scored_at" || item.key() == "future") continue;
    nlohmann::json k = j;
    k.erase(item.key());
    EXPECT_TRUE(text_refused(k.dump())) << "without " << item.key();
  }
  for (const char *key : {"activity", "max", "sum", "count"}) {
    nlohmann::json k = j;
    k["rules"][1].erase(key);
    EXPECT_TRUE(text_refused(k.dump())) << "rule without " << key;
  }
}

TEST(StateFromText, RejectsWrongTypesAndValues) {
  const nlohmann::json j = valid_text_json();
  using nlohmann::json;
  struct Case {
    std::string key;
    json value;
  } cases[] = {
      {"model", 1},
      {"model", ""},
      {"model", std::string(201, 'm')},
      {"model", nullptr},
      {"version", "3"},
      {"version", 3.5},
      {"version", nullptr},
      {"as_of", 5},
      {"as_of", "yesterday"},
      {"as_of", "2026-02-30T00:00:00Z"},
      {"as_of", "infinity"},
      {"as_of", "-infinity"},
      {"activities", "x"},
      {"activities", -1},
      {"activities", 1.0},
      {"activities", 0},
      {"or_seen", "sql"},
      {"or_seen", json::array({"opportunity"})},
      {"or_seen", json::array({1})},
      {"or_seen", nullptr},
      {"half_life_days", "30"},
      {"half_life_days", -30},
      {"half_life_days", true},
      {"min", "0"},
      {"max", json::array()},
      {"rules", json::object()},
      {"rules", 5},
      {"rules", json::array({5})},
  };
  for (const Case &c : cases) {
    json k = j;
    k[c.key] = c.value;
    EXPECT_TRUE(text_refused(k.dump())) << c.key << " = " << c.value.dump();
  }
  struct RuleCase {
    std::string key;
    json value;
  } rule_cases[] = {
      {"activity", ""},
      {"activity", 5},
      {"activity", std::string(201, 'a')},
      {"activity", std::string("a\0b", 3)},
      {"sum", "1"},
      {"sum", nullptr},
      {"count", 1.5},
      {"count", -1},
      {"count", 1000000},
      {"count", "1"},
      {"max", -1},
      {"max", "15"},
  };
  for (const RuleCase &c : rule_cases) {
    json k = j;
    k["rules"][1][c.key] = c.value;
    EXPECT_TRUE(text_refused(k.dump())) << "rule " << c.key << " = " << c.value.dump();
  }
  json marked = j;
  marked["rules"][0]["sum"] = 12345.5;
  std::string text = marked.dump();
  text.replace(text.find("12345.5"), 7, "1e400");
  EXPECT_TRUE(text_refused(text)) << "a sum that overflows a double";
  json huge = j;
  huge["rules"][0]["sum"] = 1e308;
  EXPECT_NO_THROW(lq::state_from_text(huge.dump())) << "large finite sums are fine";
}

TEST(StateFromText, AcceptsUnchangedAndUnimportantVariants) {
  nlohmann::json j = valid_text_json();
  EXPECT_NO_THROW(lq::state_from_text(j.dump()));
  j["as_of"] = "2026-01-01T00:00:00Z";  // fraction optional
  EXPECT_NO_THROW(lq::state_from_text(j.dump()));
  j["half_life_days"] = nullptr;  // no decay
  const Buffer b = lq::state_from_text(j.dump());
  EXPECT_EQ(lq::StateView(b.data()).header().half_life_days, 0.0);
}

// ---- size limits ------------------------------------------------------------------------

TEST(ScoreState, LargestModelsAreRefusedAtCompileTime) {
  // kMaxRules rules with kMaxActivityName-byte names: 201,000 bytes of labels,
  // more than the header's 16-bit labels_len can describe. The model is
  // refused when compiled, so no state of it is ever built.
  std::string rules;
  for (std::size_t i = 0; i < lq::kMaxRules; ++i) {
    std::string name = std::to_string(i);
    name += std::string(lq::kMaxActivityName - name.size(), 'a');
    rules += std::string(i ? "," : "") + R"({"activity": ")" + name + R"(", "points": 1})";
  }
  try {
    model_of(R"({"engagement": {"rules": [)" + rules + "]}}");
    FAIL() << "a model too large for a score_state compiled";
  } catch (const lq::Error &e) {
    EXPECT_EQ(e.kind(), lq::ErrorKind::InvalidParameter);
    EXPECT_NE(std::string(e.what()).find("engagement.rules: activity names total 201000 bytes"),
              std::string::npos)
        << e.what();
  }
}

TEST(ScoreState, ModerateModelsFit) {
  std::string rules;
  for (int i = 0; i < 300; ++i)
    rules += std::string(i ? "," : "") + R"({"activity": "activity_)" + std::to_string(i) +
             std::string(150, 'x') + R"(", "points": 1})";
  auto m = model_of(R"({"engagement": {"rules": [)" + rules + "]}}");
  Buffer s = new_state(*m);
  validate(s);
  add(s, *m, "ACTIVITY_299" + std::string(150, 'X'), kT0);
  EXPECT_EQ(engagement(s, kT0), 1.0);
  EXPECT_EQ(lq::state_from_text(lq::state_to_text(s.data())), s);
}

// ---- bodies (the engagement_state aggregates' accumulators) -----------------------

// A history folded into a body (with held entries: as_of in the middle) and
// joined with the model's prototype is byte for byte the whole state folded
// the same way; two bodies combined and joined equal the combined states;
// the prototype of any state of the model is the model's empty state.
TEST(ScoreStateBody, BodyJoinedWithPrototypeIsTheWholeState) {
  auto model = model_of(kRandomModel, "a_model_name", 7);
  std::mt19937_64 rng(20261130);
  const Timestamp start = 800000000000000;
  const Buffer prototype = new_state(*model);
  for (int round = 0; round < 200; ++round) {
    const auto history = random_history(rng, 1 + rng() % 60, start, 90 * 86400000000LL);
    const Timestamp horizon = start + 45 * 86400000000LL;
    Buffer whole = new_state(*model);
    // Room for every held entry (a body never grows here: the test sizes it).
    Buffer body(lq::state_body_size(prototype.data()) + lq::kMaxFuture * sizeof(lq::FutureEntry) + 64);
    lq::state_copy_body(body.data(), prototype.data());
    Buffer other(body.size());
    lq::state_copy_body(other.data(), prototype.data());
    Buffer other_whole = new_state(*model);
    for (std::size_t i = 0; i < history.size(); ++i) {
      const Activity &a = history[i];
      std::vector<AttrValue> props(model->property_attributes.size(), AttrValue::missing());
      if (!a.url.empty()) props[0] = AttrValue::of_string(a.url);
      const int rule = model->match(a.type, props.data());
      const bool second = i % 3 == 2;
      Buffer &w = second ? other_whole : whole;
      Buffer &b = second ? other : body;
      w.resize(lq::state_add_room(w.data(), rule, a.at, horizon));
      w.resize(lq::state_add(w.data(), *model, rule, a.at, model->or_bits(a.type), horizon));
      ASSERT_LE(lq::state_add_room(b.data(), rule, a.at, horizon), b.size());
      lq::state_add(b.data(), *model, rule, a.at, model->or_bits(a.type), horizon);
    }
    Buffer joined(lq::state_join_size(body.data(), prototype.data()));
    lq::state_join(joined.data(), body.data(), prototype.data());
    ASSERT_EQ(joined.size(), whole.size());
    EXPECT_EQ(0, std::memcmp(joined.data() + 4, whole.data() + 4, whole.size() - 4)) << "round " << round;
    validate(joined);

    whole.resize(lq::state_combine_room(whole.data(), other_whole.data()));
    whole.resize(lq::state_combine(whole.data(), other_whole.data()));
    ASSERT_LE(lq::state_combine_room(body.data(), other.data()), body.size());
    lq::state_combine(body.data(), other.data());
    joined.assign(lq::state_join_size(body.data(), prototype.data()), 0);
    lq::state_join(joined.data(), body.data(), prototype.data());
    ASSERT_EQ(joined.size(), whole.size());
    EXPECT_EQ(0, std::memcmp(joined.data() + 4, whole.data() + 4, whole.size() - 4)) << "round " << round;

    const Buffer from_state = lq::state_prototype_of(whole.data());
    ASSERT_EQ(from_state.size(), prototype.size());
    EXPECT_EQ(0, std::memcmp(from_state.data() + 4, prototype.data() + 4, prototype.size() - 4));
    EXPECT_TRUE(lq::state_same_model(whole.data(), prototype.data()));
  }
}

TEST(ScoreStateBody, SameModelComparesNameVersionAndLabels) {
  auto m = model_of(kRandomModel, "m", 1);
  EXPECT_TRUE(lq::state_same_model(new_state(*m).data(), new_state(*model_of(kRandomModel, "m", 1)).data()));
  EXPECT_FALSE(lq::state_same_model(new_state(*m).data(), new_state(*model_of(kRandomModel, "m", 2)).data()));
  EXPECT_FALSE(lq::state_same_model(new_state(*m).data(), new_state(*model_of(kRandomModel, "n", 1)).data()));
  EXPECT_FALSE(lq::state_same_model(new_state(*m).data(), new_state(*model_of(kSpecModel, "m", 1)).data()));
}
