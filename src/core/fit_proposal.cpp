#include "core/fit_proposal.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>

#include "core/error.hpp"
#include "core/logistic_fit.hpp"

namespace lq::fit {

using nlohmann::json;

namespace {

json number_or_null(double v) {
  json out;  // null
  if (std::isfinite(v)) out = v;
  return out;
}

// Points and thresholds as a person writes them: 4, not 4.0.
json points_json(double v) {
  json out = v;
  if (std::isfinite(v) && v == std::round(v) && std::fabs(v) < 1e15) out = static_cast<std::int64_t>(v);
  return out;
}

// v rounded to `digits` decimals (divided by a power of ten, so that
// 0.0479 prints as 0.0479, not 0.047900000000000005).
double round_to(double v, int digits) {
  const double f = std::pow(10.0, digits);
  return std::round(v * f) / f;
}

// A rule's place in the report and in the model JSON.
struct RuleRef {
  const char *group;  // "fit" or "engagement"
  std::size_t index;
  double old_points;
  std::optional<double> old_max;
};

}  // namespace

double roc_auc(const std::vector<double> &score, const std::vector<bool> &positive) {
  std::vector<std::size_t> order(score.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return score[a] < score[b]; });
  // Mann-Whitney: the sum of the positives' (mid)ranks.
  double rank_sum = 0.0;
  double pos = 0.0;
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    while (j < order.size() && score[order[j]] == score[order[i]]) ++j;
    const double mid_rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;
    for (std::size_t k = i; k < j; ++k)
      if (positive[order[k]]) {
        rank_sum += mid_rank;
        pos += 1.0;
      }
    i = j;
  }
  const double neg = static_cast<double>(score.size()) - pos;
  if (pos == 0.0 || neg == 0.0) return std::numeric_limits<double>::quiet_NaN();
  return (rank_sum - pos * (pos + 1.0) / 2.0) / (pos * neg);
}

double scaled_points(double rule_weight, double points_per_log_odds) {
  const double p = std::round(rule_weight * points_per_log_odds);
  return p == 0.0 ? 0.0 : p;  // no "-0" in the model
}

double rederive_threshold(double threshold, const std::vector<double> &old_values,
                          const std::vector<double> &new_values) {
  std::size_t k = 0;
  for (double v : old_values) k += v >= threshold ? 1 : 0;
  if (new_values.empty()) return threshold;
  std::vector<double> sorted(new_values);
  std::sort(sorted.begin(), sorted.end(), std::greater<>());
  if (k == 0) return std::floor(sorted.front()) + 1.0;
  const double t = std::round(sorted[std::min(k, sorted.size()) - 1]);
  return t == 0.0 ? 0.0 : t;
}

