// Scoring models: compilation, validation, fit, engagement rule matching and
// the automatic stage (src/core/model.*, src/core/model_registry.*).
#include "core/model.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/model_registry.hpp"
#include "core/stage.hpp"

using lq::AttrValue;
using lq::Stage;

namespace {

// The default-ish model of the product spec.
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

// Attribute values in the order of an AttributeSet, built by name. Strings
// are copied into the object so the non-owning AttrValues stay valid.
class Values {
 public:
  explicit Values(const lq::AttributeSet &set) : set_(set), values_(set.size(), AttrValue::missing()) {}

  Values &set(const std::string &name, AttrValue v) {
    for (std::size_t i = 0; i < set_.size(); ++i) {
      if (set_.names()[i] == name) {
        values_[i] = v;
        return *this;
      }
    }
    ADD_FAILURE() << "test bug: the model does not read attribute " << name;
    return *this;
  }
  Values &str(const std::string &name, std::string s) {
    strings_.push_back(std::move(s));
    return set(name, AttrValue::of_string(strings_.back()));
  }
  Values &num(const std::string &name, double d) { return set(name, AttrValue::of_number(d)); }
  Values &boolean(const std::string &name, bool b) { return set(name, AttrValue::of_bool(b)); }

  const AttrValue *data() const { return values_.data(); }

 private:
  const lq::AttributeSet &set_;
  std::vector<AttrValue> values_;
  std::deque<std::string> strings_;
};

std::string joined(const std::vector<std::string> &v) {
  std::string out;
  for (const std::string &s : v) out += "\n  " + s;
  return out;
}

// True when some problem is reported at exactly `path` (the text before ": ").
bool has_problem_at(const std::vector<std::string> &problems, const std::string &path) {
  for (const std::string &p : problems)
    if (p.rfind(path + ": ", 0) == 0) return true;
  return false;
}

// Replaces the first occurrence of `from` in the spec model (must exist).
std::string spec_with(const std::string &from, const std::string &to) {
  std::string s = kSpecModel;
  const std::size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << "test bug: " << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

}  // namespace

// ---- compiling --------------------------------------------------------------

TEST(Model, SpecModelCompiles) {
  EXPECT_TRUE(lq::validate_model(kSpecModel).empty()) << joined(lq::validate_model(kSpecModel));
  auto m = model_of(kSpecModel, "default", 7);
  EXPECT_EQ(m->name, "default");
  EXPECT_EQ(m->version, 7);
  EXPECT_EQ(m->fit_rules.size(), 3u);
  ASSERT_EQ(m->engagement_rules.size(), 3u);
  EXPECT_EQ(m->half_life_days, 30.0);
  EXPECT_EQ(m->fit_bounds.max, 50.0);
  EXPECT_FALSE(m->fit_bounds.min.has_value());
  EXPECT_EQ(m->engagement_bounds.max, 100.0);
  EXPECT_EQ(m->engagement_rules[1].max, 15.0);
  EXPECT_FALSE(m->engagement_rules[0].max.has_value());
  EXPECT_EQ(m->engagement_rules[2].activity, "demo_request");
  EXPECT_TRUE(m->mql.defined);
  EXPECT_TRUE(m->sql.defined);
  EXPECT_EQ(m->sql.min_score, 70.0);
  EXPECT_FALSE(m->sql.min_engagement.has_value());
}

TEST(Model, EmptyModelIsValidAndScoresNothing) {
  auto m = model_of("{}");
  EXPECT_TRUE(m->fit_rules.empty());
  EXPECT_TRUE(m->engagement_rules.empty());
  EXPECT_EQ(m->half_life_days, 0.0) << "no half_life_days: no decay";
  EXPECT_EQ(m->fit(nullptr), 0.0);
  EXPECT_EQ(m->match("page_view", nullptr), -1);
  EXPECT_EQ(m->automatic_stage(100, 100, 3, nullptr), std::nullopt)
      << "no stage criteria: no automatic stage";
}

TEST(Model, DescriptionsAreAllowed) {
  EXPECT_TRUE(lq::validate_model(R"({"description": "d", "fit": {"rules": [
      {"description": "r", "when": {}, "points": 1}]},
      "engagement": {"rules": [{"description": "e", "activity": "x", "points": 1}]}})")
                  .empty());
}

// ---- fit --------------------------------------------------------------------

TEST(Model, FitSumsMatchingRules) {
  auto m = model_of(kSpecModel);
  const lq::AttributeSet &a = m->lead_attributes;
  EXPECT_EQ(
      m->fit(Values(a).str("industry", "Software").num("employees", 200).str("email", "a@corp.com").data()),
      25.0);
  EXPECT_EQ(
      m->fit(Values(a).str("industry", "FinTech").str("employees", "250").str("email", "x@GMAIL.com").data()),
      15.0)
      << "10 + 15 (numeric string) - 10";
  EXPECT_EQ(m->fit(Values(a).data()), 0.0) << "no attributes";
  EXPECT_EQ(m->fit(Values(a).str("email", "bob@yahoo.com").data()), -10.0) << "no min: negative fit stays";
  EXPECT_EQ(m->fit(Values(a).str("industry", "retail").num("employees", 49).data()), 0.0);
  EXPECT_EQ(m->fit(Values(a).num("employees", 1000).data()), 15.0);
  EXPECT_EQ(m->fit(Values(a).set("industry", AttrValue::other()).num("employees", 1001).data()), 0.0);
}

TEST(Model, FitIsClampedToMinAndMax) {
  auto m = model_of(R"({"fit": {"rules": [
      {"when": {"a": {"exists": true}}, "points": 30},
      {"when": {"b": {"exists": true}}, "points": 30},
      {"when": {"c": {"exists": true}}, "points": -100}], "min": -20, "max": 50}})");
  const lq::AttributeSet &s = m->lead_attributes;
  EXPECT_EQ(m->fit(Values(s).num("a", 1).data()), 30.0);
  EXPECT_EQ(m->fit(Values(s).num("a", 1).num("b", 1).data()), 50.0) << "60 clamped to max";
  EXPECT_EQ(m->fit(Values(s).num("c", 1).data()), -20.0) << "-100 clamped to min";
  EXPECT_EQ(m->fit(Values(s).num("a", 1).num("b", 1).num("c", 1).data()), -20.0) << "-40 clamped to min";
  EXPECT_EQ(m->fit(Values(s).data()), 0.0);
}

