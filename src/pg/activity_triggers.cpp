// The statement-level triggers track() installs on an activity table:
// activity_inserted() folds a statement's new activities into their leads;
// activity_changed() rebuilds the leads whose activities were updated or
// deleted from their remaining history.
//
// Both also run as row triggers (track()'s lead_qual_activity_row_*, enabled
// in session_replication_role = replica only): a logical replication apply
// worker fires no statement triggers, and without transition tables each
// call covers its one row.
//
// Both read the statement's rows straight from the trigger's transition
// tuplestore (not through SQL over the transition table: Citus cannot route
// that), lock the affected leads in key order (FOR NO KEY UPDATE, which does
// not conflict with foreign-key locks), and write each lead once per
// statement: through the executor's single-row update where the leads
// table allows (direct_lead_update.hpp), else with one UPDATE filtered by
// key. All frames here hold plain data
// only; the core is called for the arithmetic.
#include "pg/entry.hpp"  // first: postgres.h precedes every other header

extern "C" {
#include "access/table.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"
}

#include <utility>

#include "core/change_reason.hpp"
#include "core/score_state.hpp"
#include "pg/direct_lead_update.hpp"
#include "pg/lead_key.hpp"
#include "pg/lead_write.hpp"
#include "pg/model_cache.hpp"
#include "pg/owner_spi.hpp"
#include "pg/query_events.hpp"
#include "pg/relation_facts.hpp"
#include "pg/row_filter.hpp"
#include "pg/score_state_type.hpp"
#include "pg/scoring_time.hpp"
#include "pg/track_args.hpp"
#include "pg/tracked_columns.hpp"
#include "pg/tracking_sql.hpp"
#include "pg/trigger_checks.hpp"

