// rescore() and refresh() of a Citus distributed leads table (issue #15).
//
// On one server they run one UPDATE of the leads table through
// lead_qual._apply(), a VOLATILE function Citus refuses in an UPDATE of a
// distributed table. On Citus, lead_qual._citus_rewrite() (src/sql/citus.sql)
// instead sets lead_qual.citus_rewrite for the transaction (SET LOCAL, which
// Citus propagates to the workers) and runs a plain UPDATE that only touches
// every lead: on each shard, lead_changed() sees the setting and computes the
// row as _apply() would, from the co-located activity shard, within the
// distributed transaction.
#pragma once

extern "C" {
#include "postgres.h"

#include "commands/trigger.h"
#include "fmgr.h"
}

#include "pg/lead_write.hpp"

namespace lq::pg {

// Defines the setting. From _PG_init.
void define_citus_rewrite_setting();

// Whether a Citus rewrite is in progress in this transaction (a test of the
// setting, nothing more: the cost for everybody else).
bool citus_rewrite_pending();

// For lead_changed() on the UPDATE of a Citus rewrite: a write of the row's
// lead, its delta prepared as _rewrite() would compute it (rebuilt from the
// co-located activity shard, or for refresh() a current state kept and
// decayed), for apply_in_trigger() and end_write(). NULL when the row is not
// part of a rewrite (not a shard of the table being rewritten).
LeadWrite *citus_rewrite_begin(FunctionCallInfo fcinfo, TriggerData *td);

}  // namespace lq::pg
