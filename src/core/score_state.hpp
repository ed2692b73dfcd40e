// score_state: the compact, decayable engagement state of one lead.
//
// Decay: an activity of `p` points at time t is worth
// p * 0.5^(max(0, T - t)/half_life) at time T: one later than T counts with
// age 0 (it is not extrapolated backwards).
//
// Per engagement rule the state keeps the rule's decayed point sum as of a
// reference time R (the newest activity folded into the sums) and its
// activity count; the total activity count, which or_activities were seen,
// the model's name and version, and the half-life and caps engagement()
// needs, so reading a score needs no model.
//
// The horizon H is the scoring time of the state's last write (the
// as_of of the aggregate that built it, the trigger's or refresh()'s scoring
// time). Activities at or before H are folded into the sums; scored ones
// later than H ("future-dated") are held apart as (time, rule, points)
// entries, at most kMaxFuture of them, and folded into the sums by the first
// write or refresh whose horizon passes them. engagement(T) is exact, i.e.
// equals the formula above summed per rule and capped, for every T >= R:
// the sums are rescaled by 0.5^((T-R)/half_life), each held entry decays
// from its own time. For T < R the sums read as of R.
// Beyond kMaxFuture held entries the earliest is folded into the sums
// (R moves to its time, and exactness then starts there).
//
// A state without a horizon (written by lead_qual 1.1, or by the
// engagement_state aggregate without as_of) holds no entries: every activity
// is in the sums, exact for T >= its newest activity.
//
// The state is one flat buffer, so PostgreSQL can store it as a varlena and
// the aggregate can update it in place: header, rule slots, held entries,
// model name, labels. The first 4 bytes are the varlena header:
// PostgreSQL's to set, never touched here. Functions that may change the
// number of held entries return the state's new size and need a buffer with
// room for the result (state_add_room(), state_combine_room()).
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

inline constexpr std::uint32_t kStateMagic = 0x4c515332;  // "LQS2" (lead_qual 1.2)
inline constexpr std::uint32_t kStateMagicV1 =
    0x4c515331;                                  // "LQS1" (lead_qual 1.0, 1.1): read, never written
inline constexpr std::uint16_t kMaxFuture = 32;  // held future-dated entries per state

struct StateHeader {
  std::int32_t varlena_header;  // owned by PostgreSQL
  std::uint32_t magic;
  std::int64_t model_version;
  Timestamp ref_time;       // R, valid when flags & kHasRef
  Timestamp horizon;        // H, valid when flags & kHasHorizon
  std::int64_t activities;  // every activity added, scored or not, held or folded
  double half_life_days;    // 0: no decay
  double engagement_min;    // NaN: none
  double engagement_max;    // NaN: none
  std::uint16_t rule_count;
  std::uint8_t flags;
  std::uint8_t or_seen;        // kSeenForMql | kSeenForSql
  std::uint16_t name_len;      // model name bytes (no NUL)
  std::uint16_t labels_len;    // activity labels, each NUL-terminated
  std::uint16_t future_count;  // held entries
  std::uint16_t reserved[3];   // zero
};
static_assert(sizeof(StateHeader) == 80, "score_state header layout is part of the on-disk format");

inline constexpr std::uint8_t kHasRef = 1;
inline constexpr std::uint8_t kHasHorizon = 2;

struct RuleSlot {
  double sum;          // decayed points as of ref_time
  std::int64_t count;  // activities matched by the rule
  double cap;          // the rule's max, NaN: none
};
static_assert(sizeof(RuleSlot) == 24, "score_state rule layout is part of the on-disk format");

// A scored activity later than the horizon, held apart. Sorted by (at, rule, points).
struct FutureEntry {
  Timestamp at;
  double points;           // the rule's points (undecayed)
  std::uint32_t rule;      // 0-based rule slot
  std::uint32_t reserved;  // zero
};
static_assert(sizeof(FutureEntry) == 24, "score_state entry layout is part of the on-disk format");

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
  const FutureEntry *future() const {
    return reinterpret_cast<const FutureEntry *>(rules() + h_->rule_count);
  }
  std::string_view model_name() const;
  std::vector<std::string> labels() const;
  std::size_t size() const;
  bool has_ref() const { return (h_->flags & kHasRef) != 0; }
  bool has_horizon() const { return (h_->flags & kHasHorizon) != 0; }

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

