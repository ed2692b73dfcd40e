// String helpers shared by predicates and matching: ASCII case folding and
// "a numeric string compares as a number".
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace lq {

// ASCII lower-casing; bytes >= 0x80 (UTF-8) are left as they are.
inline char fold(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
std::string folded(std::string_view s);

// Compares `value` with `pattern`, where `pattern` is already folded.
bool iequals_folded(std::string_view value, std::string_view pattern);
bool istarts_with_folded(std::string_view value, std::string_view prefix);
bool iends_with_folded(std::string_view value, std::string_view suffix);
bool icontains_folded(std::string_view value, std::string_view needle);

// The number a string spells, when the whole string (white space trimmed) is
// a finite decimal number ("42", " -3.5 ", "1e3"); nullopt otherwise.
std::optional<double> parse_number(std::string_view s);

}  // namespace lq
