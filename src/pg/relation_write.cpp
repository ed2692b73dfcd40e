// See relation_write.hpp.
#include "pg/relation_write.hpp"

extern "C" {
#include "access/stratnum.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/pg_class.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "nodes/makefuncs.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
}

#include "pg/compat.hpp"

namespace lq::pg {

bool plain_write_target(Relation rel, CmdType cmd) {
  if (rel->rd_rel->relkind != RELKIND_RELATION || rel->rd_rel->relispartition) return false;
  if (rel->rd_rel->relhasrules || rel->rd_rel->relhassubclass) return false;
  if (rel->rd_rel->relrowsecurity && rel->rd_rel->relforcerowsecurity) return false;
  TupleDesc desc = RelationGetDescr(rel);
  if (desc->constr != nullptr && desc->constr->has_generated_stored) return false;
  const TriggerDesc *t = rel->trigdesc;
  if (t == nullptr) return true;
  if (cmd == CMD_INSERT)
    return !(t->trig_insert_before_statement || t->trig_insert_after_statement || t->trig_insert_new_table ||
             t->trig_insert_before_row);
  return !(t->trig_update_before_statement || t->trig_update_after_statement || t->trig_update_old_table ||
           t->trig_update_new_table);
}

void push_statement_snapshot() {
  CommandCounterIncrement();
  PushActiveSnapshot(GetTransactionSnapshot());
  UpdateActiveSnapshotCommandId();
}

RegProcedure index_equality(Relation index, int col) {
  const Oid type = index->rd_opcintype[col];
  const Oid op = get_opfamily_member(index->rd_opfamily[col], type, type, BTEqualStrategyNumber);
  if (!OidIsValid(op))
    elog(ERROR, "lead_qual: no equality in the operator family of index \"%s\"",
         RelationGetRelationName(index));
  return get_opcode(op);
}

RelationWrite open_relation_write(Relation rel, bool speculative) {
  RelationWrite w{rel, CreateExecutorState(), makeNode(ResultRelInfo)};
  InitResultRelInfo(w.rri, rel, 1, nullptr, 0);
  // Closed by end_relation_write(), not by ExecCloseResultRelations(): it
  // holds no reference of its own (as in the apply worker).
  w.estate->es_opened_result_relations = lappend(w.estate->es_opened_result_relations, w.rri);
  ExecOpenIndices(w.rri, speculative);
  return w;
}

void start_relation_write(const RelationWrite &w, Bitmapset *updated_columns) {
  RangeTblEntry *rte = makeNode(RangeTblEntry);
  rte->rtekind = RTE_RELATION;
  rte->relid = RelationGetRelid(w.rel);
  rte->relkind = w.rel->rd_rel->relkind;
  rte->rellockmode = RowExclusiveLock;
  lq_compat_init_range_table(w.estate, rte, updated_columns);
  push_statement_snapshot();
  w.estate->es_snapshot = GetActiveSnapshot();
  w.estate->es_output_cid = GetCurrentCommandId(true);
  AfterTriggerBeginQuery();
}

void end_relation_write(const RelationWrite &w) {
  AfterTriggerEndQuery(w.estate);
  ExecResetTupleTable(w.estate->es_tupleTable, false);
  ExecCloseIndices(w.rri);
  table_close(w.rel, NoLock);
  FreeExecutorState(w.estate);
  PopActiveSnapshot();
}

void abandon_relation_write(const RelationWrite &w) {
  ExecCloseIndices(w.rri);
  table_close(w.rel, NoLock);
  FreeExecutorState(w.estate);
}

}  // namespace lq::pg
