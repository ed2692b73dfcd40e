#include "lead_evaluation.hpp"

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
  } else {
    e.engagement = model.engagement_bounds.clamp(0.0);
  }
  e.score = e.fit + e.engagement;
  e.automatic = model.automatic_stage(e.fit, e.engagement, or_seen, lead);
  return e;
}

Stage next_stage(const Model &model, const LeadEvaluation &e, Stage current, bool recycle) {
  const Stage stage = apply_automatic_stage(current, e.automatic);
  if (recycle && model.should_recycle(stage, e.engagement, e.has_activity, e.last_activity, e.as_of))
    return Stage::Recycled;
  return stage;
}

}  // namespace lq
