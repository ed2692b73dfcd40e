// lead_changed(): the BEFORE INSERT OR UPDATE row trigger track() installs on
// a leads table.
//  * lead_qual's own writes (an active lead write on this table) pass.
//  * INSERT: the lead gets its state (rebuilt from any activities recorded
//    before it existed), fit, engagement and score, and the stage given (or
//    lead). The automatic stage is applied and recorded by the AFTER INSERT
//    trigger lead_inserted() (lead_inserted.cpp), only for rows really
//    written: ON CONFLICT discards some rows after this trigger ran, and in
//    a query of several steps the history is not final yet here.
//  * UPDATE: the columns lead_qual owns (score_state, fit, engagement,
//    score, stage_changed_at) keep their stored values whatever the UPDATE
//    sets (an ORM's full-row save must not write back stale scores); a
//    manual change of the stage column is checked against the transition
//    rules (23514) and recorded; a change of an attribute the model reads
//    rescores the lead from its stored state (a rep sets budget_confirmed,
//    the lead becomes an SQL).
//  * The trigger of a model of lead_qual.tracked_score (add_score(), a
//    "shadow" model): the same for its own columns, except that its stage
//    column is owned too (the stage it would have set: no manual change) and
//    its stage changes go to lead_qual.score_history. Each model's trigger
//    computes only its model's writes and lets the others' pass.
#include "pg/entry.hpp"  // first: postgres.h precedes every other header

extern "C" {
#include "access/htup_details.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/rel.h"
#include "utils/timestamp.h"
}

#include "core/change_reason.hpp"
#include "core/lead_evaluation.hpp"
#include "core/score_state.hpp"
#include "pg/citus_rewrite.hpp"
#include "pg/filtered_lead.hpp"
#include "pg/lead_key.hpp"
#include "pg/lead_stage.hpp"
#include "pg/lead_update.hpp"
#include "pg/lead_write.hpp"
#include "pg/model_cache.hpp"
#include "pg/owner_spi.hpp"
#include "pg/query_events.hpp"
#include "pg/row_filter.hpp"
#include "pg/score_history.hpp"
#include "pg/score_state_type.hpp"
#include "pg/scoring_time.hpp"
#include "pg/track_args.hpp"
#include "pg/tracked_columns.hpp"
#include "pg/tracking_sql.hpp"
#include "pg/trigger_checks.hpp"

