// Input bytes made safe to appear in an error message.
//
// A message travels as a C string (std::runtime_error::what(), PostgreSQL's
// ereport) and is shown by clients that expect valid text: a NUL would cut it,
// a control character or a byte that is not UTF-8 would garble it or make the
// client's encoding conversion fail. So every message the core builds from
// input (model names, attribute and operator names, parser output) goes
// through these helpers, and lq::Error and lq::Problems apply printable() to
// whatever they are given.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace lq {

// `text` with every byte that is a control character other than newline, DEL,
// or not part of a valid UTF-8 sequence written as \xNN (two lower-case hex
// digits). Valid UTF-8 text without control characters is unchanged, and so is
// printable()'s own output: printable(printable(s)) == printable(s).
std::string printable(std::string_view text);

// A name as a message quotes it: in double quotes, with '"' and '\' escaped
// by a backslash and every byte printable() would escape (newline too) written
// as \xNN, so that two different names never read the same.
std::string quoted_name(std::string_view name);

// At most `max_bytes` bytes of printable(text), cut at a character boundary,
// with "..." appended when something was cut.
std::string printable_prefix(std::string_view text, std::size_t max_bytes);

}  // namespace lq
