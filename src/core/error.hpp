// The one exception type the core throws for user-facing problems.
//
// The core knows nothing about SQLSTATEs; it classifies each problem with an
// ErrorKind, and the PostgreSQL glue (src/pg/guard.cpp) maps kinds to codes.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "message_text.hpp"

namespace lq {

enum class ErrorKind {
  InvalidParameter,      // 22023 invalid_parameter_value
  InvalidText,           // 22P02 invalid_text_representation
  InvalidBinary,         // 22P03 invalid_binary_representation
  CheckViolation,        // 23514 check_violation
  UndefinedObject,       // 42704 undefined_object
  ProgramLimit,          // 54000 program_limit_exceeded
  NullValue,             // 22004 null_value_not_allowed
  DataCorrupted,         // XX001 data_corrupted
  SerializationFailure,  // 40001 serialization_failure: retry the transaction
  Internal,              // XX000 internal_error
};

// The message, detail and hint pass through printable(): what() is a C string
// and so is every text ereport() takes, so a NUL or another unsafe byte copied
// from input must not reach them raw (it would cut or garble the message).
class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, std::string_view message, std::string_view detail = {}, std::string_view hint = {})
      : std::runtime_error(printable(message)),
        kind_(kind),
        detail_(printable(detail)),
        hint_(printable(hint)) {}

  ErrorKind kind() const noexcept { return kind_; }
  const std::string &detail() const noexcept { return detail_; }
  const std::string &hint() const noexcept { return hint_; }

 private:
  ErrorKind kind_;
  std::string detail_;
  std::string hint_;
};

}  // namespace lq
