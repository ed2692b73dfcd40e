// lead_changed(): the BEFORE INSERT OR UPDATE row trigger track() installs on
// a leads table.
//  * lead_qual's own writes (an active lead write on this table) pass.
//  * INSERT: the lead gets its state (rebuilt from any activities recorded
//    before it existed), fit, engagement, score and automatic stage.
//  * UPDATE: a manual change of the stage column is checked against the
//    transition rules (23514) and recorded; a change of an attribute the
//    model reads rescores the lead (a rep sets budget_confirmed, the lead
//    becomes an SQL).
// Also: model_attributes(), _state_matches().
#include "pg/entry.hpp"  // first: postgres.h precedes every other header

extern "C" {
#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/fmgrprotos.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/timestamp.h"
}

#include <cstring>

#include "core/error.hpp"
#include "core/score_state.hpp"
#include "pg/lead_stage.hpp"
#include "pg/lead_write.hpp"
#include "pg/model_cache.hpp"
#include "pg/score_state_type.hpp"
#include "pg/scoring_time.hpp"
#include "pg/track_args.hpp"
#include "pg/tracking_sql.hpp"

namespace {

using lq::pg::ModelRef;
using lq::pg::TrackArgs;

using lq::pg::LeadColumns;

int column(TupleDesc desc, const char *name, Relation rel) {
  const int attnum = SPI_fnumber(desc, name);
  if (attnum <= 0)
    ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN),
                    errmsg("column \"%s\" of table \"%s\" does not exist", name, RelationGetRelationName(rel)),
                    errhint("The table changed after lead_qual.track(); untrack and track it again.")));
  return attnum;
}

// A column value as the core sees it: booleans and numbers as such, any
// other type by its text form. A dropped column (attnum <= 0) is missing.
lq::AttrValue attr_from_tuple(HeapTuple tuple, TupleDesc desc, int attnum) {
  if (attnum <= 0) return lq::AttrValue::missing();
  bool isnull = false;
  const Datum d = heap_getattr(tuple, attnum, desc, &isnull);
  if (isnull) return lq::AttrValue::missing();
  const Oid type = TupleDescAttr(desc, attnum - 1)->atttypid;
  switch (type) {
    case BOOLOID:
      return lq::AttrValue::of_bool(DatumGetBool(d));
    case INT2OID:
      return lq::AttrValue::of_number(DatumGetInt16(d));
    case INT4OID:
      return lq::AttrValue::of_number(DatumGetInt32(d));
    case INT8OID:
      return lq::AttrValue::of_number(static_cast<double>(DatumGetInt64(d)));
    case FLOAT4OID:
      return lq::AttrValue::of_number(DatumGetFloat4(d));
    case FLOAT8OID:
      return lq::AttrValue::of_number(DatumGetFloat8(d));
    case NUMERICOID:
      return lq::AttrValue::of_number(DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow, d)));
    case TEXTOID:
    case VARCHAROID: {
      text *t = DatumGetTextPP(d);
      return lq::AttrValue::of_string(std::string_view(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t)));
    }
    default: {
      Oid output;
      bool varlena;
      getTypeOutputInfo(type, &output, &varlena);
      const char *s = OidOutputFunctionCall(output, d);
      return lq::AttrValue::of_string(std::string_view(s, strlen(s)));
    }
  }
}

bool column_changed(HeapTuple a, HeapTuple b, TupleDesc desc, int attnum) {
  if (attnum <= 0) return false;
  bool a_null = false, b_null = false;
  const Datum x = heap_getattr(a, attnum, desc, &a_null);
  const Datum y = heap_getattr(b, attnum, desc, &b_null);
  if (a_null || b_null) return a_null != b_null;
  Form_pg_attribute att = TupleDescAttr(desc, attnum - 1);
  return !datumIsEqual(x, y, att->attbyval, att->attlen);
}

