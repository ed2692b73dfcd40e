// What lead_qual's triggers look up about the tables they fire on (column
// numbers by name, the other table of a track() by name, the index that
// finds a lead, which trigger computes a lead), kept per backend instead of
// looked up at every statement: SPI_fnumber() searches a table's columns by
// name one by one, and the rest are catalog look-ups; together 11,000 CPU
// instructions of a single-row INSERT (test/bench/instructions.sh).
//
// Facts are kept per (relation, trigger, kind) until a relcache invalidation
// of the relation, or of the one other relation they depend on, arrives:
// ALTER TABLE, CREATE or DROP of a trigger or index, a rename, a model
// change of the table (model_cache.hpp sends one), VACUUM's statistics; a
// change of any schema (a rename moves every name in it) forgets them all.
// What a relation's lock does not keep still (session_replication_role,
// the enabled state of a trigger read from the relation itself) is not a
// fact: callers read it each time.
#pragma once

extern "C" {
#include "postgres.h"
}

namespace lq::pg {

enum class FactKind : uint8 {
  kLeadColumns,      // tracked_columns.hpp: LeadColumns of a lead_changed() trigger
  kOtherTable,       // track_args.cpp: the OID of the other table a trigger names
  kActivityColumns,  // activity_triggers.cpp: the columns an activity is scored from
  kDirectUpdate,     // direct_lead_update.cpp: how a leads table is written directly
  kHistoryRows,      // history_rows.cpp: stage_history's columns and CHECK constraints
  kLeadLife,         // history_rows.cpp: lead_life's columns, primary key and sequence
};

// Builds the facts into `cxt` (kept when it returns; freed after an ERROR)
// and returns them; sets *depends_on to a second relation whose invalidation
// forgets them too (it starts as InvalidOid: none).
using FactsBuilder = void *(*)(void *arg, MemoryContext cxt, Oid *depends_on);
// Whether facts cached earlier fit this call (arguments of the same trigger
// may differ between calls, e.g. a model's attribute names).
using FactsMatch = bool (*)(void *arg, const void *facts);

// The facts of `kind` about relation `relid` as trigger `trigger` sees them
// (InvalidOid when not per trigger): the cached ones when valid and
// `matches` (NULL: always), otherwise build(arg, ...)'s. The caller holds a
// lock on `relid`. What is returned stays allocated until the end of the
// top-level transaction even when invalidated meanwhile (a nested trigger may
// look the same facts up again while an outer one reads them).
void *relation_facts(Oid relid, Oid trigger, FactKind kind, FactsBuilder build, FactsMatch matches,
                     void *arg);

}  // namespace lq::pg
