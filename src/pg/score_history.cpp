// lead_qual.score_history rows: the stage changes of a model that scores a
// leads table beside the one driving its stage.
#include "pg/score_history.hpp"

extern "C" {
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
}

#include "pg/catalog.hpp"
#include "pg/owner_spi.hpp"

namespace lq::pg {

namespace {

SPIPlanPtr score_plan = nullptr;

}  // namespace

void record_score_changes(Oid leads, const char *model, int64 version, const StageChange *changes, int count,
                          const char *reason, TimestampTz at, Oid changed_by) {
  if (count == 0) return;
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
  Datum values[12];
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
  values[10] = CStringGetTextDatum(model);
  values[11] = Int64GetDatum(version);

  // Written as its owner, like stage_history. The rows share the lead's life
  // with its stage_history rows (a model's first change may come before any
  // of the lead's own: the life is made here then, as stage_history.cpp does).
  const Oid history = get_relname_relid("score_history", extension_namespace());
  const SavedUser saved = spi_connect_as_owner(history);
  if (score_plan == nullptr) {
    Oid types[12] = {REGCLASSOID,
                     TIMESTAMPTZOID,
                     TEXTOID,
                     NAMEOID,
                     TEXTARRAYOID,
                     get_array_type(stage_type),
                     get_array_type(stage_type),
                     FLOAT8ARRAYOID,
                     FLOAT8ARRAYOID,
                     FLOAT8ARRAYOID,
                     TEXTOID,
                     INT8OID};
    SPIPlanPtr plan = SPI_prepare_cursor(
        "WITH lives AS (INSERT INTO lead_qual.lead_life (lead_table, lead_key)"
        "               SELECT DISTINCT $1, k FROM pg_catalog.unnest($5) AS k"
        "               ON CONFLICT (lead_table, lead_key) DO NOTHING RETURNING lead_key, life_id)"
        " INSERT INTO lead_qual.score_history"
        " (lead_table, lead_key, model, model_version, from_stage, to_stage, changed_at, fit, engagement, "
        "score,"
        "  reason, changed_by, life_id)"
        " SELECT $1, u.k, $11, $12, u.f, u.t, $2, u.fi, u.e, u.s, $3, $4,"
        "        COALESCE((SELECT n.life_id FROM lives AS n WHERE n.lead_key OPERATOR(pg_catalog.=) u.k),"
        "                 (SELECT l.life_id FROM lead_qual.lead_life AS l"
        "                   WHERE l.lead_table OPERATOR(pg_catalog.=) $1 AND l.lead_key "
        "OPERATOR(pg_catalog.=) u.k))"
        "   FROM ROWS FROM (pg_catalog.unnest($5), pg_catalog.unnest($6), pg_catalog.unnest($7),"
        "                   pg_catalog.unnest($8), pg_catalog.unnest($9), pg_catalog.unnest($10))"
        "        AS u(k, f, t, fi, e, s)",
        12, types, CURSOR_OPT_GENERIC_PLAN);
    if (plan == nullptr) elog(ERROR, "lead_qual: preparing a score history statement failed");
    SPI_keepplan(plan);
    score_plan = plan;
  }
  const int rc = SPI_execute_plan(score_plan, values, nullptr, false, 0);
  if (rc != SPI_OK_INSERT || SPI_processed != static_cast<uint64>(count))
    elog(ERROR, "lead_qual: writing score history failed: %s", SPI_result_code_string(rc));
  spi_finish_as(saved);
}

}  // namespace lq::pg
