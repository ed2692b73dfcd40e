#include "pg/tracked_columns.hpp"

extern "C" {
#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/fmgrprotos.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
}

#include <cstring>
#include <string_view>

#include "pg/catalog.hpp"
#include "pg/lead_stage.hpp"
#include "pg/relation_facts.hpp"
#include "pg/track_args.hpp"

namespace lq::pg {

void tracked_column_missing(const char *column, const char *table) {
  ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN),
                  errmsg("column \"%s\" of table \"%s\" does not exist", column, table),
                  errhint("The table changed after lead_qual.track(); untrack and track it again.")));
  pg_unreachable();
}

AttrNumber tracked_column(TupleDesc desc, const char *column, const char *table) {
  const int attnum = SPI_fnumber(desc, column);
  if (attnum <= 0) tracked_column_missing(column, table);
  return static_cast<AttrNumber>(attnum);
}

AttrNumber tracked_column_of_type(TupleDesc desc, const char *column, const char *table, Oid type,
                                  Oid other_type) {
  const AttrNumber attnum = tracked_column(desc, column, table);
  const Oid actual = TupleDescAttr(desc, attnum - 1)->atttypid;
  if (actual != type && (other_type == InvalidOid || actual != other_type))
    ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
                    errmsg("column \"%s\" of table \"%s\" is of type %s, not %s", column, table,
                           format_type_be(actual), format_type_be(type)),
                    errhint("The table changed after lead_qual.track(); untrack and track it again.")));
  return attnum;
}

namespace {

// The LeadColumns of a lead_changed() trigger, with the attribute names they
// were found for.
struct CachedLeadColumns {
  LeadColumns columns;
  const AttrName *names;
  int count;
};

struct LeadColumnsCall {
  TriggerData *td;
  const AttrName *names;
  int count;
};

void *build_lead_columns(void *arg, MemoryContext cxt, Oid * /*depends_on*/) {
  const auto *call = static_cast<const LeadColumnsCall *>(arg);
  Relation rel = call->td->tg_relation;
  TrackArgs args;
  parse_track_args(call->td, TrackedTable::Leads, false, &args);
  TupleDesc desc = RelationGetDescr(rel);
  const char *table = RelationGetRelationName(rel);
  auto *cached = static_cast<CachedLeadColumns *>(MemoryContextAllocZero(cxt, sizeof(CachedLeadColumns)));
  LeadColumns *c = &cached->columns;
  c->relid = RelationGetRelid(rel);
  c->key_attnum = tracked_column(desc, args.key_column, table);
  // The columns lead_qual writes, of the types track() required: a value of
  // another type would be written as if it were one of those.
  c->state_attnum =
      tracked_column_of_type(desc, args.score_state_column, table, extension_type("score_state"));
  c->fit_attnum = tracked_column_of_type(desc, args.fit_score_column, table, FLOAT8OID);
  c->engagement_attnum = tracked_column_of_type(desc, args.engagement_score_column, table, FLOAT8OID);
  c->score_attnum = tracked_column_of_type(desc, args.score_column, table, FLOAT8OID);
  c->stage_attnum = tracked_column_of_type(desc, args.stage_column, table, extension_type("lead_stage"));
  c->changed_at_attnum = tracked_column_of_type(desc, args.stage_changed_at_column, table, TIMESTAMPTZOID);
  const int count = call->count;
  c->attribute_attnums =
      static_cast<AttrNumber *>(MemoryContextAllocZero(cxt, sizeof(AttrNumber) * (count + 1)));
  auto *names = static_cast<AttrName *>(MemoryContextAllocZero(cxt, sizeof(AttrName) * (count + 1)));
  // A column dropped since track() reads as missing.
  for (int i = 0; i < count; ++i) {
    c->attribute_attnums[i] = static_cast<AttrNumber>(SPI_fnumber(desc, call->names[i].name));
    names[i].name = MemoryContextStrdup(cxt, call->names[i].name);
    names[i].len = call->names[i].len;
  }
  cached->names = names;
  cached->count = count;
  key_text_init(&c->key_text, TupleDescAttr(desc, c->key_attnum - 1)->atttypid, cxt);
  return cached;
}

// Whether cached columns were found for the same attribute names (a model
// change may change them; it also invalidates the table's facts).
bool same_attributes(void *arg, const void *facts) {
  const auto *call = static_cast<const LeadColumnsCall *>(arg);
  const auto *cached = static_cast<const CachedLeadColumns *>(facts);
  if (cached->count != call->count) return false;
  for (int i = 0; i < call->count; ++i)
    if (strcmp(cached->names[i].name, call->names[i].name) != 0) return false;
  return true;
}

}  // namespace

LeadColumns *lead_columns(TriggerData *td, const AttrName *names, int count) {
  LeadColumnsCall call{td, names, count};
  auto *cached = static_cast<CachedLeadColumns *>(
      relation_facts(RelationGetRelid(td->tg_relation), td->tg_trigger->tgoid, FactKind::kLeadColumns,
                     build_lead_columns, same_attributes, &call));
  return &cached->columns;
}

