#include "pg/citus_shard.hpp"

#include "pg/compat.hpp"

extern "C" {
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "nodes/makefuncs.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
}

#include <string_view>

#include "core/shard_name.hpp"

namespace lq::pg {

namespace {

// What is known about a relation whose name ends like a shard's.
struct ShardEntry {
  Oid relid;    // hash key
  Oid logical;  // its distributed table, InvalidOid when it is no shard
  int64 shard_id;
  // The co-located shard of `other_logical` (the other tracked table), once
  // looked up; the name is schema-qualified and quoted.
  Oid other_logical;
  Oid other_shard;
  char *other_name;  // in TopMemoryContext
};

HTAB *entries = nullptr;

// citus_local_rows(): the last table asked about and its placement.
Oid rows_table = InvalidOid;
Oid rows_placement = InvalidOid;
bool rows_callback = false;

void forget_rows(Datum /*arg*/, Oid relid) {
  if (relid == InvalidOid || relid == rows_table || relid == rows_placement) rows_table = InvalidOid;
}

void forget_pairs(Oid relid);

// A relation that changes (a shard dropped or moved) is looked up again.
// The names of forgotten entries stay allocated: triggers running now may
// hold them, and shards change rarely.
void forget(Datum /*arg*/, Oid relid) {
  forget_pairs(relid);
  if (entries == nullptr) return;
  HASH_SEQ_STATUS seq;
  hash_seq_init(&seq, entries);
  while (auto *e = static_cast<ShardEntry *>(hash_seq_search(&seq))) {
    if (relid == InvalidOid || e->relid == relid || e->other_shard == relid)
      hash_search(entries, &e->relid, HASH_REMOVE, nullptr);
  }
}

Oid relation_by_name(const char *name) {
  return RangeVarGetRelid(makeRangeVarFromNameList(lq_compat_qualified_name_list(name)), NoLock, true);
}

// The distributed table of shard `shard_id` when that shard is `relid`
// (Citus's catalog; only asked when the citus extension exists).
Oid logical_of_shard(Oid relid, int64 shard_id) {
  if (!OidIsValid(get_extension_oid("citus", true))) return InvalidOid;
  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "lead_qual: SPI_connect failed");
  Oid types[2] = {INT8OID, OIDOID};
  Datum values[2] = {Int64GetDatum(shard_id), ObjectIdGetDatum(relid)};
  const int rc = SPI_execute_with_args(
      "SELECT s.logicalrelid::pg_catalog.oid FROM pg_catalog.pg_dist_shard AS s"
      " WHERE s.shardid OPERATOR(pg_catalog.=) $1"
      "   AND pg_catalog.to_regclass(pg_catalog.shard_name(s.logicalrelid, s.shardid, false))::pg_catalog.oid"
      "       OPERATOR(pg_catalog.=) $2",
      2, types, values, nullptr, true, 1);
  if (rc != SPI_OK_SELECT)
    elog(ERROR, "lead_qual: reading Citus's shards failed: %s", SPI_result_code_string(rc));
  Oid logical = InvalidOid;
  if (SPI_processed == 1) {
    bool isnull = false;
    const Datum d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
    if (!isnull) logical = DatumGetObjectId(d);
  }
  SPI_finish();
  return logical;
}

// The entry of `relid` named `name`; NULL when the name is no shard's.
ShardEntry *entry_of(Oid relid, const char *name) {
  const std::optional<int64_t> shard_id = shard_id_suffix(std::string_view(name));
  if (!shard_id) return nullptr;
  if (entries == nullptr) {
    HASHCTL ctl;
    memset(&ctl, 0, sizeof ctl);
    ctl.keysize = sizeof(Oid);
    ctl.entrysize = sizeof(ShardEntry);
    ctl.hcxt = TopMemoryContext;
    entries = hash_create("lead_qual Citus shards", 64, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
    CacheRegisterRelcacheCallback(forget, 0);
  }
  bool found = false;
  auto *e = static_cast<ShardEntry *>(hash_search(entries, &relid, HASH_FIND, &found));
  if (e != nullptr) return e;
  // Looked up before the entry exists: an ERROR leaves no half-made entry.
  const Oid logical = logical_of_shard(relid, *shard_id);
  e = static_cast<ShardEntry *>(hash_search(entries, &relid, HASH_ENTER, &found));
  e->logical = logical;
  e->shard_id = *shard_id;
  e->other_logical = InvalidOid;
  e->other_shard = InvalidOid;
  e->other_name = nullptr;
  return e;
}

// The name (schema-qualified, quoted; in TopMemoryContext) of the shard of
// `other` co-located with shard `shard_id` (the same hash range), which
// must be on this node. `relid` and `logical` (the shard and its table)
// name the problem in errors.
char *colocated_shard_name(int64 shard_id, Oid relid, Oid logical, Oid other) {
  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "lead_qual: SPI_connect failed");
  Oid types[2] = {INT8OID, OIDOID};
  Datum values[2] = {Int64GetDatum(shard_id), ObjectIdGetDatum(other)};
  const int rc = SPI_execute_with_args(
      "SELECT pg_catalog.shard_name(o.logicalrelid, o.shardid, false)"
      "  FROM pg_catalog.pg_dist_shard AS s JOIN pg_catalog.pg_dist_shard AS o"
      "    ON o.logicalrelid::pg_catalog.oid OPERATOR(pg_catalog.=) $2"
      "   AND o.shardminvalue OPERATOR(pg_catalog.=) s.shardminvalue"
      "   AND o.shardmaxvalue OPERATOR(pg_catalog.=) s.shardmaxvalue"
      " WHERE s.shardid OPERATOR(pg_catalog.=) $1",
      2, types, values, nullptr, true, 2);
  if (rc != SPI_OK_SELECT)
    elog(ERROR, "lead_qual: reading Citus's shards failed: %s", SPI_result_code_string(rc));
  if (SPI_processed != 1)
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                    errmsg("shard %s of %s has no co-located shard of %s", get_rel_name(relid),
                           get_rel_name(logical), get_rel_name(other)),
                    errhint("Distribute the leads and activity tables by the lead key, co-located.")));
  char *name =
      MemoryContextStrdup(TopMemoryContext, SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1));
  SPI_finish();
  return name;
}

