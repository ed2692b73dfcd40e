// lead_qual's triggers on Citus shards (issue #15).
//
// On Citus, a trigger created on a distributed table is copied to every shard
// and fires there, in the worker's backend, with that shard's rows only. The
// SQL the triggers run must then name the co-located shards, not the
// distributed tables: Citus cannot route a statement on a distributed table
// that runs inside a shard's trigger (a forced generic plan is refused), and
// a statement against the co-located shard is plain local SQL. The history a
// shard's trigger writes is labelled with the distributed table (the stand-in
// table Citus keeps on every node under the table's name).
//
// A relation is a shard when its name ends in "_<shard id>" (core/shard_name.hpp)
// and Citus's catalog (pg_dist_shard) says that shard is this relation; the
// answer is cached per relation and backend. A table whose name has no such
// suffix, or a database without the citus extension, costs no catalog query.
#pragma once

extern "C" {
#include "postgres.h"

#include "utils/relcache.h"
}

#include "pg/track_args.hpp"

namespace lq::pg {

// The distributed table shard `relid` belongs to, or InvalidOid when `relid`
// is no Citus shard.
Oid citus_logical_relation(Oid relid);

// When the lead_qual trigger whose arguments are `args` fires on a Citus
// shard (`fired_on`, which is `table`): points the arguments' tables (names
// and OIDs) at that shard and at the shard co-located with it of the other
// tracked table. Otherwise leaves them as they are.
void map_to_citus_shards(Relation fired_on, TrackedTable table, TrackArgs *args);

// Whether `relid` is a Citus table (distributed, reference or Citus local)
// on this node, whose rows are in its shards, not in it; false without the
// citus extension. A catalog query: not for every statement.
bool citus_table(Oid relid);

// The name (schema-qualified, quoted) of the shard of distributed table
// `other` co-located with Citus shard `shard` (a shard of a leads table: the
// shard of its history or hand-off feed, src/pg/companion.hpp); NULL when
// `shard` is no shard. Cached per backend until either changes.
const char *citus_colocated_shard(Oid shard, Oid other);

// The relation that holds the rows of `table` on this node: its local
// placement when `table` is a Citus reference table (lead_qual.scoring_model
// on a Citus cluster: track() makes it one), otherwise `table` itself. Code
// that reads `table` directly, not through SQL, reads this. Cached per
// backend until `table` changes.
Oid citus_local_rows(Oid table);

}  // namespace lq::pg