namespace {

using lq::pg::LeadColumns;
using lq::pg::ModelRef;
using lq::pg::TrackArgs;

// Runs `rebuild(plans)` inside SPI as the leads table's owner, with the
// trigger's cached plans; what it returns must live in a context of the
// caller's. (The lambdas passed own nothing with a destructor.)
template <typename Rebuild>
void *with_plans_as_owner(const TrackArgs &args, Oid trigger, Rebuild rebuild) {
  const lq::pg::SavedUser saved = lq::pg::spi_connect_as_owner(args.leads_oid);
  void *result = rebuild(lq::pg::tracking_plans(trigger, args));
  lq::pg::spi_finish_as(saved);
  return result;
}

// The lead's state: the stored one when it belongs to this model version
// (and `stored_ok`), otherwise rebuilt from the activity history (as the
// leads table's owner), otherwise empty. Returns a varlena in
// CurrentMemoryContext.
void *current_state(HeapTuple row, TupleDesc desc, LeadColumns &columns, const TrackArgs &args,
                    const ModelRef &model, Oid trigger, TimestampTz now, bool stored_ok) {
  const lq::Model &m = *model.model;
  bool isnull = false;
  const Datum stored = heap_getattr(row, columns.state_attnum, desc, &isnull);
  if (!isnull && stored_ok) {
    void *s = lq::pg::validated_state(stored);
    if (lq::StateView(s).built_under(m.name, m.version)) return s;
  }
  void *result = nullptr;
  const Datum key = heap_getattr(row, columns.key_attnum, desc, &isnull);
  if (!isnull) {
    MemoryContext caller = CurrentMemoryContext;
    result = with_plans_as_owner(args, trigger, [&](lq::pg::TrackingPlans *plans) {
      return lq::pg::state_from_history(plans->rebuild_one, key, args.model_name, now, caller);
    });
  }
  return result != nullptr ? result : lq::pg::empty_state(m, CurrentMemoryContext);
}

// A recycled lead's activities counted strictly after `since`, as a state
// (NULL: none): what may lift it (lq::next_stage()).
void *state_since(HeapTuple row, TupleDesc desc, LeadColumns &columns, const TrackArgs &args, Oid trigger,
                  TimestampTz since) {
  bool isnull = false;
  const Datum key = heap_getattr(row, columns.key_attnum, desc, &isnull);
  if (isnull) return nullptr;
  MemoryContext caller = CurrentMemoryContext;
  return with_plans_as_owner(args, trigger, [&](lq::pg::TrackingPlans *plans) {
    return lq::pg::state_since(plans->rebuild_since, key, args.model_name, lq::pg::scoring_time(), since,
                               caller);
  });
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
    w->columns = lq::pg::lead_columns(td, w->lead_names, w->lead_count);
  LeadColumns &c = *w->columns;
  lq::pg::RowValues r = lq::pg::row_values(row, desc);
  // The lead's delta, by the key's value (lead_key.hpp): the one of the
  // activity trigger, or a new one that records the outcome (a lead written
  // by someone else's trigger during the write). A lead without a key has
  // none.
  const bool key_null = r.nulls[c.key_attnum - 1];
  const Datum key = r.values[c.key_attnum - 1];
  lq::pg::LeadDelta *delta = key_null ? nullptr : lq::pg::delta_for(w, key, false);
  if (!key_null && delta == nullptr) {
    delta = lq::pg::delta_for(w, key, true);
    delta->foreign = true;
  }
  lq::pg::StoredLead stored;
  // The stage history names the lead by its own key's text (an activity may
  // write an equal key differently).
  stored.key_text = nullptr;
  stored.key = key;
  stored.has_key = !key_null;
  // A lead whose key the update changes has the new key's activities, not
  // the ones its stored state counted: it is rebuilt from its history.
  const bool rekeyed = lq::pg::column_changed(td->tg_trigtuple, row, desc, c.key_attnum);
  stored.state = r.nulls[c.state_attnum - 1] || rekeyed
                     ? nullptr
                     : lq::pg::validated_state(r.values[c.state_attnum - 1]);
  stored.has_stage = !r.nulls[c.stage_attnum - 1];
  stored.stage = stored.has_stage ? lq::pg::stage_from_datum(r.values[c.stage_attnum - 1]) : lq::Stage::Lead;
  const Datum changed_at = r.values[c.changed_at_attnum - 1];
  stored.has_changed_at = !r.nulls[c.changed_at_attnum - 1];
  stored.changed_at = stored.has_changed_at ? DatumGetTimestampTz(changed_at) : 0;
  stored.since_given = false;
  stored.since_state = nullptr;
  stored.has_score = !r.nulls[c.score_attnum - 1];
  stored.score = stored.has_score ? DatumGetFloat8(r.values[c.score_attnum - 1]) : 0.0;
  stored.full_state = nullptr;
  for (int i = 0; i < w->lead_count; ++i)
    w->lead_values[i] = lq::pg::attr_from_values(r, desc, c.attribute_attnums[i]);
  const lq::pg::LeadUpdate u = lq::pg::compute_update(w, delta, stored);
  return lq::pg::with_lead_outputs(r, desc, c,
                                   {u.state, u.fit, u.engagement, u.score, u.stage,
                                    u.stage_changed_now ? TimestampTzGetDatum(w->as_of) : changed_at});
}

// `row` with the columns lead_qual owns set back to their values in `old`
// (`row` itself when none differs); with `stage_owned` (a shadow model's
// stage column) the stage too.
HeapTuple keep_owned_columns(HeapTuple old, HeapTuple row, TupleDesc desc, const LeadColumns &c,
                             bool stage_owned) {
  const AttrNumber owned[6] = {
      c.state_attnum,      c.fit_attnum,
      c.engagement_attnum, c.score_attnum,
      c.changed_at_attnum, static_cast<AttrNumber>(stage_owned ? c.stage_attnum : InvalidAttrNumber)};
  int columns[6];
  Datum values[6];
  bool nulls[6];
  int n = 0;
  for (const AttrNumber attnum : owned) {
    if (attnum == InvalidAttrNumber) continue;
    if (!lq::pg::column_changed(old, row, desc, attnum)) continue;
    columns[n] = attnum;
    values[n] = heap_getattr(old, attnum, desc, &nulls[n]);
    ++n;
  }
  return n == 0 ? row : heap_modify_tuple_by_cols(row, desc, n, columns, values, nulls);
}

}  // namespace

