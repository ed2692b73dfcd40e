// The one place that knows which PostgreSQL major lead_qual is compiled
// against (PG_VERSION_NUM). Supported: 15, 16, 17, 18. Everything else in
// src/pg/ calls the lq_compat_* names below and stays version-free.
//
// Tested by the test matrix (scripts/matrix.sh) on 15, 17 and 18. 16 has no
// Debian package to build against, so no test here compiles against it; each
// difference below says which major brought it, and every one that came in
// 16 is also compiled, and tested, on 17 and 18.
#pragma once

extern "C" {
#include "postgres.h"

#include "access/genam.h"
#include "executor/executor.h"
#include "nodes/nodeFuncs.h"
#include "nodes/pg_list.h"
#include "parser/parse_relation.h"
#include "utils/regproc.h"
#include "utils/relcache.h"
// PostgreSQL 16 moved the varlena macros (VARSIZE, SET_VARSIZE, VARDATA, ...)
// out of postgres.h into varatt.h.
#if PG_VERSION_NUM >= 160000
#include "varatt.h"
#endif
}

#if PG_VERSION_NUM < 150000 || PG_VERSION_NUM >= 190000
#error "lead_qual supports PostgreSQL 15, 16, 17 and 18 (src/pg/compat.hpp)"
#endif

// "schema.name" -> list of String nodes; raises ERROR on bad syntax.
// PostgreSQL 16 added an escontext argument (soft error reporting in the
// reg* input functions, 2022-12); NULL keeps the throwing behaviour.
inline List *lq_compat_qualified_name_list(const char *name) {
#if PG_VERSION_NUM >= 160000
  return stringToQualifiedNameList(name, nullptr);
#else
  return stringToQualifiedNameList(name);
#endif
}

// The relation's primary key index, InvalidOid if none. PostgreSQL 18 added
// deferrable_ok; before 18 a deferrable primary key was never returned, which
// is what false asks for.
inline Oid lq_compat_primary_key_index(Relation rel) {
#if PG_VERSION_NUM >= 180000
  return RelationGetPrimaryKeyIndex(rel, false);
#else
  return RelationGetPrimaryKeyIndex(rel);
#endif
}

// The parameters of an ExecutorRun hook, and the arguments to pass on.
// PostgreSQL 18 removed execute_once (2024-11).
#if PG_VERSION_NUM >= 180000
#define LQ_COMPAT_EXECUTOR_RUN_PARAMS QueryDesc *query, ScanDirection direction, uint64 count
#define LQ_COMPAT_EXECUTOR_RUN_ARGS query, direction, count
#else
#define LQ_COMPAT_EXECUTOR_RUN_PARAMS \
  QueryDesc *query, ScanDirection direction, uint64 count, bool execute_once
#define LQ_COMPAT_EXECUTOR_RUN_ARGS query, direction, count, execute_once
#endif

// expression_tree_walker() with a typed walker. PostgreSQL 16 made it a
// macro over a typed callback (tree_walker_callback); before, it took an
// unprototyped `bool (*)()`, which C++ must be given by cast.
inline bool lq_compat_expression_tree_walker(Node *node, bool (*walker)(Node *, void *), void *context) {
#if PG_VERSION_NUM >= 160000
  return expression_tree_walker(node, walker, context);
#else
  // Through void (*)(), the generic function pointer type (no warning).
  return expression_tree_walker(node, reinterpret_cast<bool (*)()>(reinterpret_cast<void (*)()>(walker)),
                                context);
#endif
}

// An index scan of `nkeys` keys without ORDER BY. PostgreSQL 18 added an
// instrumentation argument (NULL: none).
inline IndexScanDesc lq_compat_index_beginscan(Relation heap, Relation index, Snapshot snapshot, int nkeys) {
#if PG_VERSION_NUM >= 180000
  return index_beginscan(heap, index, snapshot, nullptr, nkeys, 0);
#else
  return index_beginscan(heap, index, snapshot, nkeys, 0);
#endif
}

