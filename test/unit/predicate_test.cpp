// `when` predicates and the text helpers they rest on (src/core/predicate.*,
// src/core/text_match.*, src/core/problems.*).
#include "core/predicate.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "core/attr_value.hpp"
#include "core/problems.hpp"
#include "core/text_match.hpp"

using lq::AttrValue;

namespace {

using Named = std::vector<std::pair<std::string, AttrValue>>;

AttrValue S(std::string_view s) { return AttrValue::of_string(s); }
AttrValue N(double d) { return AttrValue::of_number(d); }
AttrValue B(bool b) { return AttrValue::of_bool(b); }
AttrValue Missing() { return AttrValue::missing(); }
AttrValue Other() { return AttrValue::other(); }

// A compiled `when` object plus the attribute order it expects.
struct Compiled {
  lq::AttributeSet attributes;
  lq::Problems problems;
  lq::Predicate predicate;
};

Compiled compile(const std::string &when_json) {
  Compiled c;
  c.predicate = lq::Predicate::compile(nlohmann::json::parse(when_json), "when", c.attributes, c.problems);
  return c;
}

// Values in the AttributeSet's order; attributes not named are missing.
std::vector<AttrValue> values_for(const lq::AttributeSet &attributes, const Named &named) {
  std::vector<AttrValue> values(attributes.size(), AttrValue::missing());
  for (const auto &[name, value] : named) {
    bool found = false;
    for (std::size_t i = 0; i < attributes.size(); ++i) {
      if (attributes.names()[i] == name) {
        values[i] = value;
        found = true;
      }
    }
    EXPECT_TRUE(found) << "test bug: attribute " << name << " is not read by the predicate";
  }
  return values;
}

// Whether `when_json` holds for the given attribute values; the `when` must compile cleanly.
bool holds(const std::string &when_json, const Named &named) {
  Compiled c = compile(when_json);
  EXPECT_TRUE(c.problems.empty()) << when_json << ": "
                                  << (c.problems.empty() ? "" : c.problems.list().front());
  const std::vector<AttrValue> values = values_for(c.attributes, named);
  return c.predicate.holds(values.data());
}

// Whether the one-attribute condition {"a": <condition_json>} holds for `v`.
bool cond(const std::string &condition_json, AttrValue v) {
  return holds(R"({"a": )" + condition_json + "}", {{"a", v}});
}

std::vector<std::string> problems_of(const std::string &when_json) {
  return compile(when_json).problems.list();
}

// True when some problem is reported at exactly `path` (the text before ": ").
bool has_problem_at(const std::vector<std::string> &problems, const std::string &path) {
  for (const std::string &p : problems)
    if (p.rfind(path + ": ", 0) == 0) return true;
  return false;
}

std::string joined(const std::vector<std::string> &v) {
  std::string out;
  for (const std::string &s : v) out += "\n  " + s;
  return out;
}

}  // namespace

// ---- text helpers -----------------------------------------------------------

TEST(TextMatch, FoldIsAsciiOnly) {
  EXPECT_EQ(lq::folded("SoftWare-42_Z"), "software-42_z");
  EXPECT_EQ(lq::folded("CAF\xc3\x89"), "caf\xc3\x89") << "UTF-8 bytes are left as they are";
  EXPECT_EQ(lq::fold('@'), '@');
  EXPECT_EQ(lq::fold('['), '[');
  EXPECT_EQ(lq::fold('Z'), 'z');
}

TEST(TextMatch, CaseInsensitiveComparisons) {
  EXPECT_TRUE(lq::iequals_folded("FinTech", "fintech"));
  EXPECT_FALSE(lq::iequals_folded("FinTechs", "fintech"));
  EXPECT_FALSE(lq::iequals_folded("fintech", "FINTECH")) << "the pattern must already be folded";
  EXPECT_TRUE(lq::istarts_with_folded("HTTPS://x", "https://"));
  EXPECT_FALSE(lq::istarts_with_folded("http", "https"));
  EXPECT_TRUE(lq::iends_with_folded("Bob@GMAIL.com", "@gmail.com"));
  EXPECT_FALSE(lq::iends_with_folded("bob@gmail.com.evil", "@gmail.com"));
  EXPECT_FALSE(lq::iends_with_folded("com", "@gmail.com"));
  EXPECT_TRUE(lq::icontains_folded("/en/PRICING/plans", "/pricing"));
  EXPECT_TRUE(lq::icontains_folded("aab", "ab")) << "restarts after a partial match";
  EXPECT_TRUE(lq::icontains_folded("abc", "abc"));
  EXPECT_TRUE(lq::icontains_folded("", ""));
  EXPECT_FALSE(lq::icontains_folded("ab", "abc"));
  EXPECT_FALSE(lq::icontains_folded("/blog", "/pricing"));
}

