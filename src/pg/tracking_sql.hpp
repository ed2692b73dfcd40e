// The SQL that lead_qual's triggers run against a tracked leads table, built
// from the trigger's arguments and prepared once per trigger per backend.
// Every identifier is quoted and schema-qualified and every operator is
// spelled OPERATOR(schema.op): a hostile search_path changes nothing. All
// statements filter leads and activities by the lead key (= ANY($1)), never
// by joins, so that on Citus they route to the co-located shard.
#pragma once

extern "C" {
#include "postgres.h"

#include "executor/spi.h"
#include "utils/timestamp.h"
}

#include "pg/direct_lead_update.hpp"
#include "pg/model_cache.hpp"
#include "pg/track_args.hpp"

namespace lq::pg {

struct TrackingPlans {
  Oid trigger;  // hash key
  // Lead keys are passed as values of the leads key type (an array of them
  // where several): matched in SQL by the type's own equality, as the write
  // matches them (lead_key.hpp).
  Oid key_type;
  // Whether the leads may be written without SQL (direct_lead_update.hpp)
  // as far as is known when the plans are prepared: not a Citus table on
  // the coordinator. The table itself is checked at every write.
  bool direct;
  // The configuration the plans were built from (the leads table and copies
  // of the TrackArgs fields the statements name): a trigger replaced under
  // the same OID with other arguments (CREATE OR REPLACE TRIGGER) gets new
  // plans.
  Oid built_for_leads;
  const char *built_from[11];
  SPIPlanPtr lock;         // ($1 keys, $2 model, $3 version) -> keys whose state must be rebuilt
  SPIPlanPtr rebuild;      // ($1 keys, $2 model, $3 as_of) -> (key, score_state) from the whole history
  SPIPlanPtr update;       // ($1 keys) -> UPDATE that lets lead_changed() compute each lead
  SPIPlanPtr rebuild_one;  // ($1 key, $2 model, $3 as_of) -> score_state (NULL without history)
  // ($1 key, $2 model, $3 as_of, $4 since) -> score_state of the
  // activities counted strictly after $4 (NULL without any): a recycled
  // lead's engagement since it was recycled.
  SPIPlanPtr rebuild_since;
};

// Prepared plans for this trigger (prepared on first use; call inside SPI).
TrackingPlans *tracking_plans(Oid trigger, const TrackArgs &args);

// Runs `rebuild_one` (TrackingPlans) for one lead (`key`, a value of the
// leads key type) inside SPI: its state from
// its whole activity history, exact as of the scoring time `as_of` (the
// state's horizon), copied into `cxt`; NULL without history. Not
// read-only: the statement's own rows must be visible.
void *state_from_history(SPIPlanPtr rebuild_one, Datum key, const char *model_name, TimestampTz as_of,
                         MemoryContext cxt);

// Runs `rebuild_since` (TrackingPlans) for one lead (`key`) inside SPI: the state of
// its activities counted strictly after `since`, exact as of `as_of`, copied into `cxt`; NULL
// without any.
void *state_since(SPIPlanPtr rebuild_since, Datum key, const char *model_name, TimestampTz as_of,
                  TimestampTz since, MemoryContext cxt);

// Checks that the owner of `acting_table` may write the leads table and read
// the activity table: the triggers act on the leads table as its owner.
void check_tracking_privileges(const TrackArgs &args, Oid acting_table);

}  // namespace lq::pg
