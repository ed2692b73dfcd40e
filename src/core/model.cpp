#include "model.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

#include "error.hpp"
#include "json_number.hpp"
#include "message_text.hpp"
#include "text_match.hpp"

namespace lq {

using nlohmann::json;

namespace {

// Nesting depth of a JSON text, counted without parsing (strings skipped),
// so that absurd nesting is refused before any parser sees it.
int nesting_depth(std::string_view text) {
  int depth = 0;
  int deepest = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"')
      in_string = true;
    else if (c == '{' || c == '[')
      deepest = std::max(deepest, ++depth);
    else if (c == '}' || c == ']')
      --depth;
  }
  return deepest;
}

// Reads a key of an object, reporting keys that are not in `allowed`.
void check_keys(const json &object, const std::string &path, std::initializer_list<const char *> allowed,
                Problems &problems) {
  for (const auto &item : object.items()) {
    bool known = false;
    for (const char *k : allowed) known = known || item.key() == k;
    if (known) continue;
    std::string list;
    for (const char *k : allowed) list += std::string(list.empty() ? "" : ", ") + k;
    problems.add(field(path, item.key()), "unknown key (expected one of " + list + ")");
  }
}

bool within_magnitude(double v) { return v >= -kMaxMagnitude && v <= kMaxMagnitude; }

const std::string &magnitude_problem() {
  static const std::string text = "must be between -1e9 and 1e9";
  return text;
}

std::optional<double> number_at(const json &object, const char *key, const std::string &path,
                                Problems &problems) {
  auto it = object.find(key);
  if (it == object.end()) return std::nullopt;
  if (!finite_number(*it)) {
    problems.add(field(path, key), "expected a number");
    return std::nullopt;
  }
  if (!within_magnitude(it->get<double>())) {
    problems.add(field(path, key), magnitude_problem());
    return std::nullopt;
  }
  return it->get<double>();
}

}  // namespace

class ModelCompiler {
 public:
  explicit ModelCompiler(Problems &problems) : problems_(problems) {}

  std::shared_ptr<Model> compile(const json &root) {
    auto model = std::make_shared<Model>();
    if (!root.is_object()) {
      problems_.add("", R"(a model must be a JSON object with "fit", "engagement" and "stages")");
      return model;
    }
    check_keys(root, "", {"description", "fit", "engagement", "stages", "grades", "recycle"}, problems_);
    if (auto d = root.find("description"); d != root.end() && !d->is_string())
      problems_.add("description", "expected a string");
    if (auto f = root.find("fit"); f != root.end()) compile_fit(*f, *model);
    if (auto e = root.find("engagement"); e != root.end()) compile_engagement(*e, *model);
    if (auto s = root.find("stages"); s != root.end()) compile_stages(*s, *model);
    if (auto g = root.find("grades"); g != root.end()) compile_grades(*g, *model);
    if (auto r = root.find("recycle"); r != root.end()) compile_recycle(*r, *model);
    model->build_activity_index();
    return model;
  }

 private:
  Problems &problems_;

  Bounds bounds(const json &object, const std::string &path) {
    Bounds b;
    b.min = number_at(object, "min", path, problems_);
    b.max = number_at(object, "max", path, problems_);
    if (b.min && b.max && *b.min > *b.max) problems_.add(field(path, "min"), "min is greater than max");
    return b;
  }

  const json *rules_array(const json &group, const std::string &path) {
    auto it = group.find("rules");
    if (it == group.end()) return nullptr;
    const std::string rules_path = field(path, "rules");
    if (!it->is_array()) {
      problems_.add(rules_path, "expected a list of rules");
      return nullptr;
    }
    if (it->size() > kMaxRules) {
      problems_.add(rules_path, "too many rules (at most " + std::to_string(kMaxRules) + ")");
      return nullptr;
    }
    return &*it;
  }

