// The executor hooks behind query_has_several_steps() and
// settle_after_query().
#include "pg/query_events.hpp"

#include "pg/compat.hpp"
#include "pg/entry.hpp"
#include "pg/owner_spi.hpp"
#include "pg/trigger_checks.hpp"

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
// Transition rows read by activity triggers, per query and leads table.
struct Seen {
  const QueryDesc *query;
  SubTransactionId subxact;
  Oid leads;
  uint64 rows;
};
List *seen = NIL;  // of Seen *, in TopTransactionContext
bool callbacks_registered = false;

void forget_on_abort(XactEvent event, void * /*arg*/) {
  if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT || event == XACT_EVENT_COMMIT ||
      event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PREPARE)
    pending = seen = NIL;
}

// The lists above live in TopTransactionContext (they outlive the queries
// that add to them): rebuilt there too.
template <typename Keep>
List *filtered(List *list, Keep keep) {
  MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);
  List *kept = NIL;
  ListCell *lc;
  foreach (lc, list) {
    if (keep(lfirst(lc))) kept = lappend(kept, lfirst(lc));
  }
  MemoryContextSwitchTo(old);
  return kept;
}

void forget_on_subabort(SubXactEvent event, SubTransactionId my_subid, SubTransactionId /*parent*/,
                        void * /*arg*/) {
  if (event != SUBXACT_EVENT_ABORT_SUB) return;
  pending = filtered(pending, [&](void *p) { return static_cast<Pending *>(p)->subxact < my_subid; });
  seen = filtered(seen, [&](void *p) { return static_cast<Seen *>(p)->subxact < my_subid; });
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
  auto mine = [&](void *p) {
    const QueryDesc *q = static_cast<Pending *>(p)->query;
    return q == query || (outermost && q == nullptr);
  };
  List *settled = NIL;
  ListCell *lc;
  foreach (lc, pending) {
    if (mine(lfirst(lc))) settled = lappend(settled, lfirst(lc));
  }
  if (settled == NIL) return;
  pending = filtered(pending, [&](void *p) { return !mine(p); });
  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "lead_qual: SPI_connect failed");
  Oid types[2] = {REGCLASSOID, TEXTOID};
  foreach (lc, settled) {
    auto *p = static_cast<Pending *>(lfirst(lc));
    Datum values[2] = {ObjectIdGetDatum(p->leads), CStringGetTextDatum(p->key)};
    const int rc =
        SPI_execute_with_args("SELECT lead_qual._settle($1, $2)", 2, types, values, nullptr, false, 0);
    if (rc != SPI_OK_SELECT) elog(ERROR, "lead_qual: settling a lead failed: %s", SPI_result_code_string(rc));
  }
  SPI_finish();
}

// A MERGE that affected more rows than its activity triggers saw moved
// rows between partitions out of sight: its leads tables are rescored, as
// their owner (the triggers write them as owner too).
void rescore_after_lost_rows(const QueryDesc *query) {
  uint64 rows = 0;
  List *tables = NIL;
  ListCell *lc;
  foreach (lc, seen) {
    auto *p = static_cast<Seen *>(lfirst(lc));
    if (p->query != query) continue;
    rows += p->rows;
    tables = list_append_unique_oid(tables, p->leads);
  }
  if (tables == NIL) return;
  seen = filtered(seen, [&](void *p) { return static_cast<Seen *>(p)->query != query; });
  if (tables == NIL || query->operation != CMD_MERGE || query->estate == nullptr ||
      rows >= query->estate->es_processed)
    return;
  foreach (lc, tables) {
    const Oid leads = lfirst_oid(lc);
    const SavedUser saved = spi_connect_as_owner(leads);
    Oid types[1] = {REGCLASSOID};
    Datum values[1] = {ObjectIdGetDatum(leads)};
    const int rc = SPI_execute_with_args("SELECT lead_qual.rescore($1)", 1, types, values, nullptr, false, 0);
    if (rc != SPI_OK_SELECT)
      elog(ERROR, "lead_qual: rescoring after a MERGE failed: %s", SPI_result_code_string(rc));
    spi_finish_as(saved);
  }
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
    if (seen != NIL) rescore_after_lost_rows(query);
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

void register_callbacks() {
  if (callbacks_registered) return;
  RegisterXactCallback(forget_on_abort, nullptr);
  RegisterSubXactCallback(forget_on_subabort, nullptr);
  callbacks_registered = true;
}

void note_transition_rows(Oid leads, uint64 rows) {
  // Only a MERGE is checked (COPY and TRUNCATE run outside the executor).
  if (depth == 0 || current_query->operation != CMD_MERGE) return;
  register_callbacks();
  MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);
  auto *p = static_cast<Seen *>(palloc(sizeof(Seen)));
  p->query = current_query;
  p->subxact = GetCurrentSubTransactionId();
  p->leads = leads;
  p->rows = rows;
  seen = lappend(seen, p);
  MemoryContextSwitchTo(old);
}

void settle_after_query(Oid leads, const char *key) {
  register_callbacks();
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

// lead_qual_activity_start (BEFORE STATEMENT): calling it loads the library,
// and _PG_init installs the hooks above, before the statement's
// ExecutorFinish, where its AFTER triggers fire. Without it, the first
// statement of a session to write activities would load the library only
// when those triggers fire, too late for the hooks to see its plan, and
// query_has_several_steps() would have to answer "unknown" (a rebuild).
LQ_FUNCTION(lq_activity_statement_started) {
  lq::pg::trigger_data(fcinfo, "lead_qual.activity_statement_started");
  return PointerGetDatum(nullptr);
}
