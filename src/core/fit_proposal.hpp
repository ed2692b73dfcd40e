// fit_model()'s core: from one row of features per lead (what the current
// model's rules saw before the lead's cut-off), learn new points for the
// same rules by L2-regularised logistic regression (core/logistic_fit) and
// write the proposed model, the per-rule comparison and the holdout AUCs.
//
// Features, one per rule (README, "Learned weights"):
//   fit rule i:        1 when its `when` holds on the lead, else 0;
//   engagement rule r: the rule's decayed, capped points under the current
//                      model, from the activities before the cut-off, as of
//                      the cut-off (what explain() reports for rule r).
// A learned weight is in log-odds per unit of its feature; the report's
// per-rule weight is in log-odds per rule firing: per match for a fit rule,
// per fresh (undecayed) activity for an engagement rule (weight x points).
//
// Points: the largest |per-rule weight| maps to the current model's largest
// |rule points| (or options.max_points), every other rule in proportion,
// rounded to integers. Caps
// keep their size in activities (new max = new points x old max / old
// points). The fit and engagement min/max clamps are left out of the
// proposal: a clamp would cut the learned ranking. Stage, grade and recycle
// thresholds are re-derived so that the same share of training leads meets
// each as under the current model.
#pragma once

#include <string>
#include <vector>

#include "core/model.hpp"

namespace lq::fit {

struct Example {
  std::vector<double> fit_matches;  // per fit rule: 1 matched, 0 not
  std::vector<double> engagement;   // per engagement rule: decayed, capped points before the cut-off
  double current_fit = 0.0;         // the current model's fit and engagement at the cut-off
  double current_engagement = 0.0;
  bool positive = false;
  bool train = false;  // else holdout
};

struct FitOptions {
  double C = 1.0;  // liblinear's C: inverse regularisation strength
  // The points of the rule with the largest |weight|; 0: the current
  // model's largest |rule points|. A larger scale keeps small weights apart
  // from 0 after rounding.
  double max_points = 0.0;
};

// ROC AUC of `score` for `positive` (ties count half); NaN without both classes.
double roc_auc(const std::vector<double> &score, const std::vector<bool> &positive);

// The proposed points of one rule, scaled and rounded (see above).
double scaled_points(double rule_weight, double points_per_log_odds);

// The value of a "meets when value >= threshold" criterion on the new scale
// that the same number of leads meets as meet `threshold` on the old one:
// the k-th largest new value (k = how many old values are >= threshold),
// rounded to an integer; above every new value when k is 0.
double rederive_threshold(double threshold, const std::vector<double> &old_values,
                          const std::vector<double> &new_values);

// The report as JSON text: {"model", "holdout", "rules", "thresholds",
// "regularisation", "scale", "solver"}. `definition` is the current model's
// JSON, `current` its compiled form. Throws lq::Error(InvalidParameter)
// when the training leads do not hold both outcomes.
std::string propose_model(const std::string &definition, const Model &current,
                          const std::vector<Example> &examples, const FitOptions &options);

}  // namespace lq::fit