TEST(Model, FitRuleWithEmptyWhenAlwaysApplies) {
  auto m =
      model_of(R"({"fit": {"rules": [{"when": {}, "points": 5}, {"when": {"x": {"eq": 1}}, "points": 2}]}})");
  EXPECT_EQ(m->fit(Values(m->lead_attributes).data()), 5.0);
  EXPECT_EQ(m->fit(Values(m->lead_attributes).str("x", "1").data()), 7.0);
}

TEST(Bounds, Clamp) {
  lq::Bounds none;
  EXPECT_EQ(none.clamp(-1e9), -1e9);
  EXPECT_EQ(none.clamp(1e9), 1e9);
  lq::Bounds b{0.0, 10.0};
  EXPECT_EQ(b.clamp(-1), 0.0);
  EXPECT_EQ(b.clamp(11), 10.0);
  EXPECT_EQ(b.clamp(5), 5.0);
  lq::Bounds lo{3.0, std::nullopt};
  EXPECT_EQ(lo.clamp(0), 3.0);
  EXPECT_EQ(lo.clamp(1e9), 1e9);
}

// ---- engagement rule matching -------------------------------------------------

TEST(Model, MatchFindsTheFirstRuleInOrder) {
  auto m = model_of(kSpecModel);
  const lq::AttributeSet &p = m->property_attributes;
  EXPECT_EQ(m->match("page_view", Values(p).str("url", "https://acme.io/pricing").data()), 0);
  EXPECT_EQ(m->match("page_view", Values(p).str("url", "/en/PRICING/plans").data()), 0);
  EXPECT_EQ(m->match("page_view", Values(p).str("url", "/blog").data()), 1)
      << "falls through to the catch-all";
  EXPECT_EQ(m->match("page_view", Values(p).data()), 1) << "missing url";
  EXPECT_EQ(m->match("Page_View", Values(p).str("url", "/pricing").data()), 0)
      << "ASCII case-insensitive type";
  EXPECT_EQ(m->match("PAGE_VIEW", Values(p).data()), 1);
  EXPECT_EQ(m->match("demo_request", Values(p).data()), 2);
  EXPECT_EQ(m->match("Demo_Request", Values(p).str("url", "/pricing").data()), 2);
}

TEST(Model, MatchReturnsMinusOneWithoutARule) {
  auto m = model_of(kSpecModel);
  const lq::AttributeSet &p = m->property_attributes;
  EXPECT_EQ(m->match("email_open", Values(p).data()), -1);
  EXPECT_EQ(m->match("", Values(p).data()), -1);
  EXPECT_EQ(m->match("page_view ", Values(p).data()), -1) << "no trimming of activity types";
  EXPECT_EQ(m->match("page", Values(p).data()), -1);
  EXPECT_EQ(m->match(std::string(10000, 'x'), Values(p).data()), -1);
  EXPECT_EQ(m->match("PAGE_VIEW" + std::string(300, '_'), Values(p).data()), -1);

  auto only_pricing = model_of(R"({"engagement": {"rules": [
      {"activity": "page_view", "when": {"url": {"contains": "/pricing"}}, "points": 3}]}})");
  const lq::AttributeSet &q = only_pricing->property_attributes;
  EXPECT_EQ(only_pricing->match("page_view", Values(q).str("url", "/pricing").data()), 0);
  EXPECT_EQ(only_pricing->match("page_view", Values(q).str("url", "/blog").data()), -1)
      << "no rule whose when holds: no points";
}

TEST(Model, MatchHandlesLongestActivityNames) {
  const std::string name(lq::kMaxActivityName, 'A');
  auto m = model_of(R"({"engagement": {"rules": [{"activity": ")" + name + R"(", "points": 1}]}})");
  EXPECT_EQ(m->match(name, nullptr), 0);
  EXPECT_EQ(m->match(std::string(lq::kMaxActivityName, 'a'), nullptr), 0);
  EXPECT_EQ(m->match(name + "A", nullptr), -1);
}

TEST(Model, OrBits) {
  auto m = model_of(kSpecModel);
  EXPECT_EQ(m->or_bits("demo_request"), lq::kSeenForSql);
  EXPECT_EQ(m->or_bits("DEMO_REQUEST"), lq::kSeenForSql);
  EXPECT_EQ(m->or_bits("page_view"), 0);
  EXPECT_EQ(m->or_bits(std::string(500, 'd')), 0);
  auto both = model_of(R"({"stages": {"mql": {"or_activities": ["webinar", "Demo_Request"]},
                                      "sql": {"or_activities": ["demo_request"]}}})");
  EXPECT_EQ(both->or_bits("demo_request"), lq::kSeenForMql | lq::kSeenForSql);
  EXPECT_EQ(both->or_bits("Webinar"), lq::kSeenForMql);
  EXPECT_EQ(both->or_bits("trial"), 0);
}

// classify() is match() and or_bits() with the type folded once: the same
// answers for every type, case and property, and for names too long to match.
TEST(Model, ClassifyIsMatchAndOrBits) {
  auto m = model_of(kSpecModel);
  const lq::AttributeSet &p = m->property_attributes;
  for (const std::string &type :
       {std::string("page_view"), std::string("PAGE_VIEW"), std::string("demo_request"),
        std::string("Demo_Request"), std::string("webinar"), std::string("unknown"), std::string(""),
        std::string(500, 'd')}) {
    for (const char *url : {"/pricing", "/blog"}) {
      Values values(p);  // named: it owns the strings its values point into
      values.str("url", url);
      const lq::Model::ActivityClass c = m->classify(type, values.data());
      EXPECT_EQ(c.rule, m->match(type, values.data())) << type << " " << url;
      EXPECT_EQ(c.or_bits, m->or_bits(type)) << type;
    }
  }
}

