// Writing the leads of an activity statement without SQL (issue #17).
//
// The activity triggers touch every affected lead so that the leads table's
// lead_changed() trigger computes it (lead_write.hpp). Through SQL that is one
// prepared UPDATE ... WHERE key = ANY ($1) (TrackingPlans::update), and for
// the common one-row INSERT starting that statement (executor start-up, the
// portal, an index scan over an array) cost as much as updating the row: a
// quarter of the server's time in a profile of single-row inserts
// (test/bench/profile.sh). Here each lead is found through a btree index on
// its key, locked, and updated the way PostgreSQL's logical replication
// apply worker updates a row (ExecSimpleRelationUpdate: BEFORE and AFTER row
// triggers, constraints, HOT, index entries), inside one after-trigger query
// level, so every row trigger on the leads table fires as it did.
//
// It does what the UPDATE did, and nothing less: where the UPDATE would do
// more, the table is written through SQL instead (update_leads_directly()
// returns false): a table that is not a plain table (partitioned, a leaf
// partition, a Citus table on the coordinator: only its shards are plain
// tables), statement-level UPDATE triggers or UPDATE transition tables on it
// (the apply path fires neither), stored generated columns, row security
// forced on its owner, or no btree index whose first column is the key with
// the key type's default equality and the column's collation.
//
// Concurrency is the UPDATE's: a lead is locked FOR NO KEY UPDATE before it
// is computed; under READ COMMITTED the newest version of a row updated
// concurrently is locked and its key checked again (what EvalPlanQual does
// for the UPDATE), a row deleted meanwhile is skipped; under REPEATABLE READ
// and SERIALIZABLE either is a serialization failure (40001).
#pragma once

extern "C" {
#include "postgres.h"

#include "utils/rel.h"
}

#include "pg/track_args.hpp"

namespace lq::pg {

// Defines lead_qual.direct_lead_writes (on by default): off writes every
// lead through the UPDATE, for comparing the two paths (the tests and the
// bench do) or as a way around a problem found in the direct one.
void define_direct_writes_setting();

// Whether lead_qual.direct_lead_writes is on.
bool direct_writes_enabled();

// Updates every lead whose key is one of `keys` (`count` values of the leads
// key type), as TrackingPlans::update would, each locked as it is written,
// counting in `*updated` the rows lead_changed() computed (`*applied`, the
// write's count of computed leads, grows), or, when no lead_changed()
// trigger fires on the table, every row written;
// in key order (the order of TrackingPlans::lock: the key's default btree
// order), and sets
// `*updated` to the number of rows handed to the row triggers. Returns false,
// having done nothing, when the leads table must be written through SQL
// (see above). Call as the leads table's owner, inside the lead write.
bool update_leads_directly(const TrackArgs &args, const Datum *keys, int count, const uint64 *applied,
                           uint64 *updated);

// The name of the BEFORE UPDATE row trigger of `leads` that calls
// lead_qual.lead_changed() for `model` (lead_qual_lead, or
// lead_qual_lead/<model> for a model of add_score()), nullptr when there is
// none; `*fires`: whether it fires in this session (enabled, and for
// session_replication_role). When it does, a write of `model` that updated
// more rows than it computed leads found a key in more than one row.
const char *lead_changed_trigger(Relation leads, const char *model, bool *fires);

}  // namespace lq::pg
