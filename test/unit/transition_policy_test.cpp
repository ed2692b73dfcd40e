// lq::TransitionPolicy: a tracked table's policy, the default with moves
// added and removed.
#include "core/transition_policy.hpp"

#include <gtest/gtest.h>

#include <string>

#include "core/error.hpp"

using lq::Stage;
using lq::TransitionPolicy;

TEST(TransitionPolicy, EmptyIsTheDefault) {
  const TransitionPolicy p = TransitionPolicy::parse("{}");
  for (Stage from : lq::kAllStages)
    for (Stage to : lq::kAllStages) EXPECT_EQ(p.allows(from, to), lq::can_transition(from, to));
  EXPECT_EQ(p, TransitionPolicy());
}

TEST(TransitionPolicy, AllowAndForbidChangeOnlyTheirPairs) {
  const TransitionPolicy p = TransitionPolicy::parse(
      R"({"allow": [["recycled", "opportunity"], ["Disqualified", " customer"]], "forbid": [["lead", "customer"]]})");
  int differences = 0;
  for (Stage from : lq::kAllStages)
    for (Stage to : lq::kAllStages) differences += p.allows(from, to) != lq::can_transition(from, to);
  EXPECT_EQ(differences, 3);
  EXPECT_TRUE(p.allows(Stage::Recycled, Stage::Opportunity));
  EXPECT_TRUE(p.allows(Stage::Disqualified, Stage::Customer));
  EXPECT_FALSE(p.allows(Stage::Lead, Stage::Customer));
  EXPECT_TRUE(p.allows(Stage::Customer, Stage::Customer)) << "staying put";
  EXPECT_EQ(p.allowed_targets_list(Stage::Disqualified), "lead, customer, disqualified");
}

TEST(TransitionPolicy, BitsRoundTrip) {
  const TransitionPolicy p = TransitionPolicy::parse(R"({"allow": [["customer", "lead"]]})");
  EXPECT_EQ(TransitionPolicy::from_bits(p.to_bits()), p);
  EXPECT_THROW(TransitionPolicy::from_bits(""), lq::Error);
  EXPECT_THROW(TransitionPolicy::from_bits("12x"), lq::Error);
  EXPECT_THROW(TransitionPolicy::from_bits("99999999999999999999"), lq::Error) << "over 64 bits";
}

TEST(TransitionPolicy, ErrorsNameTheJsonPath) {
  const std::pair<const char *, const char *> cases[] = {
      {"[]", "transition policy: $: must be an object"},
      {"{", "transition policy: $: not valid JSON"},
      {R"({"allow": {}})", "transition policy: allow: must be an array of [from, to] pairs"},
      {R"({"permit": []})", "transition policy: permit: unknown key"},
      {R"({"allow": [["lead"]]})", "transition policy: allow[0]: must be a [from, to] pair"},
      {R"({"forbid": [["lead", "mql"], ["mql", 3]]})",
       "transition policy: forbid[1][1]: must be a stage name"},
      {R"({"allow": [["won", "lead"]]})", "transition policy: allow[0][0]: unknown stage \"won\""},
      {R"({"allow": [["mql", "mql"]]})", "transition policy: allow[0]: a stage may always stay"},
  };
  for (const auto &[json, prefix] : cases) {
    try {
      TransitionPolicy::parse(json);
      ADD_FAILURE() << json << " was accepted";
    } catch (const lq::Error &e) {
      EXPECT_EQ(e.kind(), lq::ErrorKind::InvalidParameter) << json;
      EXPECT_EQ(std::string(e.what()).rfind(prefix, 0), 0U) << json << ": " << e.what();
    }
  }
}