TEST(TextMatch, ParseNumber) {
  EXPECT_EQ(lq::parse_number("42"), 42.0);
  EXPECT_EQ(lq::parse_number(" -3.5 "), -3.5);
  EXPECT_EQ(lq::parse_number("\t1e3\n"), 1000.0);
  EXPECT_EQ(lq::parse_number("+7"), 7.0);
  EXPECT_EQ(lq::parse_number(".5"), 0.5);
  EXPECT_EQ(lq::parse_number("250.0"), 250.0);
  for (const char *bad : {"", " ", "-", "e", "1e", "abc", "42abc", "1 2", "inf", "-inf", "nan", "NaN",
                          "infinity", "0x10", "1e400", "--1", "1,5", "$5"}) {
    EXPECT_FALSE(lq::parse_number(bad).has_value()) << '"' << bad << '"';
  }
  EXPECT_FALSE(lq::parse_number(std::string(65, '1')).has_value()) << "longer than 64 characters";
  EXPECT_TRUE(lq::parse_number(std::string(64, '1')).has_value());
}

TEST(Problems, PathHelpers) {
  EXPECT_EQ(lq::field("", "fit"), "fit");
  EXPECT_EQ(lq::field("fit", "rules"), "fit.rules");
  EXPECT_EQ(lq::index("fit.rules", 3), "fit.rules[3]");
  EXPECT_EQ(lq::field("when", "utm-source"), "when[\"utm-source\"]");
  EXPECT_EQ(lq::field("when", "a\"b"), "when[\"a\\\"b\"]");
  EXPECT_EQ(lq::field("when", "9lives"), "when[\"9lives\"]");
  EXPECT_EQ(lq::field("when", "_x9"), "when._x9");
  EXPECT_EQ(lq::field("when", "a\nb"), "when[\"a\\x0ab\"]") << "control characters are escaped, not copied";
  lq::Problems p;
  EXPECT_TRUE(p.empty());
  p.add("fit.rules[0].points", "expected a number");
  p.add("", "not valid JSON");
  ASSERT_EQ(p.list().size(), 2u);
  EXPECT_EQ(p.list()[0], "fit.rules[0].points: expected a number");
  EXPECT_EQ(p.list()[1], "not valid JSON");
}

TEST(AttributeSet, InternDeduplicates) {
  lq::AttributeSet s;
  EXPECT_EQ(s.intern("industry"), 0);
  EXPECT_EQ(s.intern("employees"), 1);
  EXPECT_EQ(s.intern("industry"), 0);
  EXPECT_EQ(s.intern("Industry"), 2) << "attribute names are case-sensitive keys";
  EXPECT_EQ(s.size(), 3u);
}

// ---- evaluation -------------------------------------------------------------

TEST(Predicate, EmptyWhenAlwaysHolds) {
  Compiled c = compile("{}");
  EXPECT_TRUE(c.problems.empty());
  EXPECT_TRUE(c.predicate.empty());
  EXPECT_TRUE(c.predicate.holds(nullptr));
}

TEST(Predicate, EqStringsAreAsciiCaseInsensitive) {
  EXPECT_TRUE(cond(R"({"eq": "software"})", S("software")));
  EXPECT_TRUE(cond(R"({"eq": "software"})", S("SoftWare")));
  EXPECT_TRUE(cond(R"({"eq": "SOFTWARE"})", S("software")));
  EXPECT_FALSE(cond(R"({"eq": "software"})", S("softwares")));
  EXPECT_FALSE(cond(R"({"eq": "software"})", S("soft")));
  EXPECT_FALSE(cond(R"({"eq": "software"})", S("")));
  EXPECT_FALSE(cond(R"({"eq": "software"})", S(" software"))) << "no trimming of non-numeric strings";
  EXPECT_TRUE(cond(R"({"eq": "caf\u00e9"})", S("CAF\xc3\xa9")));
  EXPECT_FALSE(cond(R"({"eq": "caf\u00e9"})", S("CAF\xc3\x89"))) << "folding is ASCII only";
}

