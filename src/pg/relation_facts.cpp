// relation_facts(): see relation_facts.hpp. Every frame here holds plain
// data only (a builder may raise an ERROR).
#include "pg/relation_facts.hpp"

extern "C" {
#include "access/xact.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
}

#include <cstring>

namespace lq::pg {

namespace {

struct FactsKey {
  Oid relid;
  Oid trigger;
  FactKind kind;
};

struct FactsEntry {
  FactsKey key;  // hash key
  Oid depends_on;
  bool valid;
  MemoryContext context;  // holds `facts`
  void *facts;
};

HTAB *entries = nullptr;
// Invalidated entries' contexts, freed at the end of the top-level
// transaction (nothing may read them any more then).
MemoryContext retired = nullptr;
// Invalidations seen so far: facts built while one arrived may predate it
// (a name resolved before a rename committed) and are used once, not kept.
uint64 invalidations = 0;

// Entries invalidated and not yet removed (on_xact() removes them).
long invalid_entries = 0;

// Invalidates the entries `matches(entry)` selects.
template <typename Matches>
void forget_if(Matches matches) {
  ++invalidations;
  HASH_SEQ_STATUS scan;
  hash_seq_init(&scan, entries);
  while (auto *e = static_cast<FactsEntry *>(hash_seq_search(&scan)))
    if (e->valid && matches(*e)) {
      e->valid = false;
      ++invalid_entries;
    }
}

void on_relcache(Datum /*arg*/, Oid relid) {
  forget_if([relid](const FactsEntry &e) {
    return !OidIsValid(relid) || e.key.relid == relid || e.depends_on == relid;
  });
}

// A schema renamed moves every name in it (the other table by name).
void on_namespace(Datum /*arg*/, int /*cache*/, uint32 /*hash*/) {
  forget_if([](const FactsEntry &) { return true; });
}

// A function changed (CREATE OR REPLACE, ALTER, DROP): a CHECK constraint
// planned with it inlined or folded (kHistoryRows) is planned again, as
// PostgreSQL plans one for every statement.
void on_function(Datum /*arg*/, int /*cache*/, uint32 /*hash*/) {
  forget_if([](const FactsEntry &e) { return e.key.kind == FactKind::kHistoryRows; });
}

// At the end of a top-level transaction nothing reads facts any more: the
// retired ones are freed, and so are the entries invalidated since (a
// dropped table's or trigger's would otherwise stay for the session).
void on_xact(XactEvent event, void * /*arg*/) {
  if (event != XACT_EVENT_COMMIT && event != XACT_EVENT_ABORT && event != XACT_EVENT_PREPARE &&
      event != XACT_EVENT_PARALLEL_COMMIT && event != XACT_EVENT_PARALLEL_ABORT)
    return;
  if (invalid_entries > 0) {
    HASH_SEQ_STATUS scan;
    hash_seq_init(&scan, entries);
    while (auto *e = static_cast<FactsEntry *>(hash_seq_search(&scan))) {
      if (e->valid) continue;
      MemoryContextDelete(e->context);
      hash_search(entries, &e->key, HASH_REMOVE, nullptr);
    }
    invalid_entries = 0;
  }
  MemoryContextReset(retired);
}

void set_up() {
  MemoryContext cache =
      AllocSetContextCreate(CacheMemoryContext, "lead_qual relation facts", ALLOCSET_SMALL_SIZES);
  retired = AllocSetContextCreate(cache, "lead_qual retired relation facts", ALLOCSET_SMALL_SIZES);
  HASHCTL ctl;
  memset(&ctl, 0, sizeof ctl);
  ctl.keysize = sizeof(FactsKey);
  ctl.entrysize = sizeof(FactsEntry);
  ctl.hcxt = cache;
  entries = hash_create("lead_qual relation facts", 32, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
  CacheRegisterRelcacheCallback(on_relcache, static_cast<Datum>(0));
  CacheRegisterSyscacheCallback(NAMESPACEOID, on_namespace, static_cast<Datum>(0));
  CacheRegisterSyscacheCallback(PROCOID, on_function, static_cast<Datum>(0));
  RegisterXactCallback(on_xact, nullptr);
}

}  // namespace

void *relation_facts(Oid relid, Oid trigger, FactKind kind, FactsBuilder build, FactsMatch matches,
                     void *arg) {
  if (entries == nullptr) set_up();
  FactsKey key;
  memset(&key, 0, sizeof key);  // padding is hashed
  key.relid = relid;
  key.trigger = trigger;
  key.kind = kind;
  auto *e = static_cast<FactsEntry *>(hash_search(entries, &key, HASH_FIND, nullptr));
  if (e != nullptr && e->valid && (matches == nullptr || matches(arg, e->facts))) return e->facts;

  // Built in a context of the caller's (an ERROR frees it), kept once done.
  MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "lead_qual facts", ALLOCSET_SMALL_SIZES);
  Oid depends_on = InvalidOid;
  const uint64 invalidations_before = invalidations;
  void *facts = build(arg, cxt, &depends_on);
  bool found = false;
  e = static_cast<FactsEntry *>(hash_search(entries, &key, HASH_ENTER, &found));
  // The facts replaced are retired, not freed: they may be in use further
  // up the stack.
  if (found && e->context != nullptr) MemoryContextSetParent(e->context, retired);
  MemoryContextSetParent(cxt, MemoryContextGetParent(retired));
  e->depends_on = depends_on;
  e->context = cxt;
  e->facts = facts;
  e->valid = invalidations == invalidations_before;
  if (!e->valid) ++invalid_entries;
  return facts;
}

}  // namespace lq::pg
