// lead_qual.stage_history rows and the NOTIFY payload of a stage change.
#include "pg/stage_history.hpp"

extern "C" {
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/async.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
}

#include <algorithm>
#include <cmath>
#include <string>

#include "core/stage.hpp"
#include "core/timestamp.hpp"
#include "pg/catalog.hpp"
#include "pg/citus_shard.hpp"
#include "pg/companion.hpp"
#include "pg/direct_lead_update.hpp"
#include "pg/history_rows.hpp"
#include "pg/lead_write.hpp"
#include "pg/owner_spi.hpp"
#include "pg/schema_version.hpp"

namespace lq::pg {

namespace {

SPIPlanPtr history_plan = nullptr;
SPIPlanPtr last_change_plan = nullptr;
SPIPlanPtr life_plan = nullptr;
SPIPlanPtr legacy_history_plan = nullptr;
SPIPlanPtr shard_history_plan =
    nullptr;  // on a Citus shard (citus_shard.hpp)  // objects of 1.0/1.1: no lives yet

SPIPlanPtr keep_plan(const char *sql, int nargs, Oid *types) {
  SPIPlanPtr plan = SPI_prepare_cursor(sql, nargs, types, CURSOR_OPT_GENERIC_PLAN);
  if (plan == nullptr) elog(ERROR, "lead_qual: preparing a stage history statement failed");
  SPI_keepplan(plan);
  return plan;
}

// The leads table as "schema"."table", whatever the search_path: the payload
// names it the same way for every session.
char *qualified_table_name(Oid relid) {
  const char *rel = get_rel_name(relid);
  const char *nsp = rel == nullptr ? nullptr : get_namespace_name(get_rel_namespace(relid));
  if (rel == nullptr || nsp == nullptr) elog(ERROR, "lead_qual: relation %u does not exist", relid);
  return quote_qualified_identifier(nsp, rel);
}

// Stage names are NUL-terminated string literals (core/stage.cpp).
const char *stage_cstring(int rank) { return stage_name(static_cast<Stage>(rank)).data(); }

void append_number(StringInfo buf, const char *name, double v) {
  appendStringInfo(buf, ",\"%s\":", name);
  if (std::isfinite(v))
    appendStringInfo(buf, "%.15g", v);
  else
    appendStringInfoString(buf, "null");
}

// Appends the changes to the hand-off feed `target` (the feed `feed` or its
// co-located shard), each under its history id. `values` are those of the
// history insert: $2 time, $3 reason, $5 keys, $6 from, $7 to, $8 fit,
// $9 engagement, $10 score.
void write_feed(Oid feed, const char *target, const int64 *ids, const Datum *values, int count) {
  auto *id_datums = static_cast<Datum *>(palloc(sizeof(Datum) * count));
  for (int i = 0; i < count; ++i) id_datums[i] = Int64GetDatum(ids[i]);
  const Oid stage_array = get_array_type(extension_type("lead_stage"));
  Oid types[9] = {INT8ARRAYOID, TIMESTAMPTZOID, TEXTOID,        TEXTARRAYOID,  stage_array,
                  stage_array,  FLOAT8ARRAYOID, FLOAT8ARRAYOID, FLOAT8ARRAYOID};
  Datum args[9] = {
      PointerGetDatum(construct_array(id_datums, count, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE)),
      values[1],
      values[2],
      values[4],
      values[5],
      values[6],
      values[7],
      values[8],
      values[9]};
  const char *sql = psprintf(
      "INSERT INTO %s (id, lead_key, from_stage, to_stage, changed_at, fit, engagement, score, reason)"
      " SELECT u.id, CAST(u.k AS %s), u.f, u.t, $2, u.fi, u.e, u.s, $3"
      "   FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($4), pg_catalog.unnest($5),"
      "                   pg_catalog.unnest($6), pg_catalog.unnest($7), pg_catalog.unnest($8),"
      "                   pg_catalog.unnest($9)) AS u(id, k, f, t, fi, e, s)",
      target, companion_key_type(feed));
  const int rc = SPI_execute_with_args(sql, 9, types, args, nullptr, false, 0);
  if (rc != SPI_OK_INSERT || SPI_processed != static_cast<uint64>(count))
    elog(ERROR, "lead_qual: writing the hand-off feed failed: %s", SPI_result_code_string(rc));
}

// Gives the keys of the changes ($5 of `values`) of leads table $1 a life
// where they have none (lead_qual.lead_life).
void record_lives(const Datum *values) {
  // Keys that have a life already are skipped by the primary key (the
  // arbiter index), not by a NOT EXISTS join: this plan is kept for the
  // session, and a join planned while lead_life was small stays a scan of
  // the whole table (1 ms a call at 100,000 lives). A skipped key still
  // draws a life_id from the sequence: ids have gaps, nothing reads them
  // as counts. New lives are numbered in the order of the keys (the
  // changes'), as insert_lives() numbers them, not in a hash's order.
  if (life_plan == nullptr) {
    Oid life_types[2] = {REGCLASSOID, TEXTARRAYOID};
    life_plan = keep_plan(
        "INSERT INTO lead_qual.lead_life (lead_table, lead_key)"
        " SELECT $1, u.k FROM pg_catalog.unnest($2) WITH ORDINALITY AS u(k, n)"
        "  GROUP BY u.k ORDER BY pg_catalog.min(u.n)"
        " ON CONFLICT (lead_table, lead_key) DO NOTHING",
        2, life_types);
  }
  Datum life_values[2] = {values[0], values[4]};
  const int rc = SPI_execute_plan(life_plan, life_values, nullptr, false, 0);
  if (rc != SPI_OK_INSERT)
    elog(ERROR, "lead_qual: recording lead lives failed: %s", SPI_result_code_string(rc));
}

}  // namespace

void change_parameters(Oid leads, const StageChange *changes, int count, const char *reason, TimestampTz at,
                       Oid changed_by, Datum *values, Oid *types) {
  const Oid stage_type = extension_type("lead_stage");
  auto *keys = static_cast<Datum *>(palloc(sizeof(Datum) * count));
  auto *from = static_cast<Datum *>(palloc(sizeof(Datum) * count));
  bool *from_null = static_cast<bool *>(palloc(sizeof(bool) * count));
  auto *to = static_cast<Datum *>(palloc(sizeof(Datum) * count));
  auto *fit = static_cast<Datum *>(palloc(sizeof(Datum) * count));
  auto *engagement = static_cast<Datum *>(palloc(sizeof(Datum) * count));
  auto *score = static_cast<Datum *>(palloc(sizeof(Datum) * count));
  for (int i = 0; i < count; ++i) {
    keys[i] = CStringGetTextDatum(changes[i].lead_key);
    from_null[i] = changes[i].from_rank < 0;
    from[i] = CharGetDatum(static_cast<char>(changes[i].from_rank < 0 ? 0 : changes[i].from_rank));
    to[i] = CharGetDatum(static_cast<char>(changes[i].to_rank));
    fit[i] = Float8GetDatum(changes[i].fit);
    engagement[i] = Float8GetDatum(changes[i].engagement);
    score[i] = Float8GetDatum(changes[i].score);
  }
  int dims[1] = {count};
  int lbs[1] = {1};
  values[0] = ObjectIdGetDatum(leads);
  values[1] = TimestampTzGetDatum(at);
  values[2] = CStringGetTextDatum(reason);
  values[3] = CStringGetDatum(GetUserNameFromId(changed_by, false));
  values[4] = PointerGetDatum(construct_array(keys, count, TEXTOID, -1, false, TYPALIGN_INT));
  values[5] =
      PointerGetDatum(construct_md_array(from, from_null, 1, dims, lbs, stage_type, 1, true, TYPALIGN_CHAR));
  values[6] = PointerGetDatum(construct_array(to, count, stage_type, 1, true, TYPALIGN_CHAR));
  values[7] = PointerGetDatum(construct_array(fit, count, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
  values[8] =
      PointerGetDatum(construct_array(engagement, count, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
  values[9] = PointerGetDatum(construct_array(score, count, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
  const Oid stage_array = get_array_type(stage_type);
  const Oid param_types[kChangeParams] = {REGCLASSOID,    TIMESTAMPTZOID, TEXTOID,     NAMEOID,
                                          TEXTARRAYOID,   stage_array,    stage_array, FLOAT8ARRAYOID,
                                          FLOAT8ARRAYOID, FLOAT8ARRAYOID};
  std::copy(param_types, param_types + kChangeParams, types);
}

void record_stage_changes(Oid leads, const StageChange *changes, int count, const char *reason,
                          const char *channel, TimestampTz at, Oid changed_by) {
  if (count == 0) return;
  // A trigger on a Citus shard records the change under the distributed
  // table (citus_shard.hpp). Its NOTIFY would reach only this worker's
  // listeners, and a worker's part of a distributed transaction cannot be
  // prepared after a NOTIFY: there the history, read by id, is the hand-off
  // feed.
  const Oid logical = citus_logical_relation(leads);
  const bool on_shard = OidIsValid(logical);
  const Oid fired_on = leads;
  // There the model's version is the one the shard's write scored with
  // (lead_qual.tracked is the coordinator's; NULL for a manual change).
  const LeadWrite *shard_write = on_shard ? active_write_on(leads) : nullptr;
  if (on_shard) leads = logical;
  // On a shard, the history goes to the leads table's history companion
  // (distributed and co-located: src/pg/companion.hpp), so the coordinator
  // reads one logical table; without one (tracked before it existed) to
  // this node's lead_qual.stage_history. The hand-off feed, when the table
  // has one, gets a row per change on one server and on Citus alike.
  const Oid history_companion = on_shard ? companion_table(leads, Companion::History) : InvalidOid;
  const Oid feed = companion_table(leads, Companion::Handoffs);
  // The SQL statements' parameters, made when one runs (the direct path
  // needs none).
  Datum values[kChangeParams];
  Oid types[kChangeParams];
  bool have_parameters = false;
  auto parameters = [&] {
    if (!have_parameters) change_parameters(leads, changes, count, reason, at, changed_by, values, types);
    have_parameters = true;
  };

  // Written as its owner: PUBLIC cannot write the history, but any role whose
  // statement changes a tracked lead's stage causes a row. Every row carries
  // the lead's life (lead_qual.lead_life, README "Stage history"): the key's
  // life is created at its first row and kept by the lead_qual_life_*
  // triggers through key changes and deletes.
  // Before ALTER EXTENSION UPDATE (objects of 1.0 or 1.1) the history has no
  // lives: rows are written as those versions did (src/sql/updates/README.md,
  // rule 6).
  const bool lives = schema_is_current();
  auto *ids = static_cast<int64 *>(palloc(sizeof(int64) * count));
  const Oid history = get_relname_relid("stage_history", extension_namespace());
  const SavedUser saved = spi_connect_as_owner(history);

  // A write that knows its model (not a manual change) on one server writes
  // the rows without SQL (history_rows.hpp) once every key has its life;
  // the model recorded is the one that computed the changes.
  const LeadWrite *write = on_shard ? nullptr : active_write_on(leads);
  bool written = false;
  if (lives && write != nullptr && !write->shadow && direct_writes_enabled()) {
    auto *life_ids = static_cast<int64 *>(palloc(sizeof(int64) * count));
    int found = find_lives(leads, changes, count, life_ids);
    if (found < count) {
      if (insert_lives(leads, changes, count, life_ids))
        found = static_cast<int>(std::count_if(life_ids, life_ids + count, [](int64 id) { return id != 0; }));
      else {
        parameters();
        record_lives(values);
      }
      if (found < count) found = find_lives(leads, changes, count, life_ids);
    }
    written = found == count && insert_history_rows(leads, changes, count, reason, at, changed_by, life_ids,
                                                    write->model->name.c_str(), write->model->version, ids);
  }
  if (!written) {
    parameters();
    // Prepared when first needed (a session that only writes directly
    // prepares none).
    SPIPlanPtr &plan = lives ? history_plan : legacy_history_plan;
    // Rows of the current schema also say which model drove the stage and
    // which version of it was current for this statement (model,
    // model_version, issue #16).
    if (plan == nullptr) {
      plan = keep_plan(
          lives
              ? "INSERT INTO lead_qual.stage_history"
                " (lead_table, lead_key, from_stage, to_stage, changed_at, fit, engagement, score, reason, "
                "changed_by, life_id, model_version, model)"
                " SELECT $1, u.k, u.f, u.t, $2, u.fi, u.e, u.s, $3, $4,"
                "        (SELECT l.life_id FROM lead_qual.lead_life AS l"
                "          WHERE l.lead_table OPERATOR(pg_catalog.=) $1 AND l.lead_key "
                "OPERATOR(pg_catalog.=) u.k),"
                "        (SELECT m.version FROM lead_qual.scoring_model AS m"
                "           JOIN lead_qual.tracked AS t ON t.model OPERATOR(pg_catalog.=) m.name"
                "          WHERE t.leads OPERATOR(pg_catalog.=) $1),"
                "        (SELECT t.model FROM lead_qual.tracked AS t WHERE t.leads OPERATOR(pg_catalog.=) $1)"
                "   FROM ROWS FROM (pg_catalog.unnest($5), pg_catalog.unnest($6), pg_catalog.unnest($7),"
                "                   pg_catalog.unnest($8), pg_catalog.unnest($9), pg_catalog.unnest($10)) AS "
                "u(k, f, "
                "t, fi, e, s)"
                " RETURNING id, lead_key"
              : "INSERT INTO lead_qual.stage_history"
                " (lead_table, lead_key, from_stage, to_stage, changed_at, fit, engagement, score, reason, "
                "changed_by)"
                " SELECT $1, u.k, u.f, u.t, $2, u.fi, u.e, u.s, $3, $4"
                "   FROM ROWS FROM (pg_catalog.unnest($5), pg_catalog.unnest($6), pg_catalog.unnest($7),"
                "                   pg_catalog.unnest($8), pg_catalog.unnest($9), pg_catalog.unnest($10)) AS "
                "u(k, f, "
                "t, fi, e, s)"
                " RETURNING id, lead_key",
          10, types);
    }
    if (lives && on_shard && shard_history_plan == nullptr) {
      Oid shard_types[kChangeParams + 1];
      std::copy(types, types + kChangeParams, shard_types);
      shard_types[kChangeParams] = INT8OID;
      shard_history_plan = keep_plan(
          "INSERT INTO lead_qual.stage_history"
          " (lead_table, lead_key, from_stage, to_stage, changed_at, fit, engagement, score, reason, "
          "changed_by, life_id,"
          "  model_version)"
          " SELECT $1, u.k, u.f, u.t, $2, u.fi, u.e, u.s, $3, $4,"
          "        (SELECT l.life_id FROM lead_qual.lead_life AS l"
          "          WHERE l.lead_table OPERATOR(pg_catalog.=) $1 AND l.lead_key OPERATOR(pg_catalog.=) "
          "u.k), "
          "$11"
          "   FROM ROWS FROM (pg_catalog.unnest($5), pg_catalog.unnest($6), pg_catalog.unnest($7),"
          "                   pg_catalog.unnest($8), pg_catalog.unnest($9), pg_catalog.unnest($10)) AS u(k, "
          "f, "
          "t, fi, e, s)"
          " RETURNING id, lead_key",
          11, shard_types);
    }
    if (lives) record_lives(values);
    int rc;
    if (lives && on_shard && OidIsValid(history_companion)) {
      // Ids and life ids are taken from this node's sequences and offset by
      // its Citus group (Citus's own rule for sequences on workers: group <<
      // 48), so that they are unique across the cluster.
      Datum shard_values[12];
      char shard_nulls[12];
      for (int i = 0; i < kChangeParams; ++i) {
        shard_values[i] = values[i];
        shard_nulls[i] = ' ';
      }
      shard_values[10] = Int64GetDatum(shard_write != nullptr ? shard_write->model->version : 0);
      shard_nulls[10] = shard_write != nullptr ? ' ' : 'n';
      // The model that drove the stage: the write's (NULL for a manual change,
      // which knows no model on a worker).
      shard_values[11] = shard_write != nullptr ? CStringGetTextDatum(shard_write->model->name.c_str()) : 0;
      shard_nulls[11] = shard_write != nullptr ? ' ' : 'n';
      Oid companion_types[kChangeParams + 2];
      std::copy(types, types + kChangeParams, companion_types);
      companion_types[kChangeParams] = INT8OID;
      companion_types[kChangeParams + 1] = TEXTOID;
      const char *sql = psprintf(
          "INSERT INTO %s AS h (id, lead_key, from_stage, to_stage, changed_at, fit, engagement, score, "
          "reason,"
          " changed_by, life_id, model_version, model)"
          " SELECT pg_catalog.nextval('lead_qual.stage_history_id_seq') OPERATOR(pg_catalog.+) g.base,"
          "        CAST(u.k AS %s), u.f, u.t, $2, u.fi, u.e, u.s, $3, $4,"
          "        (SELECT l.life_id FROM lead_qual.lead_life AS l"
          "          WHERE l.lead_table OPERATOR(pg_catalog.=) $1 AND l.lead_key OPERATOR(pg_catalog.=) u.k)"
          "        OPERATOR(pg_catalog.+) g.base, $11, $12"
          "   FROM ROWS FROM (pg_catalog.unnest($5), pg_catalog.unnest($6), pg_catalog.unnest($7),"
          "                   pg_catalog.unnest($8), pg_catalog.unnest($9), pg_catalog.unnest($10))"
          "        AS u(k, f, t, fi, e, s)"
          "  CROSS JOIN (SELECT p.groupid::pg_catalog.int8 OPERATOR(pg_catalog.<<) 48 AS base"
          "                FROM pg_catalog.pg_dist_local_group AS p) AS g"
          " RETURNING h.id, h.lead_key::pg_catalog.text",
          companion_target(fired_on, leads, history_companion), companion_key_type(history_companion));
      rc = SPI_execute_with_args(sql, 12, companion_types, shard_values, shard_nulls, false, 0);
    } else if (lives && on_shard) {
      Datum shard_values[11];
      char shard_nulls[11];
      for (int i = 0; i < kChangeParams; ++i) {
        shard_values[i] = values[i];
        shard_nulls[i] = ' ';
      }
      shard_values[10] = Int64GetDatum(shard_write != nullptr ? shard_write->model->version : 0);
      shard_nulls[10] = shard_write != nullptr ? ' ' : 'n';
      rc = SPI_execute_plan(shard_history_plan, shard_values, shard_nulls, false, 0);
    } else {
      rc = SPI_execute_plan(plan, values, nullptr, false, 0);
    }
    if (rc != SPI_OK_INSERT_RETURNING || SPI_processed != static_cast<uint64>(count))
      elog(ERROR, "lead_qual: writing stage history failed: %s", SPI_result_code_string(rc));
    // RETURNING gives the rows in insertion order, the order of the arrays;
    // the keys are compared so that an id can never go to another lead.
    for (int i = 0; i < count; ++i) {
      HeapTuple row = SPI_tuptable->vals[i];
      bool isnull = false;
      ids[i] = DatumGetInt64(SPI_getbinval(row, SPI_tuptable->tupdesc, 1, &isnull));
      char *key = SPI_getvalue(row, SPI_tuptable->tupdesc, 2);
      if (isnull || key == nullptr || strcmp(key, changes[i].lead_key) != 0)
        elog(ERROR, "lead_qual: stage history ids came back out of order");
    }
  }
  if (OidIsValid(feed)) {
    parameters();
    write_feed(feed, companion_target(fired_on, on_shard ? leads : InvalidOid, feed), ids, values, count);
  }
  spi_finish_as(saved);
  if (on_shard) return;

  char *table_name = qualified_table_name(leads);
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
    appendStringInfo(&payload, "{\"id\":" INT64_FORMAT ",\"table\":", ids[i]);
    escape_json(&payload, table_name);
    appendStringInfoString(&payload, ",\"lead\":");
    escape_json(&payload, c.lead_key);
    appendStringInfoString(&payload, ",\"from\":");
    if (c.from_rank < 0)
      appendStringInfoString(&payload, "null");
    else
      escape_json(&payload, stage_cstring(c.from_rank));
    appendStringInfoString(&payload, ",\"to\":");
    escape_json(&payload, stage_cstring(c.to_rank));
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

}  // namespace lq::pg

namespace lq::pg {

namespace {

// The newest row of lead `key` in lead_qual.stage_history (SPI connected).
int last_change(Oid leads, const char *key) {
  if (last_change_plan == nullptr) {
    Oid types[2] = {REGCLASSOID, TEXTOID};
    SPIPlanPtr plan = SPI_prepare(
        "SELECT h.from_stage, h.to_stage, h.reason OPERATOR(pg_catalog.<>) 'manual'"
        "  FROM lead_qual.stage_history AS h"
        " WHERE h.lead_table OPERATOR(pg_catalog.=) $1 AND h.lead_key OPERATOR(pg_catalog.=) $2"
        " ORDER BY h.id DESC LIMIT 1",
        2, types);
    if (plan == nullptr) elog(ERROR, "lead_qual: preparing the stage history look-up failed");
    SPI_keepplan(plan);
    last_change_plan = plan;
  }
  Datum values[2] = {ObjectIdGetDatum(leads), CStringGetTextDatum(key)};
  return SPI_execute_plan(last_change_plan, values, nullptr, true, 1);
}

}  // namespace

bool is_stale_stage_write(Oid leads, const char *key, Stage current, Stage written) {
  // Recorded under the distributed table when written on a Citus shard, in
  // its history companion's co-located shard when it has one.
  const Oid fired_on = leads;
  const Oid logical = citus_logical_relation(leads);
  if (OidIsValid(logical)) leads = logical;
  const Oid companion = OidIsValid(logical) ? companion_table(leads, Companion::History) : InvalidOid;
  // Read as the history's owner, as it is written.
  const Oid history = get_relname_relid("stage_history", extension_namespace());
  const SavedUser saved = spi_connect_as_owner(history);
  int rc;
  if (OidIsValid(companion)) {
    Oid types[1] = {TEXTOID};
    Datum values[1] = {CStringGetTextDatum(key)};
    rc = SPI_execute_with_args(
        psprintf("SELECT h.from_stage, h.to_stage, h.reason OPERATOR(pg_catalog.<>) 'manual' FROM %s AS h"
                 " WHERE h.lead_key OPERATOR(pg_catalog.=) CAST($1 AS %s) ORDER BY h.id DESC LIMIT 1",
                 companion_target(fired_on, leads, companion), companion_key_type(companion)),
        1, types, values, nullptr, true, 1);
  } else {
    rc = last_change(leads, key);
  }
  if (rc != SPI_OK_SELECT) elog(ERROR, "lead_qual: reading the stage history failed");
  bool stale = false;
  if (SPI_processed == 1) {
    bool from_null = false;
    bool to_null = false;
    bool auto_null = false;
    HeapTuple t = SPI_tuptable->vals[0];
    TupleDesc d = SPI_tuptable->tupdesc;
    const Datum from = SPI_getbinval(t, d, 1, &from_null);
    const Datum to = SPI_getbinval(t, d, 2, &to_null);
    const Datum automatic = SPI_getbinval(t, d, 3, &auto_null);
    stale = !from_null && !to_null && !auto_null && DatumGetBool(automatic) &&
            static_cast<unsigned char>(DatumGetChar(from)) == stage_rank(written) &&
            static_cast<unsigned char>(DatumGetChar(to)) == stage_rank(current);
  }
  spi_finish_as(saved);
  return stale;
}

}  // namespace lq::pg
