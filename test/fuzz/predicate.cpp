// Predicate evaluation on arbitrary JSON. A fixed model with every condition
// kind is compiled once; each input is parsed as JSON (nlohmann, without
// exceptions), its top-level keys become the lead's attributes and the
// activity's properties (lq::AttrValue, as the PostgreSQL glue builds them
// from jsonb), and fit(), match() and every rule are evaluated. Pairs of
// rules check each other: exists true/false exclude each other, gt/lte split
// the numbers, between = gte && lte, in = any eq, starts_with implies
// contains, matches "^ab" = starts_with "ab".
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/model.hpp"
#include "core/text_match.hpp"
#include "fuzz_check.hpp"

namespace {

// Fit rule i has points 2^i; the invariants below refer to rules by index.
constexpr const char *kModel = R"({
  "fit": {"rules": [
    {"when": {"n": {"exists": true}}, "points": 1},
    {"when": {"n": {"exists": false}}, "points": 2},
    {"when": {"n": {"gt": 10}}, "points": 4},
    {"when": {"n": {"lte": 10}}, "points": 8},
    {"when": {"n": {"between": [-5, 5.5]}}, "points": 16},
    {"when": {"n": {"gte": -5, "lte": 5.5}}, "points": 32},
    {"when": {"s": {"in": ["Software", 42, true, "1e3"]}}, "points": 64},
    {"when": {"s": {"eq": "software"}}, "points": 128},
    {"when": {"s": {"eq": 42}}, "points": 256},
    {"when": {"s": {"eq": true}}, "points": 512},
    {"when": {"s": {"eq": "1e3"}}, "points": 1024},
    {"when": {"s": {"starts_with": ["ab", "Fin"]}}, "points": 2048},
    {"when": {"s": {"contains": ["ab", "fin"]}}, "points": 4096},
    {"when": {"s": {"matches": "^ab"}}, "points": 8192},
    {"when": {"s": {"starts_with": "ab"}}, "points": 16384},
    {"when": {"s": {"ends_with": ["@gmail.com", ".io"]}, "n": {"lt": 0}}, "points": 32768},
    {"when": {"email": {"matches": "@(gmail|yahoo)\\.com$"}, "employees": {"between": [50, 1000]}}, "points": 1},
    {"when": {"industry": {"in": ["software", "fintech"]}, "budget": {"eq": true}}, "points": 1},
    {"when": {"url": {"contains": "/pricing"}, "country": {"exists": true}}, "points": 1}
  ], "min": -100000, "max": 100000},
  "engagement": {"half_life_days": 30, "rules": [
    {"activity": "page_view", "when": {"url": {"contains": "/pricing"}}, "points": 3},
    {"activity": "page_view", "when": {"n": {"gt": 3}, "s": {"matches": "[0-9]+"}}, "points": 2},
    {"activity": "page_view", "points": 1, "max": 15},
    {"activity": "Demo_Request", "when": {"s": {"exists": false}}, "points": 20},
    {"activity": "email", "when": {"s": {"ends_with": "x"}, "n": {"between": [1, 2]}}, "points": 2}
  ]},
  "stages": {
    "mql": {"min_fit": 15, "min_engagement": 25},
    "sql": {"min_fit": 20, "min_score": 70, "or_activities": ["demo_request"],
            "require": {"budget": {"eq": true}, "n": {"gte": 0}}}
  }
})";

std::shared_ptr<const lq::Model> model() {
  static const std::shared_ptr<const lq::Model> m = lq::compile_model("fuzz", 1, kModel);
  return m;
}

// An attribute value from a top-level JSON member, as the glue reads jsonb.
lq::AttrValue value_of(const nlohmann::json &object, const std::string &key) {
  if (!object.is_object()) return lq::AttrValue::missing();
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return lq::AttrValue::missing();
  if (it->is_boolean()) return lq::AttrValue::of_bool(it->get<bool>());
  if (it->is_number()) return lq::AttrValue::of_number(it->get<double>());
  if (it->is_string()) return lq::AttrValue::of_string(it->get_ref<const std::string &>());
  return lq::AttrValue::other();
}

std::vector<lq::AttrValue> values_of(const nlohmann::json &object, const lq::AttributeSet &attributes) {
  std::vector<lq::AttrValue> values;
  for (const std::string &name : attributes.names()) values.push_back(value_of(object, name));
  return values;
}

bool numeric(const lq::AttrValue &v) {
  return v.kind == lq::AttrValue::Kind::Number ||
         (v.kind == lq::AttrValue::Kind::String && lq::parse_number(v.text()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  const lq::Model &m = *model();
  const nlohmann::json input = nlohmann::json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  // Not JSON (discarded), or not an object: every attribute is missing.
  const std::vector<lq::AttrValue> lead = values_of(input, m.lead_attributes);
  const std::vector<lq::AttrValue> props = values_of(input, m.property_attributes);

  const double fit = m.fit(lead.data());
  FUZZ_CHECK(std::isfinite(fit));
  std::vector<bool> held;
  double sum = 0;
  for (const lq::FitRule &r : m.fit_rules) {
    held.push_back(r.when.holds(lead.data()));
    if (held.back()) sum += r.points;
  }
  FUZZ_CHECK(fit == m.fit_bounds.clamp(sum));

  const lq::AttrValue n = value_of(input, "n");
  const lq::AttrValue s = value_of(input, "s");
  FUZZ_CHECK(held[0] != held[1]);  // exists true / false
  FUZZ_CHECK(held[0] == (n.kind != lq::AttrValue::Kind::Missing));
  FUZZ_CHECK((held[2] || held[3]) == numeric(n));                      // gt 10 / lte 10 ...
  FUZZ_CHECK(!(held[2] && held[3]));                                   // ... never both
  FUZZ_CHECK(held[4] == held[5]);                                      // between = gte && lte
  FUZZ_CHECK(held[6] == (held[7] || held[8] || held[9] || held[10]));  // in = any eq
  if (held[11]) FUZZ_CHECK(held[12]);                                  // starts_with => contains
  FUZZ_CHECK(held[13] == held[14]);                                    // matches ^ab = starts_with ab
  if (s.kind != lq::AttrValue::Kind::String) FUZZ_CHECK(!held[11] && !held[12] && !held[13]);

  for (const char *activity : {"page_view", "PAGE_VIEW", "demo_request", "email", "other", ""}) {
    const int rule = m.match(activity, props.data());
    FUZZ_CHECK(rule >= -1 && rule < static_cast<int>(m.engagement_rules.size()));
    if (rule >= 0) {
      FUZZ_CHECK(lq::iequals_folded(activity, m.engagement_rules[static_cast<std::size_t>(rule)].key));
      FUZZ_CHECK(m.engagement_rules[static_cast<std::size_t>(rule)].when.holds(props.data()));
    }
  }
  // The activity type may come from the input too.
  if (input.is_object())
    if (auto a = input.find("activity"); a != input.end() && a->is_string()) {
      const int rule = m.match(a->get_ref<const std::string &>(), props.data());
      FUZZ_CHECK(rule >= -1 && rule < static_cast<int>(m.engagement_rules.size()));
      (void)m.or_bits(a->get_ref<const std::string &>());
    }

  for (double engagement : {0.0, 25.0, 1e6}) {
    const std::optional<lq::Stage> stage = m.automatic_stage(fit, engagement, 3, lead.data());
    for (lq::Stage current : lq::kAllStages)
      FUZZ_CHECK(lq::can_transition(current, lq::apply_automatic_stage(current, stage)));
  }
  return 0;
}
