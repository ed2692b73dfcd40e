#include "core/track_fields.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace {

using lq::TrackFields;

// A configuration as track() writes it, with awkward bytes in the fields a
// user names: spaces, colons, digits, quotes, backslashes, UTF-8.
TrackFields sample() {
  TrackFields f;
  f[lq::kLeadsTable] = R"("crm 2"."lead:s")";
  f[lq::kActivitiesTable] = R"("public"."activités")";
  f[lq::kModel] = "default";
  f[lq::kKeyColumn] = "id";
  f[lq::kLeadIdColumn] = "12:34 ";
  f[lq::kActivityTypeColumn] = "activity";
  f[lq::kOccurredAtColumn] = "occurred_at";
  f[lq::kPropertiesColumn] = "";
  f[lq::kScoreStateColumn] = "score_state";
  f[lq::kFitScoreColumn] = "fit_score";
  f[lq::kEngagementScoreColumn] = "engagement_score";
  f[lq::kScoreColumn] = "score";
  f[lq::kStageColumn] = "stage";
  f[lq::kStageChangedAtColumn] = "stage_changed_at";
  f[lq::kChannel] = "lead_qual_handoff";
  f[lq::kOccurredAtZone] = "";
  f[lq::kStaleSave] = "refuse";
  f[lq::kPolicyBits] = "1234567";
  f[lq::kLeadFilter] = R"("deletedAt" IS NULL AND note <> ' 3:x\')";
  f[lq::kActivityFilter] = "";
  f[lq::kShadow] = "";
  return f;
}

TEST(TrackFields, EncodesTheMarkerThenLengthPrefixedFields) {
  TrackFields f;
  f.fill("");
  f[lq::kModel] = "m 1";
  std::string expected = "2 0: 0: 3:m 1";
  for (std::size_t i = lq::kModel + 1; i < lq::kTrackFieldCount; ++i) expected += " 0:";
  EXPECT_EQ(lq::encode_track_fields(f), expected);
}

TEST(TrackFields, RoundTripsAnyBytes) {
  const TrackFields f = sample();
  const std::string arg = lq::encode_track_fields(f);
  const std::optional<TrackFields> back = lq::decode_track_fields(arg);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, f);
  // Every byte value but NUL, in one field.
  std::string all;
  for (int c = 1; c < 256; ++c) all.push_back(static_cast<char>(c));
  TrackFields g = f;
  g[lq::kActivityFilter] = all;
  // Named: the decoded fields point into the argument.
  const std::string arg_g = lq::encode_track_fields(g);
  const std::optional<TrackFields> back_g = lq::decode_track_fields(arg_g);
  ASSERT_TRUE(back_g);
  EXPECT_EQ((*back_g)[lq::kActivityFilter], all);
  EXPECT_EQ((*back_g)[lq::kShadow], "");
}

TEST(TrackFields, RefusesWhatTheEncoderDoesNotWrite) {
  const std::string good = lq::encode_track_fields(sample());
  ASSERT_TRUE(lq::decode_track_fields(good));
  EXPECT_FALSE(lq::decode_track_fields(""));
  EXPECT_FALSE(lq::decode_track_fields("1"));
  EXPECT_FALSE(lq::decode_track_fields("2"));
  EXPECT_FALSE(lq::decode_track_fields("1" + good.substr(1)));             // another format
  EXPECT_FALSE(lq::decode_track_fields(good + " 0:"));                     // a field too many
  EXPECT_FALSE(lq::decode_track_fields(good + "x"));                       // trailing bytes
  EXPECT_FALSE(lq::decode_track_fields(good.substr(0, good.size() - 1)));  // cut short
  const std::string::size_type last = good.rfind(" 0:");
  ASSERT_NE(last, std::string::npos);
  EXPECT_FALSE(lq::decode_track_fields(good.substr(0, last)));  // a field too few
  // Malformed lengths: a leading zero, none, a sign, no colon, too long.
  std::string empty_fields = "2";
  for (std::size_t i = 0; i < lq::kTrackFieldCount; ++i) empty_fields += " 0:";
  ASSERT_TRUE(lq::decode_track_fields(empty_fields));
  for (const char *bad_first : {" 00:", " :", " +0:", " -0:", " 0 ", " 0", "  0:", " 1:"}) {
    std::string bad = "2" + std::string(bad_first) + empty_fields.substr(4);
    EXPECT_FALSE(lq::decode_track_fields(bad)) << bad;
  }
  EXPECT_FALSE(lq::decode_track_fields("2 1000000000:x"));
  EXPECT_FALSE(lq::decode_track_fields("2 99999999999999999999:x"));
}

TEST(TrackFields, ALengthLongerThanTheRestIsRefused) {
  std::string arg = "2 50:abc";
  for (std::size_t i = 1; i < lq::kTrackFieldCount; ++i) arg += " 0:";
  EXPECT_FALSE(lq::decode_track_fields(arg));
}

TEST(TrackFields, FieldsMayLookLikeFraming) {
  // A field holding what looks like the next fields is still one field.
  TrackFields f;
  f.fill("");
  f[lq::kLeadsTable] = " 0: 0: 0:";
  const std::string arg = lq::encode_track_fields(f);
  const std::optional<TrackFields> back = lq::decode_track_fields(arg);
  ASSERT_TRUE(back);
  EXPECT_EQ((*back)[lq::kLeadsTable], " 0: 0: 0:");
  EXPECT_EQ((*back)[lq::kActivitiesTable], "");
}

}  // namespace
