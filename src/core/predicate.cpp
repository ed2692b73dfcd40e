#include "predicate.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>

#include "json_number.hpp"
#include "text_match.hpp"

namespace lq {

using nlohmann::json;

int AttributeSet::intern(const std::string &name) {
  for (std::size_t i = 0; i < names_.size(); ++i)
    if (names_[i] == name) return static_cast<int>(i);
  names_.push_back(name);
  return static_cast<int>(names_.size() - 1);
}

namespace {

constexpr const char *kOperators =
    "eq, in, between, gt, gte, lt, lte, contains, starts_with, ends_with, matches, exists";

std::optional<Scalar> compile_scalar(const json &j) {
  Scalar s;
  if (j.is_boolean()) {
    s.kind = Scalar::Kind::Bool;
    s.boolean = j.get<bool>();
  } else if (finite_number(j)) {
    s.kind = Scalar::Kind::Number;
    s.number = j.get<double>();
  } else if (j.is_string()) {
    s.kind = Scalar::Kind::String;
    s.text = folded(j.get<std::string>());
    if (auto n = parse_number(s.text)) {
      s.text_is_number = true;
      s.number = *n;
    }
  } else {
    return std::nullopt;
  }
  return s;
}

// A string or a non-empty list of strings, folded.
bool compile_strings(const json &j, std::vector<std::string> &out) {
  if (j.is_string()) {
    out.push_back(folded(j.get<std::string>()));
    return true;
  }
  if (!j.is_array() || j.empty()) return false;
  for (const json &e : j) {
    if (!e.is_string()) return false;
    out.push_back(folded(e.get<std::string>()));
  }
  return true;
}

std::optional<Condition> compile_condition(const std::string &op, const json &arg, const std::string &path,
                                           Problems &problems) {
  Condition c;
  if (op == "eq") {
    c.op = Condition::Op::Eq;
    auto s = compile_scalar(arg);
    if (!s) return problems.add(path, "expected a string, number or boolean"), std::nullopt;
    c.scalars.push_back(*s);
  } else if (op == "in") {
    c.op = Condition::Op::In;
    if (!arg.is_array() || arg.empty())
      return problems.add(path, "expected a non-empty list of strings, numbers or booleans"), std::nullopt;
    for (std::size_t i = 0; i < arg.size(); ++i) {
      auto s = compile_scalar(arg[i]);
      if (!s) return problems.add(index(path, i), "expected a string, number or boolean"), std::nullopt;
      c.scalars.push_back(*s);
    }
  } else if (op == "between") {
    c.op = Condition::Op::Between;
    if (!arg.is_array() || arg.size() != 2 || !finite_number(arg[0]) || !finite_number(arg[1]))
      return problems.add(path, "expected [low, high]: a list of two numbers"), std::nullopt;
    c.lo = arg[0].get<double>();
    c.hi = arg[1].get<double>();
    if (c.lo > c.hi) return problems.add(path, "low bound is greater than high bound"), std::nullopt;
  } else if (op == "gt" || op == "gte" || op == "lt" || op == "lte") {
    c.op = op == "gt"    ? Condition::Op::Gt
           : op == "gte" ? Condition::Op::Gte
           : op == "lt"  ? Condition::Op::Lt
                         : Condition::Op::Lte;
    if (!finite_number(arg)) return problems.add(path, "expected a number"), std::nullopt;
    c.lo = arg.get<double>();
  } else if (op == "contains" || op == "starts_with" || op == "ends_with") {
    c.op = op == "contains"      ? Condition::Op::Contains
           : op == "starts_with" ? Condition::Op::StartsWith
                                 : Condition::Op::EndsWith;
    if (!compile_strings(arg, c.strings))
      return problems.add(path, "expected a string or a non-empty list of strings"), std::nullopt;
  } else if (op == "matches") {
    c.op = Condition::Op::Matches;
    if (!arg.is_string()) return problems.add(path, "expected a regular expression (a string)"), std::nullopt;
    RE2::Options options;
    options.set_case_sensitive(false);
    options.set_log_errors(false);
    options.set_max_mem(8 << 20);
    auto re = std::make_shared<const RE2>(arg.get<std::string>(), options);
    if (!re->ok()) return problems.add(path, "invalid regular expression: " + re->error()), std::nullopt;
    c.regex = std::move(re);
  } else if (op == "exists") {
    c.op = Condition::Op::Exists;
    if (!arg.is_boolean()) return problems.add(path, "expected true or false"), std::nullopt;
    c.exists = arg.get<bool>();
  } else {
    problems.add(path, "unknown condition " + quoted_name(op) + " (expected one of " + kOperators + ")");
    return std::nullopt;
  }
  return c;
}

std::optional<double> numeric(const AttrValue &v) {
  if (v.kind == AttrValue::Kind::Number) return v.number;
  if (v.kind == AttrValue::Kind::String) return parse_number(v.text());
  return std::nullopt;
}

bool scalar_equals(const Scalar &s, const AttrValue &v) {
  switch (s.kind) {
    case Scalar::Kind::Bool:
      return v.kind == AttrValue::Kind::Bool && v.boolean == s.boolean;
    case Scalar::Kind::Number: {
      auto n = numeric(v);
      return n && *n == s.number;
    }
    case Scalar::Kind::String:
      if (s.text_is_number) {
        if (auto n = numeric(v)) return *n == s.number;
      }
      return v.kind == AttrValue::Kind::String && iequals_folded(v.text(), s.text);
  }
  return false;
}

template <typename Match>
bool any_string(const Condition &c, const AttrValue &v, Match match) {
  if (v.kind != AttrValue::Kind::String) return false;
  return std::any_of(c.strings.begin(), c.strings.end(),
                     [&](const std::string &s) { return match(v.text(), s); });
}

}  // namespace

bool condition_holds(const Condition &c, const AttrValue &v) {
  if (c.op == Condition::Op::Exists) return (v.kind != AttrValue::Kind::Missing) == c.exists;
  if (v.kind == AttrValue::Kind::Missing || v.kind == AttrValue::Kind::Other) return false;
  switch (c.op) {
    case Condition::Op::Eq:
    case Condition::Op::In:
      for (const Scalar &s : c.scalars)
        if (scalar_equals(s, v)) return true;
      return false;
    case Condition::Op::Between: {
      auto n = numeric(v);
      return n && *n >= c.lo && *n <= c.hi;
    }
    case Condition::Op::Gt: {
      auto n = numeric(v);
      return n && *n > c.lo;
    }
    case Condition::Op::Gte: {
      auto n = numeric(v);
      return n && *n >= c.lo;
    }
    case Condition::Op::Lt: {
      auto n = numeric(v);
      return n && *n < c.lo;
    }
    case Condition::Op::Lte: {
      auto n = numeric(v);
      return n && *n <= c.lo;
    }
    case Condition::Op::Contains:
      return any_string(c, v, icontains_folded);
    case Condition::Op::StartsWith:
      return any_string(c, v, istarts_with_folded);
    case Condition::Op::EndsWith:
      return any_string(c, v, iends_with_folded);
    case Condition::Op::Matches:
      if (v.kind != AttrValue::Kind::String) return false;
      return RE2::PartialMatch(re2::StringPiece(v.str, v.len), *c.regex);
    case Condition::Op::Exists:
      break;
  }
  return false;
}

Predicate Predicate::compile(const json &when, const std::string &path, AttributeSet &attributes,
                             Problems &problems) {
  Predicate p;
  if (!when.is_object()) {
    problems.add(path, "expected an object of attribute -> condition");
    return p;
  }
  for (const auto &item : when.items()) {
    const std::string &attribute = item.key();
    const json &condition = item.value();
    const std::string attribute_path = field(path, attribute);
    if (attribute.empty()) {
      problems.add(attribute_path, "attribute name must not be empty");
      continue;
    }
    if (!condition.is_object() || condition.empty()) {
      problems.add(attribute_path,
                   std::string("expected an object of conditions, e.g. {\"eq\": ...}; one of ") + kOperators);
      continue;
    }
    AttributeTest test;
    test.attribute = attributes.intern(attribute);
    for (const auto &op : condition.items()) {
      if (auto c = compile_condition(op.key(), op.value(), field(attribute_path, op.key()), problems))
        test.conditions.push_back(std::move(*c));
    }
    p.tests_.push_back(std::move(test));
  }
  return p;
}

bool Predicate::holds(const AttrValue *values) const {
  for (const AttributeTest &t : tests_) {
    const AttrValue &v = values[t.attribute];
    for (const Condition &c : t.conditions)
      if (!condition_holds(c, v)) return false;
  }
  return true;
}

}  // namespace lq
