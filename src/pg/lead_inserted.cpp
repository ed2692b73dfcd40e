// lead_inserted(): the AFTER INSERT row trigger track() installs on a leads
// table (lead_qual_lead_inserted). lead_changed() fills an inserted lead's
// columns before the row is written but moves no stage: PostgreSQL fires
// BEFORE INSERT triggers for every row proposed, and INSERT ... ON CONFLICT
// then discards some of them, so a stage change recorded (stage_history,
// NOTIFY) there could be a hand-off of a row that never existed. This
// trigger fires only for rows written, and applies the automatic stage:
//  * in a query of one step, from the row as written (nothing to do unless
//    the stage moves: the common case costs one evaluation);
//  * in a query of several steps (query_events.hpp: say `WITH a AS (INSERT
//    INTO activities ...) INSERT INTO leads ...`), from the lead's final
//    history: the row was scored before the query's other steps ran; the
//    same for a lead whose activities were written in this transaction
//    while its row did not exist yet (a user's BEFORE INSERT trigger on the
//    leads table that inserts them after lead_changed() ran).
// The move is a lead write (lead_write.hpp), which records it.
//
// lead_qual._settle(leads, key) does the same for a lead whose attributes a
// query of several steps changed (lead_changed() moved no stage then): it
// is called when that query has finished (query_events.hpp).
#include "pg/entry.hpp"  // first: postgres.h precedes every other header

extern "C" {
#include "access/htup_details.h"
#include "access/table.h"
#include "commands/trigger.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
}

#include <cstring>

#include "core/change_reason.hpp"
#include "core/lead_evaluation.hpp"
#include "core/score_state.hpp"
#include "core/shard_name.hpp"
#include "pg/lead_stage.hpp"
#include "pg/lead_write.hpp"
#include "pg/model_cache.hpp"
#include "pg/query_events.hpp"
#include "pg/row_filter.hpp"
#include "pg/score_state_type.hpp"
#include "pg/scoring_time.hpp"
#include "pg/track_args.hpp"
#include "pg/tracked_columns.hpp"
#include "pg/trigger_checks.hpp"

namespace {

// The leads table's lead_changed() trigger `name` (lead_qual_lead, or
// lead_qual_lead/<model> for a model of add_score()): its arguments are this
// trigger's configuration (one copy, written by track() or add_score()).
const Trigger *lead_changed_trigger(Relation rel, const char *name) {
  const TriggerDesc *triggers = rel->trigdesc;
  for (int i = 0; triggers != nullptr && i < triggers->numtriggers; ++i)
    // On a Citus shard the trigger is a copy named after the shard.
    if (lq::is_name_or_shard_copy(triggers->triggers[i].tgname, name)) return &triggers->triggers[i];
  ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                  errmsg("table \"%s\" has lead_qual's trigger lead_inserted() but not %s",
                         RelationGetRelationName(rel), name),
                  errhint("Untrack the table and track it again.")));
}

// Whether a trigger is the lead_changed() trigger of a model of add_score().
bool is_score_lead_trigger(const Trigger &t) { return strncmp(t.tgname, "lead_qual_lead/", 15) == 0; }

// Whether the automatic stage rules move the lead as stored in `row`.
bool stage_moves(const lq::pg::ModelRef &model, HeapTuple row, TupleDesc desc, const lq::pg::LeadColumns &c,
                 TimestampTz now) {
  const lq::Model &m = *model.model;
  bool isnull = false;
  const Datum stored = heap_getattr(row, c.state_attnum, desc, &isnull);
  if (isnull) return true;
  void *state = lq::pg::validated_state(stored);
  const lq::StateView view(state);
  if (!view.built_under(m.name, m.version)) return true;
  for (int i = 0; i < model.lead_count; ++i)
    model.lead_values[i] = lq::pg::attr_from_tuple(row, desc, c.attribute_attnums[i]);
  const lq::LeadEvaluation e = lq::evaluate_lead(m, model.lead_values, &view, now);
  const Datum stage = heap_getattr(row, c.stage_attnum, desc, &isnull);
  const lq::Stage current = isnull ? lq::Stage::Lead : lq::pg::stage_from_datum(stage);
  return isnull || lq::next_stage(m, e, current, false) != current;
}

}  // namespace

