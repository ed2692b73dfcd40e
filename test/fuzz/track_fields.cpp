// lq::decode_track_fields on arbitrary bytes: it never reads out of bounds,
// every field it returns lies inside the input, and what it accepts is
// canonical (encoding the fields gives the input back byte for byte). The
// fields it decodes, encoded again after a change of one field, decode to
// the changed fields (the framing never depends on a field's content).
#include "core/track_fields.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  const std::string_view arg(reinterpret_cast<const char *>(data), size);
  const std::optional<lq::TrackFields> fields = lq::decode_track_fields(arg);
  if (!fields) return 0;
  for (std::string_view f : *fields)
    FUZZ_CHECK(f.data() >= arg.data() && f.data() + f.size() <= arg.data() + arg.size());
  FUZZ_CHECK(lq::encode_track_fields(*fields) == arg);

  // The input itself as one field among the decoded ones.
  lq::TrackFields changed = *fields;
  changed[size % lq::kTrackFieldCount] = arg;
  const std::string again = lq::encode_track_fields(changed);
  const std::optional<lq::TrackFields> back = lq::decode_track_fields(again);
  FUZZ_CHECK(back && *back == changed);
  return 0;
}
