// activity_time_stamp(): the BEFORE INSERT OR UPDATE OF <occurred_at> FOR
// EACH ROW trigger track() installs on an activity table whose occurred_at
// column is nullable, with WHEN (NEW.<occurred_at> IS NULL). It writes the
// scoring time into the row (lead_qual.as_of when set, else the
// transaction's start: default_activity_time()), so that every later path
// (the insert trigger, rebuilds, rescore(), refresh(), verify()) reads the
// same stored time. A row whose occurred_at is still NULL is not scored
// (lq::pg::activity_time()). Its arguments: the column, and for a timestamp
// without time zone column the zone it is stored in (track()'s
// occurred_at_zone): the scoring time is written as that zone's local time.
#include "pg/entry.hpp"  // first: postgres.h precedes every other header

extern "C" {
#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/rel.h"
#include "utils/timestamp.h"
}

#include "pg/scoring_time.hpp"
#include "pg/trigger_checks.hpp"

LQ_FUNCTION(lq_activity_time_stamp) {
  TriggerData *td = lq::pg::trigger_data(fcinfo, "lead_qual.activity_time_stamp");
  const TriggerEvent event = td->tg_event;
  lq::pg::require_firing(
      TRIGGER_FIRED_BEFORE(event) && TRIGGER_FIRED_FOR_ROW(event) &&
          (TRIGGER_FIRED_BY_INSERT(event) || TRIGGER_FIRED_BY_UPDATE(event)) &&
          (td->tg_trigger->tgnargs == 1 || td->tg_trigger->tgnargs == 2),
      "lead_qual.activity_time_stamp",
      "BEFORE INSERT OR UPDATE FOR EACH ROW with the occurred_at column (and its zone) as arguments");
  HeapTuple row = TRIGGER_FIRED_BY_UPDATE(event) ? td->tg_newtuple : td->tg_trigtuple;
  TupleDesc desc = RelationGetDescr(td->tg_relation);
  const char *column = td->tg_trigger->tgargs[0];
  const char *zone = td->tg_trigger->tgnargs == 2 ? td->tg_trigger->tgargs[1] : nullptr;
  const Oid type = zone != nullptr ? TIMESTAMPOID : TIMESTAMPTZOID;
  const int attnum = SPI_fnumber(desc, column);
  if (attnum <= 0 || TupleDescAttr(desc, attnum - 1)->atttypid != type)
    ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN),
                    errmsg("table \"%s\" has no %s column \"%s\"", RelationGetRelationName(td->tg_relation),
                           format_type_be(type), column),
                    errhint("lead_qual.untrack() and lead_qual.track() the table again.")));
  bool isnull = false;
  heap_getattr(row, attnum, desc, &isnull);
  if (!isnull) return PointerGetDatum(row);  // the WHEN clause normally filters these out
  int columns[1] = {attnum};
  Datum stamp = TimestampTzGetDatum(lq::pg::default_activity_time());
  // timestamptz AT TIME ZONE zone: the local time there, as stored.
  if (zone != nullptr) stamp = DirectFunctionCall2(timestamptz_zone, CStringGetTextDatum(zone), stamp);
  Datum values[1] = {stamp};
  bool nulls[1] = {false};
  return PointerGetDatum(heap_modify_tuple_by_cols(row, desc, 1, columns, values, nulls));
}