TEST(Predicate, EqNumbersAndNumericStrings) {
  EXPECT_TRUE(cond(R"({"eq": 250})", N(250)));
  EXPECT_FALSE(cond(R"({"eq": 250})", N(250.5)));
  // A numeric string compares as a number, on either side.
  EXPECT_TRUE(cond(R"({"eq": 250})", S("250")));
  EXPECT_TRUE(cond(R"({"eq": 250})", S(" 250.0 ")));
  EXPECT_TRUE(cond(R"({"eq": 250})", S("2.5e2")));
  EXPECT_FALSE(cond(R"({"eq": 250})", S("250 employees")));
  EXPECT_TRUE(cond(R"({"eq": "250"})", N(250)));
  EXPECT_TRUE(cond(R"({"eq": "250"})", S("250.00")));
  EXPECT_TRUE(cond(R"({"eq": "0250"})", N(250)));
  EXPECT_FALSE(cond(R"({"eq": "250"})", N(251)));
  EXPECT_FALSE(cond(R"({"eq": "abc"})", N(250)));
  EXPECT_FALSE(cond(R"({"eq": 1})", B(true))) << "booleans are not numbers";
}

TEST(Predicate, EqBooleans) {
  EXPECT_TRUE(cond(R"({"eq": true})", B(true)));
  EXPECT_FALSE(cond(R"({"eq": true})", B(false)));
  EXPECT_TRUE(cond(R"({"eq": false})", B(false)));
  EXPECT_FALSE(cond(R"({"eq": true})", N(1)));
  EXPECT_FALSE(cond(R"({"eq": "x"})", B(true)));
}

TEST(Predicate, InMatchesAny) {
  const char *in = R"({"in": ["software", "fintech", 42, true]})";
  EXPECT_TRUE(cond(in, S("Software")));
  EXPECT_TRUE(cond(in, S("FINTECH")));
  EXPECT_TRUE(cond(in, N(42)));
  EXPECT_TRUE(cond(in, S("42")));
  EXPECT_TRUE(cond(in, B(true)));
  EXPECT_FALSE(cond(in, B(false)));
  EXPECT_FALSE(cond(in, S("retail")));
  EXPECT_FALSE(cond(in, N(43)));
  EXPECT_TRUE(cond(R"({"in": ["7", "x"]})", N(7.0)));
}

TEST(Predicate, BetweenIsInclusive) {
  const char *b = R"({"between": [50, 1000]})";
  EXPECT_TRUE(cond(b, N(50)));
  EXPECT_TRUE(cond(b, N(1000)));
  EXPECT_TRUE(cond(b, N(200)));
  EXPECT_FALSE(cond(b, N(49.999)));
  EXPECT_FALSE(cond(b, N(1000.001)));
  EXPECT_TRUE(cond(b, S("250")));
  EXPECT_TRUE(cond(b, S("1e3")));
  EXPECT_FALSE(cond(b, S("2000")));
  EXPECT_FALSE(cond(b, S("lots")));
  EXPECT_FALSE(cond(b, B(true)));
  EXPECT_TRUE(cond(R"({"between": [5, 5]})", N(5)));
  EXPECT_TRUE(cond(R"({"between": [-10.5, -1]})", N(-3)));
}

TEST(Predicate, Comparisons) {
  EXPECT_TRUE(cond(R"({"gt": 10})", N(10.5)));
  EXPECT_FALSE(cond(R"({"gt": 10})", N(10)));
  EXPECT_TRUE(cond(R"({"gte": 10})", N(10)));
  EXPECT_FALSE(cond(R"({"gte": 10})", N(9.99)));
  EXPECT_TRUE(cond(R"({"lt": 10})", N(9.99)));
  EXPECT_FALSE(cond(R"({"lt": 10})", N(10)));
  EXPECT_TRUE(cond(R"({"lte": 10})", N(10)));
  EXPECT_FALSE(cond(R"({"lte": 10})", N(10.01)));
  // Numbers compare numerically, not as text ("9" > "10" as text).
  EXPECT_FALSE(cond(R"({"gt": 10})", S("9")));
  EXPECT_TRUE(cond(R"({"gt": 9})", S("10")));
  EXPECT_TRUE(cond(R"({"lt": 0})", S("-0.5")));
  EXPECT_FALSE(cond(R"({"gt": 0})", S("big")));
  EXPECT_FALSE(cond(R"({"lt": 1e300})", S("nan")));
  EXPECT_FALSE(cond(R"({"gt": -1e300})", B(true)));
}

