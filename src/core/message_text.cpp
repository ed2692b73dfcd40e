#include "message_text.hpp"

namespace lq {

namespace {

// Length of the valid UTF-8 sequence at the start of `s` (1 to 4 bytes), or 0
// when it does not start with one (a stray continuation byte, an overlong
// form, a surrogate, a code point beyond U+10FFFF or a truncated sequence).
std::size_t utf8_sequence(std::string_view s) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char b0 = byte(0);
  if (b0 < 0x80) return 1;
  std::size_t n = 0;
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;  // range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    n = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    n = 3;
    if (b0 == 0xE0) lo = 0xA0;  // no overlong forms
    if (b0 == 0xED) hi = 0x9F;  // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    n = 4;
    if (b0 == 0xF0) lo = 0x90;  // no overlong forms
    if (b0 == 0xF4) hi = 0x8F;  // nothing beyond U+10FFFF
  } else {
    return 0;
  }
  if (s.size() < n || byte(1) < lo || byte(1) > hi) return 0;
  for (std::size_t i = 2; i < n; ++i)
    if (byte(i) < 0x80 || byte(i) > 0xBF) return 0;
  return n;
}

void append_hex(std::string &out, unsigned char c) {
  static constexpr char kDigits[] = "0123456789abcdef";
  out += "\\x";
  out += kDigits[c >> 4];
  out += kDigits[c & 0xF];
}

// Appends `text` with unsafe bytes escaped; `strict` selects quoted_name()'s form
// (newline, '"' and '\' escaped too).
void append_escaped(std::string &out, std::string_view text, bool strict) {
  while (!text.empty()) {
    const auto c = static_cast<unsigned char>(text.front());
    const std::size_t n = utf8_sequence(text);
    if (n == 0 || c == 0x7F || (c < 0x20 && (strict || c != '\n'))) {
      append_hex(out, c);
      text.remove_prefix(1);
      continue;
    }
    if (strict && (c == '"' || c == '\\')) out += '\\';
    out.append(text.data(), n);
    text.remove_prefix(n);
  }
}

}  // namespace

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  append_escaped(out, text, false);
  return out;
}

std::string quoted_name(std::string_view name) {
  std::string out = "\"";
  out.reserve(name.size() + 2);
  append_escaped(out, name, true);
  out += '"';
  return out;
}

std::string printable_prefix(std::string_view text, std::size_t max_bytes) {
  std::string out = printable(text);
  if (out.size() <= max_bytes) return out;
  std::size_t cut = max_bytes >= 3 ? max_bytes - 3 : 0;
  // Back up to the start of a character (printable() output is valid UTF-8)
  // and never into the middle of an \xNN escape.
  while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
  for (std::size_t back = 1; back <= 3 && back <= cut; ++back) {
    if (out.compare(cut - back, 2, "\\x") == 0) {
      cut -= back;
      break;
    }
  }
  out.resize(cut);
  return out + "...";
}

}  // namespace lq