// The lead's state: the stored one when it belongs to this model version,
// otherwise rebuilt from the activity history (as the leads table's owner),
// otherwise empty. Returns a varlena in CurrentMemoryContext.
void *current_state(HeapTuple tuple, TupleDesc desc, const LeadColumns &cols, const TrackArgs &args,
                    const ModelRef &model, Oid trigger) {
  const lq::Model &m = *model.model;
  bool isnull = false;
  const Datum stored = heap_getattr(tuple, cols.state, desc, &isnull);
  if (!isnull) {
    struct varlena *s = PG_DETOAST_DATUM(stored);
    lq::state_validate(s, VARSIZE(s), lq::ErrorKind::DataCorrupted);
    const lq::StateView view(s);
    if (view.model_name() == m.name && view.header().model_version == m.version) return s;
  }
  bool key_null = false;
  const Datum key = heap_getattr(tuple, cols.key, desc, &key_null);
  void *result = nullptr;
  if (!key_null) {
    Oid output;
    bool varlena;
    getTypeOutputInfo(TupleDescAttr(desc, cols.key - 1)->atttypid, &output, &varlena);
    Datum values[2] = {CStringGetTextDatum(OidOutputFunctionCall(output, key)), CStringGetTextDatum(args.model)};
    MemoryContext caller = CurrentMemoryContext;
    Oid save_user;
    int save_sec;
    GetUserIdAndSecContext(&save_user, &save_sec);
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "lead_qual: SPI_connect failed");
    SetUserIdAndSecContext(lq::pg::relation_owner(args.leads_oid), save_sec | SECURITY_LOCAL_USERID_CHANGE);
    lq::pg::TrackingPlans *plans = lq::pg::tracking_plans(trigger, args);
    const int rc = SPI_execute_plan(plans->rebuild_one, values, nullptr, false, 1);
    if (rc != SPI_OK_SELECT) elog(ERROR, "lead_qual: rebuilding a lead failed: %s", SPI_result_code_string(rc));
    if (SPI_processed == 1) {
      bool state_null = false;
      const Datum s = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &state_null);
      if (!state_null) {
        struct varlena *v = PG_DETOAST_DATUM(s);
        result = MemoryContextAlloc(caller, VARSIZE(v));
        memcpy(result, v, VARSIZE(v));
      }
    }
    SetUserIdAndSecContext(save_user, save_sec);
    SPI_finish();
  }
  if (result == nullptr) {
    const std::size_t size = lq::state_size(m);
    result = palloc(size);
    lq::state_init(result, m);
    SET_VARSIZE(result, size);
  }
  return result;
}

// The columns the trigger's arguments name, in the relation it fires on (on
// Citus a shard, whose column numbers may differ from the table's), and the
// model's attributes `names` (a column dropped since track() reads as
// missing), allocated in `cxt`.
LeadColumns *find_columns(TriggerData *td, const lq::pg::AttrName *names, int count, MemoryContext cxt) {
  Relation rel = td->tg_relation;
  TrackArgs args;
  lq::pg::parse_track_args(td, lq::pg::TrackedTable::Leads, false, &args);
  TupleDesc desc = RelationGetDescr(rel);
  auto *c = static_cast<LeadColumns *>(MemoryContextAllocZero(cxt, sizeof(LeadColumns)));
  c->relid = RelationGetRelid(rel);
  c->key = column(desc, args.key, rel);
  c->state = column(desc, args.score_state, rel);
  c->fit = column(desc, args.fit_score, rel);
  c->engagement = column(desc, args.engagement_score, rel);
  c->score = column(desc, args.score, rel);
  c->stage = column(desc, args.stage, rel);
  c->changed_at = column(desc, args.stage_changed_at, rel);
  c->attributes = static_cast<int *>(MemoryContextAllocZero(cxt, sizeof(int) * (count + 1)));
  for (int i = 0; i < count; ++i) c->attributes[i] = SPI_fnumber(desc, names[i].name);
  Oid output;
  bool varlena;
  getTypeOutputInfo(TupleDescAttr(desc, c->key - 1)->atttypid, &output, &varlena);
  fmgr_info_cxt(output, &c->key_output, cxt);
  return c;
}

// The lead key's text ("" when NULL).
const char *lead_key_text(HeapTuple tuple, TupleDesc desc, LeadColumns &c) {
  bool isnull = false;
  const Datum key = heap_getattr(tuple, c.key, desc, &isnull);
  return isnull ? "" : OutputFunctionCall(&c.key_output, key);
}