  // Calls each(rule, path) for every element of group.rules that is a rule
  // object; any other element is a problem ("expected a rule object `example`").
  template <typename Each>
  void for_each_rule(const json &group, const std::string &group_path, const char *example, Each each) {
    const json *rules = rules_array(group, group_path);
    if (rules == nullptr) return;
    for (std::size_t i = 0; i < rules->size(); ++i) {
      const json &r = (*rules)[i];
      const std::string path = index(field(group_path, "rules"), i);
      if (r.is_object())
        each(r, path);
      else
        problems_.add(path, std::string("expected a rule object ") + example);
    }
  }

  double points(const json &rule, const std::string &path) {
    if (!rule.contains("points")) {
      problems_.add(field(path, "points"), "missing (every rule needs points)");
      return 0.0;
    }
    return number_at(rule, "points", path, problems_).value_or(0.0);
  }

  void compile_fit(const json &fit, Model &model) {
    if (!fit.is_object()) return problems_.add("fit", "expected an object with \"rules\"");
    check_keys(fit, "fit", {"rules", "min", "max"}, problems_);
    model.fit_bounds = bounds(fit, "fit");
    for_each_rule(fit, "fit", R"({"when": ..., "points": ...})", [&](const json &r, const std::string &path) {
      check_keys(r, path, {"when", "points", "description"}, problems_);
      FitRule rule;
      auto when = r.find("when");
      if (when == r.end())
        problems_.add(field(path, "when"), "missing (a fit rule needs a condition)");
      else
        rule.when = Predicate::compile(*when, field(path, "when"), model.lead_attributes, problems_);
      rule.points = points(r, path);
      model.fit_rules.push_back(std::move(rule));
    });
  }

  void compile_engagement(const json &engagement, Model &model) {
    if (!engagement.is_object()) return problems_.add("engagement", "expected an object with \"rules\"");
    check_keys(engagement, "engagement", {"rules", "min", "max", "half_life_days"}, problems_);
    model.engagement_bounds = bounds(engagement, "engagement");
    if (auto h = engagement.find("half_life_days"); h != engagement.end()) {
      if (!finite_number(*h) || h->get<double>() <= 0)
        problems_.add("engagement.half_life_days", "expected a positive number of days");
      else
        model.half_life_days = h->get<double>();
    }
    std::size_t name_bytes = 0;
    const char *example = R"({"activity": ..., "points": ...})";
    for_each_rule(engagement, "engagement", example, [&](const json &r, const std::string &path) {
      check_keys(r, path, {"activity", "when", "points", "max", "description"}, problems_);
      EngagementRule rule;
      auto activity = r.find("activity");
      if (activity == r.end() || !activity->is_string() || activity->get<std::string>().empty()) {
        problems_.add(field(path, "activity"), "expected an activity type (a non-empty string)");
      } else if (activity->get<std::string>().size() > kMaxActivityName) {
        problems_.add(field(path, "activity"), "longer than " + std::to_string(kMaxActivityName) + " bytes");
      } else {
        rule.activity = activity->get<std::string>();
        rule.key = folded(rule.activity);
      }
      if (auto when = r.find("when"); when != r.end())
        rule.when = Predicate::compile(*when, field(path, "when"), model.property_attributes, problems_);
      rule.points = points(r, path);
      rule.max = number_at(r, "max", path, problems_);
      if (rule.max && *rule.max < 0) problems_.add(field(path, "max"), "a rule's cap must not be negative");
      name_bytes += rule.activity.size() + 1;
      const int rule_index = static_cast<int>(model.engagement_rules.size());
      if (!rule.key.empty()) model.rules_by_activity_[rule.key].push_back(rule_index);
      model.engagement_rules.push_back(std::move(rule));
    });
    if (name_bytes > kMaxActivityNameBytes)
      problems_.add("engagement.rules", "activity names total " + std::to_string(name_bytes) +
                                            " bytes (at most " + std::to_string(kMaxActivityNameBytes) + ")");
  }

