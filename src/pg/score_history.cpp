// lead_qual.score_history rows: the stage changes of a model that scores a
// leads table beside the one driving its stage.
#include "pg/score_history.hpp"

extern "C" {
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
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
  Datum values[kChangeParams + 2];
  Oid types[kChangeParams + 2];
  change_parameters(leads, changes, count, reason, at, changed_by, values, types);
  values[kChangeParams] = CStringGetTextDatum(model);
  values[kChangeParams + 1] = Int64GetDatum(version);
  types[kChangeParams] = TEXTOID;
  types[kChangeParams + 1] = INT8OID;

  // Written as its owner, like stage_history. The rows share the lead's life
  // with its stage_history rows (a model's first change may come before any
  // of the lead's own: the life is made here then, as stage_history.cpp does).
  const Oid history = get_relname_relid("score_history", extension_namespace());
  const SavedUser saved = spi_connect_as_owner(history);
  if (score_plan == nullptr) {
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