// A row of lead_qual's own UPDATE from the activity triggers: the lead's new
// scores and stage from its stored state plus the statement's delta. Under
// READ COMMITTED the executor hands this trigger the newest version of a row
// that was updated concurrently (and keeps it locked), so the delta is added
// to what is really stored, once.
HeapTuple apply_in_trigger(lq::pg::LeadWrite *w, TriggerData *td) {
  HeapTuple row = td->tg_newtuple;
  TupleDesc desc = RelationGetDescr(td->tg_relation);
  // Looked up once per write and relation.
  if (w->columns == nullptr || w->columns->relid != RelationGetRelid(td->tg_relation))
    w->columns = find_columns(td, w->lead_names, w->lead_count, w->context);
  LeadColumns &c = *w->columns;
  // The lead's delta: by the key's bits when the activity trigger keyed them
  // so, else by the key's text.
  bool isnull = false;
  const Datum key_datum = heap_getattr(row, c.key, desc, &isnull);
  lq::pg::LeadDelta *delta = nullptr;
  if (!isnull && w->deltas_by_value != nullptr) {
    auto *e = static_cast<lq::pg::ByValueDelta *>(hash_search(w->deltas_by_value, &key_datum, HASH_FIND, nullptr));
    if (e != nullptr) delta = e->delta;
  }
  const char *key = delta != nullptr ? delta->key : lead_key_text(row, desc, c);
  const Datum stored = heap_getattr(row, c.state, desc, &isnull);
  const void *stored_state = nullptr;
  if (!isnull) {
    struct varlena *s = PG_DETOAST_DATUM(stored);
    lq::state_validate(s, VARSIZE(s), lq::ErrorKind::DataCorrupted);
    stored_state = s;
  }
  bool stage_null = false, changed_at_null = false, score_null = false;
  const Datum stage = heap_getattr(row, c.stage, desc, &stage_null);
  const Datum changed_at = heap_getattr(row, c.changed_at, desc, &changed_at_null);
  const Datum score = heap_getattr(row, c.score, desc, &score_null);
  for (int i = 0; i < w->lead_count; ++i) w->lead_values[i] = attr_from_tuple(row, desc, c.attributes[i]);
  const lq::pg::LeadUpdate u = lq::pg::compute_update(
      w, delta, key, stored_state, !stage_null, stage_null ? lq::Stage::Lead : lq::pg::stage_from_datum(stage),
      !changed_at_null, !score_null, score_null ? 0.0 : DatumGetFloat8(score), nullptr);
  int columns[6] = {c.state, c.fit, c.engagement, c.score, c.stage, c.changed_at};
  Datum values[6] = {PointerGetDatum(u.state), Float8GetDatum(u.fit),          Float8GetDatum(u.engagement),
                     Float8GetDatum(u.score),  lq::pg::stage_to_datum(u.stage), TimestampTzGetDatum(w->as_of)};
  bool nulls[6] = {false, false, false, false, false, false};
  if (!u.stage_changed_now) values[5] = changed_at;
  return heap_modify_tuple_by_cols(row, desc, 6, columns, values, nulls);
}

}  // namespace

