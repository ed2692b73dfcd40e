// find_lives() and insert_history_rows(): see history_rows.hpp. Every frame
// here holds plain data only (an ERROR unwinds through them; the
// (sub)transaction's abort releases the relations, buffer pins, snapshot and
// after-trigger level).
#include "pg/history_rows.hpp"

extern "C" {
#include "access/genam.h"
#include "access/nbtree.h"
#include "access/sysattr.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/sequence.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/readfuncs.h"
#include "optimizer/optimizer.h"
#include "storage/lmgr.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/xid8.h"
}

#include <cstring>

#include "pg/catalog.hpp"
#include "pg/compat.hpp"
#include "pg/relation_facts.hpp"
#include "pg/relation_write.hpp"

namespace lq::pg {

namespace {

// The columns of stage_history, as lead_qual creates it (src/sql/schema/
// tracking.sql; an updated 1.1 table has them in another order).
enum HistoryColumn {
  kId,
  kLeadTable,
  kLeadKey,
  kFromStage,
  kToStage,
  kChangedAt,
  kFit,
  kEngagement,
  kScore,
  kReason,
  kChangedBy,
  kLifeId,
  kXact,
  kModelVersion,
  kModel,
  kHistoryColumns
};
constexpr const char *kHistoryColumnNames[kHistoryColumns] = {
    "id",    "lead_table", "lead_key",   "from_stage", "to_stage", "changed_at",    "fit",  "engagement",
    "score", "reason",     "changed_by", "life_id",    "xact",     "model_version", "model"};

// The attribute number of each HistoryColumn in `desc`; false when the table
// has another column, lacks one, or one has another type.
bool history_columns(TupleDesc desc, AttrNumber *attnums) {
  const Oid stage = extension_type("lead_stage");
  const Oid types[kHistoryColumns] = {INT8OID,        REGCLASSOID, TEXTOID,   stage,     stage,
                                      TIMESTAMPTZOID, FLOAT8OID,   FLOAT8OID, FLOAT8OID, TEXTOID,
                                      NAMEOID,        INT8OID,     XID8OID,   INT8OID,   TEXTOID};
  for (int c = 0; c < kHistoryColumns; ++c) attnums[c] = InvalidAttrNumber;
  for (int i = 0; i < desc->natts; ++i) {
    Form_pg_attribute a = TupleDescAttr(desc, i);
    if (a->attisdropped) continue;
    int c = 0;
    while (c < kHistoryColumns && strcmp(NameStr(a->attname), kHistoryColumnNames[c]) != 0) ++c;
    if (c == kHistoryColumns || attnums[c] != InvalidAttrNumber || a->atttypid != types[c]) return false;
    attnums[c] = a->attnum;
  }
  for (int c = 0; c < kHistoryColumns; ++c)
    if (attnums[c] == InvalidAttrNumber) return false;
  return true;
}

// What inserting into stage_history directly needs to know of it, found once
// per backend (relation_facts.hpp): its columns (history_columns()) and its
// CHECK constraints' expressions, which ExecConstraints() would otherwise
// read from their text and plan again for every statement (46,000 CPU
// instructions a stage change).
struct HistoryFacts {
  bool columns_ok;  // history_columns()
  AttrNumber attnums[kHistoryColumns];
  int check_count;
  Expr **checks;  // planned as ExecPrepareExpr() plans them; NULL: not enforced
};

void *build_history_facts(void *arg, MemoryContext cxt, Oid * /*depends_on*/) {
  auto *rel = static_cast<Relation>(arg);
  TupleDesc desc = RelationGetDescr(rel);
  auto *f = static_cast<HistoryFacts *>(MemoryContextAllocZero(cxt, sizeof(HistoryFacts)));
  f->columns_ok = history_columns(desc, f->attnums);
  const int count = desc->constr != nullptr ? desc->constr->num_check : 0;
  MemoryContext caller = MemoryContextSwitchTo(cxt);
  f->check_count = count;
  f->checks = static_cast<Expr **>(palloc0(sizeof(Expr *) * (count + 1)));
  for (int i = 0; i < count; ++i) {
    const ConstrCheck &check = desc->constr->check[i];
    if (lq_compat_check_enforced(check))
      f->checks[i] = expression_planner(static_cast<Expr *>(stringToNode(check.ccbin)));
  }
  MemoryContextSwitchTo(caller);
  return f;
}

// Gives `rri` the ExprStates of its CHECK constraints from `f`, built in the
// statement's context as ExecConstraints() builds them on first use.
void prepare_checks(ResultRelInfo *rri, EState *estate, const HistoryFacts &f) {
  if (f.check_count == 0) return;
  MemoryContext caller = MemoryContextSwitchTo(estate->es_query_cxt);
  auto **states = static_cast<ExprState **>(palloc0(sizeof(ExprState *) * f.check_count));
  for (int i = 0; i < f.check_count; ++i)
    if (f.checks[i] != nullptr) states[i] = ExecInitExpr(f.checks[i], nullptr);
  lq_compat_check_exprs(rri) = states;
  MemoryContextSwitchTo(caller);
}

// What finding and inserting lives needs to know of lead_qual.lead_life,
// found once per backend (relation_facts.hpp) instead of at every stage
// change: its columns, its primary key on (lead_table, lead_key), the key's
// equality procedures, its life_id sequence.
struct LifeFacts {
  AttrNumber table_att, key_att, life_att;
  Oid pkey;      // InvalidOid: no usable primary key (the SQL path)
  Oid sequence;  // InvalidOid: none
  RegProcedure table_eq, key_eq;
  Oid key_collation;
  bool plain_columns;  // three columns of lead_qual's types, no CHECK of anyone's
};

void *build_life_facts(void *arg, MemoryContext cxt, Oid * /*depends_on*/) {
  auto *rel = static_cast<Relation>(arg);
  const Oid life_oid = RelationGetRelid(rel);
  TupleDesc desc = RelationGetDescr(rel);
  auto *f = static_cast<LifeFacts *>(MemoryContextAllocZero(cxt, sizeof(LifeFacts)));
  f->table_att = get_attnum(life_oid, "lead_table");
  f->key_att = get_attnum(life_oid, "lead_key");
  f->life_att = get_attnum(life_oid, "life_id");
  const bool has_columns = f->table_att != InvalidAttrNumber && f->key_att != InvalidAttrNumber &&
                           f->life_att != InvalidAttrNumber &&
                           TupleDescAttr(desc, f->table_att - 1)->atttypid == REGCLASSOID &&
                           TupleDescAttr(desc, f->key_att - 1)->atttypid == TEXTOID &&
                           TupleDescAttr(desc, f->life_att - 1)->atttypid == INT8OID;
  int columns = 0;
  for (int i = 0; i < desc->natts; ++i)
    if (!TupleDescAttr(desc, i)->attisdropped) ++columns;
  f->plain_columns = has_columns && columns == 3 && (desc->constr == nullptr || desc->constr->num_check == 0);
  f->sequence = get_relname_relid("lead_life_life_id_seq", RelationGetNamespace(rel));
  const Oid pkey = get_relname_relid("lead_life_pkey", RelationGetNamespace(rel));
  if (!has_columns || !OidIsValid(pkey)) return f;
  Relation index = index_open(pkey, AccessShareLock);
  // The primary key on (lead_table, lead_key), as lead_qual creates it.
  if (index->rd_index->indrelid == life_oid && index->rd_rel->relam == BTREE_AM_OID &&
      index->rd_index->indnkeyatts == 2 && index->rd_index->indkey.values[0] == f->table_att &&
      index->rd_index->indkey.values[1] == f->key_att) {
    f->pkey = pkey;
    f->table_eq = index_equality(index, 0);
    f->key_eq = index_equality(index, 1);
    f->key_collation = index->rd_indcollation[1];
  }
  index_close(index, AccessShareLock);
  return f;
}

const LifeFacts &life_facts(Relation life) {
  return *static_cast<const LifeFacts *>(relation_facts(
      RelationGetRelid(life), InvalidOid, FactKind::kLeadLife, build_life_facts, nullptr, life));
}

}  // namespace

int find_lives(Oid leads, const StageChange *changes, int count, int64 *lives) {
  for (int i = 0; i < count; ++i) lives[i] = 0;
  const Oid life_oid = get_relname_relid("lead_life", extension_namespace());
  if (!OidIsValid(life_oid)) return 0;
  Relation life = table_open(life_oid, AccessShareLock);
  const LifeFacts &f = life_facts(life);
  int found = 0;
  if (OidIsValid(f.pkey)) {
    Relation index = index_open(f.pkey, AccessShareLock);
    push_statement_snapshot();
    TupleTableSlot *slot = table_slot_create(life, nullptr);
    IndexScanDesc scan = lq_compat_index_beginscan(life, index, GetActiveSnapshot(), 2);
    for (int i = 0; i < count; ++i) {
      CHECK_FOR_INTERRUPTS();
      ScanKeyData keys[2];
      ScanKeyInit(&keys[0], 1, BTEqualStrategyNumber, f.table_eq, ObjectIdGetDatum(leads));
      ScanKeyInit(&keys[1], 2, BTEqualStrategyNumber, f.key_eq, CStringGetTextDatum(changes[i].lead_key));
      keys[1].sk_collation = f.key_collation;
      index_rescan(scan, keys, 2, nullptr, 0);
      if (index_getnext_slot(scan, ForwardScanDirection, slot)) {
        bool isnull = false;
        const Datum id = slot_getattr(slot, f.life_att, &isnull);
        if (!isnull) {
          lives[i] = DatumGetInt64(id);
          ++found;
        }
      }
    }
    index_endscan(scan);
    ExecDropSingleTupleTableSlot(slot);
    PopActiveSnapshot();
    index_close(index, AccessShareLock);
  }
  table_close(life, AccessShareLock);
  return found;
}

bool insert_lives(Oid leads, const StageChange *changes, int count, int64 *lives) {
  const Oid life_oid = get_relname_relid("lead_life", extension_namespace());
  if (!OidIsValid(life_oid)) return false;
  Relation rel = table_open(life_oid, RowExclusiveLock);
  const LifeFacts &f = life_facts(rel);
  // As lead_qual creates it: three columns, no triggers, rules, CHECK
  // constraints or row security of anyone's (the INSERT ... ON CONFLICT
  // would apply them).
  if (!OidIsValid(f.pkey) || !OidIsValid(f.sequence) || !f.plain_columns ||
      !plain_write_target(rel, CMD_INSERT) || rel->trigdesc != nullptr || rel->rd_rel->relrowsecurity) {
    table_close(rel, NoLock);
    return false;
  }
  TupleDesc desc = RelationGetDescr(rel);
  // Speculative: the unique indexes get what checking a conflict needs.
  const RelationWrite write = open_relation_write(rel, true);
  start_relation_write(write, nullptr);
  EState *estate = write.estate;
  TupleTableSlot *slot = table_slot_create(rel, &estate->es_tupleTable);
  List *arbiters = list_make1_oid(f.pkey);
  for (int i = 0; i < count; ++i) {
    if (lives[i] != 0) continue;
    // INSERT ... ON CONFLICT (lead_table, lead_key) DO NOTHING, as the
    // executor does it (ExecInsert()): a key that has a life, committed or
    // being inserted by another transaction (waited for), is skipped (the
    // caller looks it up again); else the row is inserted speculatively and
    // kept unless a conflicting row came in meanwhile, then checked again.
    // Concurrent lives of one key are rare: the lead's row lock orders the
    // transactions that change its stage.
    const int64 life = nextval_internal(f.sequence, true);
    for (;;) {
      CHECK_FOR_INTERRUPTS();
      ExecClearTuple(slot);
      for (int a = 0; a < desc->natts; ++a) slot->tts_isnull[a] = true;
      slot->tts_values[f.table_att - 1] = ObjectIdGetDatum(leads);
      slot->tts_isnull[f.table_att - 1] = false;
      slot->tts_values[f.key_att - 1] = CStringGetTextDatum(changes[i].lead_key);
      slot->tts_isnull[f.key_att - 1] = false;
      slot->tts_values[f.life_att - 1] = Int64GetDatum(life);
      slot->tts_isnull[f.life_att - 1] = false;
      ExecStoreVirtualTuple(slot);
      ItemPointerData conflict_tid;
      if (!lq_compat_check_index_constraints(write.rri, slot, estate, &conflict_tid, arbiters)) break;
      const uint32 token = SpeculativeInsertionLockAcquire(GetCurrentTransactionId());
      table_tuple_insert_speculative(rel, slot, estate->es_output_cid, 0, nullptr, token);
      bool conflict = false;
      list_free(lq_compat_insert_index_entries_speculative(write.rri, slot, estate, &conflict, arbiters));
      table_tuple_complete_speculative(rel, slot, token, !conflict);
      SpeculativeInsertionLockRelease(GetCurrentTransactionId());
      if (!conflict) {
        lives[i] = life;
        break;
      }
    }
  }
  // No AFTER trigger was queued (the table has none).
  end_relation_write(write);
  return true;
}

bool insert_history_rows(Oid leads, const StageChange *changes, int count, const char *reason, TimestampTz at,
                         Oid changed_by, const int64 *lives, const char *model, int64 model_version,
                         int64 *ids) {
  const Oid nsp = extension_namespace();
  const Oid history_oid = get_relname_relid("stage_history", nsp);
  const Oid sequence = get_relname_relid("stage_history_id_seq", nsp);
  if (!OidIsValid(history_oid) || !OidIsValid(sequence)) return false;
  Relation rel = table_open(history_oid, RowExclusiveLock);
  TupleDesc desc = RelationGetDescr(rel);
  const auto &facts = *static_cast<const HistoryFacts *>(
      relation_facts(history_oid, InvalidOid, FactKind::kHistoryRows, build_history_facts, nullptr, rel));
  if (!plain_write_target(rel, CMD_INSERT) || !facts.columns_ok) {
    table_close(rel, NoLock);
    return false;
  }
  const AttrNumber *attnums = facts.attnums;

  const RelationWrite write = open_relation_write(rel, false);
  EState *estate = write.estate;
  ResultRelInfo *rri = write.rri;
  prepare_checks(rri, estate, facts);
  start_relation_write(write, nullptr);
  TupleTableSlot *slot = ExecInitExtraTupleSlot(estate, desc, &TTSOpsVirtual);
  AfterTriggerBeginQuery();

  // What is the same in every row: the column default of xact
  // (pg_current_xact_id()) and the statement's constants.
  const Datum xact = FullTransactionIdGetDatum(GetTopFullTransactionId());
  auto *who = static_cast<NameData *>(palloc0(sizeof(NameData)));
  namestrcpy(who, GetUserNameFromId(changed_by, false));
  const Datum reason_text = CStringGetTextDatum(reason);
  const Datum model_text = CStringGetTextDatum(model);
  for (int i = 0; i < count; ++i) {
    CHECK_FOR_INTERRUPTS();
    const StageChange &c = changes[i];
    ExecClearTuple(slot);
    Datum *v = slot->tts_values;
    bool *n = slot->tts_isnull;
    for (int a = 0; a < desc->natts; ++a) n[a] = true;
    auto set = [&](HistoryColumn col, Datum value) {
      v[attnums[col] - 1] = value;
      n[attnums[col] - 1] = false;
    };
    // As the INSERT's column default nextval() does, row by row in order.
    ids[i] = nextval_internal(sequence, true);
    set(kId, Int64GetDatum(ids[i]));
    set(kLeadTable, ObjectIdGetDatum(leads));
    set(kLeadKey, CStringGetTextDatum(c.lead_key));
    if (c.from_rank >= 0) set(kFromStage, CharGetDatum(static_cast<char>(c.from_rank)));
    set(kToStage, CharGetDatum(static_cast<char>(c.to_rank)));
    set(kChangedAt, TimestampTzGetDatum(at));
    set(kFit, Float8GetDatum(c.fit));
    set(kEngagement, Float8GetDatum(c.engagement));
    set(kScore, Float8GetDatum(c.score));
    set(kReason, reason_text);
    set(kChangedBy, NameGetDatum(who));
    set(kLifeId, Int64GetDatum(lives[i]));
    set(kXact, xact);
    set(kModelVersion, Int64GetDatum(model_version));
    set(kModel, model_text);
    ExecStoreVirtualTuple(slot);
    ExecSimpleRelationInsert(rri, estate, slot);
  }
  // Fires the AFTER row triggers the inserts queued (users').
  end_relation_write(write);
  return true;
}

}  // namespace lq::pg