// Adds one activity to the state: `rule` from Model::match (-1: none),
// `or_bits` from Model::or_bits. The state must belong to `model`.
// horizon: the scoring time of this write (finite): the state's horizon
// becomes it (state_set_horizon), and the activity is held apart when later.
// kTimestampInfinity: no scoring time (add_activity() without as_of, the
// aggregate without as_of): the activity is folded into the sums and the
// horizon is left as it is. Returns the state's new size; `buf` must have
// state_add_room() bytes.
std::size_t state_add(void *buf, const Model &model, int rule, Timestamp occurred_at, std::uint8_t or_bits,
                      Timestamp horizon = kTimestampInfinity);

// Bytes state_add() may need for this state (its size, or one entry more).
std::size_t state_add_room(const void *buf, int rule, Timestamp occurred_at, Timestamp horizon);

// Sets the horizon to `horizon` (finite, in range): the scoring time of a
// write or refresh. Held entries at or before it are folded into the sums.
// Returns the state's new size (never larger).
std::size_t state_set_horizon(void *buf, Timestamp horizon);

// into += other. Both must be states of the same model and version. The
// horizon is the later of both; held entries at or before it are folded.
// Returns the new size; `into` must have state_combine_room() bytes.
std::size_t state_combine(void *into, const void *other);
std::size_t state_combine_room(const void *into, const void *other);

// Bodies: the engagement_state aggregates' compact transition values.
// Every lead of a model has the same name and labels, so the aggregate keeps
// them once, in a prototype (the model's empty state), and each group only
// its body: header, rule slots and held entries, with name_len and
// labels_len 0. Every function above that changes a state works on a body
// (state_add, state_add_room, state_set_horizon, state_combine and
// state_combine_room on two bodies of the same prototype); validation and
// the text and wire forms need the whole state (state_join).
std::size_t state_body_size(const void *buf);
// Copies the body of `state` (a whole state or a body) into `body`, which
// has state_body_size(state) bytes.
void state_copy_body(void *body, const void *state);
// Writes the whole state of `body` into `out` (state_join_size bytes): the
// body, then the name and labels of `prototype`, a whole state of the same
// model and version.
std::size_t state_join_size(const void *body, const void *prototype);
void state_join(void *out, const void *body, const void *prototype);
// The prototype of a whole state's model: the same model, version, half-life,
// caps and labels, and no activity.
std::vector<unsigned char> state_prototype_of(const void *state);
// Whether two whole states were built under the same model and version
// (same name, version, rules and labels): their bodies can be combined.
bool state_same_model(const void *a, const void *b);

// True for bytes of the lead_qual 1.0/1.1 format (magic "LQS1").
bool state_is_v1(const void *buf, std::size_t size);
// Converts a 1.0/1.1 state (validated as such) to the current format: the
// same sums, no horizon, no held entries. Throws lq::Error(kind) when corrupt.
std::vector<unsigned char> state_from_v1(const void *buf, std::size_t size, ErrorKind kind);

// Validates untrusted bytes (size including the 4-byte header). Throws
// lq::Error describing the first inconsistency.
void state_validate(const void *buf, std::size_t size, ErrorKind kind);
// The part of state_validate() that checks what differs between states of
// one model (flags, times, counts, sums, held entries), on a whole state or a
// body whose size is already known to match its header.
void state_validate_contents(const void *buf, ErrorKind kind);

// Text form (JSON) and back. from_text returns a validated buffer; it also
// reads the text of 1.1 states (no "scored_at", no "future").
std::string state_to_text(const void *buf);
std::vector<unsigned char> state_from_text(std::string_view text);

// Portable binary form (big-endian fields) for send/recv, and back;
// from_wire also reads the wire form of 1.1 states.
std::vector<unsigned char> state_to_wire(const void *buf);
std::vector<unsigned char> state_from_wire(const unsigned char *data, std::size_t size);

// Decay factor 0.5^(elapsed / half_life); 1 without decay or elapsed <= 0.
double decay_factor(double half_life_days, Timestamp elapsed_us);

}  // namespace lq