TEST(Predicate, SeveralOperatorsMustAllHold) {
  const char *c = R"({"gte": 10, "lt": 20})";
  EXPECT_TRUE(cond(c, N(10)));
  EXPECT_TRUE(cond(c, N(19.99)));
  EXPECT_FALSE(cond(c, N(20)));
  EXPECT_FALSE(cond(c, N(9)));
  const char *s = R"({"starts_with": "https://", "contains": "/pricing", "ends_with": ["/", ".html"]})";
  EXPECT_TRUE(cond(s, S("HTTPS://acme.com/pricing/")));
  EXPECT_TRUE(cond(s, S("https://acme.com/pricing.html")));
  EXPECT_FALSE(cond(s, S("http://acme.com/pricing/")));
  EXPECT_FALSE(cond(s, S("https://acme.com/blog/")));
  EXPECT_FALSE(cond(s, S("https://acme.com/pricing")));
  const char *e = R"({"exists": true, "eq": "x"})";
  EXPECT_TRUE(cond(e, S("X")));
  EXPECT_FALSE(cond(e, S("y")));
}

TEST(Predicate, EveryAttributeMustHold) {
  const char *when =
      R"({"industry": {"eq": "software"}, "employees": {"gte": 50}, "country": {"exists": false}})";
  EXPECT_TRUE(holds(when, {{"industry", S("Software")}, {"employees", N(60)}}));
  EXPECT_FALSE(holds(when, {{"industry", S("Software")}, {"employees", N(40)}}));
  EXPECT_FALSE(holds(when, {{"industry", S("retail")}, {"employees", N(60)}}));
  EXPECT_FALSE(holds(when, {{"industry", S("Software")}, {"employees", N(60)}, {"country", S("DE")}}));
  EXPECT_FALSE(holds(when, {{"employees", N(60)}}));
}

TEST(Predicate, StringOperatorsAcceptAStringOrAList) {
  EXPECT_TRUE(cond(R"({"contains": "/pricing"})", S("https://x.io/en/PRICING?a=1")));
  EXPECT_FALSE(cond(R"({"contains": "/pricing"})", S("https://x.io/price")));
  EXPECT_TRUE(cond(R"({"contains": ["/pricing", "/demo"]})", S("/Demo")));
  EXPECT_FALSE(cond(R"({"contains": ["/pricing", "/demo"]})", S("/blog")));
  EXPECT_TRUE(cond(R"({"starts_with": "VP "})", S("vp Sales")));
  EXPECT_FALSE(cond(R"({"starts_with": "VP "})", S("SVP Sales")));
  EXPECT_TRUE(cond(R"({"starts_with": ["ceo", "cto"]})", S("CTO")));
  EXPECT_TRUE(cond(R"({"ends_with": ["@gmail.com", "@yahoo.com"]})", S("Bob@Yahoo.COM")));
  EXPECT_FALSE(cond(R"({"ends_with": ["@gmail.com", "@yahoo.com"]})", S("bob@gmail.com.evil.io")));
  EXPECT_FALSE(cond(R"({"ends_with": ["@gmail.com", "@yahoo.com"]})", S("gmail.com")));
}

TEST(Predicate, MatchesIsCaseInsensitivePartialRe2) {
  EXPECT_TRUE(cond(R"({"matches": "cme"})", S("ACME Corp"))) << "partial match";
  EXPECT_TRUE(cond(R"({"matches": "^acme"})", S("ACME Corp")));
  EXPECT_FALSE(cond(R"({"matches": "^corp"})", S("ACME Corp")));
  EXPECT_TRUE(cond(R"({"matches": "corp$"})", S("acme CORP")));
  EXPECT_TRUE(cond(R"({"matches": "^(ceo|cto|vp\\b.*)$"})", S("VP of Sales")));
  EXPECT_FALSE(cond(R"({"matches": "^(ceo|cto|vp\\b.*)$"})", S("VPN admin")));
  EXPECT_TRUE(cond(R"({"matches": "^[0-9]{3}$"})", S("250")));
  EXPECT_FALSE(cond(R"({"matches": "^[0-9]{3}$"})", N(250))) << "matches applies to strings";
  EXPECT_TRUE(cond(R"({"matches": "a.c"})", AttrValue::of_string(std::string_view("a\0c", 3))))
      << "values are length-delimited, not NUL-terminated";
}

