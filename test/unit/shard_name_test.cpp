#include "core/shard_name.hpp"

#include <gtest/gtest.h>

namespace {

TEST(ShardIdSuffix, ReadsTheIdCitusAppends) {
  EXPECT_EQ(lq::shard_id_suffix("leads_102429"), 102429);
  EXPECT_EQ(lq::shard_id_suffix("crm_activities_7"), 7);
  EXPECT_EQ(lq::shard_id_suffix("x_9223372036854775807"), INT64_MAX);
}

TEST(ShardIdSuffix, NamesWithoutASuffixAreNoShards) {
  EXPECT_FALSE(lq::shard_id_suffix("leads"));
  EXPECT_FALSE(lq::shard_id_suffix("leads_"));
  EXPECT_FALSE(lq::shard_id_suffix("_102429"));
  EXPECT_FALSE(lq::shard_id_suffix("leads_2024a"));
  EXPECT_FALSE(lq::shard_id_suffix("leads_-1"));
  EXPECT_FALSE(lq::shard_id_suffix("leads_0102"));
  EXPECT_FALSE(lq::shard_id_suffix("leads_0"));
  EXPECT_FALSE(lq::shard_id_suffix(""));
}

TEST(ShardIdSuffix, AnIdTooLargeForABigintIsNone) {
  EXPECT_FALSE(lq::shard_id_suffix("x_9223372036854775808"));
  EXPECT_FALSE(lq::shard_id_suffix("x_99999999999999999999"));
}

TEST(IsNameOrShardCopy, TheObjectAndItsShardCopiesOnly) {
  EXPECT_TRUE(lq::is_name_or_shard_copy("lead_qual_lead", "lead_qual_lead"));
  EXPECT_TRUE(lq::is_name_or_shard_copy("lead_qual_lead_102429", "lead_qual_lead"));
  EXPECT_FALSE(lq::is_name_or_shard_copy("lead_qual_lead_inserted", "lead_qual_lead"));
  EXPECT_FALSE(lq::is_name_or_shard_copy("lead_qual_lead_inserted_102429", "lead_qual_lead"));
  EXPECT_FALSE(lq::is_name_or_shard_copy("lead_qual_lead_", "lead_qual_lead"));
  EXPECT_FALSE(lq::is_name_or_shard_copy("lead_qual_lea", "lead_qual_lead"));
  EXPECT_FALSE(lq::is_name_or_shard_copy("other_102429", "lead_qual_lead"));
}

}  // namespace
