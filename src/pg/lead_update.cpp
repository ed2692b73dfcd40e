// compute_update(), and lead_qual._apply(), the row function through which
// rescore() and refresh() compute each lead.
#include "pg/lead_update.hpp"

extern "C" {
#include "access/htup_details.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
}

#include <cmath>

#include "core/lead_evaluation.hpp"
#include "core/score_state.hpp"
#include "pg/entry.hpp"
#include "pg/lead_stage.hpp"
#include "pg/owner_spi.hpp"
#include "pg/score_state_type.hpp"
#include "pg/tracking_sql.hpp"

namespace lq::pg {

namespace {

// The state of lead `stored` rebuilt from its whole activity history (nested
// SPI, inside lead_qual's own UPDATE), or NULL without history, plan or key.
void *rebuild_from_history(LeadWrite *w, const StoredLead &stored) {
  if (w->rebuild_one == nullptr || !stored.has_key) return nullptr;
  const Datum key = stored.key;
  MemoryContext caller = CurrentMemoryContext;
  spi_connect();
  void *result = state_from_history(w->rebuild_one, key, w->model_name, w->as_of, caller);
  SPI_finish();
  return result;
}

// A recycled lead's activities counted strictly after `since` (its
// stage_changed_at; every activity when NULL), as a state, or NULL.
void *since_from_history(LeadWrite *w, const StoredLead &stored, bool has_since, TimestampTz since) {
  if (w->rebuild_since == nullptr || !stored.has_key) return nullptr;
  const Datum key = stored.key;
  MemoryContext caller = CurrentMemoryContext;
  spi_connect();
  void *result =
      state_since(w->rebuild_since, key, w->model_name, w->as_of, has_since ? since : DT_NOBEGIN, caller);
  SPI_finish();
  return result;
}

}  // namespace

LeadUpdate compute_update(LeadWrite *w, LeadDelta *delta, const StoredLead &stored) {
  const Model &model = *w->model;
  void *state = nullptr;
  // The write's activities for this lead, unless a row of it already has
  // them: the lead is written again during the write (a user's trigger
  // updates it after the write's own update), and its row is then the
  // stored one, to be taken as it is; so is a lead that is not one of the
  // write's (foreign).
  const bool pending = delta != nullptr && !delta->applied && !delta->foreign;
  if (pending && delta->state != nullptr && delta->replace) {
    state = copy_state(delta->state, CurrentMemoryContext);
  } else if (pending && delta->state != nullptr) {
    if (stored.state != nullptr && StateView(stored.state).built_under(model.name, model.version)) {
      state = combine_into(copy_state(stored.state, CurrentMemoryContext), delta->state);
    } else {
      // No state, or one of another model version: the whole history
      // (which already holds this statement's rows) replaces it.
      state = rebuild_from_history(w, stored);
      if (state == nullptr) state = copy_state(delta->state, CurrentMemoryContext);
    }
  } else if (stored.full_state != nullptr) {
    state = copy_state(stored.full_state, CurrentMemoryContext);
  } else if (pending) {
    // Rebuilt from a history that is now empty: a new, empty state.
    state = empty_state(model, CurrentMemoryContext);
  } else if (stored.state != nullptr && StateView(stored.state).built_under(model.name, model.version)) {
    // Nothing of this write for the lead: a lead another trigger updates
    // during the write, or one whose row already has the write's activities.
    state = copy_state(stored.state, CurrentMemoryContext);
  } else {
    // Nor a state of this model version: its whole history, if any.
    state = rebuild_from_history(w, stored);
    if (state == nullptr) state = empty_state(model, CurrentMemoryContext);
  }
  StateView(state).check_model(model);
  // The stored state's horizon is this write's scoring time: held entries it
  // passes are folded, and scored_at(state) says when the row was scored.
  set_scoring_time(state, w->as_of);
  const StateView view(state);

  const LeadEvaluation e = evaluate_lead(model, w->lead_values, &view, w->as_of);
  const Stage current = stored.has_stage ? stored.stage : Stage::Lead;
  // A recycled lead: what happened since it was recycled (next_stage()).
  LeadEvaluation since;
  bool has_since = false;
  if (current == Stage::Recycled) {
    const void *since_state = stored.since_given
                                  ? stored.since_state
                                  : since_from_history(w, stored, stored.has_changed_at, stored.changed_at);
    if (since_state != nullptr) {
      const StateView since_view(since_state);
      since_view.check_model(model);
      since = evaluate_lead(model, w->lead_values, &since_view, w->as_of);
      has_since = true;
    }
  }
  LeadUpdate u;
  u.state = state;
  u.engagement = e.engagement;
  u.fit = e.fit;
  u.score = e.score;
  u.stage = next_stage(model, e, current, w->recycle, has_since ? &since : nullptr);
  // A lead without a stage starts as a lead; only a move from there is a
  // stage change worth recording.
  const bool stage_changed = u.stage != current;
  const bool changed =
      stage_changed || !stored.has_stage || !stored.has_score || std::fabs(stored.score - u.score) > 1e-9;
  u.stage_changed_now = stage_changed || !stored.has_stage || !stored.has_changed_at;
  if (delta != nullptr) {
    // The text that names the lead in the stage history: the caller's, or
    // that of its own key (an equal key in the delta may be written
    // differently).
    const char *key_text = stored.key_text;
    if (key_text == nullptr && stage_changed && stored.has_key)
      key_text = lq::pg::key_text(w->identity, stored.key);
    set_outcome(w, delta, key_text, changed, stage_changed, stage_rank(current), stage_rank(u.stage), u.fit,
                u.engagement, u.score);
  }
  return u;
}

}  // namespace lq::pg