  void compile_stage(const json &s, const std::string &path, StageCriteria &c, std::uint8_t bit,
                     Model &model) {
    if (!s.is_object()) return problems_.add(path, "expected an object of criteria");
    check_keys(s, path, {"min_fit", "min_engagement", "min_score", "or_activities", "require"}, problems_);
    c.defined = true;
    c.min_fit = number_at(s, "min_fit", path, problems_);
    c.min_engagement = number_at(s, "min_engagement", path, problems_);
    c.min_score = number_at(s, "min_score", path, problems_);
    if (auto o = s.find("or_activities"); o != s.end()) {
      if (!o->is_array()) {
        problems_.add(field(path, "or_activities"), "expected a list of activity types");
      } else {
        for (std::size_t i = 0; i < o->size(); ++i) {
          const json &a = (*o)[i];
          if (!a.is_string() || a.get<std::string>().empty()) {
            problems_.add(index(field(path, "or_activities"), i),
                          "expected an activity type (a non-empty string)");
            continue;
          }
          c.or_activities.push_back(folded(a.get<std::string>()));
          model.or_bits_by_activity_[c.or_activities.back()] |= bit;
        }
      }
    }
    if (auto r = s.find("require"); r != s.end())
      c.require = Predicate::compile(*r, field(path, "require"), model.lead_attributes, problems_);
  }

  void compile_grades(const json &grades, Model &model) {
    if (!grades.is_object() || grades.empty())
      return problems_.add("grades",
                           R"(expected an object of grade -> minimum fit, e.g. {"A": 40, "B": 25})");
    for (const auto &item : grades.items()) {
      const std::string path = field("grades", item.key());
      if (item.key().empty() || item.key().size() > 20) {
        problems_.add(path, "a grade label must be 1 to 20 bytes");
        continue;
      }
      if (!finite_number(item.value()) || !within_magnitude(item.value().get<double>())) {
        problems_.add(path, "expected a minimum fit (a number between -1e9 and 1e9)");
        continue;
      }
      model.grades.push_back({item.key(), item.value().get<double>()});
    }
    std::stable_sort(model.grades.begin(), model.grades.end(),
                     [](const Grade &a, const Grade &b) { return a.min_fit > b.min_fit; });
  }

  void compile_recycle(const json &r, Model &model) {
    if (!r.is_object()) return problems_.add("recycle", "expected an object with \"from\" and a condition");
    check_keys(r, "recycle", {"from", "below_engagement", "idle_days"}, problems_);
    RecycleRule &rule = model.recycle;
    rule.defined = true;
    auto from = r.find("from");
    if (from == r.end() || !from->is_array() || from->empty()) {
      problems_.add("recycle.from", "expected a non-empty list of stages (mql, sql, opportunity)");
    } else {
      for (std::size_t i = 0; i < from->size(); ++i) {
        const json &stage = (*from)[i];
        std::optional<Stage> s = stage.is_string() ? parse_stage(stage.get<std::string>()) : std::nullopt;
        if (!s || !can_transition(*s, Stage::Recycled) || *s == Stage::Recycled)
          problems_.add(index("recycle.from", i),
                        "expected mql, sql or opportunity (stages that may be recycled)");
        else
          rule.from.push_back(*s);
      }
    }
    rule.below_engagement = number_at(r, "below_engagement", "recycle", problems_);
    rule.idle_days = number_at(r, "idle_days", "recycle", problems_);
    if (rule.idle_days && *rule.idle_days < 0) problems_.add("recycle.idle_days", "must not be negative");
    if (!r.contains("below_engagement") && !r.contains("idle_days"))
      problems_.add("recycle", R"(needs "below_engagement" and/or "idle_days")");
  }

  void compile_stages(const json &stages, Model &model) {
    if (!stages.is_object()) return problems_.add("stages", R"(expected an object with "mql" and/or "sql")");
    for (const auto &item : stages.items()) {
      const std::string path = field("stages", item.key());
      if (item.key() == "mql")
        compile_stage(item.value(), path, model.mql, kSeenForMql, model);
      else if (item.key() == "sql")
        compile_stage(item.value(), path, model.sql, kSeenForSql, model);
      else
        problems_.add(path, "unknown stage (automatic qualification covers mql and sql)");
    }
  }
};

