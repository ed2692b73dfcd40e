// fit_model()'s core: AUC, thresholds, the liblinear fit and the proposal
// (src/core/fit_proposal.*, src/core/logistic_fit.*).
#include "core/fit_proposal.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/logistic_fit.hpp"
#include "core/model.hpp"

using lq::fit::Example;
using nlohmann::json;

namespace {

constexpr const char *kModel = R"({
  "fit": {"rules": [
    {"when": {"industry": {"eq": "software"}}, "points": 10},
    {"when": {"region": {"eq": "europe"}}, "points": 5}
  ], "min": 0, "max": 15},
  "engagement": {"half_life_days": 30, "rules": [
    {"activity": "page_view", "points": 1, "max": 15},
    {"activity": "demo_request", "points": 20},
    {"activity": "ignored", "points": 0}
  ], "max": 100},
  "stages": {"mql": {"min_fit": 10, "min_engagement": 20}, "sql": {"min_score": 40, "or_activities": ["demo_request"]}}
})";

TEST(RocAuc, KnownAnswers) {
  EXPECT_DOUBLE_EQ(lq::fit::roc_auc({1, 2, 3, 4}, {false, false, true, true}), 1.0);
  EXPECT_DOUBLE_EQ(lq::fit::roc_auc({4, 3, 2, 1}, {false, false, true, true}), 0.0);
  // One positive tied with one negative: half a pair of four.
  EXPECT_DOUBLE_EQ(lq::fit::roc_auc({1, 2, 2, 3}, {false, true, false, true}), 0.875);
  EXPECT_TRUE(std::isnan(lq::fit::roc_auc({1, 2}, {true, true})));
  EXPECT_TRUE(std::isnan(lq::fit::roc_auc({}, {})));
}

TEST(RederiveThreshold, KeepsTheShareMeetingIt) {
  // Two of four old values are >= 10: the new threshold is the second largest new value.
  EXPECT_DOUBLE_EQ(lq::fit::rederive_threshold(10, {0, 5, 10, 15}, {3.2, 40.4, 7, 12}), 12);
  // Nobody met it: one above the largest new value.
  EXPECT_DOUBLE_EQ(lq::fit::rederive_threshold(100, {0, 5}, {3.5, 8.2}), 9);
  // Everyone met it: the smallest new value.
  EXPECT_DOUBLE_EQ(lq::fit::rederive_threshold(0, {0, 5}, {-3, 8}), -3);
}

TEST(ScaledPoints, RoundsAndHasNoNegativeZero) {
  EXPECT_EQ(lq::fit::scaled_points(0.5, 20), 10);
  EXPECT_EQ(lq::fit::scaled_points(-0.01, 20), 0);
  EXPECT_FALSE(std::signbit(lq::fit::scaled_points(-0.01, 20)));
}

TEST(FitLogistic, RecoversTheSignsAndIgnoresConstants) {
  std::mt19937 rng(7);
  std::bernoulli_distribution coin(0.5);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<std::vector<double>> rows;
  std::vector<bool> labels;
  for (int i = 0; i < 2000; ++i) {
    const double a = coin(rng) ? 1 : 0, b = coin(rng) ? 1 : 0;
    const double logit = -0.5 + 2.0 * a - 1.5 * b;
    rows.push_back({a, b, 3.0});
    labels.push_back(u(rng) < 1 / (1 + std::exp(-logit)));
  }
  const lq::fit::LogisticFit f = lq::fit::fit_logistic(rows, labels, 10.0);
  ASSERT_EQ(f.weights.size(), 3u);
  EXPECT_NEAR(f.weights[0], 2.0, 0.35);
  EXPECT_NEAR(f.weights[1], -1.5, 0.35);
  EXPECT_EQ(f.weights[2], 0.0);
}

TEST(FitLogistic, RefusesOneClassAndBadC) {
  const std::vector<std::vector<double>> rows = {{1}, {0}};
  EXPECT_THROW(lq::fit::fit_logistic(rows, {true, true}, 1.0), lq::Error);
  EXPECT_THROW(lq::fit::fit_logistic(rows, {true, false}, 0.0), lq::Error);
  EXPECT_THROW(lq::fit::fit_logistic(rows, {true, false}, NAN), lq::Error);
}

