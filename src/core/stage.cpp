#include "stage.hpp"

#include "text_match.hpp"

namespace lq {

namespace {

constexpr std::array<std::string_view, kStageCount> kNames = {
    "subscriber", "lead", "mql", "sql", "opportunity", "customer", "recycled", "disqualified"};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    // ASCII folding, not std::tolower: a backend runs in its database's
    // LC_CTYPE, and in a Turkish locale tolower('I') is not 'i'.
    if (fold(a[i]) != b[i]) return false;
  }
  return true;
}

}  // namespace

std::optional<Stage> stage_from_rank(int rank) {
  if (rank < 0 || rank >= kStageCount) return std::nullopt;
  return static_cast<Stage>(rank);
}

std::string_view stage_name(Stage s) { return kNames[static_cast<std::size_t>(stage_rank(s))]; }

std::optional<Stage> parse_stage(std::string_view text) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  for (Stage s : kAllStages) {
    if (iequals(text, stage_name(s))) return s;
  }
  return std::nullopt;
}

std::string stage_list() {
  std::string out;
  for (Stage s : kAllStages) {
    if (!out.empty()) out += ", ";
    out += stage_name(s);
  }
  return out;
}

bool can_transition(Stage from, Stage to) {
  if (from == to) return true;
  // customer is terminal.
  if (from == Stage::Customer) return false;
  // Anything else may be disqualified.
  if (to == Stage::Disqualified) return true;
  switch (from) {
    case Stage::Recycled:
      // Re-engaged: back into marketing's or sales' hands.
      return to == Stage::Lead || to == Stage::Mql || to == Stage::Sql;
    case Stage::Disqualified:
      // Reopened.
      return to == Stage::Lead;
    default:
      break;
  }
  // from is a funnel stage below customer.
  if (to == Stage::Recycled) {
    // Sales hands the lead back to marketing.
    return from == Stage::Mql || from == Stage::Sql || from == Stage::Opportunity;
  }
  // Forward moves along the funnel, skipping allowed; backward moves are not.
  return is_funnel_stage(to) && stage_rank(to) > stage_rank(from);
}

std::string allowed_targets_list(Stage from) {
  std::string out;
  for (Stage to : kAllStages) {
    if (!can_transition(from, to)) continue;
    if (!out.empty()) out += ", ";
    out += stage_name(to);
  }
  return out;
}

}  // namespace lq