// The shard of `other` co-located with shard `e`, cached in `e`.
void find_colocated(ShardEntry *e, Oid other) {
  if (e->other_name != nullptr && e->other_logical == other) return;
  char *name = colocated_shard_name(e->shard_id, e->relid, e->logical, other);
  const Oid shard = relation_by_name(name);
  if (!OidIsValid(shard))
    ereport(ERROR,
            (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
             errmsg("the shard %s co-located with %s is not on this node", name, get_rel_name(e->relid)),
             errhint("Keep the leads and activity tables co-located.")));
  e->other_logical = other;
  e->other_shard = shard;
  e->other_name = name;
}

// citus_colocated_shard(): (shard, other table) -> the co-located shard's
// name, forgotten with the shard entries.
struct PairKey {
  Oid shard;
  Oid other;
};
struct PairEntry {
  PairKey key;
  char *name;  // in TopMemoryContext
};
HTAB *pairs = nullptr;

// Called by forget() (PostgreSQL has 10 relcache callback slots for every
// library together: lead_qual uses few).
void forget_pairs(Oid relid) {
  if (pairs == nullptr) return;
  HASH_SEQ_STATUS seq;
  hash_seq_init(&seq, pairs);
  while (auto *p = static_cast<PairEntry *>(hash_seq_search(&seq))) {
    if (relid == InvalidOid || p->key.shard == relid || p->key.other == relid)
      hash_search(pairs, &p->key, HASH_REMOVE, nullptr);
  }
}

}  // namespace

