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

// A recycled lead moves only on engagement since it was recycled (`since`):
// none, or a state without engagement, leaves it recycled whatever its whole
// score says; a disqualified lead never moves.
TEST(LeadEvaluation, RecycledLeadsMoveOnlyOnEngagementSinceTheRecycle) {
  const auto m = lq::compile_model("m", 1, kModel);
  const std::vector<lq::AttrValue> software = {lq::AttrValue::of_string("Software")};
  const std::vector<unsigned char> busy = state_with_visits(*m, 2);
  const lq::StateView view(busy.data());
  const lq::LeadEvaluation whole = lq::evaluate_lead(*m, software.data(), &view, kT0);
  ASSERT_EQ(whole.automatic, Stage::Sql);
  ASSERT_TRUE(whole.engaged);
  EXPECT_EQ(lq::next_stage(*m, whole, Stage::Recycled, false), Stage::Recycled) << "nothing since";
  EXPECT_EQ(lq::next_stage(*m, whole, Stage::Recycled, true), Stage::Recycled) << "refresh()";
  EXPECT_EQ(lq::next_stage(*m, whole, Stage::Disqualified, false, &whole), Stage::Disqualified);
  // Since the recycle: only an activity no rule scores.
  std::vector<unsigned char> unscored(lq::state_size(*m));
  lq::state_init(unscored.data(), *m);
  lq::state_add(unscored.data(), *m, m->match("meeting_note", nullptr), kT0, 0);
  const lq::StateView unscored_view(unscored.data());
  const lq::LeadEvaluation nothing = lq::evaluate_lead(*m, software.data(), &unscored_view, kT0);
  EXPECT_FALSE(nothing.engaged);
  EXPECT_EQ(nothing.automatic, Stage::Mql) << "fit alone meets mql's min_score";
  EXPECT_EQ(lq::next_stage(*m, whole, Stage::Recycled, false, &nothing), Stage::Recycled);
  // Since the recycle: one visit (3 points): engagement, and fit 20 + 3
  // meets mql (min_score 10) but not sql (min_engagement 5).
  const std::vector<unsigned char> one = state_with_visits(*m, 1);
  const lq::StateView one_view(one.data());
  const lq::LeadEvaluation since = lq::evaluate_lead(*m, software.data(), &one_view, kT0);
  EXPECT_TRUE(since.engaged);
  EXPECT_EQ(lq::next_stage(*m, whole, Stage::Recycled, false, &since), Stage::Mql);
}
