// `when` objects: attribute -> condition, all of which must hold.
//
// Conditions: eq, in, between (inclusive), gt, gte, lt, lte, contains,
// starts_with, ends_with (a string or a list: any matches), matches (RE2:
// linear time, no backtracking), exists (true/false). Several operators in
// one condition object must all hold. Strings compare ASCII
// case-insensitively; numbers numerically, and a numeric string compares as a
// number. A missing attribute satisfies nothing but "exists": false.
#pragma once

#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "attr_value.hpp"
#include "problems.hpp"

namespace re2 {
class RE2;
}

namespace lq {

// Maps attribute names to dense indexes; the caller supplies values in the
// same order (AttrValue array), so evaluation never looks names up.
class AttributeSet {
 public:
  int intern(const std::string &name);
  const std::vector<std::string> &names() const { return names_; }
  std::size_t size() const { return names_.size(); }

 private:
  std::vector<std::string> names_;
};

// A scalar from the model (eq / in), pre-folded and pre-parsed.
struct Scalar {
  enum class Kind { Bool, Number, String } kind = Kind::String;
  bool boolean = false;
  double number = 0.0;
  std::string text;             // folded
  bool text_is_number = false;  // "42" compares numerically too
};

struct Condition {
  enum class Op { Eq, In, Between, Gt, Gte, Lt, Lte, Contains, StartsWith, EndsWith, Matches, Exists };
  Op op = Op::Eq;
  std::vector<Scalar> scalars;       // eq (one), in (many)
  double lo = 0.0, hi = 0.0;         // between, gt.. (lo holds the bound)
  std::vector<std::string> strings;  // contains / starts_with / ends_with (folded)
  std::shared_ptr<const re2::RE2> regex;
  bool exists = true;
};

struct AttributeTest {
  int attribute = -1;                 // index into the AttributeSet
  std::vector<Condition> conditions;  // all must hold
};

class Predicate {
 public:
  // Compiles a `when` object found at `path`; problems are added to
  // `problems` (compilation continues, so every problem is reported).
  static Predicate compile(const nlohmann::json &when, const std::string &path, AttributeSet &attributes,
                           Problems &problems);

  // values[i] is the value of attribute i of the AttributeSet.
  bool holds(const AttrValue *values) const;
  bool empty() const { return tests_.empty(); }

 private:
  std::vector<AttributeTest> tests_;
};

bool condition_holds(const Condition &c, const AttrValue &v);

}  // namespace lq
