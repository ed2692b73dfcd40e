#include "pg/tracking_sql.hpp"

#include "pg/schema_version.hpp"

extern "C" {
#include "access/htup_details.h"
#include "catalog/pg_class.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/typcache.h"
}

#include "pg/catalog.hpp"
#include "pg/citus_shard.hpp"
#include "pg/lead_key.hpp"
#include "pg/row_filter.hpp"
#include "pg/score_state_type.hpp"
#include "pg/tracked_columns.hpp"

namespace lq::pg {

namespace {

HTAB *plans_by_trigger = nullptr;

const char *q(const char *identifier) { return quote_identifier(identifier); }

// "l"."key"
const char *column(const char *alias, const char *name) { return psprintf("%s.%s", alias, q(name)); }

Oid column_type(Oid relid, const char *name) {
  const AttrNumber attnum = get_attnum(relid, name);
  if (attnum == InvalidAttrNumber) tracked_column_missing(name, get_rel_name(relid));
  return get_atttype(relid, attnum);
}

// Generic plans: these statements run once per triggering statement, and a
// custom plan per execution (the plan cache's default for the first runs,
// and whenever it estimates one cheaper) would cost more than running them.
SPIPlanPtr prepare(const char *sql, int nargs, Oid *types) {
  SPIPlanPtr plan = SPI_prepare_cursor(sql, nargs, types, CURSOR_OPT_GENERIC_PLAN);
  if (plan == nullptr)
    elog(ERROR, "lead_qual: preparing \"%s\" failed: %s", sql, SPI_result_code_string(SPI_result));
  SPI_keepplan(plan);
  return plan;
}

constexpr int kPlanFields = 11;

// The TrackArgs fields the statements name (NULL where not set).
void plan_fields(const TrackArgs &args, const char *out[kPlanFields]) {
  const char *fields[kPlanFields] = {
      args.leads_table,          args.activities_table,   args.key_column,        args.lead_id_column,
      args.activity_type_column, args.occurred_at_column, args.properties_column, args.occurred_at_zone,
      args.score_state_column,   args.activity_filter,    args.lead_filter};
  memcpy(out, fields, sizeof fields);
}

// Whether `plans` were built from the configuration `args` holds.
bool built_from(const TrackingPlans *plans, const TrackArgs &args) {
  if (plans->built_for_leads != args.leads_oid) return false;
  const char *now[kPlanFields];
  plan_fields(args, now);
  for (int i = 0; i < kPlanFields; ++i) {
    const char *then = plans->built_from[i];
    if ((then == nullptr) != (now[i] == nullptr) || (then != nullptr && strcmp(then, now[i]) != 0))
      return false;
  }
  return true;
}

}  // namespace

void check_tracking_privileges(const TrackArgs &args, Oid acting_table) {
  const Oid owner = relation_owner(acting_table);
  if (pg_class_aclcheck(args.leads_oid, owner, ACL_SELECT | ACL_UPDATE) != ACLCHECK_OK ||
      pg_class_aclcheck(args.activities_oid, owner, ACL_SELECT) != ACLCHECK_OK)
    ereport(ERROR,
            (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
             errmsg("owner of table \"%s\" may not update \"%s\" or read \"%s\"", get_rel_name(acting_table),
                    args.leads_table, args.activities_table),
             errhint("lead_qual writes a tracked leads table as its owner; track() checks this up front.")));
}

void *state_from_history(SPIPlanPtr rebuild_one, Datum key, const char *model_name, TimestampTz as_of,
                         MemoryContext cxt) {
  Datum values[3] = {key, CStringGetTextDatum(model_name), TimestampTzGetDatum(as_of)};
  const int rc = SPI_execute_plan(rebuild_one, values, nullptr, false, 1);
  if (rc != SPI_OK_SELECT) elog(ERROR, "lead_qual: rebuilding a lead failed: %s", SPI_result_code_string(rc));
  if (SPI_processed != 1) return nullptr;
  bool isnull = false;
  const Datum state = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
  return isnull ? nullptr : copy_state(PG_DETOAST_DATUM(state), cxt);
}

void *state_since(SPIPlanPtr rebuild_since, Datum key, const char *model_name, TimestampTz as_of,
                  TimestampTz since, MemoryContext cxt) {
  Datum values[4] = {key, CStringGetTextDatum(model_name), TimestampTzGetDatum(as_of),
                     TimestampTzGetDatum(since)};
  const int rc = SPI_execute_plan(rebuild_since, values, nullptr, false, 1);
  if (rc != SPI_OK_SELECT) elog(ERROR, "lead_qual: rebuilding a lead failed: %s", SPI_result_code_string(rc));
  if (SPI_processed != 1) return nullptr;
  bool isnull = false;
  const Datum state = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
  return isnull ? nullptr : copy_state(PG_DETOAST_DATUM(state), cxt);
}

TrackingPlans *tracking_plans(Oid trigger, const TrackArgs &args) {
  if (plans_by_trigger == nullptr) {
    HASHCTL ctl;
    memset(&ctl, 0, sizeof ctl);
    ctl.keysize = sizeof(Oid);
    ctl.entrysize = sizeof(TrackingPlans);
    ctl.hcxt = TopMemoryContext;
    plans_by_trigger =
        hash_create("lead_qual trigger plans", 16, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
  }
  bool found = false;
  auto *plans = static_cast<TrackingPlans *>(hash_search(plans_by_trigger, &trigger, HASH_ENTER, &found));
  if (found && plans->update != nullptr && built_from(plans, args)) return plans;
  if (found) {
    for (SPIPlanPtr p :
         {plans->lock, plans->rebuild, plans->update, plans->rebuild_one, plans->rebuild_since})
      if (p != nullptr) SPI_freeplan(p);
  }
  plans->lock = plans->rebuild = plans->update = plans->rebuild_one = plans->rebuild_since = nullptr;
  // What the plans below are built from (a replaced entry's old copies stay
  // allocated: a few strings per replaced trigger and backend).
  plans->built_for_leads = args.leads_oid;
  {
    const char *fields[kPlanFields];
    plan_fields(args, fields);
    for (int i = 0; i < kPlanFields; ++i)
      plans->built_from[i] =
          fields[i] != nullptr ? MemoryContextStrdup(TopMemoryContext, fields[i]) : nullptr;
  }
  // The statements below call functions of the current version.
  require_current_schema("lead_qual's triggers");

  const Oid key_type = column_type(args.leads_oid, args.key_column);
  const char *eq = equality_operator_sql(key_type);
  plans->key_type = key_type;
  // Keys travel as an array of the key type; track() refuses a type without
  // one (lead_qual._key_problem()).
  const Oid keys_type = get_array_type(key_type);
  if (!OidIsValid(keys_type))
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                    errmsg("key column %s.%s cannot be tracked: type %s has no array type", args.leads_table,
                           q(args.key_column), format_type_be(key_type))));
  plans->direct = !citus_table(args.leads_oid);
  const char *keys = "ANY ($1)";
  const char *lkey = column("l", args.key_column);
  const char *akey = column("a", args.lead_id_column);
  const char *properties =
      args.properties_column != nullptr ? column("a", args.properties_column) : "NULL::pg_catalog.jsonb";
  // occurred_at as timestamptz: as lead_qual._occurred_at_sql() writes it.
  const char *occurred_at =
      args.occurred_at_zone != nullptr
          ? psprintf("lead_qual._stored_time(%s, %s)", column("a", args.occurred_at_column),
                     quote_literal_cstr(args.occurred_at_zone))
          : column("a", args.occurred_at_column);
  // Row filters (row_filter.hpp): nothing added when none is set.
  const char *activity_filter =
      args.activity_filter != nullptr
          ? psprintf(" AND %s", row_filter_sql(args.activities_table, args.activity_filter, "a"))
          : "";
  const char *lead_filter = args.lead_filter != nullptr
                                ? psprintf(" AND %s", row_filter_sql(args.leads_table, args.lead_filter, "l"))
                                : "";
  const char *history_state = psprintf("lead_qual.engagement_state($2, %s::pg_catalog.text, %s, %s, $3)",
                                       column("a", args.activity_type_column), occurred_at, properties);

