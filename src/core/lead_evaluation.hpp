// The lead evaluation sequence, defined once: a lead's fit from its
// attributes, its engagement from its score_state as of a time, their sum,
// the automatic stage those give, and the stage the lead moves to. Every path
// that scores a lead calls it: the leads table's trigger (INSERT and manual
// UPDATE), lead_qual's own writes (activity triggers, rescore(), refresh())
// and qualify().
#pragma once

#include <optional>

#include "attr_value.hpp"
#include "model.hpp"
#include "score_state.hpp"
#include "stage.hpp"
#include "timestamp.hpp"

namespace lq {

struct LeadEvaluation {
  double fit = 0.0;
  double engagement = 0.0;
  double score = 0.0;              // fit + engagement
  std::optional<Stage> automatic;  // the highest stage whose criteria are met
  // For the recycle rule's idle time: whether the state saw any activity, and
  // its newest activity's time.
  bool has_activity = false;
  Timestamp last_activity = 0;
  Timestamp as_of = 0;
  // Whether the state holds engagement: an activity an engagement rule with
  // non-zero points matched, or an or_activity. What lifts a recycled lead
  // (see next_stage()).
  bool engaged = false;
};

// Evaluates a lead with attributes `lead` (the model's lead attributes, in
// model order) and score_state `state` as of `as_of`. A null `state` is a lead
// without activities: engagement is the model's bound around 0. The state must
// belong to the model (StateView::check_model where that is not known).
LeadEvaluation evaluate_lead(const Model &model, const AttrValue *lead, const StateView *state,
                             Timestamp as_of);

// The stage a lead at `current` moves to: the automatic stage applied
// (apply_automatic_stage: forward only), then, when `recycle` (refresh()), the
// model's recycle rule.
//
// A recycled lead is judged only on what happened since it was recycled:
// `since` is its evaluation with the state of the activities counted strictly
// after its stage_changed_at (nullptr or a state without engagement: none).
// It moves only when that state is engaged, to the automatic stage its fit
// and that engagement give; refresh(), rescore(), attribute edits and
// activities that score nothing leave it recycled. (README, "Recycled and
// disqualified leads".) A disqualified lead never moves automatically.
Stage next_stage(const Model &model, const LeadEvaluation &e, Stage current, bool recycle,
                 const LeadEvaluation *since = nullptr);

}  // namespace lq
