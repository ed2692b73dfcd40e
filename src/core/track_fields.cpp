#include "core/track_fields.hpp"

#include "core/error.hpp"

namespace lq {

namespace {
constexpr std::size_t kMaxLengthDigits = 9;  // kMaxTrackFieldLength's
}  // namespace

std::string encode_track_fields(const TrackFields &fields) {
  std::size_t size = 1;
  for (std::string_view f : fields) {
    if (f.size() > kMaxTrackFieldLength)
      throw Error(ErrorKind::ProgramLimit, "a lead_qual trigger's configuration field is too long");
    size += 2 + kMaxLengthDigits + f.size();
  }
  std::string out;
  out.reserve(size);
  out.push_back(kTrackFieldsFormat);
  for (std::string_view f : fields) {
    out.push_back(' ');
    out.append(std::to_string(f.size()));
    out.push_back(':');
    out.append(f);
  }
  return out;
}

std::optional<TrackFields> decode_track_fields(std::string_view arg) noexcept {
  if (arg.empty() || arg[0] != kTrackFieldsFormat) return std::nullopt;
  TrackFields fields;
  std::size_t pos = 1;
  for (std::string_view &field : fields) {
    if (pos >= arg.size() || arg[pos] != ' ') return std::nullopt;
    ++pos;
    const std::size_t digits_start = pos;
    std::size_t length = 0;
    while (pos < arg.size() && arg[pos] >= '0' && arg[pos] <= '9' && pos - digits_start < kMaxLengthDigits) {
      length = length * 10 + static_cast<std::size_t>(arg[pos] - '0');
      ++pos;
    }
    const std::size_t digits = pos - digits_start;
    // No digits, a leading zero, or more digits than allowed (the loop
    // stopped on a tenth one, which is no colon).
    if (digits == 0 || (digits > 1 && arg[digits_start] == '0')) return std::nullopt;
    if (pos >= arg.size() || arg[pos] != ':') return std::nullopt;
    ++pos;
    if (length > arg.size() - pos) return std::nullopt;
    field = arg.substr(pos, length);
    pos += length;
  }
  if (pos != arg.size()) return std::nullopt;
  return fields;
}

}  // namespace lq