TEST(Predicate, StringValuesAreLengthDelimited) {
  // An AttrValue points into a larger buffer; bytes past `len` must not be read.
  const char buffer[] = "softwareXYZ";
  AttrValue v = AttrValue::of_string(std::string_view(buffer, 8));
  EXPECT_TRUE(cond(R"({"eq": "software"})", v));
  EXPECT_FALSE(cond(R"({"contains": "xyz"})", v));
  EXPECT_FALSE(cond(R"({"matches": "xyz"})", v));
  EXPECT_TRUE(cond(R"({"ends_with": "WARE"})", v));
}

TEST(Predicate, Exists) {
  EXPECT_TRUE(cond(R"({"exists": true})", S("")));
  EXPECT_TRUE(cond(R"({"exists": true})", B(false)));
  EXPECT_TRUE(cond(R"({"exists": true})", N(0)));
  EXPECT_TRUE(cond(R"({"exists": true})", Other()));
  EXPECT_FALSE(cond(R"({"exists": true})", Missing()));
  EXPECT_TRUE(cond(R"({"exists": false})", Missing()));
  EXPECT_FALSE(cond(R"({"exists": false})", S("")));
  EXPECT_FALSE(cond(R"({"exists": false})", Other()));
  EXPECT_FALSE(cond(R"({"exists": false})", B(false)));
}

// Every non-exists condition, each in a form that a suitable value satisfies.
const char *const kNonExistsConditions[] = {
    R"({"eq": "x"})",
    R"({"eq": 1})",
    R"({"eq": true})",
    R"({"eq": false})",
    R"({"in": ["x", 1, true, false]})",
    R"({"between": [-1e300, 1e300]})",
    R"({"gt": -1e300})",
    R"({"gte": -1e300})",
    R"({"lt": 1e300})",
    R"({"lte": 1e300})",
    R"({"contains": ""})",
    R"({"starts_with": ""})",
    R"({"ends_with": ""})",
    R"({"matches": ".*"})",
    R"({"matches": ""})",
};

TEST(Predicate, MissingSatisfiesNothingButExistsFalse) {
  for (const char *c : kNonExistsConditions) EXPECT_FALSE(cond(c, Missing())) << c;
  EXPECT_FALSE(cond(R"({"exists": true})", Missing()));
  EXPECT_TRUE(cond(R"({"exists": false})", Missing()));
  // An attribute the lead lacks entirely: the predicate over it fails.
  EXPECT_FALSE(holds(R"({"a": {"contains": ""}, "b": {"exists": false}})", {}));
  EXPECT_TRUE(holds(R"({"a": {"exists": false}, "b": {"exists": false}})", {}));
}

TEST(Predicate, OtherSatisfiesOnlyExistsTrue) {
  for (const char *c : kNonExistsConditions) EXPECT_FALSE(cond(c, Other())) << c;
  EXPECT_TRUE(cond(R"({"exists": true})", Other()));
  EXPECT_FALSE(cond(R"({"exists": false})", Other()));
}

TEST(Predicate, SanityOfTheConditionListAbove) {
  // Guards the two tests above against vacuity: each condition is satisfiable.
  const AttrValue candidates[] = {S("x"), N(1), B(true), B(false)};
  for (const char *c : kNonExistsConditions) {
    bool some = false;
    for (const AttrValue &v : candidates) some = some || cond(c, v);
    EXPECT_TRUE(some) << c;
  }
}

// ---- compile problems -------------------------------------------------------

TEST(PredicateCompile, NonObjectWhen) {
  for (const char *w : {"[]", "1", "\"industry\"", "null", "true"}) {
    auto p = problems_of(w);
    ASSERT_EQ(p.size(), 1u) << w;
    EXPECT_TRUE(has_problem_at(p, "when")) << w << joined(p);
  }
}