using lq::pg::LeadWrite;

// lead_qual._apply(key, state, stage, stage_changed_at, old_score, attributes,
// full_state, since_state) -> lead_update: the new columns of one lead, computed inside a
// lead write (rescore() and refresh(); see compute_update()).
LQ_FUNCTION(lq_apply) {
  LeadWrite *w = lq::pg::current_write();
  if (w == nullptr)
    ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                    errmsg("lead_qual._apply() may only be called by lead_qual itself")));
  if (PG_ARGISNULL(0)) ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("lead key is NULL")));
  lq::pg::StoredLead stored;
  stored.key_text = text_to_cstring(PG_GETARG_TEXT_PP(0));
  stored.key = 0;
  stored.has_key = false;
  // The stored state matters only to a write that applies deltas (a corrupt
  // one must not stop rescore(), which replaces it).
  stored.state = PG_ARGISNULL(1) || w->deltas == nullptr ? nullptr : lq::pg::state_arg(fcinfo, 1);
  stored.has_stage = !PG_ARGISNULL(2);
  stored.stage = PG_ARGISNULL(2) ? lq::Stage::Lead : PG_GETARG_LEAD_STAGE(2);
  stored.has_changed_at = !PG_ARGISNULL(3);
  stored.changed_at = PG_ARGISNULL(3) ? 0 : PG_GETARG_TIMESTAMPTZ(3);
  // The since_state argument is new in 1.2: a database not yet updated
  // calls the 7-argument _apply() (then no activity since counts).
  stored.since_given = true;
  stored.since_state = PG_NARGS() < 8 || PG_ARGISNULL(7) ? nullptr : lq::pg::state_arg(fcinfo, 7);
  stored.has_score = !PG_ARGISNULL(4);
  stored.score = PG_ARGISNULL(4) ? 0.0 : PG_GETARG_FLOAT8(4);
  stored.full_state = PG_ARGISNULL(6) ? nullptr : lq::pg::state_arg(fcinfo, 6);
  Jsonb *attributes = PG_ARGISNULL(5) ? nullptr : PG_GETARG_JSONB_P(5);
  lq::pg::attrs_from_jsonb(attributes, w->lead_names, w->lead_count, w->lead_values);
  // After the stored state is read (a write's first lead has no delta
  // table yet).
  lq::pg::LeadDelta *delta = lq::pg::delta_for_text(w, stored.key_text, true);
  const lq::pg::LeadUpdate u = lq::pg::compute_update(w, delta, stored);

  // The result descriptor is looked up and blessed once per call site.
  auto *desc = static_cast<TupleDesc>(fcinfo->flinfo->fn_extra);
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
