#include "core/companion_name.hpp"

#include <gtest/gtest.h>

#include <string>

namespace {

TEST(CompanionName, TheLeadsNameWithTheKindsSuffix) {
  EXPECT_EQ(lq::companion_name("leads", lq::Companion::History), "leads_lq_history");
  EXPECT_EQ(lq::companion_name("Lead List", lq::Companion::Handoffs), "Lead List_lq_handoffs");
}

TEST(CompanionName, NoneWhenItWouldNotFitAnIdentifier) {
  const std::string fits(63 - 12, 'x');  // "_lq_handoffs" is 12 bytes
  EXPECT_EQ(lq::companion_name(fits, lq::Companion::Handoffs)->size(), 63u);
  EXPECT_FALSE(lq::companion_name(fits + "x", lq::Companion::Handoffs));
  EXPECT_FALSE(lq::companion_name("", lq::Companion::History));
}

TEST(CompanionKind, OnlyTheTwoWords) {
  EXPECT_EQ(lq::companion_kind("history"), lq::Companion::History);
  EXPECT_EQ(lq::companion_kind("handoffs"), lq::Companion::Handoffs);
  EXPECT_FALSE(lq::companion_kind("History"));
  EXPECT_FALSE(lq::companion_kind(""));
}

}  // namespace