namespace {

using lq::pg::LeadDelta;
using lq::pg::LeadWrite;
using lq::pg::ModelRef;
using lq::pg::TrackArgs;
using lq::pg::TrackingPlans;

// The TriggerData of activity trigger `name`, checked to be fired AFTER
// (for each statement, or for each row on a logical replication subscriber,
// where the apply worker fires row triggers only) and as `fired_as_required`
// says (`how`), with its
// arguments read into `args` and the privileges of its write as the leads
// table's owner checked.
TriggerData *activity_trigger(FunctionCallInfo fcinfo, const char *name,
                              bool (*fired_as_required)(const TriggerData *), const char *how,
                              TrackArgs *args) {
  TriggerData *td = lq::pg::trigger_data(fcinfo, name);
  lq::pg::require_firing(TRIGGER_FIRED_AFTER(td->tg_event), name, "AFTER");
  lq::pg::require_firing(fired_as_required(td), name, how);
  lq::pg::parse_track_args(td, lq::pg::TrackedTable::Activities, true, args);
  lq::pg::check_tracking_privileges(*args, RelationGetRelid(td->tg_relation));
  return td;
}

bool fired_for_row(const TriggerData *td) { return TRIGGER_FIRED_FOR_ROW(td->tg_event); }

// Calls `each(slot)` for every row of a transition table, through a read
// pointer of our own (other triggers may read the same tuplestore).
template <typename Each>
void for_each_row(Tuplestorestate *rows, TupleDesc desc, Each each) {
  if (rows == nullptr) return;
  const int pointer = tuplestore_alloc_read_pointer(rows, EXEC_FLAG_REWIND);
  tuplestore_select_read_pointer(rows, pointer);
  tuplestore_rescan(rows);
  TupleTableSlot *slot = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
  MemoryContext row_context =
      AllocSetContextCreate(CurrentMemoryContext, "lead_qual row", ALLOCSET_SMALL_SIZES);
  MemoryContext outer = CurrentMemoryContext;
  while (tuplestore_gettupleslot(rows, true, false, slot)) {
    CHECK_FOR_INTERRUPTS();
    MemoryContextReset(row_context);
    MemoryContextSwitchTo(row_context);
    each(slot);
    MemoryContextSwitchTo(outer);
  }
  ExecDropSingleTupleTableSlot(slot);
  MemoryContextDelete(row_context);
}

// Calls `each(slot)` for the new (or old) rows a trigger call covers: its
// transition table when it fires per statement, its one row when per row.
template <typename Each>
void for_each_trigger_row(TriggerData *td, bool new_rows, TupleDesc desc, Each each) {
  if (!fired_for_row(td)) {
    for_each_row(new_rows ? td->tg_newtable : td->tg_oldtable, desc, each);
    return;
  }
  HeapTuple tuple = nullptr;
  if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
    tuple = new_rows ? td->tg_trigtuple : nullptr;
  else if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
    tuple = new_rows ? td->tg_newtuple : td->tg_trigtuple;
  else
    tuple = new_rows ? nullptr : td->tg_trigtuple;
  if (tuple == nullptr) return;
  TupleTableSlot *slot = MakeSingleTupleTableSlot(desc, &TTSOpsHeapTuple);
  ExecStoreHeapTuple(tuple, slot, false);
  each(slot);
  ExecDropSingleTupleTableSlot(slot);
}

// The delta of the lead an activity row names (key column `column`), by the
// key's value (lead_key.hpp); NULL for a row without a lead key.
LeadDelta *delta_of_row(LeadWrite *w, AttrNumber column, TupleTableSlot *slot) {
  bool isnull = false;
  const Datum key = slot_getattr(slot, column, &isnull);
  return isnull ? nullptr : lq::pg::delta_for(w, key, true);
}

// An array of `n` keys of the leads key type, as the plans take them.
Datum key_array(const LeadWrite *w, Datum *keys, int n) {
  const lq::pg::KeyIdentity *id = w->identity;
  return PointerGetDatum(construct_array(keys, n, id->type, id->typlen, id->typbyval, id->typalign));
}

// Every key in the write's delta table.
Datum *delta_keys(LeadWrite *w, int *count) {
  const long n = w->deltas != nullptr ? hash_get_num_entries(w->deltas) : 0;
  auto *keys = static_cast<Datum *>(palloc(sizeof(Datum) * (n + 1)));
  int i = 0;
  if (n > 0) {
    HASH_SEQ_STATUS seq;
    hash_seq_init(&seq, w->deltas);
    while (auto *d = static_cast<LeadDelta *>(hash_seq_search(&seq))) keys[i++] = d->key.value;
  }
  *count = i;
  return keys;
}

// Replaces the deltas of `keys` (delta_keys()) with their leads' full history. Not
// read-only: the statement's own inserts and deletes must be visible.
void rebuild_from_history(LeadWrite *w, TrackingPlans *plans, Datum keys, const char *model) {
  Datum values[3] = {keys, CStringGetTextDatum(model), TimestampTzGetDatum(w->as_of)};
  const int rc = SPI_execute_plan(plans->rebuild, values, nullptr, false, 0);
  if (rc != SPI_OK_SELECT)
    elog(ERROR, "lead_qual: rebuilding leads from history failed: %s", SPI_result_code_string(rc));
  for (uint64 i = 0; i < SPI_processed; ++i) {
    bool key_null = false;
    bool state_null = false;
    HeapTuple row = SPI_tuptable->vals[i];
    const Datum key = SPI_getbinval(row, SPI_tuptable->tupdesc, 1, &key_null);
    const Datum state = SPI_getbinval(row, SPI_tuptable->tupdesc, 2, &state_null);
    if (key_null || state_null) continue;
    LeadDelta *d = lq::pg::delta_for(w, key, false);
    if (d == nullptr) continue;
    d->state = lq::pg::copy_state(PG_DETOAST_DATUM(state), lq::pg::states_context(w));
    d->replace = true;
  }
}

// The error for a write that updated rows lead_changed() did not compute
// (55000): the trigger computing the write's model did not fire, or it
// fired once for a key that more than one row holds (the key's unique index
// dropped since track()). Either would leave rows with scores that disagree
// with their activities.
[[noreturn]] void refuse_uncomputed_rows(const TrackArgs &args, uint64 updated, uint64 computed) {
  // Locked by the write already; a lock is free here, and names no other table.
  Relation leads = table_open(args.leads_oid, AccessShareLock);
  bool fires = false;
  const char *trigger = lq::pg::lead_changed_trigger(leads, args.model_name, &fires);
  const char *trigger_name = trigger != nullptr ? pstrdup(trigger) : nullptr;
  table_close(leads, AccessShareLock);
  if (fires)
    ereport(ERROR,
            (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
             errmsg("table %s has more than one row for a value of its lead key column %s", args.leads_table,
                    quote_identifier(args.key_column)),
             errdetail("Rows updated: %llu; leads computed: %llu. lead_qual scores one row per lead key.",
                       static_cast<unsigned long long>(updated), static_cast<unsigned long long>(computed)),
             errhint("Make column %s unique again (a primary key or unique index), as track() requires.",
                     quote_identifier(args.key_column))));
  if (trigger_name != nullptr)
    ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                    errmsg("lead_qual's trigger on table %s did not run", args.leads_table),
                    errhint("Enable trigger %s on the leads table (or untrack and track it again).",
                            quote_identifier(trigger_name))));
  ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                  errmsg("lead_qual's trigger on table %s did not run", args.leads_table),
                  errhint("Untrack the table and track it again: its trigger computing model %s is missing.",
                          quote_literal_cstr(args.model_name))));
}