LQ_FUNCTION(lq_lead_inserted) {
  TriggerData *td = lq::pg::trigger_data(fcinfo, "lead_inserted");
  const TriggerEvent event = td->tg_event;
  lq::pg::require_firing(
      TRIGGER_FIRED_AFTER(event) && TRIGGER_FIRED_FOR_ROW(event) && TRIGGER_FIRED_BY_INSERT(event),
      "lead_inserted", "AFTER INSERT FOR EACH ROW");
  Relation rel = td->tg_relation;
  if (lq::pg::active_write_on(RelationGetRelid(rel)) != nullptr) return PointerGetDatum(nullptr);

  // Read with lead_qual_lead's arguments (a model of add_score(): those of
  // the trigger its one argument names), as lead_changed() does.
  TriggerData config = *td;
  config.tg_trigger = const_cast<Trigger *>(
      lead_changed_trigger(rel, td->tg_trigger->tgnargs == 1 ? td->tg_trigger->tgargs[0] : "lead_qual_lead"));
  lq::pg::TrackArgs args;
  lq::pg::parse_track_args(&config, lq::pg::TrackedTable::Leads, false, &args);
  lq::pg::ModelRef *model = lq::pg::model_for_call(fcinfo, cstring_to_text(args.model_name));
  TupleDesc desc = RelationGetDescr(rel);
  lq::pg::LeadColumns &cols = *lq::pg::lead_columns(&config, model->lead_names, model->lead_count);
  HeapTuple row = td->tg_trigtuple;
  bool key_null = false;
  const Datum key = heap_getattr(row, cols.key_attnum, desc, &key_null);
  if (key_null) return PointerGetDatum(nullptr);
  // A lead outside the lead filter is left alone (lead_changed()).
  if (args.lead_filter != nullptr && !lq::pg::tuple_passes(lq::pg::row_filter(rel, args.lead_filter), row))
    return PointerGetDatum(nullptr);

  // Rebuilt from history too when an activity write of this transaction
  // missed the lead: its activities may be younger than the row's state.
  const TimestampTz now = lq::pg::scoring_time();
  Form_pg_attribute key_att = TupleDescAttr(desc, cols.key_attnum - 1);
  if (!lq::pg::query_has_several_steps(RelationGetRelid(rel)) &&
      !lq::pg::lead_was_not_found(args.leads_oid, key_att->atttypid, key_att->attcollation, key) &&
      !stage_moves(*model, row, desc, cols, now))
    return PointerGetDatum(nullptr);
  lq::pg::LeadWrite *w = lq::pg::begin_write(model, args.leads_oid, lq::reason::kScore, args.channel, now);
  w->shadow = args.shadow;
  lq::pg::write_lead_from_history(w, config.tg_trigger->tgoid, args, key);
  lq::pg::end_write(w);
  return PointerGetDatum(nullptr);
}

namespace {

// Rebuilds one lead of `rel` from its history under the model of
// lead_changed() trigger `trigger`, applying its automatic stage.
void settle_one(FunctionCallInfo fcinfo, Relation rel, const Trigger *trigger, const char *key_text) {
  TriggerData config;
  memset(&config, 0, sizeof config);
  config.type = T_TriggerData;
  config.tg_relation = rel;
  config.tg_trigger = const_cast<Trigger *>(trigger);
  lq::pg::TrackArgs args;
  lq::pg::parse_track_args(&config, lq::pg::TrackedTable::Leads, false, &args);
  lq::pg::ModelRef *model = lq::pg::model_for_call(fcinfo, cstring_to_text(args.model_name));
  const AttrNumber key_col =
      lq::pg::tracked_column(RelationGetDescr(rel), args.key_column, RelationGetRelationName(rel));
  Oid input = InvalidOid;
  Oid io_param = InvalidOid;
  getTypeInputInfo(TupleDescAttr(RelationGetDescr(rel), key_col - 1)->atttypid, &input, &io_param);
  const Datum key = OidInputFunctionCall(input, const_cast<char *>(key_text), io_param, -1);
  lq::pg::LeadWrite *w = lq::pg::begin_write(model, RelationGetRelid(rel), lq::reason::kRescore, args.channel,
                                             lq::pg::scoring_time());
  w->shadow = args.shadow;
  lq::pg::write_lead_from_history(w, trigger->tgoid, args, key);
  lq::pg::end_write(w);
}

}  // namespace

// lead_qual._settle(leads regclass, key text): rebuilds one lead from its
// history under every model of the table (the driving one first) and applies
// their automatic stages, recording the changes.
LQ_FUNCTION(lq_settle) {
  const Oid leads = PG_GETARG_OID(0);
  const char *key_text = text_to_cstring(PG_GETARG_TEXT_PP(1));
  if (pg_class_aclcheck(leads, GetUserId(), ACL_UPDATE) != ACLCHECK_OK)
    ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                    errmsg("permission denied to update table %s", get_rel_name(leads))));
  Relation rel = table_open(leads, AccessShareLock);
  settle_one(fcinfo, rel, lead_changed_trigger(rel, "lead_qual_lead"), key_text);
  // The models of add_score(), in trigger (name) order.
  const TriggerDesc *triggers = rel->trigdesc;
  for (int i = 0; triggers != nullptr && i < triggers->numtriggers; ++i)
    if (is_score_lead_trigger(triggers->triggers[i]))
      settle_one(fcinfo, rel, &triggers->triggers[i], key_text);
  table_close(rel, AccessShareLock);
  PG_RETURN_VOID();
}