// A call site's ActivityKindMemo answers as activity_kind() does for every
// sequence of types: repeated, new, more than it holds (replacement), case
// variants (kept apart: the memo compares bytes), longer than it stores, and
// after a reset() for another model. Each type is drawn from a fixed seed.
TEST(Model, ActivityKindMemoAnswersAsTheModel) {
  auto m = model_of(kSpecModel);
  std::vector<std::string> types = {"page_view", "PAGE_VIEW", "Page_View", "demo_request",  "DEMO_REQUEST",
                                    "webinar",   "unknown",   "",          "pricing_visit", "trial"};
  for (std::size_t len : {39, 40, 41}) types.emplace_back(len, 'w');  // around the memo's 40 bytes
  types.emplace_back(500, 'd');
  for (int i = 0; i < 12; ++i) types.push_back("type_" + std::to_string(i));
  lq::ActivityKindMemo memo{};
  std::uint32_t seed = 17;
  int hits_of_known = 0;
  for (int i = 0; i < 5000; ++i) {
    seed = seed * 1103515245U + 12345U;
    // Mostly a few types (as a batch's rows), now and then any of them.
    const std::size_t n = (seed >> 16) % 8 == 0 ? types.size() : 4;
    const std::string &type = types[(seed >> 8) % n];
    const int kind = memo.kind(*m, type);
    ASSERT_EQ(kind, m->activity_kind(type)) << type << " at step " << i;
    if (kind >= 0) ++hits_of_known;
    Values values(m->property_attributes);
    values.str("url", (seed & 1) != 0 ? "/pricing" : "/blog");
    const lq::Model::ActivityClass via_memo = m->classify_kind(kind, values.data());
    const lq::Model::ActivityClass direct = m->classify(type, values.data());
    ASSERT_EQ(via_memo.rule, direct.rule) << type;
    ASSERT_EQ(via_memo.or_bits, direct.or_bits) << type;
  }
  EXPECT_GT(hits_of_known, 0) << "the sequence must reach types the model scores";
  // Names of 40 bytes (the longest the memo stores) and 41 sharing their first
  // 40, both scored: a memo comparing or storing a prefix would confuse them.
  const std::string forty(40, 'a');
  const std::string forty_one = forty + "b";
  auto long_names = model_of(R"({"engagement": {"rules": [{"activity": ")" + forty +
                             R"(", "points": 1}, {"activity": ")" + forty_one + R"(", "points": 2}]}})");
  lq::ActivityKindMemo long_memo{};
  for (int i = 0; i < 4; ++i)
    for (const std::string &type : {forty, forty_one, forty.substr(0, 39)}) {
      ASSERT_EQ(long_memo.kind(*long_names, type), long_names->activity_kind(type)) << type.size();
      EXPECT_EQ(long_names->classify_kind(long_memo.kind(*long_names, type), nullptr).rule,
                long_names->match(type, nullptr))
          << type.size();
    }
  EXPECT_NE(long_names->activity_kind(forty), long_names->activity_kind(forty_one));
  EXPECT_GE(long_names->activity_kind(forty_one), 0);
  // Another model: its kinds index another activity index.
  auto other = model_of(R"({"engagement": {"rules": [{"activity": "webinar", "points": 5}]}})");
  memo.reset();
  for (const std::string &type : types)
    ASSERT_EQ(memo.kind(*other, type), other->activity_kind(type)) << type;
  EXPECT_EQ(other->activity_kind("demo_request"), -1);
  EXPECT_GE(other->activity_kind("WEBINAR"), 0);
}

// ---- stage criteria -----------------------------------------------------------

TEST(Model, AutomaticStageOfTheSpecModel) {
  auto m = model_of(kSpecModel);
  const lq::AttributeSet &a = m->lead_attributes;
  Values no_budget(a);
  Values budget(a);
  budget.boolean("budget_confirmed", true);
  Values no(a);
  no.boolean("budget_confirmed", false);

  EXPECT_EQ(m->automatic_stage(25, 30, 0, no_budget.data()), Stage::Mql) << "sql requires budget_confirmed";
  EXPECT_EQ(m->automatic_stage(25, 50, 0, budget.data()), Stage::Sql) << "score 75 >= 70";
  EXPECT_EQ(m->automatic_stage(25, 50, 0, no_budget.data()), Stage::Mql);
  EXPECT_EQ(m->automatic_stage(25, 50, 0, no.data()), Stage::Mql);
  EXPECT_EQ(m->automatic_stage(25, 40, 0, budget.data()), Stage::Mql) << "score 65 < 70";
  EXPECT_EQ(m->automatic_stage(25, 0, lq::kSeenForSql, budget.data()), Stage::Sql) << "or_activities seen";
  EXPECT_EQ(m->automatic_stage(25, 0, lq::kSeenForSql, no_budget.data()), std::nullopt)
      << "require holds even with or_activities; mql needs engagement 25";
  EXPECT_FALSE(m->meets(m->sql, 25, 0, lq::kSeenForMql, lq::kSeenForSql, budget.data()))
      << "the mql bit does not count for sql";
  EXPECT_TRUE(m->meets(m->sql, 25, 0, lq::kSeenForSql, lq::kSeenForSql, budget.data()));
  EXPECT_EQ(m->automatic_stage(15, 100, lq::kSeenForSql, budget.data()), Stage::Mql) << "sql needs fit 20";
  EXPECT_EQ(m->automatic_stage(10, 100, lq::kSeenForSql, budget.data()), std::nullopt) << "mql needs fit 15";
  EXPECT_EQ(m->automatic_stage(14.999, 25, 0, no_budget.data()), std::nullopt);
  EXPECT_EQ(m->automatic_stage(15, 24.999, 0, no_budget.data()), std::nullopt);
  // Thresholds are inclusive.
  EXPECT_EQ(m->automatic_stage(15, 25, 0, no_budget.data()), Stage::Mql);
  EXPECT_EQ(m->automatic_stage(20, 50, 0, budget.data()), Stage::Sql) << "fit 20, score exactly 70";
  EXPECT_EQ(m->automatic_stage(20, 49.999, 0, budget.data()), Stage::Mql);
}

