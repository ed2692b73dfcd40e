// A tracked table's stage transition policy: the default policy
// (can_transition() in stage.hpp) with moves added and removed. Pure C++17.
//
// Written as JSON, {"allow": [["recycled", "opportunity"], ...],
// "forbid": [["mql", "recycled"], ...]}: every pair a [from, to] of stage
// names. Compiled to one bit per (from, to) pair, which is how the triggers
// receive it (track() passes it as a trigger argument).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "stage.hpp"

namespace lq {

class TransitionPolicy {
 public:
  // The default policy.
  TransitionPolicy();

  // Parses the JSON form. Throws lq::Error(InvalidParameter) naming the JSON
  // path of the first bad field ("transition policy: allow[1][0]: ...").
  static TransitionPolicy parse(std::string_view json);

  // From the bits of to_bits(); throws InvalidParameter on a malformed text.
  static TransitionPolicy from_bits(std::string_view text);

  bool allows(Stage from, Stage to) const;

  // The policy as decimal digits of its 64 bits.
  std::string to_bits() const;

  // Targets allowed from `from`, in funnel order, `from` itself included.
  std::string allowed_targets_list(Stage from) const;

  bool operator==(const TransitionPolicy &o) const { return bits_ == o.bits_; }

 private:
  static std::uint64_t bit(Stage from, Stage to) {
    return std::uint64_t{1} << (stage_rank(from) * kStageCount + stage_rank(to));
  }
  std::uint64_t bits_ = 0;
};

}  // namespace lq
