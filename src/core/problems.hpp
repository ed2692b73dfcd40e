// Collects model validation problems, each prefixed with the JSON path of the
// offending field ("engagement.rules[3].points: expected a number").
#pragma once

#include <string>
#include <vector>

#include "message_text.hpp"

namespace lq {

// Each problem passes through printable(), as lq::Error's message does, so a
// problem list and the error naming its first problem always agree.
class Problems {
 public:
  void add(const std::string &path, const std::string &what) {
    list_.push_back(printable(path.empty() ? what : path + ": " + what));
  }
  bool empty() const { return list_.empty(); }
  const std::vector<std::string> &list() const { return list_; }

 private:
  std::vector<std::string> list_;
};

// Path helpers: field("fit", "rules") -> "fit.rules"; index("rules", 3) -> "rules[3]".
// Keys that are not plain identifiers are written as ["key"] (quoted_name()) so
// the path stays unambiguous.
std::string field(const std::string &path, const std::string &key);
inline std::string index(const std::string &path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

}  // namespace lq