TEST(Model, MeetsChecksEachCriterion) {
  auto m = model_of(R"({"stages": {"mql": {"min_fit": 10, "min_engagement": 20, "min_score": 50,
                                          "require": {"country": {"in": ["DE", "FR"]}}}}})");
  const lq::AttributeSet &a = m->lead_attributes;
  Values de(a);
  de.str("country", "de");
  Values us(a);
  us.str("country", "US");
  EXPECT_TRUE(m->meets(m->mql, 10, 40, 0, lq::kSeenForMql, de.data()));
  EXPECT_FALSE(m->meets(m->mql, 9, 41, 0, lq::kSeenForMql, de.data())) << "min_fit";
  EXPECT_FALSE(m->meets(m->mql, 40, 19, 0, lq::kSeenForMql, de.data())) << "min_engagement";
  EXPECT_FALSE(m->meets(m->mql, 25, 24, 0, lq::kSeenForMql, de.data())) << "min_score";
  EXPECT_FALSE(m->meets(m->mql, 10, 40, 0, lq::kSeenForMql, us.data())) << "require";
  EXPECT_FALSE(m->meets(m->mql, 10, 40, 0, lq::kSeenForMql, Values(a).data()))
      << "require, attribute missing";
  EXPECT_FALSE(m->meets(m->sql, 1e9, 1e9, 3, lq::kSeenForSql, de.data()))
      << "an undefined stage is never met";
  EXPECT_EQ(m->automatic_stage(10, 40, 0, de.data()), Stage::Mql);
}

TEST(Model, OrActivitiesReplaceOnlyTheScoreThresholds) {
  auto m = model_of(R"({"stages": {"sql": {"min_fit": 20, "min_engagement": 30, "min_score": 70,
      "or_activities": ["demo_request", "trial_started"], "require": {"budget": {"eq": true}}}}})");
  Values ok(m->lead_attributes);
  ok.boolean("budget", true);
  Values missing(m->lead_attributes);
  EXPECT_TRUE(m->meets(m->sql, 20, 0, lq::kSeenForSql, lq::kSeenForSql, ok.data()));
  EXPECT_FALSE(m->meets(m->sql, 20, 0, 0, lq::kSeenForSql, ok.data()));
  EXPECT_FALSE(m->meets(m->sql, 19, 1000, lq::kSeenForSql, lq::kSeenForSql, ok.data()))
      << "fit still required";
  EXPECT_FALSE(m->meets(m->sql, 20, 1000, lq::kSeenForSql, lq::kSeenForSql, missing.data()))
      << "require still required";
  EXPECT_TRUE(m->meets(m->sql, 40, 30, 0, lq::kSeenForSql, ok.data())) << "thresholds met without activities";
  EXPECT_FALSE(m->meets(m->sql, 40, 29, 0, lq::kSeenForSql, ok.data()));
}

TEST(Model, MqlAcceptsOrActivitiesToo) {
  auto m =
      model_of(R"({"stages": {"mql": {"min_fit": 5, "min_engagement": 20, "or_activities": ["webinar"]}}})");
  EXPECT_EQ(m->or_bits("webinar"), lq::kSeenForMql);
  EXPECT_EQ(m->automatic_stage(5, 0, 0, nullptr), std::nullopt);
  EXPECT_EQ(m->automatic_stage(5, 0, lq::kSeenForMql, nullptr), Stage::Mql);
  EXPECT_EQ(m->automatic_stage(5, 0, lq::kSeenForSql, nullptr), std::nullopt) << "the sql bit does not count";
  EXPECT_EQ(m->automatic_stage(4, 100, lq::kSeenForMql, nullptr), std::nullopt) << "min_fit still required";
  EXPECT_EQ(m->automatic_stage(5, 20, 0, nullptr), Stage::Mql);
}

TEST(Model, StageWithoutCriteriaIsAlwaysMet) {
  auto m = model_of(R"({"stages": {"mql": {}}})");
  EXPECT_EQ(m->automatic_stage(-100, -100, 0, nullptr), Stage::Mql);
}

TEST(Model, SqlWinsOverMql) {
  auto m = model_of(R"({"stages": {"mql": {"min_score": 10}, "sql": {"min_score": 20}}})");
  EXPECT_EQ(m->automatic_stage(5, 4, 0, nullptr), std::nullopt);
  EXPECT_EQ(m->automatic_stage(5, 5, 0, nullptr), Stage::Mql);
  EXPECT_EQ(m->automatic_stage(10, 10, 0, nullptr), Stage::Sql);
  auto sql_only = model_of(R"({"stages": {"sql": {"min_score": 20}}})");
  EXPECT_EQ(sql_only->automatic_stage(10, 5, 0, nullptr), std::nullopt);
  EXPECT_EQ(sql_only->automatic_stage(10, 10, 0, nullptr), Stage::Sql);
}

