// A leads table's companion tables (core/companion_name.hpp): its stage
// history on Citus and its durable hand-off feed. They live next to the
// leads table, in its schema; on Citus they are distributed and co-located
// with it, so a trigger on a leads shard writes the companion's co-located
// shard, on the same node, as plain local SQL.
#pragma once

extern "C" {
#include "postgres.h"
}

#include "core/companion_name.hpp"

namespace lq::pg {

// The companion of kind `kind` of leads table `leads` (a distributed table,
// not a shard, on Citus), or InvalidOid when it has none. A catalog look-up
// by name per call, no cache: a feed created later is seen by the next
// statement.
Oid companion_table(Oid leads, Companion kind);

// The companion's name (palloc'd, unqualified); ERROR (SQLSTATE 42622)
// when the leads table's name is too long for it.
char *companion_name_or_error(Oid leads, Companion kind);

// What a trigger on `fired_on` (a leads table, or a Citus shard of leads
// table `logical`) writes for companion `companion`: the companion itself,
// or its shard co-located with `fired_on`. Schema-qualified and quoted.
const char *companion_target(Oid fired_on, Oid logical, Oid companion);

// The SQL type of the companion's lead_key column (the leads' key type),
// schema-qualified: the text keys are cast to it.
const char *companion_key_type(Oid companion);

}  // namespace lq::pg
