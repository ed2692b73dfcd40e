#include "core/shard_name.hpp"

#include <limits>

namespace lq {

std::optional<int64_t> shard_id_suffix(std::string_view name) {
  const size_t underscore = name.rfind('_');
  if (underscore == std::string_view::npos || underscore == 0 || underscore + 1 == name.size())
    return std::nullopt;
  const std::string_view digits = name.substr(underscore + 1);
  // Shard ids are written without sign or leading zeros.
  if (digits[0] == '0') return std::nullopt;
  int64_t id = 0;
  for (const char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    const int digit = c - '0';
    if (id > (std::numeric_limits<int64_t>::max() - digit) / 10) return std::nullopt;
    id = id * 10 + digit;
  }
  return id;
}

bool is_name_or_shard_copy(std::string_view name, std::string_view base) {
  if (name == base) return true;
  return name.size() > base.size() + 1 && name.substr(0, base.size()) == base && name[base.size()] == '_' &&
         name.rfind('_') == base.size() && shard_id_suffix(name).has_value();
}

}  // namespace lq