TEST(Model, ApplyAutomaticStage) {
  using lq::apply_automatic_stage;
  for (Stage s : lq::kAllStages) EXPECT_EQ(apply_automatic_stage(s, std::nullopt), s) << lq::stage_name(s);
  // Forward only.
  EXPECT_EQ(apply_automatic_stage(Stage::Subscriber, Stage::Mql), Stage::Mql);
  EXPECT_EQ(apply_automatic_stage(Stage::Subscriber, Stage::Sql), Stage::Sql);
  EXPECT_EQ(apply_automatic_stage(Stage::Lead, Stage::Mql), Stage::Mql);
  EXPECT_EQ(apply_automatic_stage(Stage::Lead, Stage::Sql), Stage::Sql);
  EXPECT_EQ(apply_automatic_stage(Stage::Mql, Stage::Mql), Stage::Mql);
  EXPECT_EQ(apply_automatic_stage(Stage::Mql, Stage::Sql), Stage::Sql);
  // Never demotes.
  EXPECT_EQ(apply_automatic_stage(Stage::Sql, Stage::Mql), Stage::Sql);
  EXPECT_EQ(apply_automatic_stage(Stage::Sql, Stage::Sql), Stage::Sql);
  // Never touches opportunity, customer, disqualified.
  for (Stage s : {Stage::Opportunity, Stage::Customer, Stage::Disqualified})
    for (Stage a : {Stage::Mql, Stage::Sql}) EXPECT_EQ(apply_automatic_stage(s, a), s) << lq::stage_name(s);
  // Lifts recycled leads back.
  EXPECT_EQ(apply_automatic_stage(Stage::Recycled, Stage::Mql), Stage::Mql);
  EXPECT_EQ(apply_automatic_stage(Stage::Recycled, Stage::Sql), Stage::Sql);
  // Every result is a move the default policy allows.
  for (Stage s : lq::kAllStages)
    for (Stage a : {Stage::Mql, Stage::Sql})
      EXPECT_TRUE(lq::can_transition(s, apply_automatic_stage(s, a)))
          << lq::stage_name(s) << " + " << lq::stage_name(a);
}

// ---- validation -----------------------------------------------------------------

TEST(ModelValidation, EachProblemIsReportedAtItsPath) {
  struct Case {
    std::string model;
    std::string path;
  } cases[] = {
      // points
      {R"({"engagement": {"rules": [{"activity": "a", "points": 1}, {"activity": "b", "points": 1},
          {"activity": "c", "points": 1}, {"activity": "d", "points": "3"}]}})",
       "engagement.rules[3].points"},
      {R"({"fit": {"rules": [{"when": {}, "points": null}]}})", "fit.rules[0].points"},
      {R"({"fit": {"rules": [{"when": {}, "points": true}]}})", "fit.rules[0].points"},
      {R"({"fit": {"rules": [{"when": {}, "points": [1]}]}})", "fit.rules[0].points"},
      {R"({"fit": {"rules": [{"when": {}}]}})", "fit.rules[0].points"},
      {R"({"engagement": {"rules": [{"activity": "a"}]}})", "engagement.rules[0].points"},
      // half-life
      {R"({"engagement": {"half_life_days": 0, "rules": []}})", "engagement.half_life_days"},
      {R"({"engagement": {"half_life_days": -30}})", "engagement.half_life_days"},
      {R"({"engagement": {"half_life_days": -0.0}})", "engagement.half_life_days"},
      {R"({"engagement": {"half_life_days": "30"}})", "engagement.half_life_days"},
      {R"({"engagement": {"half_life_days": null}})", "engagement.half_life_days"},
      // conditions
      {R"({"fit": {"rules": [{"when": {"employees": {"between": [1000, 50]}}, "points": 1}]}})",
       "fit.rules[0].when.employees.between"},
      {R"({"fit": {"rules": [{"when": {"industry": {"equals": "x"}}, "points": 1}]}})",
       "fit.rules[0].when.industry.equals"},
      {R"({"engagement": {"rules": [{"activity": "v", "when": {"url": {"matches": "(unclosed"}}, "points": 1}]}})",
       "engagement.rules[0].when.url.matches"},
      {R"({"fit": {"rules": [{"when": [], "points": 1}]}})", "fit.rules[0].when"},
      {R"({"fit": {"rules": [{"when": "industry = 'x'", "points": 1}]}})", "fit.rules[0].when"},
      {R"({"fit": {"rules": [{"points": 1}]}})", "fit.rules[0].when"},
      {R"({"engagement": {"rules": [{"activity": "v", "when": 1, "points": 1}]}})",
       "engagement.rules[0].when"},
      {R"({"stages": {"sql": {"require": {"budget": {"eq": {}}}}}})", "stages.sql.require.budget.eq"},
      {R"({"stages": {"sql": {"require": []}}})", "stages.sql.require"},
      {R"({"fit": {"rules": [{"when": {"utm-source": {"eq": []}}, "points": 1}]}})",
       "fit.rules[0].when[\"utm-source\"].eq"},
      // unknown keys
      {R"({"fits": {}})", "fits"},
      {R"({"Fit": {}})", "Fit"},
      {R"({"fit": {"rules": [], "maximum": 5}})", "fit.maximum"},
      {R"({"engagement": {"rules": [], "halflife": 5}})", "engagement.halflife"},
      {R"({"fit": {"rules": [{"when": {}, "point": 1, "points": 1}]}})", "fit.rules[0].point"},
      {R"({"engagement": {"rules": [{"activity": "a", "points": 1, "cap": 5}]}})", "engagement.rules[0].cap"},
      {R"({"stages": {"mql": {"min_fit": 1, "min_engagment": 2}}})", "stages.mql.min_engagment"},
      {R"({"stages": {"opportunity": {"min_fit": 1}}})", "stages.opportunity"},
      {R"({"stages": {"MQL": {"min_fit": 1}}})", "stages.MQL"},
      {R"({"my key": 1})", "[\"my key\"]"},
      // activity
      {R"({"engagement": {"rules": [{"activity": "", "points": 1}]}})", "engagement.rules[0].activity"},
      {R"({"engagement": {"rules": [{"points": 1}]}})", "engagement.rules[0].activity"},
      {R"({"engagement": {"rules": [{"activity": 5, "points": 1}]}})", "engagement.rules[0].activity"},
      {R"({"engagement": {"rules": [{"activity": ")" + std::string(lq::kMaxActivityName + 1, 'a') +
           R"(", "points": 1}]}})",
       "engagement.rules[0].activity"},
      // bounds and caps
      {R"({"fit": {"min": 10, "max": 5}})", "fit.min"},
      {R"({"engagement": {"min": 100, "max": 0}})", "engagement.min"},
      {R"({"fit": {"max": "50"}})", "fit.max"},
      {R"({"engagement": {"min": null}})", "engagement.min"},
      {R"({"engagement": {"rules": [{"activity": "a", "points": 1, "max": -1}]}})",
       "engagement.rules[0].max"},
      {R"({"engagement": {"rules": [{"activity": "a", "points": 1, "max": "15"}]}})",
       "engagement.rules[0].max"},
      // stages
      {R"({"stages": {"mql": {"min_fit": "15"}}})", "stages.mql.min_fit"},
      {R"({"stages": {"sql": {"min_score": [70]}}})", "stages.sql.min_score"},
      {R"({"stages": {"sql": {"min_engagement": false}}})", "stages.sql.min_engagement"},
      {R"({"stages": {"sql": {"or_activities": "demo_request"}}})", "stages.sql.or_activities"},
      {R"({"stages": {"sql": {"or_activities": ["demo_request", ""]}}})", "stages.sql.or_activities[1]"},
      {R"({"stages": {"sql": {"or_activities": [1]}}})", "stages.sql.or_activities[0]"},
      {R"({"stages": {"sql": 5}})", "stages.sql"},
      {R"({"stages": []})", "stages"},
      // structure
      {R"({"fit": []})", "fit"},
      {R"({"engagement": 1})", "engagement"},
      {R"({"fit": {"rules": {}}})", "fit.rules"},
      {R"({"engagement": {"rules": "page_view"}})", "engagement.rules"},
      {R"({"fit": {"rules": [1]}})", "fit.rules[0]"},
      {R"({"engagement": {"rules": [[]]}})", "engagement.rules[0]"},
      {R"({"description": 5})", "description"},
  };
  for (const Case &c : cases) {
    const std::vector<std::string> problems = lq::validate_model(c.model);
    EXPECT_EQ(problems.size(), 1u) << c.model << joined(problems);
    EXPECT_TRUE(has_problem_at(problems, c.path))
        << c.model << "\nexpected a problem at " << c.path << joined(problems);
    try {
      model_of(c.model);
      ADD_FAILURE() << "compile_model accepted " << c.model;
    } catch (const lq::Error &e) {
      EXPECT_EQ(e.kind(), lq::ErrorKind::InvalidParameter);
      EXPECT_NE(std::string(e.what()).find(c.path + ": "), std::string::npos) << e.what();
    }
  }
}