LQ_FUNCTION(lq_lead_changed) {
  TriggerData *td = lq::pg::trigger_data(fcinfo, "lead_changed");
  const TriggerEvent event = td->tg_event;
  lq::pg::require_firing(TRIGGER_FIRED_BEFORE(event) && TRIGGER_FIRED_FOR_ROW(event) &&
                             (TRIGGER_FIRED_BY_INSERT(event) || TRIGGER_FIRED_BY_UPDATE(event)),
                         "lead_changed", "BEFORE INSERT OR UPDATE FOR EACH ROW");
  const bool inserting = TRIGGER_FIRED_BY_INSERT(event);
  HeapTuple row = inserting ? td->tg_trigtuple : td->tg_newtuple;
  Relation rel = td->tg_relation;
  // lead_qual's own write of this table: the activity triggers' rows are
  // computed here, rescore()'s and refresh()'s already by _apply().
  // Another model's write (several scores per lead) passes: it touches
  // only that model's columns.
  if (lq::pg::LeadWrite *w = lq::pg::active_write_on(RelationGetRelid(rel))) {
    if (inserting || !w->apply_in_trigger || !lq::pg::write_of_model(w, lq::pg::trigger_model_name(td)))
      return PointerGetDatum(row);
    return PointerGetDatum(apply_in_trigger(w, td));
  }
  // rescore() or refresh() of a Citus distributed table: this shard's rows
  // (citus_rewrite.hpp).
  if (!inserting && lq::pg::citus_rewrite_pending()) {
    if (lq::pg::LeadWrite *w = lq::pg::citus_rewrite_begin(fcinfo, td)) {
      HeapTuple result = apply_in_trigger(w, td);
      lq::pg::end_write(w);
      return PointerGetDatum(result);
    }
  }

  TrackArgs args;
  lq::pg::parse_track_args(td, lq::pg::TrackedTable::Leads, false, &args);
  ModelRef *model = lq::pg::model_for_call(fcinfo, cstring_to_text(args.model_name));
  const lq::Model &m = *model->model;
  TupleDesc desc = RelationGetDescr(rel);
  LeadColumns &cols = *lq::pg::lead_columns(td, model->lead_names, model->lead_count);
  const AttrNumber *attr_cols = cols.attribute_attnums;

  // A lead outside the lead filter (README, "Row filters"; filtered_lead.hpp)
  // is not scored and moves no stage. One that comes back into the filter
  // is rebuilt from its whole history (its stored state missed what came
  // meanwhile) and the automatic rules apply.
  lq::pg::RowFilter *filter =
      args.lead_filter != nullptr ? lq::pg::row_filter(rel, args.lead_filter) : nullptr;
  const bool outside = filter != nullptr && !lq::pg::tuple_passes(filter, row);
  if (outside && inserting) return PointerGetDatum(lq::pg::inserted_outside_filter(row, desc, cols));
  const bool returning = filter != nullptr && !inserting && !lq::pg::tuple_passes(filter, td->tg_trigtuple);

  const TimestampTz now = lq::pg::scoring_time();
  bool stage_null = false;
  const Datum stage_datum = heap_getattr(row, cols.stage_attnum, desc, &stage_null);
  lq::Stage given = stage_null ? lq::Stage::Lead : lq::pg::stage_from_datum(stage_datum);

  bool manual = false;
  int manual_from = -1;
  bool rescore = inserting || returning;
  bool rekeyed = false;
  if (!inserting) {
    HeapTuple old = td->tg_trigtuple;
    row = keep_owned_columns(old, row, desc, cols, args.shadow);
    bool old_null = false;
    const Datum old_stage = heap_getattr(old, cols.stage_attnum, desc, &old_null);
    if (lq::pg::column_changed(old, row, desc, cols.stage_attnum)) {
      if (stage_null)
        ereport(ERROR,
                (errcode(ERRCODE_CHECK_VIOLATION), errmsg("a tracked lead's stage cannot be set to NULL")));
      const lq::Stage from = old_null ? lq::Stage::Lead : lq::pg::stage_from_datum(old_stage);
      if (!old_null && args.keep_stage_on_stale_save &&
          lq::pg::is_stale_stage_write(RelationGetRelid(rel), lq::pg::lead_key_text(old, desc, cols), from,
                                       given)) {
        // A stale save (option keep_stage_on_stale_save): the application
        // wrote back the stage the row had before lead_qual's last change.
        // lead_qual's stage and its stage_changed_at stay; the rest of the
        // row is written.
        given = from;
        int attnums[2] = {cols.stage_attnum, cols.changed_at_attnum};
        bool nulls[2] = {false, false};
        Datum values[2] = {old_stage, heap_getattr(old, cols.changed_at_attnum, desc, &nulls[1])};
        row = heap_modify_tuple_by_cols(row, desc, 2, attnums, values, nulls);
      } else {
        if (!old_null) {
          lq::pg::check_transition(from, given, args.policy);
          manual_from = lq::stage_rank(from);
        }
        manual = true;
      }
    }
    for (int i = 0; i < model->lead_count && !rescore; ++i)
      rescore = lq::pg::column_changed(old, row, desc, attr_cols[i]);
    // A new key: the lead's activities are the new key's (a foreign key
    // with ON UPDATE CASCADE moves the old ones after this row is written,
    // and their update rebuilds the lead again).
    rekeyed = lq::pg::column_changed(old, row, desc, cols.key_attnum);
    rescore = rescore || rekeyed;
  }
  if (outside)
    return PointerGetDatum(
        manual ? lq::pg::manual_change_outside_filter(row, desc, cols, RelationGetRelid(rel), manual_from,
                                                      given, args.channel, lq::pg::scoring_time())
               : row);
  if (!manual && !rescore) return PointerGetDatum(row);

  // Scores as of this statement.
  for (int i = 0; i < model->lead_count; ++i)
    model->lead_values[i] = lq::pg::attr_from_tuple(row, desc, attr_cols[i]);
  // A private copy whose horizon is this scoring time (what is stored).
  void *state = lq::pg::copy_state(
      current_state(row, desc, cols, args, *model, td->tg_trigger->tgoid, now, !returning && !rekeyed),
      CurrentMemoryContext);
  lq::pg::set_scoring_time(state, now);
  const lq::StateView view(state);
  const lq::LeadEvaluation e = lq::evaluate_lead(m, model->lead_values, &view, now);

  bool changed_at_null = false;
  const Datum changed_at = heap_getattr(row, cols.changed_at_attnum, desc, &changed_at_null);
  // A recycled lead is judged on the activities since it was recycled (on
  // INSERT without a stage_changed_at: since now, which is what is stored).
  lq::LeadEvaluation since;
  bool has_since = false;
  if (!manual && given == lq::Stage::Recycled) {
    void *since_state = state_since(row, desc, cols, args, td->tg_trigger->tgoid,
                                    changed_at_null ? now : DatumGetTimestampTz(changed_at));
    if (since_state != nullptr) {
      const lq::StateView since_view(since_state);
      since_view.check_model(m);
      since = lq::evaluate_lead(m, model->lead_values, &since_view, now);
      has_since = true;
    }
  }

  // A manual change is kept as made; otherwise the automatic rules apply
  // (to an inserted row: after it is written, by lead_inserted(); in a
  // query of several steps, whose history may still change: once it has
  // finished, query_events.hpp).
  const char *key = lq::pg::lead_key_text(row, desc, cols);
  const bool settle_later = !manual && !inserting && lq::pg::query_has_several_steps(RelationGetRelid(rel));
  if (settle_later) lq::pg::settle_after_query(RelationGetRelid(rel), key);
  const lq::Stage next = manual || inserting || settle_later
                             ? given
                             : lq::next_stage(m, e, given, false, has_since ? &since : nullptr);
  // What is recorded: a manual change as made; otherwise an automatic move
  // away from the given stage (on INSERT: the stage given, or lead).
  lq::pg::StageChange change = {
      const_cast<char *>(key), lq::stage_rank(given), lq::stage_rank(next), e.fit, e.engagement, e.score};
  const char *reason = inserting ? lq::reason::kScore : lq::reason::kRescore;
  bool changed = next != given;
  if (manual) {
    change.from_rank = manual_from;
    reason = lq::reason::kManual;
    changed = true;
  }
  HeapTuple result =
      lq::pg::with_lead_outputs(row, desc, cols,
                                {state, e.fit, e.engagement, e.score, next,
                                 changed || changed_at_null ? TimestampTzGetDatum(now) : changed_at});
  if (changed && args.shadow)
    lq::pg::record_score_changes(RelationGetRelid(rel), args.model_name, m.version, &change, 1, reason, now,
                                 GetUserId());
  else if (changed)
    lq::pg::record_stage_changes(RelationGetRelid(rel), &change, 1, reason, args.channel, now, GetUserId());
  return PointerGetDatum(result);
}