std::string propose_model(const std::string &definition, const Model &current,
                          const std::vector<Example> &examples, const FitOptions &options) {
  std::vector<RuleRef> rules;
  for (std::size_t i = 0; i < current.fit_rules.size(); ++i)
    rules.push_back({"fit", i, current.fit_rules[i].points, std::nullopt});
  for (std::size_t i = 0; i < current.engagement_rules.size(); ++i)
    rules.push_back({"engagement", i, current.engagement_rules[i].points, current.engagement_rules[i].max});
  const std::size_t n_fit = current.fit_rules.size();

  // Feature rows of the training leads.
  std::vector<std::vector<double>> rows;
  std::vector<bool> labels;
  std::size_t positives_train = 0;
  std::size_t positives_holdout = 0;
  for (const Example &e : examples) {
    if (e.fit_matches.size() != n_fit || e.engagement.size() != current.engagement_rules.size())
      throw Error(ErrorKind::Internal, "fit_model: a feature row does not match the model's rules");
    if (!e.train) {
      positives_holdout += e.positive ? 1 : 0;
      continue;
    }
    std::vector<double> row(e.fit_matches);
    row.insert(row.end(), e.engagement.begin(), e.engagement.end());
    rows.push_back(std::move(row));
    labels.push_back(e.positive);
    positives_train += e.positive ? 1 : 0;
  }
  if (positives_train == 0 || positives_train == rows.size())
    throw Error(ErrorKind::InvalidParameter,
                "fit_model needs at least one lead with and one without the outcome in the training period",
                "training leads: " + std::to_string(rows.size()) +
                    ", with the outcome: " + std::to_string(positives_train),
                "Set options.split_at later, or choose an outcome that some but not all leads reached.");
  if (rules.empty())
    throw Error(ErrorKind::InvalidParameter, "fit_model needs a model with at least one rule");
  if (!(options.max_points >= 0.0 && options.max_points <= 1e6))
    throw Error(ErrorKind::InvalidParameter, "fit_model: max_points must be a number from 0 to 1000000");

  const LogisticFit learned = fit_logistic(rows, labels, options.C);

  // Per-rule weight in log-odds per firing (per match / per fresh activity).
  std::vector<double> rule_weight(rules.size());
  for (std::size_t k = 0; k < rules.size(); ++k)
    rule_weight[k] = k < n_fit ? learned.weights[k] : learned.weights[k] * rules[k].old_points;
  double max_weight = 0.0;
  double max_points = 0.0;
  for (std::size_t k = 0; k < rules.size(); ++k) {
    max_weight = std::max(max_weight, std::fabs(rule_weight[k]));
    max_points = std::max(max_points, std::fabs(rules[k].old_points));
  }
  if (options.max_points > 0.0) max_points = options.max_points;
  if (max_points == 0.0) max_points = 10.0;  // a model of zeros: some familiar scale
  const double points_per_log_odds = max_weight > 0.0 ? max_points / max_weight : 1.0;

  json model = json::parse(definition);
  json report_rules = json::array();
  std::vector<double> new_points(rules.size());
  for (std::size_t k = 0; k < rules.size(); ++k) {
    const RuleRef &r = rules[k];
    // An engagement rule of 0 points has an all-zero feature: it keeps 0.
    const bool learnable = k < n_fit || r.old_points != 0.0;
    new_points[k] = learnable ? scaled_points(rule_weight[k], points_per_log_odds) : 0.0;
    json &rule_json = model[r.group]["rules"][r.index];
    rule_json["points"] = points_json(new_points[k]);
    json item = {{"rule", std::string(r.group) + ".rules[" + std::to_string(r.index) + "]"},
                 {"old_points", points_json(r.old_points)},
                 {"new_points", points_json(new_points[k])},
                 {"weight", round_to(rule_weight[k], 4)}};
    if (k >= n_fit) item["activity"] = current.engagement_rules[r.index].activity;
    if (rule_json.contains("when")) item["when"] = rule_json["when"];
    if (r.old_max) {
      item["old_max"] = points_json(*r.old_max);
      if (new_points[k] > 0.0 && r.old_points > 0.0) {
        const double new_max = round_to(new_points[k] * *r.old_max / r.old_points, 2);
        rule_json["max"] = points_json(new_max);
        item["new_max"] = points_json(new_max);
      } else {
        // A cap bounds a positive total; with 0 or negative points it has no use.
        rule_json.erase("max");
        item["new_max"] = nullptr;
      }
    }
    report_rules.push_back(std::move(item));
  }
  for (const char *group : {"fit", "engagement"})
    if (model.contains(group)) {
      model[group].erase("min");
      model[group].erase("max");
    }
  model["description"] = "learned by lead_qual.fit_model from model \"" + current.name + "\" version " +
                         std::to_string(current.version);

  // Scores of both models: per training lead its fit, engagement and score
  // (for the thresholds), per holdout lead its score (for the AUCs).
  struct Scores {
    std::vector<double> fit, engagement, score;  // NOLINT(readability-isolate-declaration): one per column
  };
  Scores train_old;
  Scores train_new;
  std::vector<double> hold_old;
  std::vector<double> hold_new;
  std::vector<bool> hold_pos;
  for (const Example &e : examples) {
    double f = 0.0;
    for (std::size_t i = 0; i < n_fit; ++i) f += e.fit_matches[i] * new_points[i];
    double g = 0.0;
    for (std::size_t i = 0; i < e.engagement.size(); ++i) {
      const RuleRef &r = rules[n_fit + i];
      if (r.old_points != 0.0) g += e.engagement[i] / r.old_points * new_points[n_fit + i];
    }
    const double old_total = e.current_fit + e.current_engagement;
    if (e.train) {
      train_old.fit.push_back(e.current_fit);
      train_old.engagement.push_back(e.current_engagement);
      train_old.score.push_back(old_total);
      train_new.fit.push_back(f);
      train_new.engagement.push_back(g);
      train_new.score.push_back(f + g);
    } else {
      hold_old.push_back(old_total);
      hold_new.push_back(f + g);
      hold_pos.push_back(e.positive);
    }
  }

  // Thresholds on the new scale.
  json thresholds = json::array();
  auto rederive = [&](json &owner, const char *key, const std::string &path,
                      const std::vector<double> &old_values, const std::vector<double> &new_values) {
    if (!owner.is_object() || !owner.contains(key) || !owner[key].is_number()) return;
    const double old_t = owner[key].get<double>();
    const double new_t = rederive_threshold(old_t, old_values, new_values);
    owner[key] = points_json(new_t);
    std::size_t meeting = 0;
    for (double v : old_values) meeting += v >= old_t ? 1 : 0;
    thresholds.push_back(
        {{"threshold", path},
         {"old", points_json(old_t)},
         {"new", points_json(new_t)},
         {"train_share",
          old_values.empty()
              ? json(nullptr)
              : json(round_to(static_cast<double>(meeting) / static_cast<double>(old_values.size()), 4))}});
  };
  if (model.contains("stages"))
    for (const char *stage : {"mql", "sql"})
      if (model["stages"].contains(stage)) {
        json &s = model["stages"][stage];
        const std::string base = std::string("stages.") + stage + ".";
        rederive(s, "min_fit", base + "min_fit", train_old.fit, train_new.fit);
        rederive(s, "min_engagement", base + "min_engagement", train_old.engagement, train_new.engagement);
        rederive(s, "min_score", base + "min_score", train_old.score, train_new.score);
      }
  if (model.contains("grades") && model["grades"].is_object())
    for (const auto &item : model["grades"].items())
      rederive(model["grades"], item.key().c_str(), "grades." + item.key(), train_old.fit, train_new.fit);
  if (model.contains("recycle")) {
    // below_engagement: "below" is the complement of "at or above".
    rederive(model["recycle"], "below_engagement", "recycle.below_engagement", train_old.engagement,
             train_new.engagement);
  }

  json report;
  report["model"] = std::move(model);
  report["holdout"] = {{"auc_current", number_or_null(roc_auc(hold_old, hold_pos))},
                       {"auc_proposed", number_or_null(roc_auc(hold_new, hold_pos))},
                       {"n_train", rows.size()},
                       {"n_holdout", hold_pos.size()},
                       {"positives", positives_holdout},
                       {"positives_train", positives_train}};
  report["rules"] = std::move(report_rules);
  report["thresholds"] = std::move(thresholds);
  report["regularisation"] = {{"penalty", "L2"}, {"C", options.C}, {"features_standardised", true}};
  report["scale"] = {{"max_points", points_json(max_points)},
                     {"points_per_log_odds", round_to(points_per_log_odds, 4)},
                     {"intercept", round_to(learned.bias, 4)}};
  report["solver"] = logistic_solver_name();
  return report.dump();
}

}  // namespace lq::fit