TEST(ModelValidation, ExactMessage) {
  const std::vector<std::string> problems = lq::validate_model(
      R"({"engagement": {"rules": [{"activity": "a", "points": 1}, {"activity": "b", "points": 1},
          {"activity": "c", "points": 1}, {"activity": "d", "points": "3"}]}})");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0], "engagement.rules[3].points: expected a number");
}

TEST(ModelValidation, HugeNumbersAreRefused) {
  // 1e400 overflows a double: whether the JSON reader refuses the text or
  // reads infinity, the model must not compile.
  for (const std::string &model : {
           std::string(R"({"fit": {"rules": [{"when": {}, "points": 1e400}]}})"),
           std::string(R"({"fit": {"rules": [{"when": {}, "points": -1e400}]}})"),
           std::string(R"({"engagement": {"rules": [{"activity": "a", "points": 1e400}]}})"),
           std::string(R"({"engagement": {"half_life_days": 1e400}})"),
           std::string(R"({"fit": {"max": 1e400}})"),
           std::string(R"({"fit": {"rules": [{"when": {"x": {"gt": 1e400}}, "points": 1}]}})"),
           std::string(R"({"fit": {"rules": [{"when": {"x": {"between": [-1e400, 1]}}, "points": 1}]}})"),
           std::string(R"({"stages": {"mql": {"min_score": 1e400}}})"),
           std::string(R"({"fit": {"rules": [{"when": {}, "points": NaN}]}})"),
           std::string(R"({"fit": {"rules": [{"when": {}, "points": Infinity}]}})"),
       }) {
    EXPECT_FALSE(lq::validate_model(model).empty()) << model;
    EXPECT_THROW(model_of(model), lq::Error) << model;
  }
  // Finite but huge points are refused too: sums of them would overflow.
  EXPECT_EQ(lq::validate_model(R"({"fit": {"rules": [{"when": {}, "points": 1.7976931348623157e308}]}})"),
            std::vector<std::string>{"fit.rules[0].points: must be between -1e9 and 1e9"});
}

TEST(ModelValidation, InvalidJson) {
  for (const char *text : {"", " ", "{", "}", "{\"fit\": }", "{\"fit\": {},}", "nope", "{'fit': {}}",
                           "{\"fit\": {}} {}", "{\"a\":\"\xff\"}"}) {
    const std::vector<std::string> problems = lq::validate_model(text);
    ASSERT_EQ(problems.size(), 1u) << '"' << text << '"';
    EXPECT_NE(problems[0].find("not valid JSON"), std::string::npos) << problems[0];
    EXPECT_THROW(model_of(text), lq::Error);
  }
  for (const char *text : {"[]", "null", "1", "\"fit\""}) {
    const std::vector<std::string> problems = lq::validate_model(text);
    ASSERT_EQ(problems.size(), 1u) << text;
    EXPECT_NE(problems[0].find("must be a JSON object"), std::string::npos) << problems[0];
  }
}

namespace {
// A valid model whose unknown key "x" holds `depth - 1` nested arrays, so the
// whole text is nested exactly `depth` levels deep.
std::string nested(int depth) {
  return R"({"x": )" + std::string(depth - 1, '[') + std::string(depth - 1, ']') + "}";
}
}  // namespace