// Leads whose outcome depends on demo requests and Europe, not on industry.
std::vector<Example> examples() {
  std::mt19937 rng(11);
  std::bernoulli_distribution coin(0.5);
  std::poisson_distribution<int> views(4);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<Example> out;
  for (int i = 0; i < 3000; ++i) {
    Example e;
    const double software = coin(rng) ? 1 : 0, europe = coin(rng) ? 1 : 0;
    const double v = std::min(15.0, static_cast<double>(views(rng)));
    const double demo = coin(rng) ? 20 : 0;
    e.fit_matches = {software, europe};
    e.engagement = {v, demo, 0};
    e.current_fit = 10 * software + 5 * europe;
    e.current_engagement = v + demo;
    const double logit = -2 + 1.2 * europe + 0.1 * demo + 0.2 * v;
    e.positive = u(rng) < 1 / (1 + std::exp(-logit));
    e.train = i < 2400;
    out.push_back(e);
  }
  return out;
}

TEST(ProposeModel, LearnsReadablePointsAndAValidModel) {
  const auto model = lq::compile_model("m", 3, kModel);
  const std::string text = lq::fit::propose_model(kModel, *model, examples(), {});
  const json r = json::parse(text);
  // The proposal is a valid model of the same structure.
  EXPECT_TRUE(lq::validate_model(r["model"].dump()).empty()) << r["model"].dump();
  ASSERT_EQ(r["rules"].size(), 5u);
  // Demo request has the largest weight per firing (0.1 x 20 = 2 log-odds):
  // it gets the current model's largest points, 20; Europe about 1.2/2 of it.
  EXPECT_EQ(r["rules"][3]["rule"], "engagement.rules[1]");
  EXPECT_EQ(r["rules"][3]["new_points"], 20);
  EXPECT_NEAR(r["rules"][1]["new_points"].get<double>(), 12, 2);
  EXPECT_NEAR(r["rules"][0]["new_points"].get<double>(), 0, 2);  // industry does not matter
  EXPECT_EQ(r["rules"][4]["new_points"], 0);                     // 0-point rule: nothing to learn
  // Page views: 0.2 log-odds each, a tenth of a demo request; the cap stays 15 views.
  const double pv = r["rules"][2]["new_points"].get<double>();
  EXPECT_EQ(pv, 2);
  EXPECT_DOUBLE_EQ(r["model"]["engagement"]["rules"][0]["max"].get<double>(),
                   std::round(pv * 15 * 100) / 100);
  // Clamps are left out; thresholds re-derived.
  EXPECT_FALSE(r["model"]["fit"].contains("max"));
  EXPECT_FALSE(r["model"]["engagement"].contains("max"));
  EXPECT_EQ(r["thresholds"].size(), 3u);
  EXPECT_EQ(r["holdout"]["n_train"], 2400);
  EXPECT_EQ(r["holdout"]["n_holdout"], 600);
  EXPECT_GT(r["holdout"]["auc_proposed"].get<double>(), r["holdout"]["auc_current"].get<double>());
}

TEST(ProposeModel, MaxPointsSetsTheScale) {
  const auto model = lq::compile_model("m", 3, kModel);
  lq::fit::FitOptions options;
  options.max_points = 100;
  const json r = json::parse(lq::fit::propose_model(kModel, *model, examples(), options));
  EXPECT_EQ(r["rules"][3]["new_points"], 100);  // demo request: the largest weight
  EXPECT_NEAR(r["rules"][2]["new_points"].get<double>(), 10, 2);
  options.max_points = -1;
  EXPECT_THROW(lq::fit::propose_model(kModel, *model, examples(), options), lq::Error);
}

TEST(ProposeModel, NeedsBothOutcomesInTraining) {
  const auto model = lq::compile_model("m", 3, kModel);
  std::vector<Example> ex = examples();
  for (Example &e : ex) e.positive = !e.train;  // positives only in the holdout
  try {
    lq::fit::propose_model(kModel, *model, ex, {});
    FAIL() << "expected an error";
  } catch (const lq::Error &e) {
    EXPECT_EQ(e.kind(), lq::ErrorKind::InvalidParameter);
    EXPECT_NE(std::string(e.what()).find("at least one lead with and one without the outcome"),
              std::string::npos);
  }
}

}  // namespace
