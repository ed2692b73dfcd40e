#include "pg/citus_rewrite.hpp"

extern "C" {
#include "access/htup_details.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/timestamp.h"
}

#include <cstring>

#include "core/change_reason.hpp"
#include "core/score_state.hpp"
#include "pg/citus_shard.hpp"
#include "pg/lead_key.hpp"
#include "pg/model_cache.hpp"
#include "pg/owner_spi.hpp"
#include "pg/row_filter.hpp"
#include "pg/score_state_type.hpp"
#include "pg/track_args.hpp"
#include "pg/tracked_columns.hpp"
#include "pg/tracking_sql.hpp"

namespace lq::pg {

namespace {

// "<reason>|<as_of, ISO 8601>|<only_stale: t or f>|<leads table, qualified>"
// while lead_qual._citus_rewrite() runs; empty otherwise.
char *rewrite_setting = nullptr;

struct Rewrite {
  const char *reason;
  TimestampTz as_of;
  bool only_stale;
  const char *table;
};

// The setting's fields; false when it is malformed.
bool parse_setting(Rewrite *r) {
  char *s = pstrdup(rewrite_setting);
  char *fields[4];
  for (int i = 0; i < 3; ++i) {
    fields[i] = s;
    s = strchr(s, '|');
    if (s == nullptr) return false;
    *s++ = '\0';
  }
  fields[3] = s;
  if (strcmp(fields[0], lq::reason::kRescore) == 0)
    r->reason = lq::reason::kRescore;
  else if (strcmp(fields[0], lq::reason::kRefresh) == 0)
    r->reason = lq::reason::kRefresh;
  else
    return false;
  r->as_of = DatumGetTimestampTz(DirectFunctionCall3(timestamptz_in, CStringGetDatum(fields[1]),
                                                     ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
  r->only_stale = strcmp(fields[2], "t") == 0;
  r->table = fields[3];
  return true;
}

}  // namespace

void define_citus_rewrite_setting() {
  DefineCustomStringVariable(
      "lead_qual.citus_rewrite",
      "Internal: set by lead_qual for the rescore() or refresh() of a Citus distributed table.", nullptr,
      &rewrite_setting, "", PGC_USERSET, GUC_NOT_IN_SAMPLE | GUC_NO_SHOW_ALL, nullptr, nullptr, nullptr);
}

bool citus_rewrite_pending() { return rewrite_setting != nullptr && rewrite_setting[0] != '\0'; }

LeadWrite *citus_rewrite_begin(FunctionCallInfo fcinfo, TriggerData *td) {
  Relation rel = td->tg_relation;
  const Oid logical = citus_logical_relation(RelationGetRelid(rel));
  if (!OidIsValid(logical)) return nullptr;
  Rewrite r;
  if (!parse_setting(&r)) return nullptr;
  const char *table =
      quote_qualified_identifier(get_namespace_name(get_rel_namespace(logical)), get_rel_name(logical));
  if (strcmp(table, r.table) != 0) return nullptr;

  TrackArgs args;
  parse_track_args(td, TrackedTable::Leads, false, &args);  // the co-located shards
  // A lead outside the lead filter is left as it is, as by _rewrite().
  if (args.lead_filter != nullptr && !tuple_passes(row_filter(rel, args.lead_filter), td->tg_newtuple))
    return nullptr;
  ModelRef *model = model_for_call(fcinfo, cstring_to_text(args.model_name));
  LeadWrite *w = begin_write(model, args.leads_oid, r.reason, args.channel, r.as_of);
  w->recycle = r.reason == lq::reason::kRefresh;
  w->apply_in_trigger = true;
  w->model_name = args.model_name;
  w->columns = lead_columns(td, w->lead_names, w->lead_count);
  HeapTuple row = td->tg_newtuple;
  TupleDesc desc = RelationGetDescr(rel);
  Form_pg_attribute key_att = TupleDescAttr(desc, w->columns->key_attnum - 1);
  w->identity = key_identity(key_att->atttypid, key_att->attcollation, w->context);
  bool key_null = false;
  const Datum key = heap_getattr(row, w->columns->key_attnum, desc, &key_null);
  // A lead without a key has no history: apply_in_trigger() gives it an
  // empty state.
  if (key_null) return w;
  LeadDelta *d = delta_for(w, key, true);
  d->replace = true;
  // refresh(): a state of the current model version is kept (and decayed to
  // as_of by compute_update()); otherwise, and always for rescore(), the
  // state is rebuilt from the history (none: an empty state).
  bool isnull = false;
  const Datum stored = heap_getattr(row, w->columns->state_attnum, desc, &isnull);
  if (r.only_stale && !isnull) {
    void *state = validated_state(stored);
    if (lq::StateView(state).built_under(w->model->name, w->model->version))
      d->state = copy_state(state, w->context);
  }
  const SavedUser saved = spi_connect_as_owner(args.leads_oid);
  TrackingPlans *plans = tracking_plans(td->tg_trigger->tgoid, args);
  w->rebuild_one = plans->rebuild_one;
  w->rebuild_since = plans->rebuild_since;
  if (d->state == nullptr)
    d->state = state_from_history(plans->rebuild_one, key, args.model_name, r.as_of, w->context);
  spi_finish_as(saved);
  return w;
}

}  // namespace lq::pg