TEST(ModelValidation, NestingDepthLimit) {
  std::vector<std::string> at_limit = lq::validate_model(nested(lq::kMaxModelDepth));
  ASSERT_EQ(at_limit.size(), 1u) << joined(at_limit);
  EXPECT_TRUE(has_problem_at(at_limit, "x")) << "parsed and checked normally" << joined(at_limit);

  std::vector<std::string> over = lq::validate_model(nested(lq::kMaxModelDepth + 1));
  ASSERT_EQ(over.size(), 1u) << joined(over);
  EXPECT_NE(over[0].find("nested deeper than 64 levels"), std::string::npos) << over[0];
  EXPECT_THROW(model_of(nested(lq::kMaxModelDepth + 1)), lq::Error);

  // Absurd nesting is refused quickly and without exhausting the stack.
  EXPECT_EQ(lq::validate_model(std::string(1000000, '[')).size(), 1u);
  EXPECT_EQ(lq::validate_model(std::string(1000000, '{')).size(), 1u);
  EXPECT_EQ(lq::validate_model("]" + std::string(1000000, '[')).size(), 1u);

  // Brackets inside strings (escaped quotes included) do not count.
  const std::string deep_string = R"({"description": "\")" + std::string(500, '[') + R"("})";
  EXPECT_TRUE(lq::validate_model(deep_string).empty()) << joined(lq::validate_model(deep_string));
}

TEST(ModelValidation, EveryProblemIsListed) {
  const std::string model = R"({
    "fit": {"rules": [{"when": {}, "points": "ten"}]},
    "engagement": {"half_life_days": -1},
    "stages": {"customer": {}}
  })";
  const std::vector<std::string> problems = lq::validate_model(model);
  ASSERT_EQ(problems.size(), 3u) << joined(problems);
  EXPECT_EQ(problems[0], "fit.rules[0].points: expected a number");
  EXPECT_TRUE(has_problem_at(problems, "engagement.half_life_days")) << joined(problems);
  EXPECT_TRUE(has_problem_at(problems, "stages.customer")) << joined(problems);

  try {
    model_of(model, "bad");
    FAIL() << "compile_model accepted an invalid model";
  } catch (const lq::Error &e) {
    EXPECT_EQ(e.kind(), lq::ErrorKind::InvalidParameter);
    const std::string what = e.what();
    EXPECT_NE(what.find("fit.rules[0].points: expected a number"), std::string::npos) << what;
    EXPECT_NE(what.find("\"bad\""), std::string::npos) << "names the model: " << what;
    for (const std::string &p : problems) EXPECT_NE(e.detail().find(p), std::string::npos) << e.detail();
  }
}

TEST(ModelValidation, ManyProblemsInManyRules) {
  std::string rules;
  for (int i = 0; i < 10; ++i) {
    if (i) rules += ",";
    rules += i % 2 ? R"({"activity": "a", "points": 1})" : R"({"activity": "", "points": "x", "max": -1})";
  }
  const std::vector<std::string> problems =
      lq::validate_model(R"({"engagement": {"rules": [)" + rules + "]}}");
  EXPECT_EQ(problems.size(), 15u) << joined(problems);
  for (int i = 0; i < 10; i += 2) {
    const std::string r = "engagement.rules[" + std::to_string(i) + "]";
    EXPECT_TRUE(has_problem_at(problems, r + ".activity")) << r;
    EXPECT_TRUE(has_problem_at(problems, r + ".points")) << r;
    EXPECT_TRUE(has_problem_at(problems, r + ".max")) << r;
  }
}

TEST(ModelValidation, RuleCountLimit) {
  auto rules = [](std::size_t n) {
    std::string s;
    for (std::size_t i = 0; i < n; ++i) s += std::string(i ? "," : "") + R"({"when": {}, "points": 1})";
    return R"({"fit": {"rules": [)" + s + "]}}";
  };
  EXPECT_TRUE(lq::validate_model(rules(lq::kMaxRules)).empty());
  const std::vector<std::string> over = lq::validate_model(rules(lq::kMaxRules + 1));
  ASSERT_EQ(over.size(), 1u);
  EXPECT_TRUE(has_problem_at(over, "fit.rules")) << joined(over);
}

TEST(ModelValidation, ModelName) {
  EXPECT_THROW(model_of(kSpecModel, ""), lq::Error);
  EXPECT_THROW(model_of(kSpecModel, std::string(lq::kMaxModelName + 1, 'n')), lq::Error);
  EXPECT_EQ(model_of(kSpecModel, std::string(lq::kMaxModelName, 'n'))->name.size(), lq::kMaxModelName);
  try {
    model_of(kSpecModel, "");
  } catch (const lq::Error &e) {
    EXPECT_EQ(e.kind(), lq::ErrorKind::InvalidParameter);
  }
}

TEST(ModelValidation, SpecModelVariants) {
  EXPECT_TRUE(has_problem_at(lq::validate_model(spec_with(R"("points": 15)", R"("points": "15")")),
                             "fit.rules[1].points"));
  EXPECT_TRUE(
      has_problem_at(lq::validate_model(spec_with(R"("half_life_days": 30)", R"("half_life_days": 0)")),
                     "engagement.half_life_days"));
  EXPECT_TRUE(has_problem_at(lq::validate_model(spec_with("[50, 1000]", "[1000, 50]")),
                             "fit.rules[1].when.employees.between"));
  EXPECT_TRUE(
      has_problem_at(lq::validate_model(spec_with(R"("activity": "demo_request")", R"("activity": "")")),
                     "engagement.rules[2].activity"));
  EXPECT_TRUE(has_problem_at(lq::validate_model(spec_with(R"("ends_with")", R"("endswith")")),
                             "fit.rules[2].when.email.endswith"));
  EXPECT_TRUE(has_problem_at(lq::validate_model(spec_with(R"("budget_confirmed": {"eq": true})",
                                                          R"("budget_confirmed": {"matches": "*"})")),
                             "stages.sql.require.budget_confirmed.matches"));
}

// ---- registry -------------------------------------------------------------------