Oid citus_local_rows(Oid table) {
  if (OidIsValid(rows_table) && rows_table == table) return rows_placement;
  if (!rows_callback) {
    CacheRegisterRelcacheCallback(forget_rows, 0);
    rows_callback = true;
  }
  Oid placement = table;
  if (OidIsValid(get_extension_oid("citus", true))) {
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "lead_qual: SPI_connect failed");
    Oid types[1] = {OIDOID};
    Datum values[1] = {ObjectIdGetDatum(table)};
    const int rc = SPI_execute_with_args(
        "SELECT pg_catalog.to_regclass(pg_catalog.shard_name(s.logicalrelid, s.shardid, "
        "false))::pg_catalog.oid"
        "  FROM pg_catalog.pg_dist_partition AS p JOIN pg_catalog.pg_dist_shard AS s USING (logicalrelid)"
        " WHERE p.logicalrelid::pg_catalog.oid OPERATOR(pg_catalog.=) $1 AND p.partmethod "
        "OPERATOR(pg_catalog.=) 'n'",
        1, types, values, nullptr, true, 2);
    if (rc != SPI_OK_SELECT)
      elog(ERROR, "lead_qual: reading Citus's shards failed: %s", SPI_result_code_string(rc));
    if (SPI_processed == 1) {
      bool isnull = false;
      const Datum d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
      if (!isnull) placement = DatumGetObjectId(d);
    }
    SPI_finish();
  }
  rows_table = table;
  rows_placement = placement;
  return placement;
}

bool citus_table(Oid relid) {
  if (!OidIsValid(get_extension_oid("citus", true))) return false;
  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "lead_qual: SPI_connect failed");
  Oid types[1] = {OIDOID};
  Datum values[1] = {ObjectIdGetDatum(relid)};
  const int rc = SPI_execute_with_args(
      "SELECT 1 FROM pg_catalog.pg_dist_partition AS p"
      " WHERE p.logicalrelid::pg_catalog.oid OPERATOR(pg_catalog.=) $1",
      1, types, values, nullptr, true, 1);
  if (rc != SPI_OK_SELECT)
    elog(ERROR, "lead_qual: reading Citus's tables failed: %s", SPI_result_code_string(rc));
  const bool found = SPI_processed > 0;
  SPI_finish();
  return found;
}

Oid citus_logical_relation(Oid relid) {
  const char *name = get_rel_name(relid);
  if (name == nullptr) return InvalidOid;
  const ShardEntry *e = entry_of(relid, name);
  return e != nullptr ? e->logical : InvalidOid;
}

const char *citus_colocated_shard(Oid shard, Oid other) {
  const char *name = get_rel_name(shard);
  if (name == nullptr) return nullptr;
  ShardEntry *e = entry_of(shard, name);
  if (e == nullptr || !OidIsValid(e->logical)) return nullptr;
  if (pairs == nullptr) {
    HASHCTL ctl;
    memset(&ctl, 0, sizeof ctl);
    ctl.keysize = sizeof(PairKey);
    ctl.entrysize = sizeof(PairEntry);
    ctl.hcxt = TopMemoryContext;
    pairs = hash_create("lead_qual Citus co-located shards", 16, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
  }
  PairKey key{shard, other};
  bool found = false;
  auto *p = static_cast<PairEntry *>(hash_search(pairs, &key, HASH_FIND, &found));
  if (p != nullptr) return p->name;
  // Looked up before the entry exists: an ERROR leaves no half-made entry.
  char *colocated = colocated_shard_name(e->shard_id, shard, e->logical, other);
  p = static_cast<PairEntry *>(hash_search(pairs, &key, HASH_ENTER, &found));
  p->name = colocated;
  return colocated;
}

void map_to_citus_shards(Relation fired_on, TrackedTable table, TrackArgs *args) {
  const Oid self = RelationGetRelid(fired_on);
  ShardEntry *e = entry_of(self, RelationGetRelationName(fired_on));
  if (e == nullptr || !OidIsValid(e->logical)) return;
  const bool on_leads = table == TrackedTable::Leads;
  const char *other_table = on_leads ? args->activities_table : args->leads_table;
  if (e->other_name == nullptr) {
    const Oid other = relation_by_name(other_table);
    if (!OidIsValid(other))
      ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE), errmsg("relation %s does not exist", other_table)));
    find_colocated(e, other);
  }
  const char *self_name = quote_qualified_identifier(get_namespace_name(RelationGetNamespace(fired_on)),
                                                     RelationGetRelationName(fired_on));
  if (on_leads) {
    args->leads_table = self_name;
    args->leads_oid = self;
    args->activities_table = e->other_name;
    args->activities_oid = e->other_shard;
  } else {
    args->activities_table = self_name;
    args->activities_oid = self;
    args->leads_table = e->other_name;
    args->leads_oid = e->other_shard;
  }
}

}  // namespace lq::pg
