// lead_stage: I/O, comparison, hashing and rank.
#include "pg/lead_stage.hpp"

extern "C" {
#include "common/hashfn.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
}

#include <string>

#include "core/error.hpp"
#include "pg/entry.hpp"

namespace lq::pg {

Stage stage_from_datum(Datum d) {
  const int rank = static_cast<unsigned char>(DatumGetChar(d));
  if (auto s = stage_from_rank(rank)) return *s;
  throw Error(ErrorKind::Internal, "corrupt lead_stage value: byte " + std::to_string(rank) +
                                       " is not a stage rank (0.." + std::to_string(kStageCount - 1) + ")");
}

void check_transition(Stage from, Stage to) {
  if (can_transition(from, to)) return;
  throw Error(ErrorKind::CheckViolation,
              "invalid lead stage transition from " + std::string(stage_name(from)) + " to " +
                  std::string(stage_name(to)),
              {}, "Allowed from " + std::string(stage_name(from)) + ": " + allowed_targets_list(from) + ".");
}

void check_transition(Stage from, Stage to, const TransitionPolicy &policy) {
  if (policy.allows(from, to)) return;
  if (policy == TransitionPolicy()) check_transition(from, to);  // the default's own message
  throw Error(ErrorKind::CheckViolation,
              "invalid lead stage transition from " + std::string(stage_name(from)) + " to " +
                  std::string(stage_name(to)),
              {},
              "Allowed from " + std::string(stage_name(from)) +
                  " by this table's policy: " + policy.allowed_targets_list(from) + ".");
}

}  // namespace lq::pg

using lq::Stage;

LQ_FUNCTION(lead_stage_in) {
  const char *input = PG_GETARG_CSTRING(0);
  if (auto s = lq::parse_stage(input)) PG_RETURN_LEAD_STAGE(*s);
  throw lq::Error(lq::ErrorKind::InvalidText,
                  "invalid input syntax for type lead_stage: " + lq::quoted_name(input), {},
                  "Valid stages are: " + lq::stage_list() + ".");
}

LQ_FUNCTION(lead_stage_out) {
  const Stage s = PG_GETARG_LEAD_STAGE(0);
  const std::string_view name = lq::stage_name(s);
  // stage names are static C strings of known length.
  PG_RETURN_CSTRING(pnstrdup(name.data(), name.size()));
}

LQ_FUNCTION(lead_stage_recv) {
  auto *buf = reinterpret_cast<StringInfo>(PG_GETARG_POINTER(0));
  const int rank = pq_getmsgbyte(buf);
  if (auto s = lq::stage_from_rank(rank)) PG_RETURN_LEAD_STAGE(*s);
  throw lq::Error(lq::ErrorKind::InvalidBinary,
                  "invalid binary lead_stage: byte " + std::to_string(rank) + " is out of range",
                  "A lead_stage is one byte, 0 (subscriber) to " + std::to_string(lq::kStageCount - 1) +
                      " (disqualified).");
}

LQ_FUNCTION(lead_stage_send) {
  const Stage s = PG_GETARG_LEAD_STAGE(0);
  StringInfoData buf;
  pq_begintypsend(&buf);
  pq_sendbyte(&buf, static_cast<uint8>(lq::stage_rank(s)));
  PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

namespace {
int compare_args(FunctionCallInfo fcinfo) {
  return lq::stage_rank(PG_GETARG_LEAD_STAGE(0)) - lq::stage_rank(PG_GETARG_LEAD_STAGE(1));
}
}  // namespace

LQ_FUNCTION(lead_stage_eq) { PG_RETURN_BOOL(compare_args(fcinfo) == 0); }
LQ_FUNCTION(lead_stage_ne) { PG_RETURN_BOOL(compare_args(fcinfo) != 0); }
LQ_FUNCTION(lead_stage_lt) { PG_RETURN_BOOL(compare_args(fcinfo) < 0); }
LQ_FUNCTION(lead_stage_le) { PG_RETURN_BOOL(compare_args(fcinfo) <= 0); }
LQ_FUNCTION(lead_stage_gt) { PG_RETURN_BOOL(compare_args(fcinfo) > 0); }
LQ_FUNCTION(lead_stage_ge) { PG_RETURN_BOOL(compare_args(fcinfo) >= 0); }

LQ_FUNCTION(lead_stage_cmp) {
  const int c = compare_args(fcinfo);
  PG_RETURN_INT32(c < 0 ? -1 : (c > 0 ? 1 : 0));
}

LQ_FUNCTION(lead_stage_smaller) {
  PG_RETURN_DATUM(compare_args(fcinfo) <= 0 ? PG_GETARG_DATUM(0) : PG_GETARG_DATUM(1));
}

LQ_FUNCTION(lead_stage_larger) {
  PG_RETURN_DATUM(compare_args(fcinfo) >= 0 ? PG_GETARG_DATUM(0) : PG_GETARG_DATUM(1));
}

// Hashing the rank as an int4 keeps lead_stage hashing consistent with the
// integer hash opclass family's conventions (hash_uint32 of the value).
LQ_FUNCTION(lead_stage_hash) {
  PG_RETURN_DATUM(hash_uint32(static_cast<uint32>(lq::stage_rank(PG_GETARG_LEAD_STAGE(0)))));
}

LQ_FUNCTION(lead_stage_hash_extended) {
  const auto rank = static_cast<uint32>(lq::stage_rank(PG_GETARG_LEAD_STAGE(0)));
  PG_RETURN_DATUM(hash_uint32_extended(rank, static_cast<uint64>(PG_GETARG_INT64(1))));
}

LQ_FUNCTION(lead_stage_rank) { PG_RETURN_INT32(lq::stage_rank(PG_GETARG_LEAD_STAGE(0))); }
