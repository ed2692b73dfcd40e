// score_state: the compact, decayable engagement state of one lead.
//
// Per engagement rule it keeps the rule's decayed point sum as of a
// reference time (the newest activity seen) and its activity count; plus the
// total activity count, which or_activities were seen, the model's name and
// version, and the half-life and caps that engagement() needs, so reading a
// score needs no model.
//
// Decay: an activity of `p` points at time t is worth p * 0.5^(age/half_life)
// at time T >= t. Sums are kept as of the reference time R and rescaled by
// 0.5^((T-R)/half_life) when read at T or when a newer activity moves R.
// Reading at an as-of time earlier than R reads the state as of R (no
// activity is counted with a negative age, none is extrapolated backwards).
//
// The state is one flat buffer, so PostgreSQL can store it as a varlena and
// the aggregate can update it in place. The first 4 bytes are the varlena
// header: PostgreSQL's to set, never touched here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "error.hpp"
#include "model.hpp"
#include "timestamp.hpp"

namespace lq {

inline constexpr std::uint32_t kStateMagic = 0x4c515331;  // "LQS1"

struct StateHeader {
  std::int32_t varlena_header;  // owned by PostgreSQL
  std::uint32_t magic;
  std::int64_t model_version;
  Timestamp ref_time;       // valid when flags & kHasRef
  std::int64_t activities;  // every activity folded in, scored or not
  double half_life_days;    // 0: no decay
  double engagement_min;    // NaN: none
  double engagement_max;    // NaN: none
  std::uint16_t rule_count;
  std::uint8_t flags;
  std::uint8_t or_seen;      // kSeenForMql | kSeenForSql
  std::uint16_t name_len;    // model name bytes (no NUL)
  std::uint16_t labels_len;  // activity labels, each NUL-terminated
};
static_assert(sizeof(StateHeader) == 64, "score_state header layout is part of the on-disk format");

inline constexpr std::uint8_t kHasRef = 1;

struct RuleSlot {
  double sum;          // decayed points as of ref_time
  std::int64_t count;  // activities matched by the rule
  double cap;          // the rule's max, NaN: none
};
static_assert(sizeof(RuleSlot) == 24, "score_state rule layout is part of the on-disk format");

// One row of explain().
struct RuleExplanation {
  int rule;  // 1-based position among the engagement rules
  std::string activity;
  std::int64_t activities;
  double points;  // decayed, capped
  bool capped;
};

// Read-only view over a validated state buffer.
class StateView {
 public:
  explicit StateView(const void *data) : h_(static_cast<const StateHeader *>(data)) {}
  const StateHeader &header() const { return *h_; }
  const RuleSlot *rules() const { return reinterpret_cast<const RuleSlot *>(h_ + 1); }
  std::string_view model_name() const;
  std::vector<std::string> labels() const;
  std::size_t size() const;
  bool has_ref() const { return (h_->flags & kHasRef) != 0; }

  double engagement(Timestamp as_of) const;
  std::vector<RuleExplanation> explain(Timestamp as_of) const;

  // Whether the state was built under model `name`, version `version`.
  bool built_under(std::string_view name, std::int64_t version) const;

  // Throws 22023 unless the state was built under this model and version.
  void check_model(const Model &model) const;

 private:
  const StateHeader *h_;
};

// Bytes a state for `model` occupies.
std::size_t state_size(const Model &model);

// Writes an empty state for `model` into `buf` (state_size(model) bytes).
void state_init(void *buf, const Model &model);

// Folds one activity into the state: `rule` from Model::match (-1: none),
// `or_bits` from Model::or_bits. The state must belong to `model`.
void state_add(void *buf, const Model &model, int rule, Timestamp occurred_at, std::uint8_t or_bits);

// into += other. Both must be states of the same model and version.
void state_combine(void *into, const void *other);

// Validates untrusted bytes (size including the 4-byte header). Throws
// lq::Error describing the first inconsistency.
void state_validate(const void *buf, std::size_t size, ErrorKind kind);

// Text form (JSON) and back. from_text returns a validated buffer.
std::string state_to_text(const void *buf);
std::vector<unsigned char> state_from_text(std::string_view text);

// Portable binary form (big-endian fields) for send/recv, and back.
std::vector<unsigned char> state_to_wire(const void *buf);
std::vector<unsigned char> state_from_wire(const unsigned char *data, std::size_t size);

// Decay factor 0.5^(elapsed / half_life); 1 without decay or elapsed <= 0.
double decay_factor(double half_life_days, Timestamp elapsed_us);

}  // namespace lq