const char *lead_key_text(HeapTuple row, TupleDesc desc, LeadColumns &columns) {
  bool isnull = false;
  const Datum key = heap_getattr(row, columns.key_attnum, desc, &isnull);
  return isnull ? "" : key_text_of(&columns.key_text, key);
}

namespace {

// A column value of type `type` as the core sees it (attr_from_tuple()).
AttrValue attr_from_datum(Datum d, bool isnull, Oid type) {
  if (isnull) return AttrValue::missing();
  switch (type) {
    case BOOLOID:
      return AttrValue::of_bool(DatumGetBool(d));
    case INT2OID:
      return AttrValue::of_number(DatumGetInt16(d));
    case INT4OID:
      return AttrValue::of_number(DatumGetInt32(d));
    case INT8OID:
      return AttrValue::of_number(static_cast<double>(DatumGetInt64(d)));
    case FLOAT4OID:
      return AttrValue::of_number(DatumGetFloat4(d));
    case FLOAT8OID:
      return AttrValue::of_number(DatumGetFloat8(d));
    case NUMERICOID:
      return AttrValue::of_number(DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow, d)));
    case TEXTOID:
    case VARCHAROID: {
      text *t = DatumGetTextPP(d);
      return AttrValue::of_string(std::string_view(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t)));
    }
    default: {
      Oid output;
      bool varlena;
      getTypeOutputInfo(type, &output, &varlena);
      const char *s = OidOutputFunctionCall(output, d);
      return AttrValue::of_string(std::string_view(s, strlen(s)));
    }
  }
}

}  // namespace

AttrValue attr_from_tuple(HeapTuple row, TupleDesc desc, AttrNumber attnum) {
  if (attnum <= 0) return AttrValue::missing();
  bool isnull = false;
  const Datum d = heap_getattr(row, attnum, desc, &isnull);
  return attr_from_datum(d, isnull, TupleDescAttr(desc, attnum - 1)->atttypid);
}

RowValues row_values(HeapTuple row, TupleDesc desc) {
  RowValues r{row, static_cast<Datum *>(palloc(sizeof(Datum) * desc->natts)),
              static_cast<bool *>(palloc(sizeof(bool) * desc->natts))};
  heap_deform_tuple(row, desc, r.values, r.nulls);
  return r;
}

AttrValue attr_from_values(const RowValues &r, TupleDesc desc, AttrNumber attnum) {
  if (attnum <= 0) return AttrValue::missing();
  return attr_from_datum(r.values[attnum - 1], r.nulls[attnum - 1],
                         TupleDescAttr(desc, attnum - 1)->atttypid);
}

HeapTuple with_lead_outputs(RowValues &r, TupleDesc desc, const LeadColumns &columns,
                            const LeadOutputs &out) {
  const AttrNumber attnums[6] = {columns.state_attnum, columns.fit_attnum,   columns.engagement_attnum,
                                 columns.score_attnum, columns.stage_attnum, columns.changed_at_attnum};
  const Datum values[6] = {PointerGetDatum(out.state),     Float8GetDatum(out.fit),
                           Float8GetDatum(out.engagement), Float8GetDatum(out.score),
                           stage_to_datum(out.stage),      out.changed_at};
  for (int i = 0; i < 6; ++i) {
    r.values[attnums[i] - 1] = values[i];
    r.nulls[attnums[i] - 1] = false;
  }
  HeapTuple result = heap_form_tuple(desc, r.values, r.nulls);
  // The old row's identity, as heap_modify_tuple() keeps it.
  result->t_data->t_ctid = r.row->t_data->t_ctid;
  result->t_self = r.row->t_self;
  result->t_tableOid = r.row->t_tableOid;
  return result;
}

HeapTuple with_lead_outputs(HeapTuple row, TupleDesc desc, const LeadColumns &columns,
                            const LeadOutputs &out) {
  int attnums[6] = {columns.state_attnum, columns.fit_attnum,   columns.engagement_attnum,
                    columns.score_attnum, columns.stage_attnum, columns.changed_at_attnum};
  Datum values[6] = {PointerGetDatum(out.state), Float8GetDatum(out.fit),   Float8GetDatum(out.engagement),
                     Float8GetDatum(out.score),  stage_to_datum(out.stage), out.changed_at};
  bool nulls[6] = {false, false, false, false, false, false};
  return heap_modify_tuple_by_cols(row, desc, 6, attnums, values, nulls);
}

bool column_changed(HeapTuple a, HeapTuple b, TupleDesc desc, AttrNumber attnum) {
  if (attnum <= 0) return false;
  bool a_null = false;
  bool b_null = false;
  const Datum x = heap_getattr(a, attnum, desc, &a_null);
  const Datum y = heap_getattr(b, attnum, desc, &b_null);
  if (a_null || b_null) return a_null != b_null;
  Form_pg_attribute att = TupleDescAttr(desc, attnum - 1);
  return !datumIsEqual(x, y, att->attbyval, att->attlen);
}

}  // namespace lq::pg
