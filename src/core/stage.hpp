// Lead lifecycle stages and the default transition policy.
//
// Pure C++17: no PostgreSQL headers. The numeric value of a Stage is its
// funnel rank and is also its on-disk representation (one byte), so the
// enumerators must never be renumbered.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lq {

enum class Stage : std::uint8_t {
  Subscriber = 0,
  Lead = 1,
  Mql = 2,
  Sql = 3,
  Opportunity = 4,
  Customer = 5,
  Recycled = 6,
  Disqualified = 7,
};

inline constexpr int kStageCount = 8;

inline constexpr std::array<Stage, kStageCount> kAllStages = {
    Stage::Subscriber,  Stage::Lead,     Stage::Mql,      Stage::Sql,
    Stage::Opportunity, Stage::Customer, Stage::Recycled, Stage::Disqualified};

// Funnel rank, 0 (subscriber) .. 7 (disqualified).
constexpr int stage_rank(Stage s) { return static_cast<int>(s); }

// Stage with the given rank, if the rank is in range.
std::optional<Stage> stage_from_rank(int rank);

// Lower-case canonical name ("mql").
std::string_view stage_name(Stage s);

// Parses a stage name: ASCII case-insensitive, surrounding white space
// ignored. Returns nullopt for anything else.
std::optional<Stage> parse_stage(std::string_view text);

// "subscriber, lead, mql, sql, opportunity, customer, recycled, disqualified"
std::string stage_list();

// True when a lead in stage `from` may be moved to stage `to` under the
// default policy (see README, "Stage transitions").
bool can_transition(Stage from, Stage to);

// Targets allowed from `from`, in funnel order, `from` itself included.
std::string allowed_targets_list(Stage from);

// True for stages on the main funnel path (subscriber .. customer).
constexpr bool is_funnel_stage(Stage s) { return stage_rank(s) <= stage_rank(Stage::Customer); }

}  // namespace lq
