#include "lead_evaluation.hpp"

#include <algorithm>

namespace lq {

LeadEvaluation evaluate_lead(const Model &model, const AttrValue *lead, const StateView *state,
                             Timestamp as_of) {
  LeadEvaluation e;
  e.as_of = as_of;
  e.fit = model.fit(lead);
  std::uint8_t or_seen = 0;
  if (state != nullptr) {
    e.engagement = state->engagement(as_of);
    or_seen = state->header().or_seen;
    e.has_activity = state->has_ref();
    e.last_activity = state->header().ref_time;
    e.engaged = or_seen != 0;
    const RuleSlot *slots = state->rules();
    const std::size_t n = std::min<std::size_t>(model.engagement_rules.size(), state->header().rule_count);
    for (std::size_t i = 0; i < n && !e.engaged; ++i)
      e.engaged = slots[i].count > 0 && model.engagement_rules[i].points != 0.0;
  } else {
    e.engagement = model.engagement_bounds.clamp(0.0);
  }
  e.score = e.fit + e.engagement;
  e.automatic = model.automatic_stage(e.fit, e.engagement, or_seen, lead);
  return e;
}

Stage next_stage(const Model &model, const LeadEvaluation &e, Stage current, bool recycle,
                 const LeadEvaluation *since) {
  if (current == Stage::Recycled) {
    if (since == nullptr || !since->engaged) return current;
    return apply_automatic_stage(current, since->automatic);
  }
  const Stage stage = apply_automatic_stage(current, e.automatic);
  if (recycle && model.should_recycle(stage, e.engagement, e.has_activity, e.last_activity, e.as_of))
    return Stage::Recycled;
  return stage;
}

}  // namespace lq
