// score_state text input (lq::state_from_text, the type's input function, fed
// by pg_restore) on arbitrary bytes: only lq::Error(InvalidText) is thrown,
// and an accepted state passes fuzz::check_accepted_state.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "state_checks.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  std::vector<unsigned char> state;
  try {
    state = lq::state_from_text(std::string_view(reinterpret_cast<const char *>(data), size));
  } catch (const lq::Error &e) {
    FUZZ_CHECK(e.kind() == lq::ErrorKind::InvalidText);
    return 0;
  }
  fuzz::check_accepted_state(state);
  return 0;
}
