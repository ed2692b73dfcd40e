#include "pg/scoring_time.hpp"

#include "pg/entry.hpp"

extern "C" {
#include "access/xact.h"
#include "utils/builtins.h"
#include "utils/guc.h"
}

namespace lq::pg {

namespace {
char *as_of_setting = nullptr;

bool as_of_set(TimestampTz *out) {
  if (as_of_setting == nullptr || as_of_setting[0] == '\0') return false;
  *out = DatumGetTimestampTz(DirectFunctionCall3(timestamptz_in, CStringGetDatum(as_of_setting),
                                                 ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
  if (TIMESTAMP_NOT_FINITE(*out))
    ereport(ERROR,
            (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("lead_qual.as_of must be a finite timestamp")));
  return true;
}
}  // namespace

void define_scoring_time_setting() {
  DefineCustomStringVariable(
      "lead_qual.as_of", "Time lead_qual scores as of (empty: the statement's start).",
      "For backfills and replays of historical activities; stage changes are dated with it too.",
      &as_of_setting, "", PGC_SUSET, 0, nullptr, nullptr, nullptr);
}

TimestampTz scoring_time() {
  TimestampTz t;
  return as_of_set(&t) ? t : GetCurrentStatementStartTimestamp();
}

TimestampTz default_activity_time() {
  TimestampTz t;
  return as_of_set(&t) ? t : GetCurrentTransactionStartTimestamp();
}

TimestampTz stored_time(Datum stored, const char *zone) {
  return DatumGetTimestampTz(DirectFunctionCall2(timestamp_zone, CStringGetTextDatum(zone), stored));
}

}  // namespace lq::pg

// lead_qual._scoring_time(): scoring_time() for the SQL of rescore(), so
// that its rebuild and its writes use the same time.
LQ_FUNCTION(lq_scoring_time) { PG_RETURN_TIMESTAMPTZ(lq::pg::scoring_time()); }

// lead_qual._stored_time(occurred_at timestamp, zone text): see stored_time().
LQ_FUNCTION(lq_stored_time) {
  if (PG_ARGISNULL(0) || PG_ARGISNULL(1)) PG_RETURN_NULL();
  PG_RETURN_TIMESTAMPTZ(lq::pg::stored_time(PG_GETARG_DATUM(0), text_to_cstring(PG_GETARG_TEXT_PP(1))));
}