LQ_FUNCTION(lq_lead_changed) {
  if (!CALLED_AS_TRIGGER(fcinfo))
    ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED), errmsg("lead_changed() must be called as a trigger")));
  auto *td = reinterpret_cast<TriggerData *>(fcinfo->context);
  const TriggerEvent event = td->tg_event;
  if (!TRIGGER_FIRED_BEFORE(event) || !TRIGGER_FIRED_FOR_ROW(event) ||
      !(TRIGGER_FIRED_BY_INSERT(event) || TRIGGER_FIRED_BY_UPDATE(event)))
    ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                    errmsg("lead_changed() must be fired BEFORE INSERT OR UPDATE FOR EACH ROW")));
  const bool inserting = TRIGGER_FIRED_BY_INSERT(event);
  HeapTuple row = inserting ? td->tg_trigtuple : td->tg_newtuple;
  Relation rel = td->tg_relation;
  // lead_qual's own write of this table: the activity triggers' rows are
  // computed here, rescore()'s and refresh()'s already by _apply().
  if (lq::pg::LeadWrite *w = lq::pg::active_write_on(RelationGetRelid(rel))) {
    if (inserting || !w->apply_in_trigger) return PointerGetDatum(row);
    return PointerGetDatum(apply_in_trigger(w, td));
  }

  TrackArgs args;
  lq::pg::parse_track_args(td, lq::pg::TrackedTable::Leads, false, &args);
  ModelRef *model = lq::pg::model_for_call(fcinfo, cstring_to_text(args.model));
  const lq::Model &m = *model->model;
  TupleDesc desc = RelationGetDescr(rel);
  LeadColumns &cols = *find_columns(td, model->lead_names, model->lead_count, CurrentMemoryContext);
  const int *attr_cols = cols.attributes;

  const TimestampTz now = lq::pg::scoring_time();
  bool stage_null = false;
  const Datum stage_datum = heap_getattr(row, cols.stage, desc, &stage_null);
  const lq::Stage given = stage_null ? lq::Stage::Lead : lq::pg::stage_from_datum(stage_datum);

  bool manual = false;
  int manual_from = -1;
  bool rescore = inserting;
  if (!inserting) {
    HeapTuple old = td->tg_trigtuple;
    bool old_null = false;
    const Datum old_stage = heap_getattr(old, cols.stage, desc, &old_null);
    if (column_changed(old, row, desc, cols.stage)) {
      if (stage_null)
        ereport(ERROR, (errcode(ERRCODE_CHECK_VIOLATION), errmsg("a tracked lead's stage cannot be set to NULL")));
      if (!old_null) {
        const lq::Stage from = lq::pg::stage_from_datum(old_stage);
        lq::pg::check_transition(from, given);
        manual_from = lq::stage_rank(from);
      }
      manual = true;
    }
    for (int i = 0; i < model->lead_count && !rescore; ++i) rescore = column_changed(old, row, desc, attr_cols[i]);
  }
  if (!manual && !rescore) return PointerGetDatum(row);

  // Scores as of this statement.
  for (int i = 0; i < model->lead_count; ++i) model->lead_values[i] = attr_from_tuple(row, desc, attr_cols[i]);
  void *state = current_state(row, desc, cols, args, *model, td->tg_trigger->tgoid);
  const lq::StateView view(state);
  const double engagement = view.engagement(now);
  const double fit = m.fit(model->lead_values);
  const double score = fit + engagement;

  // A manual change is kept as made; otherwise the automatic rules apply.
  lq::Stage next = given;
  if (!manual)
    next = lq::apply_automatic_stage(given, m.automatic_stage(fit, engagement, view.header().or_seen, model->lead_values));
  const char *key = lead_key_text(row, desc, cols);
  // What is recorded: a manual change as made; otherwise an automatic move
  // away from the given stage (on INSERT: the stage given, or lead).
  lq::pg::StageChange change = {const_cast<char *>(key), lq::stage_rank(given), lq::stage_rank(next), fit, engagement,
                                score};
  const char *reason = inserting ? "score" : "rescore";
  bool changed = next != given;
  if (manual) {
    change.from = manual_from;
    reason = "manual";
    changed = true;
  }
  int columns[6] = {cols.state, cols.fit, cols.engagement, cols.score, cols.stage, cols.changed_at};
  Datum values[6] = {PointerGetDatum(state), Float8GetDatum(fit), Float8GetDatum(engagement), Float8GetDatum(score),
                     lq::pg::stage_to_datum(next), TimestampTzGetDatum(now)};
  bool nulls[6] = {false, false, false, false, false, false};
  bool changed_at_null = false;
  const Datum changed_at = heap_getattr(row, cols.changed_at, desc, &changed_at_null);
  if (!changed && !changed_at_null) values[5] = changed_at;
  HeapTuple result = heap_modify_tuple_by_cols(row, desc, 6, columns, values, nulls);
  if (changed)
    lq::pg::record_stage_changes(RelationGetRelid(rel), &change, 1, reason, args.channel, now, GetUserId());
  return PointerGetDatum(result);
}

// model_attributes(model) -> text[]: the lead attributes a model reads.
LQ_FUNCTION(lq_model_attributes) {
  ModelRef *model = lq::pg::model_for_call(fcinfo, PG_GETARG_TEXT_PP(0));
  Datum *names = static_cast<Datum *>(palloc(sizeof(Datum) * (model->lead_count + 1)));
  for (int i = 0; i < model->lead_count; ++i) names[i] = CStringGetTextDatum(model->lead_names[i].name);
  PG_RETURN_ARRAYTYPE_P(construct_array(names, model->lead_count, TEXTOID, -1, false, TYPALIGN_INT));
}

// _state_matches(state, model, version): non-NULL and built under them.
LQ_FUNCTION(lq_state_matches) {
  if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2)) PG_RETURN_BOOL(false);
  const lq::StateView view(lq::pg::state_arg(fcinfo, 0));
  text *model = PG_GETARG_TEXT_PP(1);
  const std::string_view name(VARDATA_ANY(model), VARSIZE_ANY_EXHDR(model));
  PG_RETURN_BOOL(view.model_name() == name && view.header().model_version == PG_GETARG_INT64(2));
}