TEST(ModelRegistry, CachesByNameAndVersion) {
  lq::ModelRegistry r;
  EXPECT_EQ(r.find("m", 1), nullptr);
  auto v1 = r.compile_and_store("m", 1, kSpecModel, 7);
  EXPECT_EQ(r.find("m", 1), v1);
  EXPECT_EQ(r.find("m", 2), nullptr);
  EXPECT_EQ(r.find("other", 1), nullptr);
  auto v2 = r.compile_and_store("m", 2, "{}", 8);
  EXPECT_EQ(r.find("m", 2), v2);
  EXPECT_EQ(r.find("m", 1), nullptr) << "a newer version replaces the old one";
  EXPECT_EQ(r.size(), 1u);
  EXPECT_EQ(v1->engagement_rules.size(), 3u) << "callers holding the old model keep it";
  EXPECT_THROW(r.compile_and_store("m", 3, R"({"fit": 1})", 9), lq::Error);
  EXPECT_EQ(r.find("m", 2), v2) << "a failed compile leaves the cache alone";
}

TEST(ModelRegistry, StampsSayWhenAnEntryWasLastConfirmed) {
  lq::ModelRegistry r;
  auto v1 = r.compile_and_store("m", 1, "{}", 5);
  EXPECT_EQ(r.find_stamped("m", 5), v1);
  EXPECT_EQ(r.find_stamped("m", 6), nullptr) << "a newer generation needs a look at the table";
  r.stamp("m", 6);
  EXPECT_EQ(r.find_stamped("m", 6), v1);
  EXPECT_EQ(r.cached_version("m"), 1);
  EXPECT_EQ(r.cached_version("x"), -1);
  r.stamp("x", 6);  // no entry: nothing happens
  EXPECT_EQ(r.find_stamped("x", 6), nullptr);
}

// Magnitudes that could overflow a score_state's sums are refused with a path.
TEST(ModelLimits, PointsAndBoundsMagnitude) {
  auto problems = lq::validate_model(
      R"({"fit": {"rules": [{"when": {"a": {"eq": 1}}, "points": 1e308}], "max": -2e9},
          "engagement": {"rules": [{"activity": "x", "points": 5, "max": 1e10}]},
          "stages": {"mql": {"min_score": 1e12}}})");
  ASSERT_EQ(problems.size(), 4u);
  EXPECT_EQ(problems[0], "fit.max: must be between -1e9 and 1e9");
  EXPECT_EQ(problems[1], "fit.rules[0].points: must be between -1e9 and 1e9");
  EXPECT_EQ(problems[2], "engagement.rules[0].max: must be between -1e9 and 1e9");
  EXPECT_EQ(problems[3], "stages.mql.min_score: must be between -1e9 and 1e9");
  EXPECT_TRUE(
      lq::validate_model(R"({"fit": {"rules": [{"when": {"a": {"eq": 1}}, "points": -1e9}]}})").empty());
}

// A model whose activity names would not fit a score_state is refused when
// validated, not when the first state is built.
TEST(ModelLimits, ActivityNameBytes) {
  std::string rules;
  for (int i = 0; i < 400; ++i) {
    if (i > 0) rules += ",";
    rules += R"({"activity": ")" + std::string(180, 'a') + std::to_string(i) + R"(", "points": 1})";
  }
  auto problems = lq::validate_model(R"({"engagement": {"rules": [)" + rules + "]}}");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("engagement.rules: activity names total"), std::string::npos) << problems[0];
}

TEST(ModelGrades, HighestThresholdMetElseD) {
  auto m = lq::compile_model("g", 1, R"({"grades": {"C": 10, "A": 40, "B": 25}})");
  EXPECT_EQ(m->grade(45), "A");
  EXPECT_EQ(m->grade(40), "A");
  EXPECT_EQ(m->grade(39.9), "B");
  EXPECT_EQ(m->grade(10), "C");
  EXPECT_EQ(m->grade(9.99), "D");
  EXPECT_EQ(lq::compile_model("n", 1, "{}")->grade(50), "");
  EXPECT_EQ(lq::validate_model(R"({"grades": {"A": "high"}})"),
            std::vector<std::string>{"grades.A: expected a minimum fit (a number between -1e9 and 1e9)"});
  EXPECT_EQ(lq::validate_model(R"({"grades": []})").size(), 1u);
}

TEST(ModelRecycle, RecyclesIdleColdLeadsInListedStages) {
  auto m =
      lq::compile_model("r", 1, R"({"recycle": {"from": ["mql"], "below_engagement": 10, "idle_days": 60}})");
  const std::int64_t day = 86400LL * 1000000;
  EXPECT_TRUE(m->should_recycle(lq::Stage::Mql, 5, true, 0, 60 * day));
  EXPECT_FALSE(m->should_recycle(lq::Stage::Mql, 5, true, 0, 59 * day)) << "not idle long enough";
  EXPECT_FALSE(m->should_recycle(lq::Stage::Mql, 10, true, 0, 90 * day)) << "engagement not below";
  EXPECT_FALSE(m->should_recycle(lq::Stage::Sql, 5, true, 0, 90 * day)) << "stage not listed";
  EXPECT_TRUE(m->should_recycle(lq::Stage::Mql, 0, false, 0, 0)) << "no activity at all is idle";
  EXPECT_FALSE(lq::compile_model("n", 1, "{}")->should_recycle(lq::Stage::Mql, 0, false, 0, 0));
  auto problems =
      lq::validate_model(R"({"recycle": {"from": ["customer", "lead", "sql"], "idle_days": -1}})");
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_EQ(problems[0], "recycle.from[0]: expected mql, sql or opportunity (stages that may be recycled)");
  EXPECT_EQ(problems[1], "recycle.from[1]: expected mql, sql or opportunity (stages that may be recycled)");
  EXPECT_EQ(problems[2], "recycle.idle_days: must not be negative");
  EXPECT_EQ(lq::validate_model(R"({"recycle": {"from": ["mql"]}})"),
            std::vector<std::string>{"recycle: needs \"below_engagement\" and/or \"idle_days\""});
}
