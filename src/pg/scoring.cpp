// Scoring functions: fit_score, activity_points, add_activity (also the
// engagement_state aggregate's transition), score_state_combine, engagement,
// explain, qualify.
#include "pg/entry.hpp"  // first: postgres.h precedes every other header

extern "C" {
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"
}

#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/lead_evaluation.hpp"
#include "core/model.hpp"
#include "core/score_state.hpp"
#include "pg/activity_args.hpp"
#include "pg/lead_stage.hpp"
#include "pg/model_cache.hpp"
#include "pg/score_state_type.hpp"
#include "pg/scoring_time.hpp"

namespace {

Jsonb *jsonb_arg_or_null(FunctionCallInfo fcinfo, int n) {
  return PG_ARGISNULL(n) ? nullptr : PG_GETARG_JSONB_P(n);
}

std::string_view text_view(text *t) {
  return {VARDATA_ANY(t), static_cast<std::size_t>(VARSIZE_ANY_EXHDR(t))};
}

// The model of argument n: a name or, for the jsonb overloads (`candidate`),
// a definition.
lq::pg::ModelRef *model_at(FunctionCallInfo fcinfo, int n, bool candidate) {
  return lq::pg::model_of_arg(fcinfo, n, candidate);
}

// Both overloads of a scoring function share one body: name##_impl.
#define LQ_MODEL_FUNCTION(name)                                       \
  static Datum name##_impl(FunctionCallInfo fcinfo, bool candidate);  \
  LQ_FUNCTION(name) { return name##_impl(fcinfo, false); }            \
  LQ_FUNCTION(name##_candidate) { return name##_impl(fcinfo, true); } \
  static Datum name##_impl([[maybe_unused]] FunctionCallInfo fcinfo, [[maybe_unused]] bool candidate)

}  // namespace

LQ_MODEL_FUNCTION(lq_fit_score) {
  lq::pg::ModelRef *m = model_at(fcinfo, 0, candidate);
  lq::pg::attrs_from_jsonb(PG_GETARG_JSONB_P(1), m->lead_names, m->lead_count, m->lead_values);
  PG_RETURN_FLOAT8(m->model->fit(m->lead_values));
}

// activity_points(model, activity, properties): the undecayed points of the
// first matching rule; 0 for an unknown activity. NULL properties = none.
LQ_MODEL_FUNCTION(lq_activity_points) {
  if (PG_ARGISNULL(1)) PG_RETURN_NULL();
  lq::pg::ModelRef *m = model_at(fcinfo, 0, candidate);
  lq::pg::attrs_from_jsonb(jsonb_arg_or_null(fcinfo, 2), m->property_names, m->property_count,
                           m->property_values);
  const int rule = m->model->match(text_view(PG_GETARG_TEXT_PP(1)), m->property_values);
  PG_RETURN_FLOAT8(rule < 0 ? 0.0 : m->model->engagement_rules[static_cast<std::size_t>(rule)].points);
}

// add_activity(state, model, activity, occurred_at, properties [, as_of]):
// a NULL state starts empty; a row with NULL activity is ignored (as a
// strict aggregate would), and so is a row with a NULL occurred_at (not
// scored: lq::pg::activity_time()); NULL properties mean none. With as_of
// (the scoring time, finite) the state's horizon becomes it and a later
// activity is held apart; without it every activity is folded into the sums
// (exact from the newest activity on). The engagement_state() aggregates
// have their own transition (engagement_aggregate.cpp); a user-defined
// aggregate over add_activity() has its state updated in place.
LQ_MODEL_FUNCTION(lq_add_activity) {
  const bool in_aggregate = AggCheckCallContext(fcinfo, nullptr) != 0;
  const lq::pg::ActivityArgs a = lq::pg::read_activity(fcinfo, candidate);
  if (!a.scored) {
    if (PG_ARGISNULL(0)) PG_RETURN_NULL();
    PG_RETURN_DATUM(PG_GETARG_DATUM(0));
  }
  const lq::Model &model = *a.model->model;

  void *state;
  if (PG_ARGISNULL(0)) {
    // In CurrentMemoryContext even inside an aggregate: the executor copies a
    // new transition value into its own context anyway (and would keep an
    // aggregate-context original as garbage until the end of the query).
    state = lq::pg::empty_state(model, CurrentMemoryContext);
  } else if (in_aggregate) {
    // Our own transition value in the aggregate's context: update in place.
    state = PG_GETARG_POINTER(0);
    if (VARATT_IS_EXTENDED(state)) state = lq::pg::state_arg(fcinfo, 0);
  } else {
    state = lq::pg::copy_state(lq::pg::state_arg(fcinfo, 0), CurrentMemoryContext);
  }
  lq::StateView(state).check_model(model);
  // The aggregate's own transition value is never reallocated: one that must
  // grow is copied (the executor copies a new value into its context and
  // frees the old one).
  if (in_aggregate && lq::state_add_room(state, a.rule, a.occurred_at, a.horizon) > VARSIZE(state))
    state = lq::pg::copy_state(state, CurrentMemoryContext);
  state = lq::pg::add_to_state(state, model, a.rule, a.occurred_at, a.or_bits, a.horizon);
  PG_RETURN_POINTER(state);
}

// Combine function of engagement_state(): a + b. Updates `a` in place when
// it is the aggregate's own transition value.
LQ_FUNCTION(lq_score_state_combine) {
  const bool in_aggregate = AggCheckCallContext(fcinfo, nullptr) != 0;
  void *b = lq::pg::state_arg(fcinfo, 1);
  void *a = lq::pg::state_arg(fcinfo, 0);
  // Outside an aggregate the argument must not be modified; a detoasted
  // argument is already a private copy.
  if ((!in_aggregate && a == DatumGetPointer(PG_GETARG_DATUM(0))) ||
      (in_aggregate && lq::state_combine_room(a, b) > VARSIZE(a)))
    a = lq::pg::copy_state(a, CurrentMemoryContext);
  a = lq::pg::combine_into(a, b);
  PG_RETURN_POINTER(a);
}

LQ_FUNCTION(lq_engagement) {
  const void *state = lq::pg::state_arg(fcinfo, 0);
  PG_RETURN_FLOAT8(lq::StateView(state).engagement(PG_GETARG_TIMESTAMPTZ(1)));
}

LQ_FUNCTION(lq_explain) {
  const void *state = lq::pg::state_arg(fcinfo, 0);
  const TimestampTz as_of = PG_GETARG_TIMESTAMPTZ(1);
  InitMaterializedSRF(fcinfo, 0);
  auto *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
  const std::vector<lq::RuleExplanation> rows = lq::StateView(state).explain(as_of);
  for (const lq::RuleExplanation &r : rows) {
    lq::pg::pg_call([&] {
      Datum values[5];
      bool nulls[5] = {false, false, false, false, false};
      values[0] = Int32GetDatum(r.rule);
      values[1] =
          PointerGetDatum(cstring_to_text_with_len(r.activity.data(), static_cast<int>(r.activity.size())));
      values[2] = Int64GetDatum(r.activities);
      values[3] = Float8GetDatum(r.points);
      values[4] = BoolGetDatum(r.capped);
      tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
    });
  }
  return static_cast<Datum>(0);
}

// qualify(model, lead, state, current, as_of): the stage the automatic rules
// give. NULL lead = no attributes; NULL state = no activity; NULL current =
// no stage yet (the result is then the automatic stage, or NULL). For a
// recycled lead the state is taken as its activities since it was recycled
// (what lq::next_stage() judges it on): the caller chooses them.
LQ_MODEL_FUNCTION(lq_qualify) {
  if (PG_ARGISNULL(0) || PG_ARGISNULL(4)) PG_RETURN_NULL();
  lq::pg::ModelRef *m = model_at(fcinfo, 0, candidate);
  const lq::Model &model = *m->model;
  lq::pg::attrs_from_jsonb(jsonb_arg_or_null(fcinfo, 1), m->lead_names, m->lead_count, m->lead_values);
  const lq::StateView state(PG_ARGISNULL(2) ? nullptr : lq::pg::state_arg(fcinfo, 2));
  if (!PG_ARGISNULL(2)) state.check_model(model);
  const lq::LeadEvaluation e =
      lq::evaluate_lead(model, m->lead_values, PG_ARGISNULL(2) ? nullptr : &state, PG_GETARG_TIMESTAMPTZ(4));
  if (PG_ARGISNULL(3)) {
    if (!e.automatic) PG_RETURN_NULL();
    PG_RETURN_LEAD_STAGE(*e.automatic);
  }
  PG_RETURN_LEAD_STAGE(lq::next_stage(model, e, PG_GETARG_LEAD_STAGE(3), false, &e));
}

// evaluate(model, lead, state, current, as_of, since_state): what lead_qual's
// own writes (rescore(), the triggers: lq::pg lead_update) compute for a lead,
// as one row: fit, engagement, score, the automatic stage (the highest whose
// criteria are met, NULL: none) and the stage the lead at `current` moves to
// (NULL current: a lead). `since_state` is a recycled lead's state of the
// activities after it was recycled (what lifts it); NULL: none. The jsonb
// overload evaluates a candidate model (preview(), issue #16).
LQ_MODEL_FUNCTION(lq_evaluate) {
  if (PG_ARGISNULL(4)) PG_RETURN_NULL();
  lq::pg::ModelRef *m = model_at(fcinfo, 0, candidate);
  const lq::Model &model = *m->model;
  const TimestampTz as_of = PG_GETARG_TIMESTAMPTZ(4);
  lq::pg::attrs_from_jsonb(jsonb_arg_or_null(fcinfo, 1), m->lead_names, m->lead_count, m->lead_values);
  const lq::StateView state(PG_ARGISNULL(2) ? nullptr : lq::pg::state_arg(fcinfo, 2));
  if (!PG_ARGISNULL(2)) state.check_model(model);
  const lq::LeadEvaluation e =
      lq::evaluate_lead(model, m->lead_values, PG_ARGISNULL(2) ? nullptr : &state, as_of);
  const lq::Stage current = PG_ARGISNULL(3) ? lq::Stage::Lead : PG_GETARG_LEAD_STAGE(3);
  lq::LeadEvaluation since;
  bool has_since = false;
  if (current == lq::Stage::Recycled && !PG_ARGISNULL(5)) {
    const lq::StateView since_view(lq::pg::state_arg(fcinfo, 5));
    since_view.check_model(model);
    since = lq::evaluate_lead(model, m->lead_values, &since_view, as_of);
    has_since = true;
  }
  const lq::Stage stage = lq::next_stage(model, e, current, false, has_since ? &since : nullptr);
  Datum values[5];
  bool nulls[5] = {false, false, false, !e.automatic.has_value(), false};
  values[0] = Float8GetDatum(e.fit);
  values[1] = Float8GetDatum(e.engagement);
  values[2] = Float8GetDatum(e.score);
  values[3] = e.automatic ? lq::pg::stage_to_datum(*e.automatic) : Datum{0};
  values[4] = lq::pg::stage_to_datum(stage);
  TupleDesc desc = nullptr;
  const bool composite =
      lq::pg::pg_call([&] { return get_call_result_type(fcinfo, nullptr, &desc) == TYPEFUNC_COMPOSITE; });
  if (!composite) throw lq::Error(lq::ErrorKind::Internal, "evaluate() must return a record");
  return lq::pg::pg_call(
      [&] { return HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls)); });
}
