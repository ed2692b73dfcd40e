#include "text_match.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace lq {

std::string folded(std::string_view s) {
  std::string out(s);
  for (char &c : out) c = fold(c);
  return out;
}

bool iequals_folded(std::string_view value, std::string_view pattern) {
  if (value.size() != pattern.size()) return false;
  for (std::size_t i = 0; i < value.size(); ++i)
    if (fold(value[i]) != pattern[i]) return false;
  return true;
}

bool istarts_with_folded(std::string_view value, std::string_view prefix) {
  return value.size() >= prefix.size() && iequals_folded(value.substr(0, prefix.size()), prefix);
}

bool iends_with_folded(std::string_view value, std::string_view suffix) {
  return value.size() >= suffix.size() && iequals_folded(value.substr(value.size() - suffix.size()), suffix);
}

bool icontains_folded(std::string_view value, std::string_view needle) {
  if (needle.empty()) return true;
  if (value.size() < needle.size()) return false;
  const std::size_t last = value.size() - needle.size();
  for (std::size_t i = 0; i <= last; ++i) {
    if (fold(value[i]) != needle[0]) continue;
    if (iequals_folded(value.substr(i, needle.size()), needle)) return true;
  }
  return false;
}

std::optional<double> parse_number(std::string_view s) {
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  if (s.empty() || s.size() > 64) return std::nullopt;
  // Only plain decimal syntax: strtod would also accept "inf", "nan", hex.
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' || c == 'E'))
      return std::nullopt;
  }
  char buf[65];
  s.copy(buf, s.size());
  buf[s.size()] = '\0';
  char *end = nullptr;
  errno = 0;
  const double d = std::strtod(buf, &end);
  if (end != buf + s.size() || !std::isfinite(d)) return std::nullopt;
  return d;
}

}  // namespace lq
