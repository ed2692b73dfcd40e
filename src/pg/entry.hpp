// LQ_FUNCTION(name): declares a SQL-callable function whose body runs inside
// lq::pg::guarded(). Write the body as a normal V1 function body:
//
//   LQ_FUNCTION(lead_stage_in) {
//     const char *text = PG_GETARG_CSTRING(0);
//     ...
//     PG_RETURN_DATUM(...);
//   }
//
// The body may call PostgreSQL directly while it holds only plain data (an
// ERROR then longjmps over frames with nothing to destroy); C++ objects with
// destructors must be confined to scopes that call PostgreSQL only through
// lq::pg::pg_call().
#pragma once

extern "C" {
#include "postgres.h"

#include "fmgr.h"
}

#include "pg/compat.hpp"  // PostgreSQL major differences, for every SQL-callable file
#include "pg/guard.hpp"

#define LQ_FUNCTION(name)                                                        \
  extern "C" {                                                                   \
  PG_FUNCTION_INFO_V1(name);                                                     \
  }                                                                              \
  static Datum name##_body(FunctionCallInfo fcinfo);                             \
  extern "C" Datum name(PG_FUNCTION_ARGS) {                                      \
    return lq::pg::guarded([fcinfo]() -> Datum { return name##_body(fcinfo); }); \
  }                                                                              \
  static Datum name##_body([[maybe_unused]] FunctionCallInfo fcinfo)
