// The new columns of one lead inside a lead write (lead_write.hpp): its new
// score_state, and the scores and stage lq::evaluate_lead gives.
#pragma once

extern "C" {
#include "postgres.h"

#include "utils/timestamp.h"
}

#include "core/stage.hpp"
#include "pg/lead_write.hpp"

namespace lq::pg {

// A lead's columns as stored before the write (has_* false: NULL).
struct StoredLead {
  const char *key_text;  // the key's text form, or NULL: from `key` when needed
  Datum key;             // the key's value (of the leads key type), when has_key
  bool has_key;
  const void *state;  // validated score_state, or NULL
  bool has_stage;
  Stage stage;
  bool has_changed_at;  // stage_changed_at
  TimestampTz changed_at;
  bool has_score;
  double score;
  const void *full_state;  // a state rebuilt by the caller (rescore()), or NULL
  // A recycled lead's activities counted after its stage_changed_at, as a
  // state (NULL: none), when the caller has it (since_given: rescore() and
  // refresh() pass it); otherwise compute_update() reads it from the history.
  bool since_given;
  const void *since_state;
};

// The new columns of one lead, computed inside a lead write.
struct LeadUpdate {
  void *state;  // score_state varlena in CurrentMemoryContext
  double engagement, fit, score;
  Stage stage;
  bool stage_changed_now;  // stage_changed_at becomes the write's as_of
};

// What lead `stored` becomes in write `w`, with its attributes already in
// w->lead_values. The new state is, in this order of preference: the lead's
// rebuilt state (delta marked `replace`), its stored state plus the
// statement's delta, stored.full_state, or an empty state. Records the
// outcome for end_write() in `delta`, the lead's entry in w->deltas (NULL: a
// lead without a key, whose outcome is not recorded).
LeadUpdate compute_update(LeadWrite *w, LeadDelta *delta, const StoredLead &stored);

}  // namespace lq::pg