TEST(PredicateCompile, BadConditions) {
  struct Case {
    const char *when;
    const char *path;
  } cases[] = {
      {R"({"": {"eq": 1}})", "when[\"\"]"},
      {R"({"a": 5})", "when.a"},
      {R"({"a": "software"})", "when.a"},
      {R"({"a": {}})", "when.a"},
      {R"({"a": []})", "when.a"},
      {R"({"a": {"equals": 1}})", "when.a.equals"},
      {R"({"a": {"EQ": 1}})", "when.a.EQ"},
      {R"({"a": {"eq": null}})", "when.a.eq"},
      {R"({"a": {"eq": [1]}})", "when.a.eq"},
      {R"({"a": {"eq": {}}})", "when.a.eq"},
      {R"({"a": {"in": "software"}})", "when.a.in"},
      {R"({"a": {"in": []}})", "when.a.in"},
      {R"({"a": {"in": ["x", {}]}})", "when.a.in[1]"},
      {R"({"a": {"in": [null]}})", "when.a.in[0]"},
      {R"({"a": {"between": [1000, 50]}})", "when.a.between"},
      {R"({"a": {"between": [1]}})", "when.a.between"},
      {R"({"a": {"between": [1, 2, 3]}})", "when.a.between"},
      {R"({"a": {"between": ["1", 2]}})", "when.a.between"},
      {R"({"a": {"between": 5}})", "when.a.between"},
      {R"({"a": {"gt": "5"}})", "when.a.gt"},
      {R"({"a": {"gte": null}})", "when.a.gte"},
      {R"({"a": {"lt": true}})", "when.a.lt"},
      {R"({"a": {"lte": [1]}})", "when.a.lte"},
      {R"({"a": {"contains": []}})", "when.a.contains"},
      {R"({"a": {"contains": 5}})", "when.a.contains"},
      {R"({"a": {"starts_with": ["x", 5]}})", "when.a.starts_with"},
      {R"({"a": {"ends_with": null}})", "when.a.ends_with"},
      {R"({"a": {"matches": "("}})", "when.a.matches"},
      {R"({"a": {"matches": "a{2,1}"}})", "when.a.matches"},
      {R"({"a": {"matches": "(?<=x)y"}})", "when.a.matches"},
      {R"({"a": {"matches": 5}})", "when.a.matches"},
      {R"({"a": {"exists": "yes"}})", "when.a.exists"},
      {R"({"a": {"exists": 1}})", "when.a.exists"},
      {R"({"utm-source": {"eq": 1, "bogus": 2}})", "when[\"utm-source\"].bogus"},
  };
  for (const Case &c : cases) {
    auto p = problems_of(c.when);
    EXPECT_EQ(p.size(), 1u) << c.when << joined(p);
    EXPECT_TRUE(has_problem_at(p, c.path)) << c.when << " expected a problem at " << c.path << joined(p);
  }
}

TEST(PredicateCompile, MessagesSayWhatIsExpected) {
  auto p = problems_of(R"({"a": {"equals": 1}})");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_NE(p[0].find("unknown condition \"equals\""), std::string::npos) << p[0];
  EXPECT_NE(p[0].find("starts_with"), std::string::npos) << "lists the valid operators: " << p[0];
  p = problems_of(R"({"a": {"matches": "("}})");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_NE(p[0].find("invalid regular expression"), std::string::npos) << p[0];
  p = problems_of(R"({"a": {"between": [3, 1]}})");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_NE(p[0].find("low bound is greater than high bound"), std::string::npos) << p[0];
}

TEST(PredicateCompile, ReportsEveryProblem) {
  auto p = problems_of(R"({"a": {"gt": "x", "lt": "y"}, "b": 5, "c": {"eq": 1}, "d": {"matches": "["}})");
  EXPECT_EQ(p.size(), 4u) << joined(p);
  EXPECT_TRUE(has_problem_at(p, "when.a.gt"));
  EXPECT_TRUE(has_problem_at(p, "when.a.lt"));
  EXPECT_TRUE(has_problem_at(p, "when.b"));
  EXPECT_TRUE(has_problem_at(p, "when.d.matches"));
}

TEST(PredicateCompile, ValidConditionsReportNothing) {
  for (const char *c : kNonExistsConditions)
    EXPECT_TRUE(problems_of(std::string(R"({"a": )") + c + "}").empty()) << c;
  EXPECT_TRUE(problems_of(R"({"a": {"exists": false}, "b": {"between": [1.5, 1.5]}})").empty());
}