  // Locks every lead in key order, then returns those whose state must be
  // rebuilt. OFFSET 0 keeps the planner from pushing the state test below
  // the lock, which would lock only the stale leads and leave the order of
  // the rest to whatever plan the UPDATE gets.
  Oid lock_types[3] = {keys_type, TEXTOID, INT8OID};
  plans->lock =
      prepare(psprintf("SELECT x.k FROM (SELECT %s AS k, %s AS s FROM %s AS l"
                       " WHERE %s %s %s ORDER BY %s FOR NO KEY UPDATE OF l OFFSET 0) AS x"
                       " WHERE NOT lead_qual._state_matches(x.s, $2, $3)",
                       lkey, column("l", args.score_state_column), args.leads_table, lkey, eq, keys, lkey),
              3, lock_types);
  // $3: the write's scoring time (the state's horizon).
  Oid rebuild_types[3] = {keys_type, TEXTOID, TIMESTAMPTZOID};
  plans->rebuild =
      prepare(psprintf("SELECT %s, %s FROM %s AS a WHERE %s %s %s%s GROUP BY %s", akey, history_state,
                       args.activities_table, akey, eq, keys, activity_filter, akey),
              3, rebuild_types);
  Oid one_types[3] = {key_type, TEXTOID, TIMESTAMPTZOID};
  plans->rebuild_one = prepare(psprintf("SELECT %s FROM %s AS a WHERE %s %s $1%s", history_state,
                                        args.activities_table, akey, eq, activity_filter),
                               3, one_types);
  Oid since_types[4] = {key_type, TEXTOID, TIMESTAMPTZOID, TIMESTAMPTZOID};
  plans->rebuild_since =
      prepare(psprintf("SELECT %s FROM %s AS a WHERE %s %s $1"
                       " AND %s OPERATOR(pg_catalog.>) $4%s",
                       history_state, args.activities_table, akey, eq, occurred_at, activity_filter),
              4, since_types);
  // Only touches each lead: its lead_changed() trigger computes the row
  // (lead_write.hpp), from the newest version of it, reading the model's
  // attributes straight from the row. A lead outside the lead filter is
  // left as it is (README, "Row filters").
  Oid update_types[1] = {keys_type};
  plans->update = prepare(
      psprintf("UPDATE %s AS l SET %s = %s WHERE %s %s %s%s", args.leads_table, q(args.score_state_column),
               column("l", args.score_state_column), lkey, eq, keys, lead_filter),
      1, update_types);
  return plans;
}

}  // namespace lq::pg