namespace {

std::shared_ptr<Model> parse_and_compile(std::string_view text, Problems &problems) {
  if (nesting_depth(text) > kMaxModelDepth) {
    problems.add("", "nested deeper than " + std::to_string(kMaxModelDepth) + " levels");
    return nullptr;
  }
  json root;
  try {
    root = json::parse(text.begin(), text.end());
  } catch (const json::exception &e) {
    // e.what(): "[json.exception.parse_error.101] parse error at line 1, ...";
    // the bracketed id means nothing to a user, and the quoted input may be huge.
    std::string what = e.what();
    if (auto end = what.find("] "); what.rfind("[json.exception", 0) == 0 && end != std::string::npos)
      what.erase(0, end + 2);
    problems.add("", "not valid JSON: " + printable_prefix(what, 160));
    return nullptr;
  }
  return ModelCompiler(problems).compile(root);
}

}  // namespace

std::vector<std::string> validate_model(std::string_view text) {
  Problems problems;
  parse_and_compile(text, problems);
  return problems.list();
}

std::shared_ptr<const Model> compile_model(const std::string &name, std::int64_t version,
                                           std::string_view text) {
  Problems problems;
  if (name.empty() || name.size() > kMaxModelName)
    problems.add("", "model name must be 1 to " + std::to_string(kMaxModelName) + " bytes");
  auto model = parse_and_compile(text, problems);
  if (!problems.empty()) {
    std::string detail;
    if (problems.list().size() > 1) {
      detail = "All problems:";
      for (const std::string &p : problems.list()) detail += "\n  " + p;
    }
    throw Error(ErrorKind::InvalidParameter,
                "invalid scoring model " + quoted_name(name) + ": " + problems.list().front(), detail);
  }
  model->name = name;
  model->version = version;
  return model;
}

double Model::fit(const AttrValue *lead) const {
  double total = 0.0;
  for (const FitRule &r : fit_rules)
    if (r.when.holds(lead)) total += r.points;
  return fit_bounds.clamp(total);
}

namespace {
// Folds an activity type into `buf` when it fits, for map look-ups without
// allocation; longer names cannot match any rule anyway.
bool fold_activity(std::string_view activity, char *buf, std::size_t size, std::string_view &out) {
  if (activity.size() > size) return false;
  for (std::size_t i = 0; i < activity.size(); ++i) buf[i] = fold(activity[i]);
  out = std::string_view(buf, activity.size());
  return true;
}
}  // namespace

namespace {
bool key_before(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return a.size() < b.size();
  return a < b;
}
}  // namespace

void Model::build_activity_index() {
  activity_index_.clear();
  for (const auto &[key, rules] : rules_by_activity_) activity_index_.push_back({key, rules, 0});
  for (const auto &entry : or_bits_by_activity_) {
    const std::string &key = entry.first;
    auto it = std::find_if(activity_index_.begin(), activity_index_.end(),
                           [&key](const ActivityEntry &e) { return e.key == key; });
    if (it == activity_index_.end())
      activity_index_.push_back({key, {}, entry.second});
    else
      it->or_bits = entry.second;
  }
  std::sort(activity_index_.begin(), activity_index_.end(),
            [](const ActivityEntry &a, const ActivityEntry &b) { return key_before(a.key, b.key); });
}

const Model::ActivityEntry *Model::find_activity(std::string_view folded) const {
  auto it = std::lower_bound(activity_index_.begin(), activity_index_.end(), folded,
                             [](const ActivityEntry &e, std::string_view k) { return key_before(e.key, k); });
  return it != activity_index_.end() && it->key == folded ? &*it : nullptr;
}

int Model::rule_for(std::string_view folded, const AttrValue *properties) const {
  const ActivityEntry *e = find_activity(folded);
  if (e == nullptr) return -1;
  for (int i : e->rules)
    if (engagement_rules[static_cast<std::size_t>(i)].when.holds(properties)) return i;
  return -1;
}

std::uint8_t Model::bits_for(std::string_view folded) const {
  const ActivityEntry *e = find_activity(folded);
  return e == nullptr ? 0 : e->or_bits;
}

int Model::match(std::string_view activity, const AttrValue *properties) const {
  char buf[kMaxActivityName];
  std::string_view key;
  return fold_activity(activity, buf, sizeof buf, key) ? rule_for(key, properties) : -1;
}

