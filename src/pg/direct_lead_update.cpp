// update_leads_directly(): see direct_lead_update.hpp. Every frame here holds
// plain data only (an ERROR unwinds through them; the (sub)transaction's
// abort releases the relation, buffer pins, snapshot and after-trigger level).
#include "pg/direct_lead_update.hpp"

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
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "port.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/typcache.h"
}

#include "pg/compat.hpp"
#include "pg/relation_facts.hpp"
#include "pg/relation_write.hpp"
#include "pg/row_filter.hpp"
#include "pg/tracked_columns.hpp"

namespace lq::pg {

namespace {

bool direct_writes = true;

// The index of `rri` (opened) that finds a lead by key as the UPDATE's
// "key = ANY" does: btree, valid, no predicate, the key column first, the
// key type's default btree operator family and the column's collation. A
// unique one when there is one. -1 when none.
int key_index(const ResultRelInfo *rri, AttrNumber key_attnum, Oid key_type, Oid collation) {
  // The type cache keeps the default btree operator family (a catalog scan
  // otherwise, at every write).
  const Oid family = lookup_type_cache(key_type, TYPECACHE_BTREE_OPFAMILY)->btree_opf;
  if (!OidIsValid(family)) return -1;
  int best = -1;
  for (int i = 0; i < rri->ri_NumIndices; ++i) {
    Relation index = rri->ri_IndexRelationDescs[i];
    const IndexInfo *info = rri->ri_IndexRelationInfo[i];
    if (index->rd_rel->relam != BTREE_AM_OID || !index->rd_index->indisvalid ||
        !index->rd_index->indisready || info->ii_Predicate != NIL ||
        info->ii_IndexAttrNumbers[0] != key_attnum || index->rd_opfamily[0] != family ||
        index->rd_indcollation[0] != collation)
      continue;
    if (best < 0 || (info->ii_Unique && !rri->ri_IndexRelationInfo[best]->ii_Unique)) best = i;
  }
  return best;
}

// The function OID of lead_qual.lead_changed() when a BEFORE UPDATE row
// trigger of the table (`desc`: its triggers) calls it (enabled or not),
// otherwise InvalidOid.
Oid lead_changed_function(const TriggerDesc *desc) {
  if (desc == nullptr) return InvalidOid;
  for (int i = 0; i < desc->numtriggers; ++i) {
    const Trigger &t = desc->triggers[i];
    if (!TRIGGER_FOR_ROW(t.tgtype) || !TRIGGER_FOR_BEFORE(t.tgtype) || !TRIGGER_FOR_UPDATE(t.tgtype))
      continue;
    const char *name = get_func_name(t.tgfoid);
    const Oid schema = get_func_namespace(t.tgfoid);
    const char *schema_name = OidIsValid(schema) ? get_namespace_name(schema) : nullptr;
    if (name != nullptr && schema_name != nullptr && strcmp(name, "lead_changed") == 0 &&
        strcmp(schema_name, "lead_qual") == 0)
      return t.tgfoid;
  }
  return InvalidOid;
}

// Whether `t` fires in this session (session_replication_role decides
// which enabled triggers do).
bool fires_in_session(const Trigger &t) {
  const bool replica = SessionReplicationRole == SESSION_REPLICATION_ROLE_REPLICA;
  return t.tgenabled == TRIGGER_FIRES_ALWAYS ||
         (replica ? t.tgenabled == TRIGGER_FIRES_ON_REPLICA : t.tgenabled == TRIGGER_FIRES_ON_ORIGIN);
}

// The BEFORE UPDATE row trigger of function `lead_changed` (lead_qual's
// lead_changed()) on the table (`desc`: its triggers) that computes `model`
// (lead_qual_lead for the driving model, lead_qual_lead/<model> for one of
// add_score()): the first that fires in this session (`*fires` true), else
// the last found; nullptr when there is none. Another model's trigger leaves
// a row of `model`'s write as it is.
const Trigger *model_lead_trigger(const TriggerDesc *desc, Oid lead_changed, const char *model, bool *fires) {
  *fires = false;
  const Trigger *found = nullptr;
  if (desc == nullptr || !OidIsValid(lead_changed)) return nullptr;
  for (int i = 0; i < desc->numtriggers; ++i) {
    const Trigger &t = desc->triggers[i];
    if (t.tgfoid != lead_changed || !TRIGGER_FOR_ROW(t.tgtype) || !TRIGGER_FOR_BEFORE(t.tgtype) ||
        !TRIGGER_FOR_UPDATE(t.tgtype) || strcmp(trigger_model_name(&t), model) != 0)
      continue;
    found = &t;
    if ((*fires = fires_in_session(t))) break;
  }
  return found;
}

// What a direct write of a leads table needs to know about it, found once
// per backend and table (relation_facts.hpp): a catalog look-up each
// otherwise, 4,000 CPU instructions a statement.
struct DirectUpdateFacts {
  const char *key_column;  // the names they were found for
  const char *state_column;
  AttrNumber key_attnum, state_attnum;
  Oid index;                              // key_index()'s; InvalidOid: none (the UPDATE path)
  RegProcedure equal_proc, compare_proc;  // of the index's operator family
  Oid collation;                          // the index's
  Oid lead_changed;                       // lead_changed_function()
};

struct DirectUpdateCall {
  const TrackArgs *args;
  const ResultRelInfo *rri;  // indexes open
};

void *build_direct_update_facts(void *arg, MemoryContext cxt, Oid * /*depends_on*/) {
  const auto *call = static_cast<const DirectUpdateCall *>(arg);
  Relation rel = call->rri->ri_RelationDesc;
  TupleDesc desc = RelationGetDescr(rel);
  auto *f = static_cast<DirectUpdateFacts *>(MemoryContextAllocZero(cxt, sizeof(DirectUpdateFacts)));
  f->key_column = MemoryContextStrdup(cxt, call->args->key_column);
  f->state_column = MemoryContextStrdup(cxt, call->args->score_state_column);
  f->key_attnum = tracked_column(desc, f->key_column, RelationGetRelationName(rel));
  f->state_attnum = tracked_column(desc, f->state_column, RelationGetRelationName(rel));
  f->lead_changed = lead_changed_function(call->rri->ri_TrigDesc);
  Form_pg_attribute key_attr = TupleDescAttr(desc, f->key_attnum - 1);
  const int index_no = key_index(call->rri, f->key_attnum, key_attr->atttypid, key_attr->attcollation);
  if (index_no < 0) return f;
  Relation index = call->rri->ri_IndexRelationDescs[index_no];
  const Oid type = index->rd_opcintype[0];
  const RegProcedure compare_proc = get_opfamily_proc(index->rd_opfamily[0], type, type, BTORDER_PROC);
  if (!RegProcedureIsValid(compare_proc))
    elog(ERROR, "lead_qual: no comparison in the operator family of index \"%s\"",
         RelationGetRelationName(index));
  f->index = RelationGetRelid(index);
  f->equal_proc = index_equality(index, 0);
  f->compare_proc = compare_proc;
  f->collation = index->rd_indcollation[0];
  return f;
}

bool same_columns(void *arg, const void *facts) {
  const auto *call = static_cast<const DirectUpdateCall *>(arg);
  const auto *f = static_cast<const DirectUpdateFacts *>(facts);
  return strcmp(f->key_column, call->args->key_column) == 0 &&
         strcmp(f->state_column, call->args->score_state_column) == 0;
}

// What lock_found() did with a row the index scan found.
enum class Locked { kRow, kGone, kChangedMeanwhile };

// Locks the row `found` (visible to the statement's snapshot) FOR NO KEY
// UPDATE into `locked`: the row itself or, under READ COMMITTED, its newest
// version, whose key must still be `key` (as EvalPlanQual rechecks the
// UPDATE's condition). kChangedMeanwhile: deleted, or given another key, by
// a transaction that committed meanwhile; kGone: updated by this one.
Locked lock_found(Relation rel, TupleTableSlot *found, TupleTableSlot *locked, EState *estate,
                  AttrNumber key_attnum, Datum key, FmgrInfo *equal, Oid collation) {
  const bool transaction_snapshot = IsolationUsesXactSnapshot();
  ItemPointerData tid = found->tts_tid;
  TM_FailureData tmfd;
  const TM_Result result =
      table_tuple_lock(rel, &tid, estate->es_snapshot, locked, estate->es_output_cid, LockTupleNoKeyExclusive,
                       LockWaitBlock, transaction_snapshot ? 0 : TUPLE_LOCK_FLAG_FIND_LAST_VERSION, &tmfd);
  switch (result) {
    case TM_Ok:
      if (tmfd.traversed) {
        bool isnull = false;
        const Datum now = slot_getattr(locked, key_attnum, &isnull);
        if (isnull || !DatumGetBool(FunctionCall2Coll(equal, collation, now, key)))
          return Locked::kChangedMeanwhile;
      }
      return Locked::kRow;
    case TM_SelfModified:
      // Updated by this transaction since the statement's snapshot: by a
      // trigger of this very write (as the UPDATE says), or earlier in it.
      if (tmfd.cmax != estate->es_output_cid)
        ereport(ERROR,
                (errcode(ERRCODE_TRIGGERED_DATA_CHANGE_VIOLATION),
                 errmsg("tuple to be updated was already modified by an operation triggered by the "
                        "current command"),
                 errhint("Consider using an AFTER trigger instead of a BEFORE trigger to propagate changes "
                         "to other rows.")));
      return Locked::kGone;
    case TM_Updated:
    case TM_Deleted:
      if (transaction_snapshot)
        ereport(ERROR, (errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
                        errmsg("could not serialize access due to concurrent %s",
                               result == TM_Updated ? "update" : "delete")));
      return Locked::kChangedMeanwhile;
    default:
      elog(ERROR, "lead_qual: unexpected result %d locking a lead of \"%s\"", static_cast<int>(result),
           RelationGetRelationName(rel));
  }
  return Locked::kGone;
}

// Sorts `keys` by the index's order and drops repeated ones (the write's keys
// are distinct under the key type's default equality, the index's may be
// coarser): the UPDATE's "= ANY" wrote each row once, and a row this write
// updated would otherwise be found again.
int sorted_unique(Datum *keys, int count, RegProcedure compare_proc, Oid collation) {
  FmgrInfo compare;
  fmgr_info(compare_proc, &compare);
  struct Order {
    FmgrInfo *compare;
    Oid collation;
  } order{&compare, collation};
  qsort_arg(
      keys, static_cast<size_t>(count), sizeof(Datum),
      [](const void *a, const void *b, void *arg) -> int {
        const auto *o = static_cast<const Order *>(arg);
        return DatumGetInt32(FunctionCall2Coll(o->compare, o->collation, *static_cast<const Datum *>(a),
                                               *static_cast<const Datum *>(b)));
      },
      &order);
  int n = 0;
  for (int i = 0; i < count; ++i) {
    if (n > 0 && DatumGetInt32(FunctionCall2Coll(&compare, collation, keys[n - 1], keys[i])) == 0) continue;
    keys[n++] = keys[i];
  }
  return n;
}

}  // namespace

void define_direct_writes_setting() {
  DefineCustomBoolVariable(
      "lead_qual.direct_lead_writes",
      "Whether the activity triggers write leads without SQL where the table allows.",
      "Off: every lead is written through one UPDATE per statement (same results, slower).", &direct_writes,
      true, PGC_USERSET, 0, nullptr, nullptr, nullptr);
}

bool direct_writes_enabled() { return direct_writes; }

bool update_leads_directly(const TrackArgs &args, const Datum *given_keys, int count, const uint64 *applied,
                           uint64 *updated) {
  *updated = 0;
  Relation rel = table_open(args.leads_oid, RowExclusiveLock);
  if (!plain_write_target(rel, CMD_UPDATE)) {
    table_close(rel, NoLock);
    return false;
  }
  TupleDesc desc = RelationGetDescr(rel);
  const RelationWrite write = open_relation_write(rel, false);
  ResultRelInfo *rri = write.rri;
  EState *estate = write.estate;
  DirectUpdateCall call{&args, rri};
  const auto &facts = *static_cast<const DirectUpdateFacts *>(
      relation_facts(RelationGetRelid(rel), InvalidOid, FactKind::kDirectUpdate, build_direct_update_facts,
                     same_columns, &call));
  int index_no = -1;
  for (int i = 0; i < rri->ri_NumIndices && OidIsValid(facts.index); ++i)
    if (RelationGetRelid(rri->ri_IndexRelationDescs[i]) == facts.index) index_no = i;
  if (index_no < 0) {
    abandon_relation_write(write);
    return false;
  }
  const AttrNumber key_attnum = facts.key_attnum;
  // As the UPDATE's executor start does, even when no lead is found.
  CheckCmdReplicaIdentity(rel, CMD_UPDATE);
  bool lead_trigger = false;  // without one no row may be written
  model_lead_trigger(rri->ri_TrigDesc, facts.lead_changed, args.model_name, &lead_trigger);
  Relation index = rri->ri_IndexRelationDescs[index_no];
  const RegProcedure equal_proc = facts.equal_proc;
  FmgrInfo equal;
  fmgr_info(equal_proc, &equal);
  const Oid collation = facts.collation;
  auto *keys = static_cast<Datum *>(palloc(sizeof(Datum) * (count + 1)));
  memcpy(keys, given_keys, sizeof(Datum) * count);
  if (count > 1) count = sorted_unique(keys, count, facts.compare_proc, collation);

  // The UPDATE set the state column (to itself): UPDATE OF triggers see it.
  start_relation_write(write, bms_make_singleton(facts.state_attnum - FirstLowInvalidHeapAttributeNumber));

  RowFilter *filter = args.lead_filter != nullptr ? row_filter(rel, args.lead_filter) : nullptr;
  TupleTableSlot *found = table_slot_create(rel, &estate->es_tupleTable);
  TupleTableSlot *locked = table_slot_create(rel, &estate->es_tupleTable);
  TupleTableSlot *next = ExecInitExtraTupleSlot(estate, desc, &TTSOpsHeapTuple);
  EPQState epq;
  lq_compat_epq_init(&epq, estate);
  IndexScanDesc scan = lq_compat_index_beginscan(rel, index, estate->es_snapshot, 1);
  const bool read_committed = !IsolationUsesXactSnapshot();
  for (int i = 0; i < count; ++i) {
    CHECK_FOR_INTERRUPTS();
    // Under READ COMMITTED each lead is looked up in a snapshot taken after
    // the locks of the leads before it were granted, and again after its
    // row changed meanwhile: what another transaction committed while this
    // one waited (a lead inserted, deleted and inserted again, keys
    // swapped) is seen, as the UPDATE, run after its lock query, saw it.
    // Rows this write changes stay invisible (the command id).
    bool look_again = i > 0 && read_committed;
    bool first = true;
    int rows_of_key = 0;
    while (first || look_again) {
      if (look_again) {
        PopActiveSnapshot();
        PushActiveSnapshot(GetTransactionSnapshot());
        GetActiveSnapshot()->curcid = estate->es_output_cid;
        estate->es_snapshot = GetActiveSnapshot();
        scan->xs_snapshot = estate->es_snapshot;
      }
      look_again = false;
      ScanKeyData key;
      ScanKeyInit(&key, 1, BTEqualStrategyNumber, equal_proc, keys[i]);
      key.sk_collation = collation;
      index_rescan(scan, &key, 1, nullptr, 0);
      while (index_getnext_slot(scan, ForwardScanDirection, found)) {
        ResetPerTupleExprContext(estate);
        const Locked l = lock_found(rel, found, locked, estate, key_attnum, keys[i], &equal, collation);
        if (l == Locked::kChangedMeanwhile && read_committed && first) look_again = true;
        if (l != Locked::kRow) continue;
        // A lead outside the lead filter is left as it is (README, "Row filters").
        if (filter != nullptr && !row_passes(filter, locked)) continue;
        // The new row starts as the old one: lead_changed() computes it. A
        // BEFORE trigger may skip it (then lead_changed() has not counted it).
        ExecCopySlot(next, locked);
        const uint64 applied_before = *applied;
        ExecSimpleRelationUpdate(rri, estate, &epq, locked, next);
        // Without an enabled lead_changed() trigger every row written counts
        // as not computed: the caller raises the error the UPDATE path does.
        // So does a second row of one key (a key index made non-unique
        // since track()): lead_changed() computes a lead once, and the
        // UPDATE path counts both rows.
        if (!lead_trigger || *applied > applied_before || rows_of_key > 0) ++*updated;
        ++rows_of_key;
      }
      first = false;
    }
  }
  index_endscan(scan);
  EvalPlanQualEnd(&epq);
  // Fires the AFTER row triggers the updates queued (foreign keys, users').
  end_relation_write(write);
  return true;
}

const char *lead_changed_trigger(Relation leads, const char *model, bool *fires) {
  const Trigger *t =
      model_lead_trigger(leads->trigdesc, lead_changed_function(leads->trigdesc), model, fires);
  return t != nullptr ? t->tgname : nullptr;
}

}  // namespace lq::pg
