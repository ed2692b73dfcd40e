// The columns of a tracked table that lead_qual's triggers read and write,
// found by the names track() gave them (TrackArgs), and the values read from
// a leads row.
#pragma once

extern "C" {
#include "postgres.h"

#include "access/htup.h"
#include "access/tupdesc.h"
#include "commands/trigger.h"
#include "fmgr.h"
}

#include "core/attr_value.hpp"
#include "core/stage.hpp"
#include "pg/lead_key.hpp"
#include "pg/model_cache.hpp"

namespace lq::pg {

// ERROR 42703 for a column `column` of tracked table `table` that no longer
// exists: the table changed after track().
[[noreturn]] void tracked_column_missing(const char *column, const char *table);

// The attribute number of `column` in `desc` (of table `table`), or
// tracked_column_missing().
AttrNumber tracked_column(TupleDesc desc, const char *column, const char *table);

// tracked_column() of a column that must be of `type` (or `other_type`,
// when valid) as track() required; ERROR 42804 when it is not (an ALTER
// COLUMN ... TYPE since).
AttrNumber tracked_column_of_type(TupleDesc desc, const char *column, const char *table, Oid type,
                                  Oid other_type = InvalidOid);

// Attribute numbers of the columns lead_qual writes and reads in one leads
// relation (the table, or on Citus the shard the trigger fires on, whose
// numbers may differ from the table's).
struct LeadColumns {
  Oid relid;
  AttrNumber key_attnum, state_attnum, fit_attnum, engagement_attnum, score_attnum, stage_attnum,
      changed_at_attnum;
  AttrNumber *attribute_attnums;  // the model's lead attributes, in model order; <= 0: column dropped
  KeyText key_text;               // the key's text (lead_key.hpp)
};

// The columns the arguments of lead_changed() trigger td->tg_trigger name in
// the relation it fires on, and those of the model's attributes `names`.
// Kept for the backend (relation_facts.hpp); valid until the end of the
// transaction.
LeadColumns *lead_columns(TriggerData *td, const AttrName *names, int count);

// The lead key's text, as key::text gives it (KeyText; "" when NULL).
const char *lead_key_text(HeapTuple row, TupleDesc desc, LeadColumns &columns);

// A column value as the core sees it: booleans and numbers as such, any
// other type by its text form. A dropped column (attnum <= 0) or NULL is
// missing.
AttrValue attr_from_tuple(HeapTuple row, TupleDesc desc, AttrNumber attnum);

// A leads row taken apart once (heap_deform_tuple()): a trigger that reads
// several of its columns would otherwise walk the row from its start for
// each (heap_getattr() after a variable-width column), and writing six of
// them takes it apart again (heap_modify_tuple()). Arrays in
// CurrentMemoryContext.
struct RowValues {
  HeapTuple row;
  Datum *values;  // by attribute number - 1
  bool *nulls;
};
RowValues row_values(HeapTuple row, TupleDesc desc);

// attr_from_tuple() of a row taken apart.
AttrValue attr_from_values(const RowValues &r, TupleDesc desc, AttrNumber attnum);

// The values lead_qual writes into a leads row.
struct LeadOutputs {
  void *state;  // score_state varlena
  double fit, engagement, score;
  Stage stage;
  Datum changed_at;  // stage_changed_at (timestamptz)
};

// `row` with the columns lead_qual writes replaced by `out`.
HeapTuple with_lead_outputs(HeapTuple row, TupleDesc desc, const LeadColumns &columns,
                            const LeadOutputs &out);
// The same for a row taken apart (its values are overwritten).
HeapTuple with_lead_outputs(RowValues &r, TupleDesc desc, const LeadColumns &columns, const LeadOutputs &out);

// Whether column `attnum` differs between two versions of a row.
bool column_changed(HeapTuple a, HeapTuple b, TupleDesc desc, AttrNumber attnum);

}  // namespace lq::pg
