// lq::evaluate_lead / lq::next_stage: the one lead evaluation sequence that
// lead_changed(), lead writes (activity triggers, rescore(), refresh()) and
// qualify() share (src/core/lead_evaluation.*).
#include "core/lead_evaluation.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "core/score_state.hpp"

using lq::Stage;
using lq::Timestamp;

namespace {

constexpr Timestamp kDay = 86400LL * 1000000;
constexpr Timestamp kT0 = 9497 * kDay;  // 2026-01-01

constexpr const char *kModel = R"({
  "fit": {"rules": [{"when": {"industry": {"eq": "software"}}, "points": 20}]},
  "engagement": {"rules": [{"activity": "visit", "points": 3}], "half_life_days": 30, "min": -1},
  "stages": {"mql": {"min_score": 10}, "sql": {"min_fit": 20, "min_engagement": 5}},
  "recycle": {"from": ["mql"], "below_engagement": 1}
})";

std::vector<unsigned char> state_with_visits(const lq::Model &m, int visits) {
  std::vector<unsigned char> state(lq::state_size(m));
  lq::state_init(state.data(), m);
  for (int i = 0; i < visits; ++i) lq::state_add(state.data(), m, m.match("visit", nullptr), kT0, 0);
  return state;
}

}  // namespace

TEST(LeadEvaluation, ScoresAreFitPlusEngagementAsOfTheTime) {
  const auto m = lq::compile_model("m", 1, kModel);
  const std::vector<lq::AttrValue> software = {lq::AttrValue::of_string("Software")};
  const std::vector<unsigned char> state = state_with_visits(*m, 2);
  const lq::StateView view(state.data());
  const lq::LeadEvaluation now = lq::evaluate_lead(*m, software.data(), &view, kT0);
  EXPECT_DOUBLE_EQ(now.fit, 20);
  EXPECT_DOUBLE_EQ(now.engagement, 6);
  EXPECT_DOUBLE_EQ(now.score, 26);
  EXPECT_EQ(now.automatic, Stage::Sql);
  EXPECT_TRUE(now.has_activity);
  EXPECT_EQ(now.last_activity, kT0);
  // A half-life later the engagement has halved: 3 < 5, so mql only.
  const lq::LeadEvaluation later = lq::evaluate_lead(*m, software.data(), &view, kT0 + 30 * kDay);
  EXPECT_DOUBLE_EQ(later.engagement, 3);
  EXPECT_EQ(later.automatic, Stage::Mql);
}

TEST(LeadEvaluation, WithoutAStateEngagementIsTheBoundAroundZero) {
  const auto m = lq::compile_model("m", 1, kModel);
  const std::vector<lq::AttrValue> none = {lq::AttrValue::missing()};
  const lq::LeadEvaluation e = lq::evaluate_lead(*m, none.data(), nullptr, kT0);
  EXPECT_DOUBLE_EQ(e.fit, 0);
  EXPECT_DOUBLE_EQ(e.engagement, 0);
  EXPECT_FALSE(e.has_activity);
  EXPECT_EQ(e.automatic, std::nullopt);
  const auto floor = lq::compile_model("f", 1, R"({"engagement": {"min": 2}})");
  EXPECT_DOUBLE_EQ(lq::evaluate_lead(*floor, none.data(), nullptr, kT0).engagement, 2);
}

TEST(LeadEvaluation, NextStageMovesForwardAndRecyclesOnlyWhenAsked) {
  const auto m = lq::compile_model("m", 1, kModel);
  const std::vector<lq::AttrValue> software = {lq::AttrValue::of_string("Software")};
  const std::vector<lq::AttrValue> none = {lq::AttrValue::missing()};
  const lq::LeadEvaluation mql = lq::evaluate_lead(*m, software.data(), nullptr, kT0);
  ASSERT_EQ(mql.automatic, Stage::Mql);
  EXPECT_EQ(lq::next_stage(*m, mql, Stage::Lead, false), Stage::Mql);
  EXPECT_EQ(lq::next_stage(*m, mql, Stage::Sql, false), Stage::Sql) << "never backwards";
  EXPECT_EQ(lq::next_stage(*m, mql, Stage::Customer, false), Stage::Customer);
  // An mql lead without engagement: recycled by refresh() only.
  const lq::LeadEvaluation idle = lq::evaluate_lead(*m, none.data(), nullptr, kT0);
  EXPECT_EQ(lq::next_stage(*m, idle, Stage::Mql, false), Stage::Mql);
  EXPECT_EQ(lq::next_stage(*m, idle, Stage::Mql, true), Stage::Recycled);
  EXPECT_EQ(lq::next_stage(*m, idle, Stage::Sql, true), Stage::Sql) << "sql is not in recycle.from";
  // A qualifying lead is not recycled: the automatic stage applies first.
  const std::vector<unsigned char> busy = state_with_visits(*m, 2);
  const lq::StateView view(busy.data());
  const lq::LeadEvaluation sql = lq::evaluate_lead(*m, software.data(), &view, kT0);
  EXPECT_EQ(lq::next_stage(*m, sql, Stage::Mql, true), Stage::Sql);
}