// Where ExecConstraints() keeps the ExprStates of a result relation's CHECK
// constraints (NULL until built), and whether a CHECK constraint is enforced:
// PostgreSQL 18 renamed ri_ConstraintExprs to ri_CheckConstraintExprs and
// added NOT ENFORCED constraints (their ExprState stays NULL).
inline ExprState **&lq_compat_check_exprs(ResultRelInfo *rri) {
#if PG_VERSION_NUM >= 180000
  return rri->ri_CheckConstraintExprs;
#else
  return rri->ri_ConstraintExprs;
#endif
}
inline bool lq_compat_check_enforced(const ConstrCheck &check) {
#if PG_VERSION_NUM >= 180000
  return check.ccenforced;
#else
  (void)check;
  return true;
#endif
}

// Whether `slot` conflicts with no row in the arbiter indexes (ON CONFLICT's
// pre-check; waits for a conflicting insert in progress). PostgreSQL 18
// added tupleid, a row to leave out (an update's own; NULL for an insert).
inline bool lq_compat_check_index_constraints(ResultRelInfo *rri, TupleTableSlot *slot, EState *estate,
                                              ItemPointer conflict_tid, List *arbiters) {
#if PG_VERSION_NUM >= 180000
  return ExecCheckIndexConstraints(rri, slot, estate, conflict_tid, nullptr, arbiters);
#else
  return ExecCheckIndexConstraints(rri, slot, estate, conflict_tid, arbiters);
#endif
}

// Inserts the index entries of `slot` (just inserted, speculatively) into the
// indexes of `rri`, reporting a conflict in an arbiter index instead of
// raising it (ON CONFLICT). PostgreSQL 16 added onlySummarizing (HOT updates
// of summarizing indexes).
inline List *lq_compat_insert_index_entries_speculative(ResultRelInfo *rri, TupleTableSlot *slot,
                                                        EState *estate, bool *conflict, List *arbiters) {
#if PG_VERSION_NUM >= 160000
  return ExecInsertIndexTuples(rri, slot, estate, false, true, conflict, arbiters, false);
#else
  return ExecInsertIndexTuples(rri, slot, estate, false, true, conflict, arbiters);
#endif
}

// Gives `estate` a range table of one relation, `rte`, updating the columns
// `updated` (attribute numbers offset by FirstLowInvalidHeapAttributeNumber,
// as the planner records them: what UPDATE ... OF column triggers test).
// PostgreSQL 16 moved the permission fields, updatedCols among them, out of
// the range table entry into RTEPermissionInfo; 18 added the unpruned
// relations (every one here).
inline void lq_compat_init_range_table(EState *estate, RangeTblEntry *rte, Bitmapset *updated) {
#if PG_VERSION_NUM >= 160000
  List *perminfos = NIL;
  RTEPermissionInfo *perminfo = addRTEPermissionInfo(&perminfos, rte);
  perminfo->requiredPerms = ACL_UPDATE;
  perminfo->updatedCols = updated;
#if PG_VERSION_NUM >= 180000
  ExecInitRangeTable(estate, list_make1(rte), perminfos, bms_make_singleton(1));
#else
  ExecInitRangeTable(estate, list_make1(rte), perminfos);
#endif
#else
  rte->requiredPerms = ACL_UPDATE;
  rte->updatedCols = updated;
  ExecInitRangeTable(estate, list_make1(rte));
#endif
}

// An EPQState without a plan (as PostgreSQL's logical replication apply
// worker sets one up for ExecSimpleRelationUpdate). PostgreSQL 16 added the
// result relations argument to EvalPlanQualInit (15 has it as
// EvalPlanQualInitExt).
inline void lq_compat_epq_init(EPQState *epq, EState *estate) {
#if PG_VERSION_NUM >= 160000
  EvalPlanQualInit(epq, estate, nullptr, NIL, -1, NIL);
#else
  EvalPlanQualInit(epq, estate, nullptr, NIL, -1);
#endif
}
