#include "pg/filtered_lead.hpp"

extern "C" {
#include "access/htup_details.h"
#include "miscadmin.h"
}

#include "core/change_reason.hpp"
#include "pg/lead_stage.hpp"
#include "pg/stage_history.hpp"

namespace lq::pg {

namespace {
// A stored score column (0 when NULL: a lead never scored).
double stored_score(HeapTuple row, TupleDesc desc, AttrNumber attnum) {
  bool isnull = false;
  const Datum d = heap_getattr(row, attnum, desc, &isnull);
  return isnull ? 0.0 : DatumGetFloat8(d);
}
}  // namespace

HeapTuple inserted_outside_filter(HeapTuple row, TupleDesc desc, const LeadColumns &columns) {
  bool stage_null = false;
  heap_getattr(row, columns.stage_attnum, desc, &stage_null);
  int attnums[6] = {columns.state_attnum, columns.fit_attnum,        columns.engagement_attnum,
                    columns.score_attnum, columns.changed_at_attnum, columns.stage_attnum};
  Datum values[6] = {0, 0, 0, 0, 0, stage_to_datum(Stage::Lead)};
  bool nulls[6] = {true, true, true, true, true, false};
  return heap_modify_tuple_by_cols(row, desc, stage_null ? 6 : 5, attnums, values, nulls);
}

HeapTuple manual_change_outside_filter(HeapTuple row, TupleDesc desc, LeadColumns &columns, Oid leads,
                                       int from_rank, Stage to, const char *channel, TimestampTz now) {
  StageChange change = {const_cast<char *>(lead_key_text(row, desc, columns)),
                        from_rank,
                        stage_rank(to),
                        stored_score(row, desc, columns.fit_attnum),
                        stored_score(row, desc, columns.engagement_attnum),
                        stored_score(row, desc, columns.score_attnum)};
  record_stage_changes(leads, &change, 1, lq::reason::kManual, channel, now, GetUserId());
  int attnum[1] = {columns.changed_at_attnum};
  Datum value[1] = {TimestampTzGetDatum(now)};
  bool null[1] = {false};
  return heap_modify_tuple_by_cols(row, desc, 1, attnum, value, null);
}

}  // namespace lq::pg