// Writes every lead of the write once, locking them in key order. Without
// SQL where the table allows (direct_lead_update.hpp): each lead is locked as
// it is written, in key order, and a stale state (missing, or of another
// model version) is rebuilt by lead_changed() itself. Otherwise, and when
// every lead is to be rebuilt: all are locked first (SQL, in key order), the
// stale ones (or all) rebuilt from their history in one query, then written.
void write_leads(LeadWrite *w, TrackingPlans *plans, const TrackArgs &args, bool rebuild_all) {
  int count = 0;
  Datum *key_values = delta_keys(w, &count);
  if (count == 0) return;
  w->rebuild_one = plans->rebuild_one;
  w->rebuild_since = plans->rebuild_since;
  w->model_name = args.model_name;
  const bool direct = plans->direct && lq::pg::direct_writes_enabled();
  uint64 updated = 0;
  bool written = false;
  if (direct && !rebuild_all) {
    w->apply_in_trigger = true;
    written = lq::pg::update_leads_directly(args, key_values, count, &w->applied_count, &updated);
  }
  if (!written) {
    const Datum keys = key_array(w, key_values, count);
    int rc;
    // One lead needs no lock ordering, and a stale state of it is rebuilt by
    // lead_changed() itself.
    if (count > 1 || rebuild_all) {
      Datum lock_values[3] = {keys, CStringGetTextDatum(args.model_name), Int64GetDatum(w->model->version)};
      rc = SPI_execute_plan(plans->lock, lock_values, nullptr, false, 0);
      if (rc != SPI_OK_SELECT) elog(ERROR, "lead_qual: locking leads failed: %s", SPI_result_code_string(rc));
    } else {
      SPI_processed = 0;
    }
    if (rebuild_all) {
      rebuild_from_history(w, plans, keys, args.model_name);
    } else if (SPI_processed > 0) {
      auto *stale = static_cast<Datum *>(palloc(sizeof(Datum) * SPI_processed));
      const int n = static_cast<int>(SPI_processed);
      for (int i = 0; i < n; ++i) {
        bool isnull = false;
        stale[i] = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull);
      }
      rebuild_from_history(w, plans, key_array(w, stale, n), args.model_name);
    }
    w->apply_in_trigger = true;
    if (!direct || !lq::pg::update_leads_directly(args, key_values, count, &w->applied_count, &updated)) {
      Datum update_values[1] = {keys};
      rc = SPI_execute_plan(plans->update, update_values, nullptr, false, 0);
      if (rc != SPI_OK_UPDATE)
        elog(ERROR, "lead_qual: updating leads failed: %s", SPI_result_code_string(rc));
      updated = SPI_processed;
    }
  }
  // Every updated lead must have been computed by lead_changed(): an UPDATE
  // that bypassed it would keep stale scores without a word.
  if (updated > w->applied_count) refuse_uncomputed_rows(args, updated, w->applied_count);
}

// Runs write_leads as the leads table's owner, inside SPI.
void write_as_owner(LeadWrite *w, Oid trigger, const TrackArgs &args, bool rebuild_all) {
  const lq::pg::SavedUser saved = lq::pg::spi_connect_as_owner(args.leads_oid);
  TrackingPlans *plans = lq::pg::tracking_plans(trigger, args);
  write_leads(w, plans, args, rebuild_all);
  lq::pg::spi_finish_as(saved);
}

// The columns of the activity table an insert is scored from.
struct ActivityColumns {
  AttrNumber key;
  AttrNumber activity;
  AttrNumber occurred_at;
  AttrNumber properties;  // InvalidAttrNumber when the model reads no property
};

