// score_state binary input (lq::state_from_wire, the type's receive function,
// fed by COPY BINARY and binary-mode clients) on arbitrary bytes: only
// lq::Error(InvalidBinary) is thrown, and an accepted state passes
// fuzz::check_accepted_state.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "state_checks.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  std::vector<unsigned char> state;
  try {
    state = lq::state_from_wire(data, size);
  } catch (const lq::Error &e) {
    FUZZ_CHECK(e.kind() == lq::ErrorKind::InvalidBinary);
    return 0;
  }
  fuzz::check_accepted_state(state);
  return 0;
}
