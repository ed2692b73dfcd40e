// Lead writes: the context of lead_qual's own UPDATEs of a leads table, the
// lead_qual._apply() row function they call, and the stage-change log.
#include "pg/lead_write.hpp"

extern "C" {
#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/async.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
}

#include <cmath>
#include <cstring>
#include <memory>

#include "core/error.hpp"
#include "core/score_state.hpp"
#include "core/timestamp.hpp"
#include "pg/catalog.hpp"
#include "pg/entry.hpp"
#include "pg/lead_stage.hpp"
#include "pg/score_state_type.hpp"
#include "pg/scoring_time.hpp"
#include "pg/tracking_sql.hpp"

namespace lq::pg {

namespace {

LeadWrite *innermost = nullptr;
bool callbacks_registered = false;

void release(LeadWrite *w) noexcept {
  delete static_cast<std::shared_ptr<const Model> *>(w->model_handle);
  w->model_handle = nullptr;
}

// Pops every write started in an aborted (sub)transaction. The memory goes
// with the transaction; only the model references need releasing.
void on_xact(XactEvent event, void *) {
  if (event != XACT_EVENT_ABORT && event != XACT_EVENT_PARALLEL_ABORT && event != XACT_EVENT_COMMIT &&
      event != XACT_EVENT_PARALLEL_COMMIT && event != XACT_EVENT_PREPARE)
    return;
  for (LeadWrite *w = innermost; w != nullptr; w = w->outer) release(w);
  innermost = nullptr;
}

void on_subxact(SubXactEvent event, SubTransactionId my_subid, SubTransactionId, void *) {
  if (event != SUBXACT_EVENT_ABORT_SUB) return;
  while (innermost != nullptr && innermost->subxact >= my_subid) {
    release(innermost);
    innermost = innermost->outer;
  }
}

uint32 hash_key(const void *key, Size) {
  const char *s = *static_cast<char *const *>(key);
  return hash_bytes(reinterpret_cast<const unsigned char *>(s), static_cast<int>(strlen(s)));
}

int match_key(const void *a, const void *b, Size) {
  return strcmp(*static_cast<char *const *>(a), *static_cast<char *const *>(b));
}

SPIPlanPtr history_plan = nullptr;

// Stage names are NUL-terminated string literals (core/stage.cpp).
const char *stage_cstring(int rank) { return stage_name(static_cast<Stage>(rank)).data(); }

void append_number(StringInfo buf, const char *name, double v) {
  appendStringInfo(buf, ",\"%s\":", name);
  if (std::isfinite(v)) appendStringInfo(buf, "%.15g", v);
  else appendStringInfoString(buf, "null");
}

}  // namespace

LeadWrite *begin_write(const ModelRef *ref, Oid leads, const char *reason, const char *channel,
                       TimestampTz as_of) {
  if (!callbacks_registered) {
    RegisterXactCallback(on_xact, nullptr);
    RegisterSubXactCallback(on_subxact, nullptr);
    callbacks_registered = true;
  }
  MemoryContext cxt = AllocSetContextCreate(TopTransactionContext, "lead_qual write", ALLOCSET_DEFAULT_SIZES);
  auto *w = static_cast<LeadWrite *>(MemoryContextAllocZero(cxt, sizeof(LeadWrite)));
  w->context = cxt;
  w->subxact = GetCurrentSubTransactionId();
  w->leads = leads;
  w->reason = MemoryContextStrdup(cxt, reason);
  w->channel = MemoryContextStrdup(cxt, channel);
  w->as_of = as_of;
  w->changed_by = GetUserId();
  w->lead_count = ref->lead_count;
  w->lead_names = static_cast<AttrName *>(MemoryContextAllocZero(cxt, sizeof(AttrName) * (ref->lead_count + 1)));
  for (int i = 0; i < ref->lead_count; ++i) {
    w->lead_names[i].name = MemoryContextStrdup(cxt, ref->lead_names[i].name);
    w->lead_names[i].len = ref->lead_names[i].len;
  }
  w->lead_values = static_cast<AttrValue *>(MemoryContextAllocZero(cxt, sizeof(AttrValue) * (ref->lead_count + 1)));
  // The only C++ allocation: the write's own reference to the compiled model.
  w->model_handle = new std::shared_ptr<const Model>(*static_cast<std::shared_ptr<const Model> *>(ref->handle));
  w->model = ref->model;
  w->outer = innermost;
  innermost = w;
  return w;
}

LeadWrite *current_write() { return innermost; }

LeadWrite *active_write_on(Oid leads) {
  for (LeadWrite *w = innermost; w != nullptr; w = w->outer)
    if (w->leads == leads) return w;
  return nullptr;
}

LeadDelta *delta_for(LeadWrite *w, const char *key, bool create) {
  if (w->deltas == nullptr) {
    if (!create) return nullptr;
    HASHCTL ctl;
    memset(&ctl, 0, sizeof ctl);
    ctl.keysize = sizeof(char *);
    ctl.entrysize = sizeof(LeadDelta);
    ctl.hash = hash_key;
    ctl.match = match_key;
    ctl.hcxt = w->context;
    // Sized for the statement: a table sized for a bulk load would cost every
    // single-row INSERT a scan of its empty buckets (end_write() reads it
    // sequentially); it grows as needed.
    const long size = w->deltas_hint > 0 ? Min(w->deltas_hint, 65536L) : 1024L;
    w->deltas = hash_create("lead_qual deltas", size, &ctl, HASH_ELEM | HASH_FUNCTION | HASH_COMPARE | HASH_CONTEXT);
  }
  bool found = false;
  const char *probe = key;
  auto *d = static_cast<LeadDelta *>(hash_search(w->deltas, &probe, create ? HASH_ENTER : HASH_FIND, &found));
  if (d != nullptr && !found) {
    d->key = MemoryContextStrdup(w->context, key);
    d->state = nullptr;
    d->replace = d->applied = d->changed = d->stage_changed = false;
  }
  return d;
}

void set_outcome(LeadWrite *w, LeadDelta *d, bool changed, bool stage_changed, int from, int to, double fit,
                 double engagement, double score) {
  if (!d->applied) ++w->applied;
  d->applied = true;
  d->changed = changed;
  d->stage_changed = stage_changed;
  d->change = {d->key, from, to, fit, engagement, score};
}

void record_stage_changes(Oid leads, const StageChange *changes, int count, const char *reason,
                          const char *channel, TimestampTz at, Oid changed_by) {
  if (count == 0) return;
  const Oid stage_type = extension_type("lead_stage");
  Datum *keys = static_cast<Datum *>(palloc(sizeof(Datum) * count));
  Datum *from = static_cast<Datum *>(palloc(sizeof(Datum) * count));
  bool *from_null = static_cast<bool *>(palloc(sizeof(bool) * count));
  Datum *to = static_cast<Datum *>(palloc(sizeof(Datum) * count));
  Datum *fit = static_cast<Datum *>(palloc(sizeof(Datum) * count));
  Datum *engagement = static_cast<Datum *>(palloc(sizeof(Datum) * count));
  Datum *score = static_cast<Datum *>(palloc(sizeof(Datum) * count));
  for (int i = 0; i < count; ++i) {
    keys[i] = CStringGetTextDatum(changes[i].lead_key);
    from_null[i] = changes[i].from < 0;
    from[i] = CharGetDatum(static_cast<char>(changes[i].from < 0 ? 0 : changes[i].from));
    to[i] = CharGetDatum(static_cast<char>(changes[i].to));
    fit[i] = Float8GetDatum(changes[i].fit);
    engagement[i] = Float8GetDatum(changes[i].engagement);
    score[i] = Float8GetDatum(changes[i].score);
  }
  int dims[1] = {count};
  int lbs[1] = {1};
  Datum values[10];
  values[0] = ObjectIdGetDatum(leads);
  values[1] = TimestampTzGetDatum(at);
  values[2] = CStringGetTextDatum(reason);
  values[3] = CStringGetDatum(GetUserNameFromId(changed_by, false));
  values[4] = PointerGetDatum(construct_array(keys, count, TEXTOID, -1, false, TYPALIGN_INT));
  values[5] = PointerGetDatum(construct_md_array(from, from_null, 1, dims, lbs, stage_type, 1, true, TYPALIGN_CHAR));
  values[6] = PointerGetDatum(construct_array(to, count, stage_type, 1, true, TYPALIGN_CHAR));
  values[7] = PointerGetDatum(construct_array(fit, count, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
  values[8] = PointerGetDatum(construct_array(engagement, count, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
  values[9] = PointerGetDatum(construct_array(score, count, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));

  // History is written as its owner: PUBLIC cannot write it, but any role
  // whose statement changes a tracked lead's stage causes a row.
  Oid save_user;
  int save_sec;
  GetUserIdAndSecContext(&save_user, &save_sec);
  const Oid history = get_relname_relid("stage_history", extension_namespace());
  SetUserIdAndSecContext(relation_owner(history), save_sec | SECURITY_LOCAL_USERID_CHANGE);
  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "lead_qual: SPI_connect failed");
  if (history_plan == nullptr) {
    Oid types[10] = {REGCLASSOID, TIMESTAMPTZOID, TEXTOID, NAMEOID, TEXTARRAYOID, get_array_type(stage_type),
                     get_array_type(stage_type), FLOAT8ARRAYOID, FLOAT8ARRAYOID, FLOAT8ARRAYOID};
    SPIPlanPtr plan = SPI_prepare_cursor(
        "INSERT INTO lead_qual.stage_history"
        " (lead_table, lead_key, from_stage, to_stage, changed_at, fit, engagement, score, reason, changed_by)"
        " SELECT $1, u.k, u.f, u.t, $2, u.fi, u.e, u.s, $3, $4"
        "   FROM ROWS FROM (pg_catalog.unnest($5), pg_catalog.unnest($6), pg_catalog.unnest($7),"
        "                   pg_catalog.unnest($8), pg_catalog.unnest($9), pg_catalog.unnest($10)) AS u(k, f, t, fi, e, s)",
        10, types, CURSOR_OPT_GENERIC_PLAN);
    if (plan == nullptr) elog(ERROR, "lead_qual: preparing the history insert failed");
    SPI_keepplan(plan);
    history_plan = plan;
  }
  const int rc = SPI_execute_plan(history_plan, values, nullptr, false, 0);
  if (rc != SPI_OK_INSERT) elog(ERROR, "lead_qual: writing stage history failed: %s", SPI_result_code_string(rc));
  SPI_finish();
  SetUserIdAndSecContext(save_user, save_sec);

  char *table_name = DatumGetCString(DirectFunctionCall1(regclassout, ObjectIdGetDatum(leads)));
  // Plain buffers only from here on: PostgreSQL calls may raise ERROR.
  char at_text[64];
  {
    const std::string formatted = format_timestamp(at);
    strlcpy(at_text, formatted.c_str(), sizeof at_text);
  }
  for (int i = 0; i < count; ++i) {
    const StageChange &c = changes[i];
    StringInfoData payload;
    initStringInfo(&payload);
    appendStringInfoString(&payload, "{\"table\":");
    escape_json(&payload, table_name);
    appendStringInfoString(&payload, ",\"lead\":");
    escape_json(&payload, c.lead_key);
    appendStringInfoString(&payload, ",\"from\":");
    if (c.from < 0) appendStringInfoString(&payload, "null");
    else escape_json(&payload, stage_cstring(c.from));
    appendStringInfoString(&payload, ",\"to\":");
    escape_json(&payload, stage_cstring(c.to));
    append_number(&payload, "score", c.score);
    append_number(&payload, "fit", c.fit);
    append_number(&payload, "engagement", c.engagement);
    appendStringInfoString(&payload, ",\"at\":");
    escape_json(&payload, at_text);
    appendStringInfoString(&payload, ",\"reason\":");
    escape_json(&payload, reason);
    appendStringInfoChar(&payload, '}');
    Async_Notify(channel, payload.data);
    pfree(payload.data);
  }
}

int64 end_write(LeadWrite *w) {
  if (w != innermost) elog(ERROR, "lead_qual: lead writes ended out of order");
  int64 changed = 0;
  int count = 0;
  StageChange *changes = nullptr;
  if (w->deltas != nullptr) {
    changes = static_cast<StageChange *>(palloc(sizeof(StageChange) * (hash_get_num_entries(w->deltas) + 1)));
    HASH_SEQ_STATUS seq;
    hash_seq_init(&seq, w->deltas);
    while (auto *d = static_cast<LeadDelta *>(hash_seq_search(&seq))) {
      if (!d->applied) continue;
      if (d->changed) ++changed;
      if (d->stage_changed) changes[count++] = d->change;
    }
  }
  record_stage_changes(w->leads, changes, count, w->reason, w->channel, w->as_of, w->changed_by);
  innermost = w->outer;
  release(w);
  MemoryContextDelete(w->context);
  return changed;
}

void abort_write(LeadWrite *w) {
  if (w == nullptr) return;
  innermost = w->outer;
  release(w);
  MemoryContextDelete(w->context);
}

}  // namespace lq::pg

using lq::pg::LeadWrite;

namespace {

// A private, modifiable copy of a state in CurrentMemoryContext.
void *copy_state(const void *state) {
  const Size size = VARSIZE(state);
  void *out = palloc(size);
  memcpy(out, state, size);
  return out;
}

void *empty_state(const lq::Model &model) {
  const std::size_t size = lq::state_size(model);
  void *out = palloc(size);
  lq::state_init(out, model);
  SET_VARSIZE(out, size);
  return out;
}

// The lead's state rebuilt from its whole activity history (nested SPI,
// inside lead_qual's own UPDATE), or NULL without history or plan.
void *rebuild_from_history(LeadWrite *w, const char *key) {
  if (w->rebuild_one == nullptr) return nullptr;
  MemoryContext caller = CurrentMemoryContext;
  void *result = nullptr;
  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "lead_qual: SPI_connect failed");
  Datum values[2] = {CStringGetTextDatum(key), CStringGetTextDatum(w->model_name)};
  const int rc = SPI_execute_plan(w->rebuild_one, values, nullptr, false, 1);
  if (rc != SPI_OK_SELECT) elog(ERROR, "lead_qual: rebuilding a lead failed: %s", SPI_result_code_string(rc));
  bool isnull = true;
  const Datum state = SPI_processed == 1 ? SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull)
                                         : static_cast<Datum>(0);
  if (!isnull) {
    struct varlena *v = PG_DETOAST_DATUM(state);
    result = MemoryContextAlloc(caller, VARSIZE(v));
    memcpy(result, v, VARSIZE(v));
  }
  SPI_finish();
  return result;
}

}  // namespace

namespace lq::pg {

LeadUpdate compute_update(LeadWrite *w, LeadDelta *delta, const char *key, const void *stored_state, bool has_stage,
                          Stage stage, bool has_changed_at, bool has_score, double old_score, const void *full_state) {
  const lq::Model &model = *w->model;
  void *state = nullptr;
  if (delta == nullptr && w->deltas != nullptr) delta = delta_for(w, key, false);
  if (delta != nullptr) key = delta->key;
  if (delta != nullptr && delta->state == nullptr) {
    state = empty_state(model);  // rebuilt from a history that is now empty
  } else if (delta != nullptr && delta->replace) {
    state = copy_state(delta->state);
  } else if (delta != nullptr) {
    if (stored_state != nullptr && lq::StateView(stored_state).model_name() == model.name &&
        lq::StateView(stored_state).header().model_version == model.version) {
      state = copy_state(stored_state);
      lq::state_combine(state, delta->state);
    } else {
      // No state, or one of another model version: the whole history
      // (which already holds this statement's rows) replaces it.
      state = rebuild_from_history(w, key);
      if (state == nullptr) state = copy_state(delta->state);
    }
  } else if (full_state != nullptr) {
    state = copy_state(full_state);
  } else {
    state = empty_state(model);
  }
  const lq::StateView view(state);
  view.check_model(model);

  LeadUpdate u;
  u.state = state;
  u.engagement = view.engagement(w->as_of);
  u.fit = model.fit(w->lead_values);
  u.score = u.fit + u.engagement;
  const lq::Stage current = has_stage ? stage : lq::Stage::Lead;
  u.stage = lq::apply_automatic_stage(current,
                                      model.automatic_stage(u.fit, u.engagement, view.header().or_seen, w->lead_values));
  if (w->recycle && model.should_recycle(u.stage, u.engagement, view.has_ref(), view.header().ref_time, w->as_of))
    u.stage = lq::Stage::Recycled;
  // A lead without a stage starts as a lead; only a move from there is a
  // stage change worth recording.
  const bool stage_changed = u.stage != current;
  const bool changed = stage_changed || !has_stage || !has_score || std::fabs(old_score - u.score) > 1e-9;
  u.stage_changed_now = stage_changed || !has_stage || !has_changed_at;
  set_outcome(w, delta != nullptr ? delta : delta_for(w, key, true), changed, stage_changed, lq::stage_rank(current), lq::stage_rank(u.stage), u.fit, u.engagement,
              u.score);
  return u;
}

}  // namespace lq::pg

// lead_qual._apply(key, state, stage, stage_changed_at, old_score, attributes,
// full_state) -> lead_update: the new columns of one lead, computed inside a
// lead write (rescore() and refresh(); see compute_update()).
LQ_FUNCTION(lq_apply) {
  LeadWrite *w = lq::pg::current_write();
  if (w == nullptr)
    ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                    errmsg("lead_qual._apply() may only be called by lead_qual itself")));
  if (PG_ARGISNULL(0)) ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("lead key is NULL")));
  const char *key = text_to_cstring(PG_GETARG_TEXT_PP(0));
  // The stored state matters only to a write that applies deltas (a corrupt
  // one must not stop rescore(), which replaces it).
  const void *stored = PG_ARGISNULL(1) || w->deltas == nullptr ? nullptr : lq::pg::state_arg(fcinfo, 1);
  const void *full = PG_ARGISNULL(6) ? nullptr : lq::pg::state_arg(fcinfo, 6);
  Jsonb *attributes = PG_ARGISNULL(5) ? nullptr : PG_GETARG_JSONB_P(5);
  lq::pg::attrs_from_jsonb(attributes, w->lead_names, w->lead_count, w->lead_values);
  const lq::pg::LeadUpdate u = lq::pg::compute_update(
      w, nullptr, key, stored, !PG_ARGISNULL(2), PG_ARGISNULL(2) ? lq::Stage::Lead : PG_GETARG_LEAD_STAGE(2), !PG_ARGISNULL(3),
      !PG_ARGISNULL(4), PG_ARGISNULL(4) ? 0.0 : PG_GETARG_FLOAT8(4), full);

  // The result descriptor is looked up and blessed once per call site.
  auto desc = static_cast<TupleDesc>(fcinfo->flinfo->fn_extra);
  if (desc == nullptr) {
    TupleDesc looked_up;
    if (get_call_result_type(fcinfo, nullptr, &looked_up) != TYPEFUNC_COMPOSITE)
      elog(ERROR, "lead_qual._apply() must return a composite");
    MemoryContext old_context = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
    desc = BlessTupleDesc(CreateTupleDescCopy(looked_up));
    MemoryContextSwitchTo(old_context);
    fcinfo->flinfo->fn_extra = desc;
  }
  Datum values[6];
  bool nulls[6] = {false, false, false, false, false, false};
  values[0] = PointerGetDatum(u.state);
  values[1] = Float8GetDatum(u.engagement);
  values[2] = Float8GetDatum(u.fit);
  values[3] = Float8GetDatum(u.score);
  values[4] = lq::pg::stage_to_datum(u.stage);
  values[5] = u.stage_changed_now ? TimestampTzGetDatum(w->as_of) : PG_GETARG_DATUM(3);
  PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}

