// A "lead write": lead_qual's own UPDATE of a leads table (from the activity
// triggers, rescore() or refresh()). While one is active, each updated row's
// new scores and stage are computed (lead_update.hpp), the stage changes are
// collected, and the leads table's own lead_changed() trigger lets the rows
// through. end_write() then appends the changes to lead_qual.stage_history
// and sends the NOTIFYs (stage_history.hpp).
//
// Writes nest (a user trigger on leads may insert into another tracked
// activity table) and are abandoned automatically when their
// (sub)transaction aborts.
#pragma once

extern "C" {
#include "postgres.h"

#include "executor/spi.h"
#include "fmgr.h"
#include "utils/hsearch.h"
#include "utils/timestamp.h"
}

#include "core/attr_value.hpp"
#include "core/model.hpp"
#include "pg/lead_key.hpp"
#include "pg/model_cache.hpp"
#include "pg/stage_history.hpp"

namespace lq::pg {

struct LeadColumns;

// Per-lead new activities of one statement, keyed by the lead key's value
// (lead_key.hpp).
//
// It also holds the outcome of the last computation of the lead: under READ
// COMMITTED a row updated concurrently is evaluated again (EvalPlanQual), and
// only the last evaluation is what gets written, so only it may be recorded.
struct LeadDelta {
  LeadKey key;   // hash key: the lead key's value, in the write's context
  void *state;   // score_state varlena (a delta, or the full state when `replace`)
  bool replace;  // state was rebuilt from the whole history
  bool applied;  // the lead was computed
  // Not one of the write's leads: a lead someone else's trigger updated
  // during the write (apply_in_trigger()); it has no activities of the write.
  bool foreign;
  bool changed;  // ...and its stored scores or stage changed
  bool stage_changed;
  StageChange change;  // lead_key set when stage_changed
};

struct LeadWrite {
  LeadWrite *outer;
  MemoryContext context;
  SubTransactionId subxact;
  const Model *model;
  void *model_handle;  // keeps `model` alive for this write
  AttrName *lead_names;
  int lead_count;
  AttrValue *lead_values;  // scratch: the current lead's attributes
  Oid leads_relid;
  const char *reason;  // lq::reason
  const char *channel;
  TimestampTz as_of;
  Oid changed_by;
  bool recycle;              // apply the model's recycle rule (refresh())
  SPIPlanPtr rebuild_one;    // TrackingPlans::rebuild_one; set by the activity triggers
  SPIPlanPtr rebuild_since;  // TrackingPlans::rebuild_since; set by the activity triggers
  const char *model_name;
  // How the leads' keys are compared: set by the activity triggers (the
  // leads key column's identity) before any delta_for(); delta_for_text()
  // sets text for rescore() and refresh(), whose deltas only hold outcomes.
  KeyIdentity *identity;
  HTAB *deltas;      // LeadKey -> LeadDelta; NULL until the first delta
  long deltas_hint;  // expected number of leads (0: unknown), sizes `deltas`
  // Set by the activity triggers: their UPDATE only touches each lead, and
  // the leads table's lead_changed() computes the row (apply_in_trigger()).
  bool apply_in_trigger;
  uint64 applied_count;  // leads whose outcome is recorded
  LeadColumns *columns;  // of `columns->relid`, cached by lead_changed()
  // A model of tracked_score (TrackArgs::shadow): its stage changes go to
  // lead_qual.score_history, without NOTIFY (score_history.hpp).
  bool shadow;
  MemoryContext states;  // the leads' states: states_context()
};

// Where the write keeps its leads' states (LeadDelta::state). A state is a
// few hundred bytes, which an AllocSet rounds up to the next power of two
// (271 bytes take 512); a write of many leads keeps them in a generation
// context instead, which allocates them as they are.
MemoryContext states_context(LeadWrite *w);

// Starts a write on `leads` with the model of `ref` (copied: the write keeps
// its own reference). as_of: the time scores are computed for.
LeadWrite *begin_write(const ModelRef *ref, Oid leads, const char *reason, const char *channel,
                       TimestampTz as_of);

// The innermost active write, if any.
LeadWrite *current_write();

// The innermost active write on `leads`, if any.
LeadWrite *active_write_on(Oid leads);

// Whether write `w` scores with model `model_name` (several models may
// score one leads table: each one's trigger computes only its own writes).
bool write_of_model(const LeadWrite *w, const char *model_name);

// Adds (or finds) the delta entry of lead key `key` (a value of the type of
// w->identity; copied when added) in the write's delta table.
LeadDelta *delta_for(LeadWrite *w, Datum key, bool create);

// The same for a write whose leads are named by text (rescore(), refresh():
// lead_qual._apply()), whose identity is text itself.
LeadDelta *delta_for_text(LeadWrite *w, const char *key, bool create);

// Records the outcome of computing lead `d` of write `w`, replacing any
// earlier one (under READ COMMITTED a row may be computed again).
// `key_text`: the lead key's text for the stage history, or NULL for the
// text of d's key; read only when the stage changed.
void set_outcome(LeadWrite *w, LeadDelta *d, const char *key_text, bool changed, bool stage_changed,
                 int from_rank, int to_rank, double fit, double engagement, double score);

// Records stage changes in stage_history and NOTIFYs them, ends the write
// and returns how many leads changed.
int64 end_write(LeadWrite *w);

// Abandons the innermost write (after an error that was caught).
void abort_write(LeadWrite *w);

// An activity write of this transaction had activities of a lead of table
// `leads` but found no such lead (its row did not exist, or not yet: a
// user's BEFORE INSERT trigger on leads may insert its activities). Kept
// until the end of the transaction, by the hash of the key's value
// (key_hash()): a lead inserted with an equal key written differently is
// found too; another key of the same hash is taken for one (it is then
// rebuilt from its history for nothing, which is still exact).
void note_lead_not_found(Oid leads, uint32 key_hash);
// Whether lead `key` (of the leads key column's `type` and `collation`) of
// `leads` may be one note_lead_not_found() noted.
bool lead_was_not_found(Oid leads, Oid type, Oid collation, Datum key);

struct TrackArgs;

// Writes one lead (`key`, a value of the leads key column) in write `w`,
// rebuilt from its whole activity history, as the leads table's owner
// (activity_triggers.cpp). `trigger`: the lead_qual trigger whose arguments
// `args` are (it keys the cached plans).
void write_lead_from_history(LeadWrite *w, Oid trigger, const TrackArgs &args, Datum key);

}  // namespace lq::pg
