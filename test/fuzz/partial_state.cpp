// The engagement_state() aggregates' partial results (lq::partial_model,
// lq::partial_read: what the deserialize function reads from a parallel
// worker or a Citus shard) on arbitrary bytes, against a fixed prototype:
// only lq::Error(DataCorrupted) is thrown, never a read outside the bytes,
// and an accepted partial result is a state that passes
// fuzz::check_accepted_state and writes back to the same bytes.
#include "core/partial_state.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "state_checks.hpp"

namespace {

// Model "m" version 1 (the seeds' name and version), three rules.
const std::vector<unsigned char> &prototype() {
  static const std::vector<unsigned char> bytes = [] {
    const std::shared_ptr<const lq::Model> m = lq::compile_model("m", 1, R"({"engagement": {
        "half_life_days": 30, "rules": [{"activity": "page_view", "points": 1, "max": 15},
        {"activity": "webinar", "points": 10}, {"activity": "demo_request", "points": 20}]},
        "stages": {"sql": {"or_activities": ["demo_request"]}}})");
    std::vector<unsigned char> b(lq::state_size(*m));
    lq::state_init(b.data(), *m);
    return b;
  }();
  return bytes;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  // Copied to an aligned buffer, as PostgreSQL hands a detoasted datum over.
  std::vector<unsigned char> in(data, data + size);
  const std::vector<unsigned char> &proto = prototype();
  std::vector<unsigned char> body;
  try {
    const lq::PartialModel pm = lq::partial_model(in.data(), in.size(), lq::ErrorKind::DataCorrupted);
    body.resize(lq::partial_body_size(in.data()));
    // The fingerprint the bytes carry, so that the fuzzer gets past it to the
    // rest (a wrong one is refused like a wrong version).
    lq::partial_read(body.data(), in.data(), proto.data(), pm.fingerprint, lq::ErrorKind::DataCorrupted);
  } catch (const lq::Error &e) {
    FUZZ_CHECK(e.kind() == lq::ErrorKind::DataCorrupted);
    return 0;
  }
  std::vector<unsigned char> whole(lq::state_join_size(body.data(), proto.data()));
  lq::state_join(whole.data(), body.data(), proto.data());
  fuzz::check_accepted_state(whole);
  std::vector<unsigned char> again(lq::partial_size(body.data(), proto.data()));
  const lq::PartialModel pm = lq::partial_model(in.data(), in.size(), lq::ErrorKind::DataCorrupted);
  lq::partial_write(again.data(), body.data(), proto.data(), pm.fingerprint);
  FUZZ_CHECK(again.size() == in.size() && std::memcmp(again.data() + 4, in.data() + 4, in.size() - 4) == 0);
  return 0;
}
