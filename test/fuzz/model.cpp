// Model JSON: lq::validate_model and lq::compile_model on arbitrary bytes.
// They agree (a definition compiles exactly when it has no problem, and the
// error names the first problem); only lq::Error is ever thrown; a compiled
// model scores, matches and builds score_states without crashing, and those
// states are valid and survive the text and wire round trips.
#include "core/model.hpp"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/score_state.hpp"
#include "fuzz_check.hpp"

namespace {

constexpr lq::Timestamp kDay = 86400LL * 1000000;
constexpr lq::Timestamp kT0 = 9497 * kDay;  // 2026-01-01

// Attribute values to try: every attribute gets the same one.
lq::AttrValue sample_value(int k) {
  switch (k) {
    case 0:
      return lq::AttrValue::missing();
    case 1:
      return lq::AttrValue::of_number(50);
    case 2:
      return lq::AttrValue::of_string("Software");
    case 3:
      return lq::AttrValue::of_bool(true);
    case 4:
      return lq::AttrValue::of_string("42");
    default:
      return lq::AttrValue::other();
  }
}

void exercise(const lq::Model &m) {
  for (int k = 0; k < 6; ++k) {
    std::vector<lq::AttrValue> lead(m.lead_attributes.size() + 1, sample_value(k));
    std::vector<lq::AttrValue> props(m.property_attributes.size() + 1, sample_value(k));
    const double fit = m.fit(lead.data());
    FUZZ_CHECK(std::isfinite(fit));
    if (m.fit_bounds.min) FUZZ_CHECK(fit >= *m.fit_bounds.min);
    if (m.fit_bounds.max) FUZZ_CHECK(fit <= *m.fit_bounds.max);
    for (std::size_t i = 0; i < m.engagement_rules.size(); ++i) {
      const lq::EngagementRule &r = m.engagement_rules[i];
      const int rule = m.match(r.activity, props.data());
      // A rule of that activity whose `when` holds; the first one, so never
      // a later one than a rule that holds.
      if (rule != -1) {
        FUZZ_CHECK(rule >= 0 && rule < static_cast<int>(m.engagement_rules.size()));
        const lq::EngagementRule &matched = m.engagement_rules[static_cast<std::size_t>(rule)];
        FUZZ_CHECK(matched.key == r.key && matched.when.holds(props.data()));
      }
      if (r.when.holds(props.data())) FUZZ_CHECK(rule != -1 && rule <= static_cast<int>(i));
    }
    for (lq::Stage s : lq::kAllStages) {
      const std::optional<lq::Stage> automatic = m.automatic_stage(fit, 10.0, 3, lead.data());
      const lq::Stage applied = lq::apply_automatic_stage(s, automatic);
      FUZZ_CHECK(lq::can_transition(s, applied));
    }
  }

  // A score_state with one activity per rule, a day apart.
  std::vector<unsigned char> state;
  try {
    state.resize(lq::state_size(m));
    lq::state_init(state.data(), m);
  } catch (const lq::Error &e) {
    FUZZ_CHECK(e.kind() == lq::ErrorKind::ProgramLimit);
    return;
  }
  std::vector<lq::AttrValue> props(m.property_attributes.size() + 1);
  for (std::size_t i = 0; i < m.engagement_rules.size() && i < 64; ++i) {
    const std::string &activity = m.engagement_rules[i].activity;
    lq::state_add(state.data(), m, m.match(activity, props.data()),
                  kT0 + static_cast<lq::Timestamp>(i % 7) * kDay, m.or_bits(activity));
  }
  lq::state_validate(state.data(), state.size(), lq::ErrorKind::DataCorrupted);
  const lq::StateView view(state.data());
  view.check_model(m);
  FUZZ_CHECK(view.size() == state.size());
  FUZZ_CHECK(!std::isnan(view.engagement(kT0 + 30 * kDay)));
  FUZZ_CHECK(view.explain(kT0).size() == m.engagement_rules.size());
  const std::string text = lq::state_to_text(state.data());
  FUZZ_CHECK(lq::state_to_text(lq::state_from_text(text).data()) == text);
  const std::vector<unsigned char> wire = lq::state_to_wire(state.data());
  FUZZ_CHECK(lq::state_from_wire(wire.data(), wire.size()) == state);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char *>(data), size);
  const std::vector<std::string> problems = lq::validate_model(text);
  std::shared_ptr<const lq::Model> model;
  try {
    model = lq::compile_model("fuzz", 7, text);
  } catch (const lq::Error &e) {
    FUZZ_CHECK(e.kind() == lq::ErrorKind::InvalidParameter);
    FUZZ_CHECK(!problems.empty());
    FUZZ_CHECK(std::string(e.what()) == "invalid scoring model \"fuzz\": " + problems.front());
    return 0;
  }
  FUZZ_CHECK(problems.empty());
  FUZZ_CHECK(model->name == "fuzz" && model->version == 7);
  exercise(*model);
  return 0;
}
