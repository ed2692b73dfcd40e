// The executor hooks behind query_has_several_steps() and
// settle_after_query().
#include "pg/query_events.hpp"

#include "pg/compat.hpp"

extern "C" {
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "nodes/plannodes.h"
#include "tcop/pquery.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/portal.h"
#include "utils/timestamp.h"
}

namespace lq::pg {

namespace {

ExecutorRun_hook_type previous_run = nullptr;
ExecutorFinish_hook_type previous_finish = nullptr;

// The innermost query inside ExecutorRun or ExecutorFinish (nested by the
// call stack: triggers and functions run queries of their own); `depth`
// counts them.
const QueryDesc *current_query = nullptr;
bool several_steps = false;
int depth = 0;
// The statement during which the library was loaded: that query's hooks
// may not have run.
TimestampTz loaded_in_statement = 0;

// A lead to settle after a query (NULL query: one of unknown kind, settled
// after the next query that finishes at depth 0 — the outermost one
// running when the library was loaded).
struct Pending {
  const QueryDesc *query;
  SubTransactionId subxact;
  Oid leads;
  char *key;
};
List *pending = NIL;  // of Pending *, in TopTransactionContext
bool callbacks_registered = false;

void forget_on_abort(XactEvent event, void * /*arg*/) {
  if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT || event == XACT_EVENT_COMMIT ||
      event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PREPARE)
    pending = NIL;
}

void forget_on_subabort(SubXactEvent event, SubTransactionId my_subid, SubTransactionId /*parent*/,
                        void * /*arg*/) {
  if (event != SUBXACT_EVENT_ABORT_SUB) return;
  List *kept = NIL;
  ListCell *lc;
  foreach (lc, pending) {
    auto *p = static_cast<Pending *>(lfirst(lc));
    if (p->subxact < my_subid) kept = lappend(kept, p);
  }
  pending = kept;
}

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

// Settles the leads waiting for `query` (and those of unknown queries when
// `outermost`), through lead_qual._settle() (lead_inserted.cpp).
void settle(const QueryDesc *query, bool outermost) {
  List *mine = NIL;
  List *kept = NIL;
  ListCell *lc;
  foreach (lc, pending) {
    auto *p = static_cast<Pending *>(lfirst(lc));
    if (p->query == query || (outermost && p->query == nullptr))
      mine = lappend(mine, p);
    else
      kept = lappend(kept, p);
  }
  if (mine == NIL) return;
  pending = kept;
  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "lead_qual: SPI_connect failed");
  Oid types[2] = {REGCLASSOID, TEXTOID};
  foreach (lc, mine) {
    auto *p = static_cast<Pending *>(lfirst(lc));
    Datum values[2] = {ObjectIdGetDatum(p->leads), CStringGetTextDatum(p->key)};
    const int rc =
        SPI_execute_with_args("SELECT lead_qual._settle($1, $2)", 2, types, values, nullptr, false, 0);
    if (rc != SPI_OK_SELECT) elog(ERROR, "lead_qual: settling a lead failed: %s", SPI_result_code_string(rc));
  }
  SPI_finish();
}

void run_hook(LQ_COMPAT_EXECUTOR_RUN_PARAMS) {
  const QueryDesc *outer_query = current_query;
  const bool outer = several_steps;
  current_query = query;
  several_steps = plan_has_several_steps(query->plannedstmt);
  ++depth;
  PG_TRY();
  {
    if (previous_run != nullptr)
      previous_run(LQ_COMPAT_EXECUTOR_RUN_ARGS);
    else
      standard_ExecutorRun(LQ_COMPAT_EXECUTOR_RUN_ARGS);
  }
  PG_FINALLY();
  {
    --depth;
    current_query = outer_query;
    several_steps = outer;
  }
  PG_END_TRY();
}

void finish_hook(QueryDesc *query) {
  const QueryDesc *outer_query = current_query;
  const bool outer = several_steps;
  current_query = query;
  several_steps = plan_has_several_steps(query->plannedstmt);
  const bool outermost = depth == 0;
  ++depth;
  PG_TRY();
  {
    if (previous_finish != nullptr)
      previous_finish(query);
    else
      standard_ExecutorFinish(query);
    // Every AFTER trigger of the query has fired: its history is final.
    if (pending != NIL) settle(query, outermost);
  }
  PG_FINALLY();
  {
    --depth;
    current_query = outer_query;
    several_steps = outer;
  }
  PG_END_TRY();
}

}  // namespace

void install_query_hooks() {
  previous_run = ExecutorRun_hook;
  ExecutorRun_hook = run_hook;
  previous_finish = ExecutorFinish_hook;
  ExecutorFinish_hook = finish_hook;
  if (IsTransactionState()) loaded_in_statement = GetCurrentStatementStartTimestamp();
}

bool query_has_several_steps(Oid fired_on) {
  if (depth > 0) return several_steps;
  // Outside the executor: COPY or TRUNCATE (one step), unless the library
  // was loaded during this statement: then the query may be any (say an
  // upsert run by a function, whose hooks did not run), and only a rebuild
  // is sure to be exact. The bulk load that starts a session (a top-level
  // COPY into the table the trigger fires on) keeps the fast path.
  if (loaded_in_statement == 0 || GetCurrentStatementStartTimestamp() != loaded_in_statement) return false;
  if (ActivePortal == nullptr || list_length(ActivePortal->stmts) != 1) return true;
  const auto *stmt = linitial_node(PlannedStmt, ActivePortal->stmts);
  if (stmt->commandType != CMD_UTILITY || stmt->utilityStmt == nullptr || !IsA(stmt->utilityStmt, CopyStmt))
    return true;
  const auto *copy = reinterpret_cast<const CopyStmt *>(stmt->utilityStmt);
  return !(copy->is_from && copy->relation != nullptr &&
           RangeVarGetRelid(copy->relation, NoLock, true) == fired_on);
}

void settle_after_query(Oid leads, const char *key) {
  if (!callbacks_registered) {
    RegisterXactCallback(forget_on_abort, nullptr);
    RegisterSubXactCallback(forget_on_subabort, nullptr);
    callbacks_registered = true;
  }
  MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);
  auto *p = static_cast<Pending *>(palloc(sizeof(Pending)));
  p->query = depth > 0 ? current_query : nullptr;
  p->subxact = GetCurrentSubTransactionId();
  p->leads = leads;
  p->key = pstrdup(key);
  pending = lappend(pending, p);
  MemoryContextSwitchTo(old);
}

}  // namespace lq::pg