void *build_activity_columns(void *arg, MemoryContext cxt, Oid * /*depends_on*/) {
  const auto *call = static_cast<const std::pair<Relation, const TrackArgs *> *>(arg);
  Relation rel = call->first;
  const TrackArgs &args = *call->second;
  TupleDesc desc = RelationGetDescr(rel);
  const char *table = RelationGetRelationName(rel);
  auto *c = static_cast<ActivityColumns *>(MemoryContextAlloc(cxt, sizeof(ActivityColumns)));
  // The key's type is checked against the leads key's at every statement
  // (tracked_key_identity()); the others as track() required them.
  c->key = lq::pg::tracked_column(desc, args.lead_id_column, table);
  c->activity = lq::pg::tracked_column_of_type(desc, args.activity_type_column, table, TEXTOID, VARCHAROID);
  c->occurred_at = lq::pg::tracked_column_of_type(
      desc, args.occurred_at_column, table, args.occurred_at_zone != nullptr ? TIMESTAMPOID : TIMESTAMPTZOID);
  // Missing (<= 0) is an error only for a model that reads properties.
  c->properties = args.properties_column != nullptr
                      ? static_cast<AttrNumber>(SPI_fnumber(desc, args.properties_column))
                      : AttrNumber{InvalidAttrNumber};
  if (c->properties > 0) lq::pg::tracked_column_of_type(desc, args.properties_column, table, JSONBOID);
  return c;
}

// The columns of activity trigger td's table, kept for the backend
// (relation_facts.hpp).
ActivityColumns activity_columns(const TriggerData *td, const TrackArgs &args, const ModelRef &model) {
  std::pair<Relation, const TrackArgs *> call{td->tg_relation, &args};
  ActivityColumns c = *static_cast<const ActivityColumns *>(
      lq::pg::relation_facts(RelationGetRelid(td->tg_relation), td->tg_trigger->tgoid,
                             lq::pg::FactKind::kActivityColumns, build_activity_columns, nullptr, &call));
  // Properties are detoasted (a copy per row) only when the model reads them.
  if (args.properties_column == nullptr || model.property_count == 0)
    c.properties = InvalidAttrNumber;
  else if (c.properties <= 0)
    lq::pg::tracked_column_missing(args.properties_column, RelationGetRelationName(td->tg_relation));
  return c;
}

// Adds the statement's new activities (a transition table, or the one row
// of a row trigger) to their leads' deltas in write `w`.
void fold_new_rows(TriggerData *td, const ActivityColumns &columns, ModelRef *model, const TrackArgs &args,
                   LeadWrite *w) {
  TupleDesc desc = RelationGetDescr(td->tg_relation);
  const lq::Model &m = *model->model;
  const AttrNumber activity_col = columns.activity;
  const AttrNumber occurred_col = columns.occurred_at;
  const AttrNumber properties_col = columns.properties;
  // Rows outside the activity filter are not counted (row_filter.hpp).
  lq::pg::RowFilter *filter =
      args.activity_filter != nullptr ? lq::pg::row_filter(td->tg_relation, args.activity_filter) : nullptr;
  for_each_trigger_row(td, true, desc, [&](TupleTableSlot *slot) {
    if (filter != nullptr && !lq::pg::row_passes(filter, slot)) return;
    bool isnull = false;
    const Datum activity_datum = slot_getattr(slot, activity_col, &isnull);
    if (isnull) return;  // no activity type: nothing to score
    const Datum occurred = slot_getattr(slot, occurred_col, &isnull);
    TimestampTz occurred_at;
    if (!lq::pg::activity_time(isnull, occurred, args.occurred_at_zone, &occurred_at))
      return;  // undated: not scored
    LeadDelta *d = delta_of_row(w, columns.key, slot);
    if (d == nullptr) return;  // no lead
    text *activity_text = DatumGetTextPP(activity_datum);
    const std::string_view activity(VARDATA_ANY(activity_text), VARSIZE_ANY_EXHDR(activity_text));
    Jsonb *properties = nullptr;
    if (properties_col != 0) {  // 0 when the model reads no property
      const Datum p = slot_getattr(slot, properties_col, &isnull);
      if (!isnull) properties = DatumGetJsonbP(p);
    }
    lq::pg::attrs_from_jsonb(properties, model->property_names, model->property_count,
                             model->property_values);
    const lq::Model::ActivityClass c =
        m.classify_kind(model->activity_kinds.kind(m, activity), model->property_values);
    if (d->state == nullptr) d->state = lq::pg::empty_state(m, lq::pg::states_context(w));
    // At the write's scoring time: an activity dated later is held apart.
    d->state = lq::pg::add_to_state(d->state, m, c.rule, occurred_at, c.or_bits, w->as_of);
  });
}

}  // namespace

