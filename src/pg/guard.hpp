// The C++/PostgreSQL error boundary. Every SQL-callable entry point runs its
// C++ body through lq::pg::guarded(); C++ code that must call PostgreSQL does
// so through lq::pg::pg_call().
//
// Why: ereport(ERROR) longjmps, which would skip the destructors of any C++
// frame it crosses, and a C++ exception escaping into PostgreSQL's C frames is
// undefined behaviour. So:
//   * guarded(body): runs body in a try block; whatever is thrown is copied
//     into plain data, and only after the catch block has ended is the error
//     raised with ereport. The caller's frame must hold only plain data.
//   * pg_call(fn): runs fn (plain PostgreSQL code) under PG_TRY; an ERROR is
//     captured with CopyErrorData and rethrown as PgError, so it unwinds the
//     C++ frames normally and guarded() re-raises the original error (same
//     SQLSTATE, message, detail) once they are gone.
#pragma once

extern "C" {
#include "postgres.h"
}

#include <exception>
#include <type_traits>
#include <utility>

namespace lq::pg {

// A PostgreSQL error captured under pg_call(); carries the copied ErrorData.
class PgError : public std::exception {
 public:
  explicit PgError(ErrorData *data) noexcept : data_(data) {}
  const char *what() const noexcept override;
  ErrorData *data() const noexcept { return data_; }

 private:
  ErrorData *data_;
};

// Plain-data record of an exception, filled in a catch block.
struct PendingError {
  ErrorData *pg_error;  // set when the exception was a PgError
  int sqlerrcode;
  char message[1024];
  char detail[1024];
  char hint[512];
};

// Fills `out` from the exception currently being handled. Call only inside a
// catch block; never throws, never calls into PostgreSQL.
void capture_current_exception(PendingError *out) noexcept;

// Raises the captured error with ereport(ERROR). Never returns.
[[noreturn]] void raise_pending(const PendingError *err);

template <typename Body>
auto guarded(Body &&body) -> decltype(body()) {
  PendingError err;
  try {
    return body();
  } catch (...) {
    capture_current_exception(&err);
  }
  raise_pending(&err);
}

// Runs plain PostgreSQL code from C++; an ERROR becomes a PgError.
template <typename Fn>
auto pg_call(Fn &&fn) -> decltype(fn()) {
  using Result = decltype(fn());
  if constexpr (std::is_void_v<Result>) {
    // One PG_TRY block for both cases: a void fn runs as one returning a flag.
    pg_call([&] {
      fn();
      return true;
    });
  } else {
    MemoryContext caller_context = CurrentMemoryContext;
    ErrorData *captured = nullptr;
    Result result{};
    PG_TRY();
    { result = fn(); }
    PG_CATCH();
    {
      MemoryContextSwitchTo(caller_context);
      captured = CopyErrorData();
      FlushErrorState();
    }
    PG_END_TRY();
    if (captured != nullptr) throw PgError(captured);
    return result;
  }
}

}  // namespace lq::pg
