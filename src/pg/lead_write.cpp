// Lead writes: their life cycle (begin, nest, end, abandoned with their
// (sub)transaction), their per-lead delta table, and the SQL functions
// rescore() and refresh() start and end them with.
#include "pg/lead_write.hpp"

extern "C" {
#include "access/xact.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/memutils.h"
}

#include <algorithm>
#include <cstring>
#include <memory>

#include "core/change_reason.hpp"
#include "pg/entry.hpp"
#include "pg/owner_spi.hpp"
#include "pg/score_history.hpp"
#include "pg/scoring_time.hpp"

namespace lq::pg {

namespace {

LeadWrite *innermost = nullptr;
bool callbacks_registered = false;
// (leads oid, key hash) of the leads an activity write of this transaction
// found no row for (lead_inserted.cpp rebuilds them when they are inserted).
HTAB *leads_not_found = nullptr;

struct NotFound {
  Oid leads;
  uint32 key_hash;
};

void release(LeadWrite *w) noexcept {
  delete static_cast<std::shared_ptr<const Model> *>(w->model_handle);
  w->model_handle = nullptr;
}

// Pops every write started in an aborted (sub)transaction. The memory goes
// with the transaction; only the model references need releasing.
void on_xact(XactEvent event, void * /*arg*/) {
  if (event != XACT_EVENT_ABORT && event != XACT_EVENT_PARALLEL_ABORT && event != XACT_EVENT_COMMIT &&
      event != XACT_EVENT_PARALLEL_COMMIT && event != XACT_EVENT_PREPARE)
    return;
  for (LeadWrite *w = innermost; w != nullptr; w = w->outer) release(w);
  innermost = nullptr;
  leads_not_found = nullptr;  // allocated in TopTransactionContext
}

// Removes the innermost write `w` and frees it.
void pop(LeadWrite *w) {
  innermost = w->outer;
  release(w);
  MemoryContextDelete(w->context);
}

void on_subxact(SubXactEvent event, SubTransactionId my_subid, SubTransactionId /*parent_subid*/,
                void * /*arg*/) {
  if (event != SUBXACT_EVENT_ABORT_SUB) return;
  while (innermost != nullptr && innermost->subxact >= my_subid) {
    release(innermost);
    innermost = innermost->outer;
  }
}

KeyIdentity *text_identity = nullptr;  // for delta_for_text(): text, compared byte by byte

// The text of d's key, in the write's context.
char *delta_key_text(LeadWrite *w, const LeadDelta *d) {
  MemoryContext old = MemoryContextSwitchTo(w->context);
  char *text = key_text(w->identity, d->key.value);
  MemoryContextSwitchTo(old);
  return text;
}

}  // namespace

MemoryContext states_context(LeadWrite *w) {
  // A handful of leads (a streaming INSERT) stay in the write's own context:
  // a context of their own would cost its set-up on every statement.
  constexpr long kManyLeads = 64;
  if (w->states == nullptr)
    w->states = w->deltas_hint > kManyLeads
                    ? GenerationContextCreate(w->context, "lead_qual states", ALLOCSET_DEFAULT_SIZES)
                    : w->context;
  return w->states;
}

LeadWrite *begin_write(const ModelRef *ref, Oid leads, const char *reason, const char *channel,
                       TimestampTz as_of) {
  if (!callbacks_registered) {
    RegisterXactCallback(on_xact, nullptr);
    RegisterSubXactCallback(on_subxact, nullptr);
    callbacks_registered = true;
  }
  MemoryContext cxt = AllocSetContextCreate(TopTransactionContext, "lead_qual write", ALLOCSET_DEFAULT_SIZES);
  auto *w = static_cast<LeadWrite *>(MemoryContextAllocZero(cxt, sizeof(LeadWrite)));
  w->context = cxt;
  w->subxact = GetCurrentSubTransactionId();
  w->leads_relid = leads;
  w->reason = MemoryContextStrdup(cxt, reason);
  w->channel = MemoryContextStrdup(cxt, channel);
  w->as_of = as_of;
  w->changed_by = GetUserId();
  w->lead_count = ref->lead_count;
  w->lead_names =
      static_cast<AttrName *>(MemoryContextAllocZero(cxt, sizeof(AttrName) * (ref->lead_count + 1)));
  for (int i = 0; i < ref->lead_count; ++i) {
    w->lead_names[i].name = MemoryContextStrdup(cxt, ref->lead_names[i].name);
    w->lead_names[i].len = ref->lead_names[i].len;
  }
  w->lead_values =
      static_cast<AttrValue *>(MemoryContextAllocZero(cxt, sizeof(AttrValue) * (ref->lead_count + 1)));
  // The only C++ allocation: the write's own reference to the compiled model.
  w->model_handle =
      new std::shared_ptr<const Model>(*static_cast<std::shared_ptr<const Model> *>(ref->handle));
  w->model = ref->model;
  w->outer = innermost;
  innermost = w;
  return w;
}

LeadWrite *current_write() { return innermost; }

LeadWrite *active_write_on(Oid leads) {
  for (LeadWrite *w = innermost; w != nullptr; w = w->outer)
    if (w->leads_relid == leads) return w;
  return nullptr;
}

bool write_of_model(const LeadWrite *w, const char *model_name) { return w->model->name == model_name; }

LeadDelta *delta_for(LeadWrite *w, Datum key, bool create) {
  if (w->identity == nullptr) elog(ERROR, "lead_qual: a lead write without a key identity");
  if (w->deltas == nullptr) {
    if (!create) return nullptr;
    HASHCTL ctl;
    memset(&ctl, 0, sizeof ctl);
    ctl.keysize = sizeof(LeadKey);
    ctl.entrysize = sizeof(LeadDelta);
    ctl.hash = lead_key_hash;
    ctl.match = lead_key_match;
    ctl.hcxt = w->context;
    // Sized for the statement: a table sized for a bulk load would cost every
    // single-row INSERT a scan of its empty buckets (end_write() reads it
    // sequentially); it grows as needed.
    const long size = w->deltas_hint > 0 ? Min(w->deltas_hint, 65536L) : 1024L;
    w->deltas =
        hash_create("lead_qual deltas", size, &ctl, HASH_ELEM | HASH_FUNCTION | HASH_COMPARE | HASH_CONTEXT);
  }
  bool found = false;
  const LeadKey probe = {key, w->identity};
  auto *d = static_cast<LeadDelta *>(hash_search(w->deltas, &probe, create ? HASH_ENTER : HASH_FIND, &found));
  if (d != nullptr && !found) {
    // The probe's value may live in a row being read: the entry keeps a copy.
    MemoryContext old = MemoryContextSwitchTo(w->context);
    d->key.value = datumCopy(key, w->identity->typbyval, w->identity->typlen);
    MemoryContextSwitchTo(old);
    d->state = nullptr;
    d->replace = d->applied = d->changed = d->stage_changed = d->foreign = false;
    d->change.lead_key = nullptr;
  }
  return d;
}

LeadDelta *delta_for_text(LeadWrite *w, const char *key, bool create) {
  if (text_identity == nullptr) text_identity = key_identity(TEXTOID, C_COLLATION_OID, TopMemoryContext);
  if (w->identity == nullptr) w->identity = text_identity;
  return delta_for(w, CStringGetTextDatum(key), create);
}

void set_outcome(LeadWrite *w, LeadDelta *d, const char *key_text, bool changed, bool stage_changed,
                 int from_rank, int to_rank, double fit, double engagement, double score) {
  if (!d->applied) ++w->applied_count;
  d->applied = true;
  d->changed = changed;
  d->stage_changed = stage_changed;
  char *key = nullptr;
  if (stage_changed)
    key = key_text != nullptr ? MemoryContextStrdup(w->context, key_text) : delta_key_text(w, d);
  d->change = {key, from_rank, to_rank, fit, engagement, score};
}

void note_lead_not_found(Oid leads, uint32 key_hash) {
  if (leads_not_found == nullptr) {
    HASHCTL ctl;
    memset(&ctl, 0, sizeof ctl);
    ctl.keysize = sizeof(NotFound);
    ctl.entrysize = sizeof(NotFound);
    ctl.hcxt = TopTransactionContext;
    leads_not_found =
        hash_create("lead_qual leads not found", 64, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
  }
  NotFound entry;
  memset(&entry, 0, sizeof entry);  // hashed as bytes, padding included
  entry.leads = leads;
  entry.key_hash = key_hash;
  hash_search(leads_not_found, &entry, HASH_ENTER, nullptr);
}

bool lead_was_not_found(Oid leads, Oid type, Oid collation, Datum key) {
  if (leads_not_found == nullptr) return false;
  NotFound entry;
  memset(&entry, 0, sizeof entry);
  entry.leads = leads;
  entry.key_hash = key_hash_of(type, collation, key);
  return hash_search(leads_not_found, &entry, HASH_FIND, nullptr) != nullptr;
}

int64 end_write(LeadWrite *w) {
  if (w != innermost) elog(ERROR, "lead_qual: lead writes ended out of order");
  int64 changed = 0;
  int count = 0;
  StageChange *changes = nullptr;
  if (w->deltas != nullptr) {
    changes = static_cast<StageChange *>(palloc(sizeof(StageChange) * (hash_get_num_entries(w->deltas) + 1)));
    HASH_SEQ_STATUS seq;
    hash_seq_init(&seq, w->deltas);
    while (auto *d = static_cast<LeadDelta *>(hash_seq_search(&seq))) {
      if (!d->applied) {
        if (w->apply_in_trigger) note_lead_not_found(w->leads_relid, key_hash(w->identity, d->key.value));
        continue;
      }
      if (d->changed) ++changed;
      if (d->stage_changed) changes[count++] = d->change;
    }
  }
  // Recorded (history ids, hand-offs, NOTIFYs) in the order of the leads'
  // key texts, not of the delta table, whose order is the hash's and may
  // differ between PostgreSQL versions.
  std::sort(changes, changes + count, [](const StageChange &a, const StageChange &b) {
    return std::strcmp(a.lead_key != nullptr ? a.lead_key : "", b.lead_key != nullptr ? b.lead_key : "") < 0;
  });
  if (w->shadow)
    record_score_changes(w->leads_relid, w->model->name.c_str(), w->model->version, changes, count, w->reason,
                         w->as_of, w->changed_by);
  else
    record_stage_changes(w->leads_relid, changes, count, w->reason, w->channel, w->as_of, w->changed_by);
  pop(w);
  return changed;
}

void abort_write(LeadWrite *w) {
  if (w != nullptr) pop(w);
}

}  // namespace lq::pg

using lq::pg::LeadWrite;

// lead_qual._begin_write(model, leads, reason, as_of): starts a write for
// rescore() and refresh(); refresh also applies the model's recycle rule.
LQ_FUNCTION(lq_begin_write) {
  lq::pg::ModelRef *ref = lq::pg::model_for_call(fcinfo, PG_GETARG_TEXT_PP(0));
  const Oid leads = PG_GETARG_OID(1);
  const char *reason = text_to_cstring(PG_GETARG_TEXT_PP(2));
  const TimestampTz as_of = PG_ARGISNULL(3) ? lq::pg::scoring_time() : PG_GETARG_TIMESTAMPTZ(3);
  if (TIMESTAMP_NOT_FINITE(as_of))
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("as_of must be a finite timestamp")));
  // The NOTIFY channel comes from the table's track() options; a model other
  // than the table's driving one is one of its tracked_score models.
  char *channel = pstrdup("lead_qual");
  bool shadow = false;
  lq::pg::spi_connect();
  Oid types[2] = {REGCLASSOID, TEXTOID};
  Datum values[2] = {ObjectIdGetDatum(leads), PointerGetDatum(PG_GETARG_TEXT_PP(0))};
  if (SPI_execute_with_args(
          "SELECT options OPERATOR(pg_catalog.->>) 'channel', model OPERATOR(pg_catalog.<>) $2"
          "  FROM lead_qual.tracked WHERE leads OPERATOR(pg_catalog.=) $1",
          2, types, values, nullptr, true, 1) == SPI_OK_SELECT &&
      SPI_processed == 1) {
    char *value = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
    if (value != nullptr) channel = MemoryContextStrdup(TopTransactionContext, value);
    bool isnull = false;
    const Datum other = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);
    shadow = !isnull && DatumGetBool(other);
  }
  SPI_finish();
  LeadWrite *w = lq::pg::begin_write(ref, leads, reason, channel, as_of);
  w->recycle = strcmp(reason, lq::reason::kRefresh) == 0;
  w->shadow = shadow;
  PG_RETURN_VOID();
}

LQ_FUNCTION(lq_end_write) {
  LeadWrite *w = lq::pg::current_write();
  if (w == nullptr)
    ereport(ERROR,
            (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE), errmsg("no lead_qual write is active")));
  PG_RETURN_INT64(lq::pg::end_write(w));
}

LQ_FUNCTION(lq_abort_write) {
  lq::pg::abort_write(lq::pg::current_write());
  PG_RETURN_VOID();
}
