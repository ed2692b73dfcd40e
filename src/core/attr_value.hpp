// An attribute value as the core sees it: a plain, non-owning view filled by
// the caller (the PostgreSQL glue reads it from a jsonb object or a table
// column; unit tests build it by hand). No allocation, no PostgreSQL types.
#pragma once

#include <cstddef>
#include <string_view>

namespace lq {

struct AttrValue {
  enum class Kind : unsigned char {
    Missing,  // absent, SQL NULL or JSON null: satisfies only "exists": false
    Bool,
    Number,
    String,
    Other,  // a JSON object or array: exists, but compares to nothing
  };

  Kind kind = Kind::Missing;
  bool boolean = false;
  double number = 0.0;
  const char *str = nullptr;  // not NUL-terminated
  std::size_t len = 0;

  static AttrValue missing() { return {}; }
  static AttrValue of_bool(bool b) {
    AttrValue v;
    v.kind = Kind::Bool;
    v.boolean = b;
    return v;
  }
  static AttrValue of_number(double d) {
    AttrValue v;
    v.kind = Kind::Number;
    v.number = d;
    return v;
  }
  static AttrValue of_string(std::string_view s) {
    AttrValue v;
    v.kind = Kind::String;
    v.str = s.data();
    v.len = s.size();
    return v;
  }
  static AttrValue other() {
    AttrValue v;
    v.kind = Kind::Other;
    return v;
  }

  std::string_view text() const { return {str, len}; }
};

}  // namespace lq
