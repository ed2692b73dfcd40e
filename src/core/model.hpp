// A compiled scoring model. Compiling parses and validates the JSON once;
// scoring afterwards touches no JSON and looks no attribute up by name.
// The format and its semantics are documented in README.md ("Scoring models").
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "attr_value.hpp"
#include "predicate.hpp"
#include "stage.hpp"

namespace lq {

// Limits that keep a model's compiled form and its score_state small.
inline constexpr std::size_t kMaxRules = 1000;
inline constexpr std::size_t kMaxActivityName = 200;
inline constexpr std::size_t kMaxModelName = 200;
inline constexpr int kMaxModelDepth = 64;
// Points, caps and thresholds beyond this magnitude are refused: sums of
// them must stay finite in a score_state.
inline constexpr double kMaxMagnitude = 1e9;
// score_state stores the engagement rules' activity names in 64 KiB.
inline constexpr std::size_t kMaxActivityNameBytes = 65535;

struct Bounds {
  std::optional<double> min;
  std::optional<double> max;
  double clamp(double v) const {
    if (max && v > *max) v = *max;
    if (min && v < *min) v = *min;
    return v;
  }
};

struct FitRule {
  Predicate when;
  double points = 0.0;
};

struct EngagementRule {
  std::string activity;  // as written in the model
  std::string key;       // folded, for matching
  Predicate when;        // over the activity's properties
  double points = 0.0;
  std::optional<double> max;  // cap on the rule's decayed total
};

// Automatic qualification into mql or sql (README: "Stage criteria").
struct StageCriteria {
  bool defined = false;
  std::optional<double> min_fit, min_engagement, min_score;
  std::vector<std::string> or_activities;  // folded
  Predicate require;                       // over lead attributes
};

// Fit grades: label -> minimum fit ("grades": {"A": 40, "B": 25, "C": 10});
// a fit below every threshold is graded "D".
struct Grade {
  std::string label;
  double min_fit = 0.0;
};

// Recycling by refresh(): a lead in one of `from` whose engagement fell below
// `below_engagement` and/or that has been idle `idle_days` goes to recycled.
struct RecycleRule {
  bool defined = false;
  std::vector<Stage> from;
  std::optional<double> below_engagement;
  std::optional<double> idle_days;
};

// Bits of score_state.or_seen: an or_activities activity of that stage was seen.
inline constexpr std::uint8_t kSeenForMql = 1;
inline constexpr std::uint8_t kSeenForSql = 2;

class Model {
 public:
  std::string name;
  std::int64_t version = 0;

  AttributeSet lead_attributes;      // read by fit rules and `require`
  AttributeSet property_attributes;  // read by engagement rules' `when`

  std::vector<FitRule> fit_rules;
  Bounds fit_bounds;
  std::vector<EngagementRule> engagement_rules;
  Bounds engagement_bounds;
  double half_life_days = 0.0;  // 0: no decay
  StageCriteria mql, sql;
  std::vector<Grade> grades;  // highest min_fit first
  RecycleRule recycle;

  // The grade of a fit score: the label of the highest threshold <= fit, or
  // "D"; empty when the model defines no grades.
  std::string grade(double fit) const;

  // Whether refresh() recycles a lead: `idle_days` counts from its newest
  // activity (`last_activity`, microseconds; none: idle forever).
  bool should_recycle(Stage current, double engagement, bool has_activity, std::int64_t last_activity,
                      std::int64_t as_of) const;

  // Fit: sum of the points of matching fit rules, clamped.
  double fit(const AttrValue *lead) const;

  // Index of the first engagement rule for this activity type whose `when`
  // holds on the properties, or -1.
  int match(std::string_view activity, const AttrValue *properties) const;

  // kSeenFor* bits for an activity type listed in or_activities.
  std::uint8_t or_bits(std::string_view activity) const;

  // match() and or_bits() of one activity, its type folded once: what every
  // per-row path (the triggers' fold, the aggregates) needs.
  struct ActivityClass {
    int rule;
    std::uint8_t or_bits;
  };
  ActivityClass classify(std::string_view activity, const AttrValue *properties) const;
  // classify() in two steps, so that a call site can remember the first
  // (ActivityKindMemo): the activity type's place in the model's index
  // (-1: no rule or or_activities entry names it), then its rule given the
  // properties.
  int activity_kind(std::string_view activity) const;
  ActivityClass classify_kind(int kind, const AttrValue *properties) const;

  // Whether the lead meets a stage's criteria given its scores.
  static bool meets(const StageCriteria &c, double fit, double engagement, std::uint8_t or_seen,
                    std::uint8_t seen_bit, const AttrValue *lead);

  // The highest stage (sql, then mql) whose criteria are met, if any.
  std::optional<Stage> automatic_stage(double fit, double engagement, std::uint8_t or_seen,
                                       const AttrValue *lead) const;

 private:
  friend class ModelCompiler;
  // match() and or_bits() of an activity type already folded.
  int rule_for(std::string_view folded, const AttrValue *properties) const;
  std::uint8_t bits_for(std::string_view folded) const;
  // What the compiler collects per folded activity type.
  std::map<std::string, std::vector<int>, std::less<>> rules_by_activity_;
  std::map<std::string, std::uint8_t, std::less<>> or_bits_by_activity_;
  // Both, as one flat index that classify() searches for every activity
  // (every row of a batch score): ordered by (size, bytes), so nearly every
  // comparison is decided by the size, without touching the bytes.
  struct ActivityEntry {
    std::string key;
    std::vector<int> rules;
    std::uint8_t or_bits;
  };
  std::vector<ActivityEntry> activity_index_;
  void build_activity_index();
  const ActivityEntry *find_activity(std::string_view folded) const;
};

// The activity kinds (Model::activity_kind()) of the last few activity types
// one call site classified, by their bytes as given. A batch's or a trigger's
// rows repeat a handful of types: comparing the bytes costs less than
// folding and looking each up again (issue #17: a third of the aggregate's
// transition). Plain data, empty when zeroed (it lives in PostgreSQL-allocated
// call-site structs); it belongs to one model: reset() whenever the call
// site's model changes, since kinds index that model's activity index.
struct ActivityKindMemo {
  static constexpr std::size_t kEntries = 8;
  static constexpr std::size_t kBytes = 40;  // longer types are looked up every time
  struct Entry {
    std::uint8_t len;
    char bytes[kBytes];
    int kind;
  };
  Entry entries[kEntries];
  std::uint8_t used;  // entries filled
  std::uint8_t next;  // the one to replace when all are

  int kind(const Model &model, std::string_view activity);
  void reset() { used = next = 0; }
};

// Compiles a model definition (JSON text). Throws lq::Error(InvalidParameter)
// whose message is the first problem ("fit.rules[2].points: expected a
// number") and whose detail lists all of them.
std::shared_ptr<const Model> compile_model(const std::string &name, std::int64_t version,
                                           std::string_view text);

// Every problem of a definition, without throwing; empty when valid.
std::vector<std::string> validate_model(std::string_view text);

// The automatic stage applied to a lead's current stage: forward only, per
// the lead_stage rules; opportunity, customer and disqualified are never
// touched; recycled leads are lifted back to mql/sql when they re-qualify.
Stage apply_automatic_stage(Stage current, std::optional<Stage> automatic);

}  // namespace lq
