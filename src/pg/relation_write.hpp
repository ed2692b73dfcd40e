// A write of one relation without a plan or SQL, set up as the executor sets
// up the result relation of an INSERT or UPDATE, the way PostgreSQL's
// logical replication apply worker writes rows (replication/logical/
// worker.c): ExecSimpleRelationInsert() and ExecSimpleRelationUpdate() then
// fire its row triggers, check its constraints and write its index entries.
// Used by the direct lead writes (direct_lead_update.hpp) and the stage
// history rows (history_rows.hpp). Every function here holds plain data only
// (an ERROR unwinds through them; the (sub)transaction's abort releases the
// relation, snapshot and after-trigger level).
#pragma once

extern "C" {
#include "postgres.h"

#include "nodes/bitmapset.h"
#include "nodes/execnodes.h"
#include "nodes/nodes.h"
#include "utils/relcache.h"
}

namespace lq::pg {

// Whether a `cmd` (CMD_INSERT or CMD_UPDATE) of `rel` does no more than
// ExecSimpleRelationInsert() or ExecSimpleRelationUpdate() does: no rules
// (they rewrite the statement), inheritance children or partitions (the
// statement without ONLY reaches them), row security forced on the owner
// (lead_qual writes as the owner; its policies would apply), stored
// generated columns, statement triggers or transition tables. An INSERT
// also has no BEFORE row trigger (one may skip or change a row, which the
// SQL path's RETURNING would see); an UPDATE keeps them (lead_changed() is
// one).
bool plain_write_target(Relation rel, CmdType cmd);

// As a non-read-only SPI statement: a snapshot that sees what this
// transaction did so far, and a command of its own. PopActiveSnapshot()
// ends it.
void push_statement_snapshot();

// The btree equality procedure of column `col` (0-based) of `index` (of its
// operator family, for its opclass's input type), for a scan key; ERROR when
// the family has none.
RegProcedure index_equality(Relation index, int col);

struct RelationWrite {
  Relation rel;
  EState *estate;
  ResultRelInfo *rri;  // registered with estate (the after-trigger machinery finds it there)
};

// Opens the write of `rel` (opened and locked by the caller, RowExclusiveLock)
// with its indexes; `speculative`: the unique ones with what ON CONFLICT's
// checks need (ExecOpenIndices()).
RelationWrite open_relation_write(Relation rel, bool speculative);

// Starts it as a statement: a range table naming the relation, with
// `updated_columns` (an UPDATE's SET columns, as bits offset by
// FirstLowInvalidHeapAttributeNumber, for UPDATE OF triggers; NULL for an
// INSERT), push_statement_snapshot(), the command id, an after-trigger
// query level.
void start_relation_write(const RelationWrite &w, Bitmapset *updated_columns);

// Ends a started write: fires the AFTER row triggers its rows queued (foreign
// keys, users'), closes the indexes and the relation (keeping the lock),
// frees the executor state, pops the snapshot.
void end_relation_write(const RelationWrite &w);

// Closes a write that was opened but never started (nothing written).
void abandon_relation_write(const RelationWrite &w);

}  // namespace lq::pg
