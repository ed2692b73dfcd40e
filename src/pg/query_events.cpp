// The ExecutorFinish hook behind query_has_several_steps().
#include "pg/query_events.hpp"

extern "C" {
#include "access/xact.h"
#include "executor/executor.h"
#include "nodes/plannodes.h"
#include "utils/timestamp.h"
}

namespace lq::pg {

namespace {

ExecutorFinish_hook_type previous_finish = nullptr;
// Kind of the innermost query inside ExecutorFinish; `finishing` counts the
// nested ExecutorFinish calls (AFTER triggers run queries of their own).
bool several_steps = false;
int finishing = 0;
// The statement during which the library was loaded: its ExecutorFinish may
// have begun before the hook existed.
TimestampTz loaded_in_statement = 0;

bool is_several(const ModifyTable *m) {
  return m->onConflictAction == ONCONFLICT_UPDATE || m->operation == CMD_MERGE;
}

// A ModifyTable is the top node of the main plan or of a writable CTE's
// subplan.
bool plan_has_several_steps(const PlannedStmt *stmt) {
  if (stmt == nullptr || (stmt->commandType == CMD_SELECT && !stmt->hasModifyingCTE)) return false;
  int steps = 0;
  if (stmt->planTree != nullptr && IsA(stmt->planTree, ModifyTable)) {
    if (is_several(reinterpret_cast<const ModifyTable *>(stmt->planTree))) return true;
    ++steps;
  }
  if (!stmt->hasModifyingCTE) return false;
  ListCell *lc;
  foreach (lc, stmt->subplans) {
    const auto *plan = static_cast<const Plan *>(lfirst(lc));
    if (plan == nullptr || !IsA(plan, ModifyTable)) continue;
    if (is_several(reinterpret_cast<const ModifyTable *>(plan)) || ++steps > 1) return true;
  }
  return false;
}

void finish_hook(QueryDesc *query) {
  const bool outer = several_steps;
  several_steps = plan_has_several_steps(query->plannedstmt);
  ++finishing;
  PG_TRY();
  {
    if (previous_finish != nullptr)
      previous_finish(query);
    else
      standard_ExecutorFinish(query);
  }
  PG_FINALLY();
  {
    --finishing;
    several_steps = outer;
  }
  PG_END_TRY();
}

}  // namespace

void install_query_hooks() {
  previous_finish = ExecutorFinish_hook;
  ExecutorFinish_hook = finish_hook;
  if (IsTransactionState()) loaded_in_statement = GetCurrentStatementStartTimestamp();
}

bool query_has_several_steps() {
  if (finishing > 0) return several_steps;
  // Outside any ExecutorFinish: COPY or TRUNCATE (one step), unless the
  // library was loaded during this statement, whose kind is then unknown.
  return loaded_in_statement != 0 && GetCurrentStatementStartTimestamp() == loaded_in_statement;
}

}  // namespace lq::pg
