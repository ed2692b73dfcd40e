#include "problems.hpp"

namespace lq {

namespace {
bool is_identifier(const std::string &key) {
  if (key.empty()) return false;
  for (std::size_t i = 0; i < key.size(); ++i) {
    const char c = key[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!(alpha || (i > 0 && c >= '0' && c <= '9'))) return false;
  }
  return true;
}
}  // namespace

std::string field(const std::string &path, const std::string &key) {
  if (is_identifier(key)) return path.empty() ? key : path + "." + key;
  return path + "[" + quoted_name(key) + "]";
}

}  // namespace lq
