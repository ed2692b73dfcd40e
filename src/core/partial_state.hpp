// The engagement_state() aggregates' partial results: what a parallel worker
// or a Citus shard sends for each group (the aggregate's serial form), and
// what the combining process reads back (issue #17, batch scoring).
//
// Why not the whole score_state: every group of a model repeats the same
// half-life, engagement bounds, rule caps, model name and activity labels,
// which is about half of a whole state (the benchmark model's: 266 bytes,
// its partial result 147). A parallel GROUP BY lead sorts, sends and
// deserializes one partial result per lead and worker, so those bytes are
// paid per lead. A partial result carries what varies (the body's times,
// counts, sums and held entries) and names the rest: the model's name and
// version, and the fingerprint of its prototype (the model's empty state),
// which the reader must hold or rebuild from the model to read it.
//
// Layout: PartialHeader, rule_count PartialRule, future_count FutureEntry,
// then the model name (name_len bytes). Host byte order, like the whole
// state the serial form was before: it is read back by the same build.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "error.hpp"
#include "score_state.hpp"

namespace lq {

inline constexpr std::uint32_t kPartialMagic = 0x4c515031;  // "LQP1"

struct PartialHeader {
  std::int32_t varlena_header;  // owned by PostgreSQL
  std::uint32_t magic;
  std::uint64_t fingerprint;  // state_fingerprint() of the model's prototype
  std::int64_t model_version;
  Timestamp ref_time;
  Timestamp horizon;
  std::int64_t activities;
  std::uint16_t rule_count;
  std::uint8_t flags;
  std::uint8_t or_seen;
  std::uint16_t name_len;
  std::uint16_t future_count;
};
static_assert(sizeof(PartialHeader) == 56, "partial result header layout");

struct PartialRule {
  double sum;
  std::int64_t count;
};
static_assert(sizeof(PartialRule) == 16, "partial result rule layout");

// A fingerprint of a prototype (a whole empty state: state_init() or
// state_prototype_of()): FNV-1a over its bytes after the varlena header.
// Equal prototypes give equal fingerprints on every build.
std::uint64_t state_fingerprint(const void *prototype);

// Bytes of the partial result of `body` (a body or whole state of
// `prototype`'s model).
std::size_t partial_size(const void *body, const void *prototype);
// Writes it into `out` (partial_size() bytes; the varlena header is left 0).
void partial_write(void *out, const void *body, const void *prototype, std::uint64_t fingerprint);

// True when the bytes begin like a partial result (the magic).
bool is_partial(const void *buf, std::size_t size);

// What a partial result names, after checking its size against its counts
// (lq::Error(kind) when they disagree). `name` points into `buf`.
struct PartialModel {
  std::string_view name;
  std::int64_t version;
  std::uint64_t fingerprint;
};
PartialModel partial_model(const void *buf, std::size_t size, ErrorKind kind);

// Bytes of the body partial_read() writes.
std::size_t partial_body_size(const void *buf);
// Reads a partial result (checked by partial_model()) of `prototype`'s model
// into a body, validated as state_validate() validates a state. Throws
// lq::Error(kind) when it does not belong to that prototype or is corrupt.
void partial_read(void *body, const void *buf, const void *prototype, std::uint64_t fingerprint,
                  ErrorKind kind);

}  // namespace lq