// lead_qual._begin_write(model, leads, reason, as_of): starts a write for
// rescore() and refresh(); refresh also applies the model's recycle rule.
LQ_FUNCTION(lq_begin_write) {
  lq::pg::ModelRef *ref = lq::pg::model_for_call(fcinfo, PG_GETARG_TEXT_PP(0));
  const Oid leads = PG_GETARG_OID(1);
  const char *reason = text_to_cstring(PG_GETARG_TEXT_PP(2));
  const TimestampTz as_of = PG_ARGISNULL(3) ? lq::pg::scoring_time() : PG_GETARG_TIMESTAMPTZ(3);
  if (TIMESTAMP_NOT_FINITE(as_of))
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("as_of must be a finite timestamp")));
  // The NOTIFY channel comes from the table's track() options.
  char *channel = pstrdup("lead_qual");
  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "lead_qual: SPI_connect failed");
  Oid types[1] = {REGCLASSOID};
  Datum values[1] = {ObjectIdGetDatum(leads)};
  if (SPI_execute_with_args("SELECT options OPERATOR(pg_catalog.->>) 'channel' FROM lead_qual.tracked"
                            " WHERE leads OPERATOR(pg_catalog.=) $1",
                            1, types, values, nullptr, true, 1) == SPI_OK_SELECT &&
      SPI_processed == 1) {
    char *value = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
    if (value != nullptr) channel = MemoryContextStrdup(TopTransactionContext, value);
  }
  SPI_finish();
  LeadWrite *w = lq::pg::begin_write(ref, leads, reason, channel, as_of);
  w->recycle = strcmp(reason, "refresh") == 0;
  PG_RETURN_VOID();
}

// grade(model, fit) -> text: the model's fit grade; NULL without grades.
LQ_FUNCTION(lq_grade) {
  lq::pg::ModelRef *ref = lq::pg::model_for_call(fcinfo, PG_GETARG_TEXT_PP(0));
  const double fit = PG_GETARG_FLOAT8(1);
  char label[32];
  {
    const std::string g = ref->model->grade(fit);
    if (g.empty()) PG_RETURN_NULL();
    strlcpy(label, g.c_str(), sizeof label);
  }
  PG_RETURN_TEXT_P(cstring_to_text(label));
}

LQ_FUNCTION(lq_end_write) {
  LeadWrite *w = lq::pg::current_write();
  if (w == nullptr)
    ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE), errmsg("no lead_qual write is active")));
  PG_RETURN_INT64(lq::pg::end_write(w));
}

LQ_FUNCTION(lq_abort_write) {
  lq::pg::abort_write(lq::pg::current_write());
  PG_RETURN_VOID();
}
