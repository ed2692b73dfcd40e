#include "partial_state.hpp"

#include <cstring>
#include <string>

namespace lq {

namespace {

// A partial result may sit in a tuple at 4-byte alignment (bytea's): its
// fields are copied out, never read in place.
PartialHeader partial_header(const void *buf) {
  PartialHeader h;
  std::memcpy(&h, buf, sizeof h);
  return h;
}
const unsigned char *partial_rules(const void *buf) {
  return static_cast<const unsigned char *>(buf) + sizeof(PartialHeader);
}
const unsigned char *partial_entries(const void *buf, const PartialHeader &h) {
  return partial_rules(buf) + std::size_t{h.rule_count} * sizeof(PartialRule);
}

[[noreturn]] void corrupt(ErrorKind kind, const std::string &what) {
  throw Error(kind, "invalid partial engagement_state: " + what);
}

}  // namespace

std::uint64_t state_fingerprint(const void *prototype) {
  const StateView v(prototype);
  const auto *bytes = static_cast<const unsigned char *>(prototype);
  std::uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a, 64 bits
  for (std::size_t i = sizeof(std::int32_t); i < v.size(); ++i) {
    h ^= bytes[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::size_t partial_size(const void *body, const void *prototype) {
  const StateHeader &b = StateView(body).header();
  return sizeof(PartialHeader) + std::size_t{b.rule_count} * sizeof(PartialRule) +
         std::size_t{b.future_count} * sizeof(FutureEntry) + StateView(prototype).header().name_len;
}

void partial_write(void *out, const void *body, const void *prototype, std::uint64_t fingerprint) {
  const StateView v(body);
  const StateHeader &b = v.header();
  const std::string_view name = StateView(prototype).model_name();
  PartialHeader h{};
  h.magic = kPartialMagic;
  h.fingerprint = fingerprint;
  h.model_version = b.model_version;
  h.ref_time = b.ref_time;
  h.horizon = b.horizon;
  h.activities = b.activities;
  h.rule_count = b.rule_count;
  h.flags = b.flags;
  h.or_seen = b.or_seen;
  h.name_len = static_cast<std::uint16_t>(name.size());
  h.future_count = b.future_count;
  auto *p = static_cast<unsigned char *>(out);
  std::memcpy(p, &h, sizeof h);
  p += sizeof h;
  for (std::uint16_t i = 0; i < b.rule_count; ++i) {
    const PartialRule r{v.rules()[i].sum, v.rules()[i].count};
    std::memcpy(p, &r, sizeof r);
    p += sizeof r;
  }
  std::memcpy(p, v.future(), b.future_count * sizeof(FutureEntry));
  p += b.future_count * sizeof(FutureEntry);
  std::memcpy(p, name.data(), name.size());
}

bool is_partial(const void *buf, std::size_t size) {
  return size >= sizeof(PartialHeader) && partial_header(buf).magic == kPartialMagic;
}

PartialModel partial_model(const void *buf, std::size_t size, ErrorKind kind) {
  if (!is_partial(buf, size))
    corrupt(kind, "bad magic number or too short (" + std::to_string(size) + " bytes)");
  const PartialHeader h = partial_header(buf);
  if (h.rule_count > kMaxRules) corrupt(kind, "too many rules");
  if (h.future_count > kMaxFuture) corrupt(kind, "too many held entries");
  if (h.name_len == 0 || h.name_len > kMaxModelName) corrupt(kind, "bad model name length");
  const std::size_t expected = sizeof(PartialHeader) + std::size_t{h.rule_count} * sizeof(PartialRule) +
                               std::size_t{h.future_count} * sizeof(FutureEntry) + h.name_len;
  if (expected != size)
    corrupt(kind, "size " + std::to_string(size) + " does not match its contents (" +
                      std::to_string(expected) + ")");
  const char *name = reinterpret_cast<const char *>(partial_entries(buf, h) +
                                                    std::size_t{h.future_count} * sizeof(FutureEntry));
  return PartialModel{std::string_view(name, h.name_len), h.model_version, h.fingerprint};
}

std::size_t partial_body_size(const void *buf) {
  const PartialHeader h = partial_header(buf);
  return sizeof(StateHeader) + std::size_t{h.rule_count} * sizeof(RuleSlot) +
         std::size_t{h.future_count} * sizeof(FutureEntry);
}

void partial_read(void *body, const void *buf, const void *prototype, std::uint64_t fingerprint,
                  ErrorKind kind) {
  const PartialHeader h = partial_header(buf);
  const StateView proto(prototype);
  const char *name = reinterpret_cast<const char *>(partial_entries(buf, h) +
                                                    std::size_t{h.future_count} * sizeof(FutureEntry));
  if (h.fingerprint != fingerprint || h.model_version != proto.header().model_version ||
      h.rule_count != proto.header().rule_count || std::string_view(name, h.name_len) != proto.model_name())
    corrupt(kind, "not built under model " + std::string(proto.model_name()) + " version " +
                      std::to_string(proto.header().model_version) + " as defined here");
  StateHeader out = proto.header();
  out.varlena_header = 0;
  out.ref_time = h.ref_time;
  out.horizon = h.horizon;
  out.activities = h.activities;
  out.flags = h.flags;
  out.or_seen = h.or_seen;
  out.name_len = 0;
  out.labels_len = 0;
  out.future_count = h.future_count;
  auto *p = static_cast<unsigned char *>(body);
  std::memcpy(p, &out, sizeof out);
  auto *rules = reinterpret_cast<RuleSlot *>(p + sizeof out);
  for (std::uint16_t i = 0; i < h.rule_count; ++i) {
    PartialRule in;
    std::memcpy(&in, partial_rules(buf) + i * sizeof(PartialRule), sizeof in);
    rules[i] = RuleSlot{in.sum, in.count, proto.rules()[i].cap};
  }
  std::memcpy(rules + h.rule_count, partial_entries(buf, h), h.future_count * sizeof(FutureEntry));
  state_validate_contents(body, kind);
}

}  // namespace lq
