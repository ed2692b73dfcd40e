#include "transition_policy.hpp"

#include <nlohmann/json.hpp>

#include "error.hpp"

namespace lq {

namespace {

using nlohmann::json;

[[noreturn]] void bad(const std::string &path, const std::string &problem) {
  throw Error(ErrorKind::InvalidParameter, "transition policy: " + path + ": " + problem, {},
              R"(Write {"allow": [["from", "to"], ...], "forbid": [["from", "to"], ...]} with stages )" +
                  stage_list() + ".");
}

Stage stage_at(const json &pair, std::size_t i, const std::string &path) {
  const std::string p = path + "[" + std::to_string(i) + "]";
  if (!pair[i].is_string()) bad(p, "must be a stage name");
  const auto &name = pair[i].get_ref<const std::string &>();
  if (auto s = parse_stage(name)) return *s;
  bad(p, "unknown stage \"" + name + "\"");
}

}  // namespace

// Computed once: the triggers build a policy on every call.
TransitionPolicy::TransitionPolicy() {
  static const std::uint64_t default_bits = [] {
    std::uint64_t bits = 0;
    for (Stage from : kAllStages)
      for (Stage to : kAllStages)
        if (can_transition(from, to)) bits |= bit(from, to);
    return bits;
  }();
  bits_ = default_bits;
}

TransitionPolicy TransitionPolicy::parse(std::string_view json) {
  const nlohmann::json doc = nlohmann::json::parse(json.begin(), json.end(), nullptr, false);
  if (doc.is_discarded()) bad("$", "not valid JSON");
  if (!doc.is_object()) bad("$", "must be an object");
  TransitionPolicy policy;
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    const bool allow = it.key() == "allow";
    if (!allow && it.key() != "forbid") bad(it.key(), R"(unknown key (expected "allow" or "forbid"))");
    if (!it.value().is_array()) bad(it.key(), "must be an array of [from, to] pairs");
    std::size_t n = 0;
    for (const nlohmann::json &pair : it.value()) {
      const std::string path = it.key() + "[" + std::to_string(n++) + "]";
      if (!pair.is_array() || pair.size() != 2) bad(path, "must be a [from, to] pair of stage names");
      const Stage from = stage_at(pair, 0, path);
      const Stage to = stage_at(pair, 1, path);
      if (from == to) bad(path, "a stage may always stay where it is");
      if (allow)
        policy.bits_ |= bit(from, to);
      else
        policy.bits_ &= ~bit(from, to);
    }
  }
  return policy;
}

TransitionPolicy TransitionPolicy::from_bits(std::string_view text) {
  if (text.empty() || text.size() > 20)
    throw Error(ErrorKind::InvalidParameter, "malformed transition policy bits");
  std::uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') throw Error(ErrorKind::InvalidParameter, "malformed transition policy bits");
    const auto d = static_cast<std::uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10)
      throw Error(ErrorKind::InvalidParameter, "malformed transition policy bits");
    v = v * 10 + d;
  }
  TransitionPolicy p;
  p.bits_ = v;
  return p;
}

bool TransitionPolicy::allows(Stage from, Stage to) const {
  return from == to || (bits_ & bit(from, to)) != 0;
}

std::string TransitionPolicy::to_bits() const { return std::to_string(bits_); }

std::string TransitionPolicy::allowed_targets_list(Stage from) const {
  std::string out;
  for (Stage to : kAllStages) {
    if (!allows(from, to)) continue;
    if (!out.empty()) out += ", ";
    out += stage_name(to);
  }
  return out;
}

}  // namespace lq
