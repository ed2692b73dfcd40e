// lq::parse_stage on arbitrary bytes: it never reads out of bounds, and what
// it accepts is exactly a stage name, ASCII case-insensitive, surrounded by
// white space; the canonical name parses back to the same stage.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/stage.hpp"
#include "fuzz_check.hpp"

namespace {
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char *>(data), size);
  const std::optional<lq::Stage> stage = lq::parse_stage(text);

  // The oracle: trim, lower-case ASCII, compare with the eight names.
  std::string_view trimmed = text;
  while (!trimmed.empty() && is_space(trimmed.front())) trimmed.remove_prefix(1);
  while (!trimmed.empty() && is_space(trimmed.back())) trimmed.remove_suffix(1);
  std::string lower(trimmed);
  for (char &c : lower)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  std::optional<lq::Stage> expected;
  for (lq::Stage s : lq::kAllStages)
    if (lower == lq::stage_name(s)) expected = s;
  FUZZ_CHECK(stage == expected);

  if (stage) {
    FUZZ_CHECK(lq::parse_stage(lq::stage_name(*stage)) == stage);
    FUZZ_CHECK(lq::stage_from_rank(lq::stage_rank(*stage)) == stage);
    FUZZ_CHECK(lq::can_transition(*stage, *stage));
    FUZZ_CHECK(lq::allowed_targets_list(*stage).find(lq::stage_name(*stage)) != std::string::npos);
  }
  return 0;
}
