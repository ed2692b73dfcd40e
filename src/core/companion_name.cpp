#include "core/companion_name.hpp"

namespace lq {

std::optional<Companion> companion_kind(std::string_view word) {
  if (word == "history") return Companion::History;
  if (word == "handoffs") return Companion::Handoffs;
  return std::nullopt;
}

std::optional<std::string> companion_name(std::string_view leads, Companion kind, size_t max_bytes) {
  const std::string_view suffix = kind == Companion::History ? "_lq_history" : "_lq_handoffs";
  if (leads.empty() || leads.size() + suffix.size() > max_bytes) return std::nullopt;
  std::string name(leads);
  name += suffix;
  return name;
}

}  // namespace lq