void lq::pg::write_lead_from_history(LeadWrite *w, Oid trigger, const TrackArgs &args, Datum key) {
  if (w->identity == nullptr) w->identity = lq::pg::tracked_key_identity(args, nullptr, 0, w->context);
  lq::pg::delta_for(w, key, true);
  const lq::pg::SavedUser saved = lq::pg::spi_connect_as_owner(args.leads_oid);
  TrackingPlans *plans = lq::pg::tracking_plans(trigger, args);
  write_leads(w, plans, args, true);
  lq::pg::spi_finish_as(saved);
}

LQ_FUNCTION(lq_activity_inserted) {
  TrackArgs args;
  TriggerData *td = activity_trigger(
      fcinfo, "lead_qual.activity_inserted",
      [](const TriggerData *t) {
        return TRIGGER_FIRED_BY_INSERT(t->tg_event) &&
               (TRIGGER_FIRED_FOR_ROW(t->tg_event) || t->tg_newtable != nullptr);
      },
      "by INSERT, per row or with a NEW TABLE", &args);
  ModelRef *model = lq::pg::model_for_call(fcinfo, cstring_to_text(args.model_name));

  TupleDesc desc = RelationGetDescr(td->tg_relation);
  const ActivityColumns columns = activity_columns(td, args, *model);

  LeadWrite *w =
      lq::pg::begin_write(model, args.leads_oid, lq::reason::kScore, args.channel, lq::pg::scoring_time());
  w->shadow = args.shadow;
  w->deltas_hint = fired_for_row(td) ? 1L : static_cast<long>(tuplestore_tuple_count(td->tg_newtable));
  w->identity = lq::pg::tracked_key_identity(args, td->tg_relation, columns.key, w->context);
  // In a query of several steps only a rebuild from the final history is
  // exact (query_events.hpp): collect the leads, add nothing.
  // Counted once per statement: by the driving model's trigger (the other
  // models' see the same rows).
  if (!args.shadow) lq::pg::note_transition_rows(args.leads_oid, static_cast<uint64>(w->deltas_hint));
  const bool rebuild = lq::pg::query_has_several_steps(RelationGetRelid(td->tg_relation));
  if (rebuild)
    for_each_trigger_row(td, true, desc, [&](TupleTableSlot *slot) { delta_of_row(w, columns.key, slot); });
  else
    fold_new_rows(td, columns, model, args, w);
  write_as_owner(w, td->tg_trigger->tgoid, args, rebuild);
  lq::pg::end_write(w);
  return PointerGetDatum(nullptr);
}

LQ_FUNCTION(lq_activity_changed) {
  TrackArgs args;
  TriggerData *td = activity_trigger(
      fcinfo, "lead_qual.activity_changed",
      [](const TriggerData *t) {
        return TRIGGER_FIRED_BY_UPDATE(t->tg_event) || TRIGGER_FIRED_BY_DELETE(t->tg_event);
      },
      "by UPDATE or DELETE", &args);
  ModelRef *model = lq::pg::model_for_call(fcinfo, cstring_to_text(args.model_name));

  TupleDesc desc = RelationGetDescr(td->tg_relation);
  const AttrNumber key_col = activity_columns(td, args, *model).key;

  LeadWrite *w =
      lq::pg::begin_write(model, args.leads_oid, lq::reason::kRescore, args.channel, lq::pg::scoring_time());
  w->shadow = args.shadow;
  w->deltas_hint =
      fired_for_row(td)
          ? 2L
          : static_cast<long>((td->tg_oldtable != nullptr ? tuplestore_tuple_count(td->tg_oldtable) : 0) +
                              (td->tg_newtable != nullptr ? tuplestore_tuple_count(td->tg_newtable) : 0));
  // A row updated counts once (it is in both tables).
  if (!args.shadow)
    lq::pg::note_transition_rows(
        args.leads_oid,
        fired_for_row(td)
            ? 1
            : static_cast<uint64>(td->tg_oldtable != nullptr ? tuplestore_tuple_count(td->tg_oldtable) : 0));
  w->identity = lq::pg::tracked_key_identity(args, td->tg_relation, key_col, w->context);
  auto collect = [&](TupleTableSlot *slot) { delta_of_row(w, key_col, slot); };
  for_each_trigger_row(td, false, desc, collect);
  for_each_trigger_row(td, true, desc, collect);
  // Every affected lead is rebuilt from what remains of its history; a lead
  // left without activities gets an empty state (its delta stays NULL).
  write_as_owner(w, td->tg_trigger->tgoid, args, true);
  lq::pg::end_write(w);
  return PointerGetDatum(nullptr);
}
