// A "lead write": lead_qual's own UPDATE of a leads table (from the activity
// triggers, rescore() or refresh()). While one is active, lead_qual._apply()
// computes each updated row's new scores and stage, the stage changes are
// collected, and the leads table's own lead_changed() trigger lets the rows
// through. end_write() then appends the changes to lead_qual.stage_history
// and sends the NOTIFYs (delivered at commit, dropped on rollback).
//
// Writes nest (a user trigger on leads may insert into another tracked
// activity table) and are abandoned automatically when their
// (sub)transaction aborts.
#pragma once

extern "C" {
#include "postgres.h"
#include "fmgr.h"
#include "executor/spi.h"
#include "utils/hsearch.h"
#include "utils/timestamp.h"
}

#include "core/attr_value.hpp"
#include "core/model.hpp"
#include "pg/model_cache.hpp"

namespace lq::pg {

struct StageChange {
  char *lead_key;
  int from;  // stage rank, -1 for none
  int to;
  double fit, engagement, score;
};

// Per-lead new activities of one statement, keyed by the lead key's text.
//
// It also holds the outcome of the last _apply() of the lead: under READ
// COMMITTED a row updated concurrently is evaluated again (EvalPlanQual), and
// only the last evaluation is what gets written, so only it may be recorded.
struct LeadDelta {
  char *key;        // hash key: NUL-terminated text form of the lead key
  void *state;      // score_state varlena (a delta, or the full state when `replace`)
  bool replace;     // state was rebuilt from the whole history
  bool applied;     // _apply() ran for this lead
  bool changed;     // ...and changed its stored scores or stage
  bool stage_changed;
  StageChange change;
};

// An entry of LeadWrite::deltas_by_value.
struct ByValueDelta {
  Datum key;  // hash key: the lead key's bits
  LeadDelta *delta;
};

struct LeadWrite {
  LeadWrite *outer;
  MemoryContext context;
  SubTransactionId subxact;
  const Model *model;
  void *model_handle;          // keeps `model` alive for this write
  AttrName *lead_names;
  int lead_count;
  AttrValue *lead_values;
  Oid leads;
  const char *reason;
  const char *channel;
  TimestampTz as_of;
  Oid changed_by;
  bool recycle;                // apply the model's recycle rule (refresh())
  SPIPlanPtr rebuild_one;      // ($1 key, $2 model) -> state from the whole history; set by the triggers
  const char *model_name;
  HTAB *deltas;                // NULL unless the write applies activity deltas
  HTAB *deltas_by_value;       // by-value lead key (Datum) -> LeadDelta *, when the key type allows
  long deltas_hint;            // expected number of leads (0: unknown), sizes `deltas`
  // Set by the activity triggers: their UPDATE only touches each lead, and
  // the leads table's lead_changed() computes the row (apply_in_trigger()).
  bool apply_in_trigger;
  uint64 applied;              // leads whose outcome is recorded
  struct LeadColumns *columns; // column numbers in `columns->relid`, cached by lead_changed()
};

// The columns lead_qual writes and reads in one leads relation (the table,
// or on Citus the shard the trigger fires on); attnum <= 0: no such column.
struct LeadColumns {
  Oid relid;
  int key, state, fit, engagement, score, stage, changed_at;
  int *attributes;  // the model's lead attributes, in model order
  FmgrInfo key_output;  // the key type's output function
};

// The new columns of one lead, computed inside a lead write.
struct LeadUpdate {
  void *state;  // score_state varlena in CurrentMemoryContext
  double engagement, fit, score;
  Stage stage;
  bool stage_changed_now;  // stage_changed_at becomes the write's as_of
};

// What a lead becomes in write `w`, from its stored columns (NULL pointers /
// has_* false: NULL) and the attributes already in w->lead_values. The new
// state is, in this order of preference: the lead's rebuilt state (delta
// marked `replace`), its stored state plus the statement's delta,
// `full_state`, or an empty state. Records the outcome for end_write().
// `delta`: the lead's entry in w->deltas when the caller has it, else NULL
// (then looked up by `key`).
LeadUpdate compute_update(LeadWrite *w, LeadDelta *delta, const char *key, const void *stored_state, bool has_stage,
                          Stage stage, bool has_changed_at, bool has_score, double score, const void *full_state);

// Starts a write on `leads` with the model of `ref` (copied: the write keeps
// its own reference). as_of: the time scores are computed for.
LeadWrite *begin_write(const ModelRef *ref, Oid leads, const char *reason, const char *channel,
                       TimestampTz as_of);

// The innermost active write, if any.
LeadWrite *current_write();

// The innermost active write on `leads`, if any.
LeadWrite *active_write_on(Oid leads);

// Adds (or finds) the delta entry of a lead key in the write's delta table.
LeadDelta *delta_for(LeadWrite *w, const char *key, bool create);

// Records stage changes in stage_history and NOTIFYs them, ends the write
// and returns how many leads changed.
int64 end_write(LeadWrite *w);

// Abandons the innermost write (after an error that was caught).
void abort_write(LeadWrite *w);

// Appends rows to stage_history (as the table's owner) and sends one NOTIFY
// per change on `channel`.
void record_stage_changes(Oid leads, const StageChange *changes, int count, const char *reason,
                          const char *channel, TimestampTz at, Oid changed_by);

// Records the outcome of computing lead `d` of write `w`, replacing any
// earlier one (under READ COMMITTED a row may be computed again).
void set_outcome(LeadWrite *w, LeadDelta *d, bool changed, bool stage_changed, int from, int to, double fit,
                 double engagement, double score);

}  // namespace lq::pg
