// Which kind of query lead_qual's triggers fire for.
//
// All AFTER STATEMENT triggers of a query fire after every row of the query
// is written (AfterTriggerEndQuery, in ExecutorFinish), in queue order. When
// a query changes the tracked tables in one step (an INSERT, a COPY, an
// UPDATE, a DELETE), adding the inserted activities to a lead's stored state
// is exact. When it changes them in several steps (INSERT ... ON CONFLICT DO
// UPDATE, MERGE, writable CTEs), another of its steps may already have
// rebuilt the lead from a history holding those rows, or may change the
// lead's history after the delta: only a rebuild from the whole (by then
// final) history is exact, and it is the same whichever trigger runs it, so
// repeating it changes nothing.
//
// A BEFORE row trigger of such a query (lead_changed() rescoring a lead
// whose attributes change) runs while the history may still change: it
// moves no stage and leaves the lead to be settled (rebuilt, its stage
// applied and recorded) when the query has finished, after its AFTER
// triggers (settle_after_query()).
#pragma once

extern "C" {
#include "postgres.h"
}

namespace lq::pg {

// Installs the ExecutorRun and ExecutorFinish hooks. From _PG_init.
void install_query_hooks();

// True when the triggers firing now (on table `fired_on`) belong to a query
// that modifies tables in more than one step (several ModifyTable nodes,
// ON CONFLICT DO UPDATE, MERGE), or to a query of unknown kind (lead_qual
// was loaded while that query was already running, and it is not a
// top-level COPY into `fired_on`); false for a single-step query and for
// COPY and TRUNCATE (not run by the executor: one step).
bool query_has_several_steps(Oid fired_on);

// Counts the rows of a statement's transition tables an activity trigger of
// the query running now read (`leads`: its leads table). PostgreSQL 15
// leaves the rows a MERGE moves between partitions out of them; when a
// MERGE affected more rows than its triggers saw, the leads table is
// rescored once the query has finished (exact, whatever was missed).
void note_transition_rows(Oid leads, uint64 rows);

// Asks for lead `key` (text form) of tracked leads table `leads` to be
// settled once the query running now has finished: lead_qual._settle().
void settle_after_query(Oid leads, const char *key);

}  // namespace lq::pg
