// lq_boundary_selftest(what text) -> bigint: exercises the C++/PostgreSQL
// error boundary from SQL. It is deliberately not part of the extension's SQL
// API: the regression suite creates it by hand (sql/boundary.sql).
//
//   'cxx_error'      core lq::Error           -> ERROR 22023
//   'bad_alloc'      std::bad_alloc           -> ERROR 53200
//   'std_exception'  std::runtime_error       -> ERROR XX000
//   'pg_error'       ereport(ERROR) raised by PostgreSQL (division by zero)
//                    under three C++ frames that own destructors, through
//                    pg_call(): the frames unwind, then 22012 is re-raised
//   'live_objects'   how many guarded test objects are alive right now
//                    (0 after any of the above: nothing leaked)
#include "pg/entry.hpp"  // first: postgres.h precedes every other header

extern "C" {
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
}

#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace {

long live_objects = 0;

// Owns heap memory and counts itself, so a skipped destructor shows up both
// as a leak (valgrind/ASan) and in 'live_objects'.
struct Tracked {
  std::vector<std::string> payload;
  Tracked() : payload(16, std::string(64, 'x')) { ++live_objects; }
  ~Tracked() { --live_objects; }
  Tracked(const Tracked &) = delete;
  Tracked &operator=(const Tracked &) = delete;
};

int32 divide_in_postgres(int32 a, int32 b) {
  return lq::pg::pg_call(
      [a, b] { return DatumGetInt32(DirectFunctionCall2(int4div, Int32GetDatum(a), Int32GetDatum(b))); });
}

// Recursive on purpose: C++ frames with destructors, `depth` deep, over the
// PostgreSQL error.
int64 nested_pg_error(int depth) {  // NOLINT(misc-no-recursion)
  Tracked here;
  auto on_heap = std::make_unique<Tracked>();
  if (depth == 0) return divide_in_postgres(1, 0);
  return nested_pg_error(depth - 1) + static_cast<int64>(here.payload.size() + on_heap->payload.size());
}

}  // namespace

LQ_FUNCTION(lq_boundary_selftest) {
  const char *what = text_to_cstring(PG_GETARG_TEXT_PP(0));
  const std::string mode(what);
  if (mode == "cxx_error")
    throw lq::Error(lq::ErrorKind::InvalidParameter, "boundary self-test: C++ error", "detail text",
                    "hint text");
  if (mode == "bad_alloc") throw std::bad_alloc();
  if (mode == "std_exception") throw std::runtime_error("boundary self-test: std::runtime_error");
  if (mode == "pg_error") PG_RETURN_INT64(nested_pg_error(2));
  if (mode == "live_objects") PG_RETURN_INT64(live_objects);
  throw lq::Error(lq::ErrorKind::InvalidParameter, "unknown self-test " + lq::quoted_name(mode));
}
