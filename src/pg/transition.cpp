// Stage transition functions and the enforce_stage_transition() trigger.
#include "pg/lead_stage.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
}

#include "core/error.hpp"
#include "pg/catalog.hpp"
#include "pg/entry.hpp"
#include "pg/trigger_checks.hpp"

using lq::Stage;

LQ_FUNCTION(lead_stage_can_transition) {
  PG_RETURN_BOOL(lq::can_transition(PG_GETARG_LEAD_STAGE(0), PG_GETARG_LEAD_STAGE(1)));
}

namespace {

// A lead_stage[] of the stages `keep` accepts, in funnel order. The element
// type is the calling function's result element type (lead_stage), looked up
// rather than hard-coded because extension type OIDs vary.
template <typename Keep>
ArrayType *stage_array(FunctionCallInfo fcinfo, Keep keep) {
  Datum stages[lq::kStageCount];
  int n = 0;
  for (Stage s : lq::kAllStages) {
    if (keep(s)) stages[n++] = lq::pg::stage_to_datum(s);
  }
  const Oid element_type = get_element_type(get_fn_expr_rettype(fcinfo->flinfo));
  if (!OidIsValid(element_type))
    throw lq::Error(lq::ErrorKind::Internal, "lead_stage array: result is not an array");
  return construct_array(stages, n, element_type, 1, true, TYPALIGN_CHAR);
}

}  // namespace

LQ_FUNCTION(lead_stage_allowed_transitions) {
  const Stage from = PG_GETARG_LEAD_STAGE(0);
  PG_RETURN_ARRAYTYPE_P(stage_array(fcinfo, [from](Stage to) { return lq::can_transition(from, to); }));
}

// Every stage in funnel order, from the core's one list (lq::kAllStages), for
// lead_qual.stages() instead of a second list written in SQL.
LQ_FUNCTION(lead_stage_all) {
  PG_RETURN_ARRAYTYPE_P(stage_array(fcinfo, [](Stage) { return true; }));
}

namespace {

// The same plain-data pattern as model_functions.cpp: detoast and print the
// JSON first, then hand the text to the core parser.
lq::TransitionPolicy policy_arg(FunctionCallInfo fcinfo, int n) {
  Jsonb *policy = PG_GETARG_JSONB_P(n);
  const char *text = JsonbToCString(nullptr, &policy->root, VARSIZE(policy));
  return lq::TransitionPolicy::parse(text);
}

}  // namespace

// lead_qual._policy_bits(policy jsonb) -> text: validates a transition
// policy (22023 naming the bad field) and returns its compiled form, which
// track() passes to the triggers.
LQ_FUNCTION(lq_policy_bits) { PG_RETURN_TEXT_P(cstring_to_text(policy_arg(fcinfo, 0).to_bits().c_str())); }

// lead_qual._policy_allows(from, to, policy jsonb) -> boolean.
LQ_FUNCTION(lq_policy_allows) {
  PG_RETURN_BOOL(policy_arg(fcinfo, 2).allows(PG_GETARG_LEAD_STAGE(0), PG_GETARG_LEAD_STAGE(1)));
}

// lead_qual._policy_allowed(from, policy jsonb) -> lead_stage[].
LQ_FUNCTION(lq_policy_allowed) {
  const Stage from = PG_GETARG_LEAD_STAGE(0);
  const lq::TransitionPolicy policy = policy_arg(fcinfo, 1);
  PG_RETURN_ARRAYTYPE_P(stage_array(fcinfo, [&](Stage to) { return policy.allows(from, to); }));
}

LQ_FUNCTION(lead_stage_transition) {
  const Stage from = PG_GETARG_LEAD_STAGE(0);
  const Stage to = PG_GETARG_LEAD_STAGE(1);
  lq::pg::check_transition(from, to);
  PG_RETURN_LEAD_STAGE(to);
}

// BEFORE UPDATE FOR EACH ROW trigger; arguments: the lead_stage column's
// name and, optionally, a transition policy (JSON, TransitionPolicy::parse).
// A NULL on either side is not a stage change and is let through (use a NOT
// NULL constraint to forbid NULL stages). On INSERT the row passes unchanged.
LQ_FUNCTION(enforce_stage_transition) {
  TriggerData *trigdata = lq::pg::trigger_data(fcinfo, "enforce_stage_transition");
  const TriggerEvent event = trigdata->tg_event;
  lq::pg::require_firing(TRIGGER_FIRED_BEFORE(event) && TRIGGER_FIRED_FOR_ROW(event) &&
                             (TRIGGER_FIRED_BY_UPDATE(event) || TRIGGER_FIRED_BY_INSERT(event)),
                         "enforce_stage_transition", "BEFORE UPDATE FOR EACH ROW");
  if (trigdata->tg_trigger->tgnargs != 1 && trigdata->tg_trigger->tgnargs != 2)
    ereport(ERROR,
            (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
             errmsg("enforce_stage_transition() takes the stage column name and, optionally, a transition "
                    "policy (JSON)")));
  // Parsed (and so validated) on every call, INSERT included: a bad policy
  // is reported by the first statement, not by the first stage change.
  const lq::TransitionPolicy policy = trigdata->tg_trigger->tgnargs == 2
                                          ? lq::TransitionPolicy::parse(trigdata->tg_trigger->tgargs[1])
                                          : lq::TransitionPolicy();
  if (TRIGGER_FIRED_BY_INSERT(event)) return PointerGetDatum(trigdata->tg_trigtuple);

  Relation rel = trigdata->tg_relation;
  TupleDesc desc = RelationGetDescr(rel);
  const char *column = trigdata->tg_trigger->tgargs[0];
  const int attnum = SPI_fnumber(desc, column);
  if (attnum <= 0)
    ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN),
                    errmsg("enforce_stage_transition(): column \"%s\" does not exist in table \"%s\"", column,
                           RelationGetRelationName(rel))));
  const Oid column_type = TupleDescAttr(desc, attnum - 1)->atttypid;
  if (column_type != lq::pg::extension_type("lead_stage"))
    ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
                    errmsg("enforce_stage_transition(): column \"%s\" of table \"%s\" is of type %s, not "
                           "lead_qual.lead_stage",
                           column, RelationGetRelationName(rel), format_type_be(column_type))));

  bool old_null = false;
  bool new_null = false;
  const Datum old_value = heap_getattr(trigdata->tg_trigtuple, attnum, desc, &old_null);
  const Datum new_value = heap_getattr(trigdata->tg_newtuple, attnum, desc, &new_null);
  if (!old_null && !new_null)
    lq::pg::check_transition(lq::pg::stage_from_datum(old_value), lq::pg::stage_from_datum(new_value),
                             policy);
  return PointerGetDatum(trigdata->tg_newtuple);
}
