// The companion tables lead_qual keeps next to a leads table, in its schema:
// "<leads>_lq_history" (the stage history of a Citus distributed leads table,
// distributed and co-located with it) and "<leads>_lq_handoffs" (the durable
// hand-off feed, lead_qual.create_handoff_feed()). The name is the one rule
// that links a leads table to them: the triggers (src/pg/companion.hpp) and
// the SQL functions (lead_qual._companion_name()) both derive it here.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace lq {

enum class Companion { History, Handoffs };

// "history" or "handoffs"; none for any other word.
std::optional<Companion> companion_kind(std::string_view word);

// The companion's name for leads table `leads` (its name without schema);
// none when it would be longer than `max_bytes` (PostgreSQL's identifiers
// hold 63 bytes: a longer name would be cut, and two tables could share it).
std::optional<std::string> companion_name(std::string_view leads, Companion kind, size_t max_bytes = 63);

}  // namespace lq