std::uint8_t Model::or_bits(std::string_view activity) const {
  if (or_bits_by_activity_.empty()) return 0;
  char buf[kMaxActivityName];
  std::string_view key;
  return fold_activity(activity, buf, sizeof buf, key) ? bits_for(key) : 0;
}

int Model::activity_kind(std::string_view activity) const {
  char buf[kMaxActivityName];
  std::string_view key;
  if (!fold_activity(activity, buf, sizeof buf, key)) return -1;
  const ActivityEntry *e = find_activity(key);
  return e == nullptr ? -1 : static_cast<int>(e - activity_index_.data());
}

Model::ActivityClass Model::classify_kind(int kind, const AttrValue *properties) const {
  if (kind < 0) return {-1, 0};
  const ActivityEntry &e = activity_index_[static_cast<std::size_t>(kind)];
  int rule = -1;
  for (int i : e.rules)
    if (engagement_rules[static_cast<std::size_t>(i)].when.holds(properties)) {
      rule = i;
      break;
    }
  return {rule, e.or_bits};
}

Model::ActivityClass Model::classify(std::string_view activity, const AttrValue *properties) const {
  return classify_kind(activity_kind(activity), properties);
}

int ActivityKindMemo::kind(const Model &model, std::string_view activity) {
  if (activity.size() > kBytes) return model.activity_kind(activity);
  for (std::size_t i = 0; i < used; ++i) {
    const Entry &e = entries[i];
    if (e.len == activity.size() && std::memcmp(e.bytes, activity.data(), activity.size()) == 0)
      return e.kind;
  }
  const int k = model.activity_kind(activity);
  std::size_t slot = used;
  if (used < kEntries) {
    ++used;
  } else {
    slot = next;
    next = static_cast<std::uint8_t>((next + 1) % kEntries);
  }
  Entry &e = entries[slot];
  e.len = static_cast<std::uint8_t>(activity.size());
  std::memcpy(e.bytes, activity.data(), activity.size());
  e.kind = k;
  return k;
}

bool Model::meets(const StageCriteria &c, double fit, double engagement, std::uint8_t or_seen,
                  std::uint8_t seen_bit, const AttrValue *lead) {
  if (!c.defined) return false;
  if (c.min_fit && fit < *c.min_fit) return false;
  if (!c.require.holds(lead)) return false;
  const double score = fit + engagement;
  const bool thresholds =
      (!c.min_engagement || engagement >= *c.min_engagement) && (!c.min_score || score >= *c.min_score);
  return thresholds || (or_seen & seen_bit) != 0;
}

std::optional<Stage> Model::automatic_stage(double fit, double engagement, std::uint8_t or_seen,
                                            const AttrValue *lead) const {
  if (meets(sql, fit, engagement, or_seen, kSeenForSql, lead)) return Stage::Sql;
  if (meets(mql, fit, engagement, or_seen, kSeenForMql, lead)) return Stage::Mql;
  return std::nullopt;
}

std::string Model::grade(double fit) const {
  if (grades.empty()) return {};
  for (const Grade &g : grades)
    if (fit >= g.min_fit) return g.label;
  return "D";
}

bool Model::should_recycle(Stage current, double engagement, bool has_activity, std::int64_t last_activity,
                           std::int64_t as_of) const {
  if (!recycle.defined) return false;
  if (std::find(recycle.from.begin(), recycle.from.end(), current) == recycle.from.end()) return false;
  if (recycle.below_engagement && !(engagement < *recycle.below_engagement)) return false;
  if (recycle.idle_days && has_activity) {
    const double idle = (static_cast<double>(as_of) - static_cast<double>(last_activity)) / (86400.0 * 1e6);
    if (idle < *recycle.idle_days) return false;
  }
  return true;
}

Stage apply_automatic_stage(Stage current, std::optional<Stage> automatic) {
  if (!automatic) return current;
  switch (current) {
    case Stage::Opportunity:
    case Stage::Customer:
    case Stage::Disqualified:
      return current;
    case Stage::Recycled:
      return *automatic;  // recycled -> mql | sql are valid moves
    default:
      return stage_rank(*automatic) > stage_rank(current) ? *automatic : current;
  }
}

}  // namespace lq
