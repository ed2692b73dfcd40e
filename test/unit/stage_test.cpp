#include "core/stage.hpp"

#include <gtest/gtest.h>

#include <set>
#include <utility>

using lq::Stage;

namespace {

// The default policy written out as data, independently of can_transition's
// code: the 8x8 matrix from the README's "Stage transitions" table.
// Rows: from; columns: to, in funnel order
// (subscriber lead mql sql opportunity customer recycled disqualified).
constexpr bool kPolicy[lq::kStageCount][lq::kStageCount] = {
    /* subscriber   */ {1, 1, 1, 1, 1, 1, 0, 1},
    /* lead         */ {0, 1, 1, 1, 1, 1, 0, 1},
    /* mql          */ {0, 0, 1, 1, 1, 1, 1, 1},
    /* sql          */ {0, 0, 0, 1, 1, 1, 1, 1},
    /* opportunity  */ {0, 0, 0, 0, 1, 1, 1, 1},
    /* customer     */ {0, 0, 0, 0, 0, 1, 0, 0},
    /* recycled     */ {0, 1, 1, 1, 0, 0, 1, 1},
    /* disqualified */ {0, 1, 0, 0, 0, 0, 0, 1},
};

}  // namespace

TEST(Stage, NamesRoundTrip) {
  for (Stage s : lq::kAllStages) {
    auto parsed = lq::parse_stage(lq::stage_name(s));
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(*parsed, s);
  }
}

TEST(Stage, ParseIsCaseInsensitiveAndTrimmed) {
  EXPECT_EQ(lq::parse_stage("MQL"), Stage::Mql);
  EXPECT_EQ(lq::parse_stage("  Opportunity\t\n"), Stage::Opportunity);
  EXPECT_EQ(lq::parse_stage("DisQualified "), Stage::Disqualified);
}

TEST(Stage, ParseRejectsEverythingElse) {
  for (const char *bad : {"", " ", "mq", "mqll", "m ql", "sql;", "lead\x01", "customers", "0", "\xc3\xa9"}) {
    EXPECT_FALSE(lq::parse_stage(bad).has_value()) << '"' << bad << '"';
  }
}

TEST(Stage, RanksAreFunnelOrder) {
  int expected = 0;
  for (Stage s : lq::kAllStages) {
    EXPECT_EQ(lq::stage_rank(s), expected);
    EXPECT_EQ(lq::stage_from_rank(expected), s);
    ++expected;
  }
  EXPECT_FALSE(lq::stage_from_rank(-1).has_value());
  EXPECT_FALSE(lq::stage_from_rank(8).has_value());
  EXPECT_FALSE(lq::stage_from_rank(255).has_value());
}

TEST(Stage, TransitionMatrixMatchesPolicy) {
  for (Stage from : lq::kAllStages) {
    for (Stage to : lq::kAllStages) {
      EXPECT_EQ(lq::can_transition(from, to), kPolicy[lq::stage_rank(from)][lq::stage_rank(to)])
          << lq::stage_name(from) << " -> " << lq::stage_name(to);
    }
  }
}

TEST(Stage, PolicyProperties) {
  for (Stage s : lq::kAllStages) EXPECT_TRUE(lq::can_transition(s, s)) << "staying put is always allowed";
  for (Stage to : lq::kAllStages)
    if (to != Stage::Customer)
      EXPECT_FALSE(lq::can_transition(Stage::Customer, to)) << "customer is terminal";
  for (Stage from : lq::kAllStages)
    if (from != Stage::Customer) EXPECT_TRUE(lq::can_transition(from, Stage::Disqualified));
  EXPECT_TRUE(lq::can_transition(Stage::Lead, Stage::Sql)) << "skipping forward";
  EXPECT_FALSE(lq::can_transition(Stage::Sql, Stage::Mql)) << "no backward move";
}

TEST(Stage, AllowedTargetsList) {
  EXPECT_EQ(lq::allowed_targets_list(Stage::Customer), "customer");
  EXPECT_EQ(lq::allowed_targets_list(Stage::Disqualified), "lead, disqualified");
  EXPECT_EQ(lq::allowed_targets_list(Stage::Recycled), "lead, mql, sql, recycled, disqualified");
  EXPECT_EQ(lq::stage_list(), "subscriber, lead, mql, sql, opportunity, customer, recycled, disqualified");
}
