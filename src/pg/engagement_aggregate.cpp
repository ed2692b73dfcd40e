// The engagement_state() aggregates' transition value (issue #17, batch
// scoring): an Accumulator, internal to the aggregate, instead of a whole
// score_state datum per group.
//
// Why: a GROUP BY lead over millions of activities touches one group's state
// per row, so bytes per group are what the hash table, the CPU caches and
// work_mem (hash aggregation spills beyond it) pay for. A whole state repeats
// the model's name and activity labels in every group (the benchmark
// model's state is 266 bytes, which an AllocSet rounds up to 512); an
// accumulator holds the state's body (header, rule slots, held entries:
// lq::state_body_size(), 200 bytes there) behind a pointer to the one
// prototype that holds the name and labels, 216 bytes in a 256-byte chunk.
// The result (final function) is a whole state again. The partial results
// that parallel workers send (serial function) are
// partial_state.hpp's compact form for stored models (147 bytes instead of
// the whole state's 266 for the benchmark model: they are sorted, sent and
// read back once per lead and worker) and whole states for candidate models
// (a jsonb definition, which the reading process could not look up). Nothing
// outside the aggregate sees either.
#include "pg/entry.hpp"  // first: postgres.h precedes every other header

extern "C" {
#include "utils/builtins.h"
#include "utils/memutils.h"
}

#include <cstring>
#include <vector>

#include "core/error.hpp"
#include "core/message_text.hpp"
#include "core/partial_state.hpp"
#include "core/score_state.hpp"
#include "pg/activity_args.hpp"
#include "pg/model_cache.hpp"
#include "pg/score_state_type.hpp"

namespace {

// A model's empty whole state, shared by the groups of one call site: the
// name and labels their bodies leave out. A singly linked list per call site
// (in fn_mcxt, for the query's lifetime): one entry per model seen there,
// nearly always one.
struct Prototype {
  Prototype *next;
  Size size;
  uint64 fingerprint;  // lq::state_fingerprint(state())
  // A stored model's (version > 0): its groups are sent as partial results.
  // A candidate's (negative version) are sent whole.
  bool partial;
  void *state() { return this + 1; }
  static Prototype *of(const void *state) {
    return const_cast<Prototype *>(static_cast<const Prototype *>(state) - 1);
  }
};
static_assert(sizeof(Prototype) % MAXIMUM_ALIGNOF == 0, "the state after a Prototype must be aligned");

// One group's transition value, in the aggregate's memory context: the body
// follows the struct.
struct Accumulator {
  const void *prototype;  // Prototype::state() of the body's model
  uint32 capacity;        // bytes allocated for the body
  uint32 reserved;
  void *body() { return this + 1; }
  const void *body() const { return this + 1; }
};
static_assert(sizeof(Accumulator) % MAXIMUM_ALIGNOF == 0, "the body after an Accumulator must be aligned");

// Room for held entries beyond the one being added, so that a lead with many
// future-dated activities is not reallocated on each of them.
constexpr std::size_t kSpareEntries = 4;

Prototype *new_prototype(MemoryContext cxt, const void *state_bytes, std::size_t size, Prototype *next) {
  auto *p = static_cast<Prototype *>(
      lq::pg::pg_call([&] { return MemoryContextAlloc(cxt, sizeof(Prototype) + size); }));
  p->next = next;
  p->size = size;
  std::memcpy(p->state(), state_bytes, size);
  p->fingerprint = lq::state_fingerprint(p->state());
  p->partial = lq::StateView(p->state()).header().model_version > 0;
  return p;
}

// The prototype of the call site's current model.
const void *prototype_for(FunctionCallInfo fcinfo, lq::pg::ModelRef *ref) {
  // The same model as the last row's (nearly always): no look.
  if (ref->aggregate_prototype != nullptr) return ref->aggregate_prototype;
  const lq::Model &model = *ref->model;
  auto *head = static_cast<Prototype *>(ref->aggregate_prototypes);
  for (Prototype *p = head; p != nullptr; p = p->next)
    if (lq::StateView(p->state()).built_under(model.name, model.version) &&
        lq::StateView(p->state()).header().rule_count == model.engagement_rules.size())
      return ref->aggregate_prototype = p->state();
  std::vector<unsigned char> empty(lq::state_size(model));
  lq::state_init(empty.data(), model);
  Prototype *p = new_prototype(fcinfo->flinfo->fn_mcxt, empty.data(), empty.size(), head);
  ref->aggregate_prototypes = p;
  return ref->aggregate_prototype = p->state();
}

// A new accumulator in `cxt` holding a copy of `body` (a body or a whole
// state), with room for `room` bytes of body.
Accumulator *new_accumulator(MemoryContext cxt, const void *prototype, const void *body, std::size_t room) {
  const std::size_t size = lq::state_body_size(body);
  if (room < size) room = size;
  auto *acc = static_cast<Accumulator *>(
      lq::pg::pg_call([&] { return MemoryContextAlloc(cxt, sizeof(Accumulator) + room); }));
  acc->prototype = prototype;
  acc->capacity = static_cast<uint32>(room);
  acc->reserved = 0;
  lq::state_copy_body(acc->body(), body);
  return acc;
}

// `acc` moved to an allocation with `room` bytes of body (and spare entries).
Accumulator *grown(MemoryContext cxt, Accumulator *acc, std::size_t room) {
  Accumulator *out =
      new_accumulator(cxt, acc->prototype, acc->body(), room + kSpareEntries * sizeof(lq::FutureEntry));
  lq::pg::pg_call([&] { pfree(acc); });
  return out;
}

MemoryContext aggregate_context(FunctionCallInfo fcinfo) {
  MemoryContext cxt = nullptr;
  if (AggCheckCallContext(fcinfo, &cxt) == 0)
    throw lq::Error(lq::ErrorKind::Internal,
                    "lead_qual's engagement_state support functions can only be called by the aggregate");
  return cxt;
}

// Throws the error score_state_combine() gives for states of two models.
void check_same_model(const void *a, const void *b) {
  if (a == b || lq::state_same_model(a, b)) return;
  const lq::StateView va(a);
  const lq::StateView vb(b);
  throw lq::Error(lq::ErrorKind::InvalidParameter,
                  "cannot combine score_states of model " + lq::quoted_name(va.model_name()) + " version " +
                      std::to_string(va.header().model_version) + " and model " +
                      lq::quoted_name(vb.model_name()) + " version " +
                      std::to_string(vb.header().model_version));
}

// engagement_state()'s transition: (state, model, activity, occurred_at,
// properties [, as_of]), read as add_activity() reads them.
Datum transition(FunctionCallInfo fcinfo, bool candidate) {
  // A non-NULL state can only be this aggregate's own (SQL cannot make an
  // `internal`): the aggregate's context is looked up only to allocate.
  auto *acc = PG_ARGISNULL(0) ? nullptr : reinterpret_cast<Accumulator *>(PG_GETARG_POINTER(0));
  if (acc == nullptr) {
    aggregate_context(fcinfo);
  } else {
    // The group's accumulator is rarely in the CPU's caches (one lead among
    // many): its lines are fetched while the activity is classified.
    const char *p = reinterpret_cast<const char *>(acc);
    const std::size_t bytes = sizeof(Accumulator) + acc->capacity;
    for (std::size_t off = 64; off < bytes; off += 64) __builtin_prefetch(p + off, 1);
  }
  const lq::pg::ActivityArgs a = lq::pg::read_activity(fcinfo, candidate);
  if (!a.scored) {
    if (acc == nullptr) PG_RETURN_NULL();
    PG_RETURN_POINTER(acc);
  }
  const lq::Model &model = *a.model->model;
  const void *prototype = prototype_for(fcinfo, a.model);
  if (acc == nullptr) {
    acc = new_accumulator(aggregate_context(fcinfo), prototype, prototype, 0);
  } else if (acc->prototype != prototype && !lq::state_same_model(acc->prototype, prototype)) {
    lq::StateView(acc->prototype).check_model(model);  // throws, naming both models
  }
  const std::size_t room = lq::state_add_room(acc->body(), a.rule, a.occurred_at, a.horizon);
  if (room > acc->capacity) acc = grown(aggregate_context(fcinfo), acc, room);
  lq::state_add(acc->body(), model, a.rule, a.occurred_at, a.or_bits, a.horizon);
  PG_RETURN_POINTER(acc);
}

// A whole state (a varlena score_state) of an accumulator, in
// CurrentMemoryContext.
Datum whole_state(const Accumulator *acc) {
  const std::size_t size = lq::state_join_size(acc->body(), acc->prototype);
  void *out = lq::pg::pg_call([&] { return palloc(size); });
  lq::state_join(out, acc->body(), acc->prototype);
  SET_VARSIZE(out, size);
  return PointerGetDatum(out);
}

}  // namespace

LQ_FUNCTION(lq_engagement_accum) { return transition(fcinfo, false); }
LQ_FUNCTION(lq_engagement_accum_candidate) { return transition(fcinfo, true); }

// a + b. Either may be NULL (no activity yet); b may be a deserialized
// partial result in a short-lived context: a new accumulator is made in the
// aggregate's context.
LQ_FUNCTION(lq_engagement_combine) {
  MemoryContext cxt = aggregate_context(fcinfo);
  auto *a = PG_ARGISNULL(0) ? nullptr : reinterpret_cast<Accumulator *>(PG_GETARG_POINTER(0));
  auto *b = PG_ARGISNULL(1) ? nullptr : reinterpret_cast<Accumulator *>(PG_GETARG_POINTER(1));
  if (b == nullptr) {
    if (a == nullptr) PG_RETURN_NULL();
    PG_RETURN_POINTER(a);
  }
  if (a == nullptr) PG_RETURN_POINTER(new_accumulator(cxt, b->prototype, b->body(), 0));
  check_same_model(a->prototype, b->prototype);
  const std::size_t room = lq::state_combine_room(a->body(), b->body());
  if (room > a->capacity) a = grown(cxt, a, room);
  lq::state_combine(a->body(), b->body());
  PG_RETURN_POINTER(a);
}

// The partial result a parallel worker sends, as bytea:
// partial_state.hpp's form for a stored model, the whole state for a
// candidate.
LQ_FUNCTION(lq_engagement_serialize) {
  aggregate_context(fcinfo);
  const auto *acc = reinterpret_cast<const Accumulator *>(PG_GETARG_POINTER(0));
  const Prototype *p = Prototype::of(acc->prototype);
  if (!p->partial) return whole_state(acc);
  const std::size_t size = lq::partial_size(acc->body(), acc->prototype);
  void *out = lq::pg::pg_call([&] { return palloc(size); });
  lq::partial_write(out, acc->body(), acc->prototype, p->fingerprint);
  SET_VARSIZE(out, size);
  PG_RETURN_POINTER(out);
}

namespace {

// The call site's prototype of the model a partial result names, rebuilt
// from the stored model the first time. 40001 when this process cannot
// have that version: the model was changed while the query ran.
const Prototype *prototype_of_partial(FunctionCallInfo fcinfo, const lq::PartialModel &m) {
  auto *head = static_cast<Prototype *>(fcinfo->flinfo->fn_extra);
  for (Prototype *p = head; p != nullptr; p = p->next)
    if (p->fingerprint == m.fingerprint && lq::StateView(p->state()).built_under(m.name, m.version)) return p;
  const std::shared_ptr<const lq::Model> model = lq::pg::model_at_version(m.name, m.version);
  if (!model)
    throw lq::Error(lq::ErrorKind::SerializationFailure,
                    "scoring model " + lq::quoted_name(m.name) + " version " + std::to_string(m.version) +
                        " is not the stored version: it was changed while the query ran",
                    {}, "Run the query again.");
  std::vector<unsigned char> empty(lq::state_size(*model));
  lq::state_init(empty.data(), *model);
  Prototype *p = new_prototype(fcinfo->flinfo->fn_mcxt, empty.data(), empty.size(), head);
  fcinfo->flinfo->fn_extra = p;
  return p;
}

// A whole state's prototype at this call site (candidates' partial results).
const void *prototype_of_state(FunctionCallInfo fcinfo, const void *state) {
  auto *head = static_cast<Prototype *>(fcinfo->flinfo->fn_extra);
  for (Prototype *p = head; p != nullptr; p = p->next)
    if (lq::state_same_model(p->state(), state)) return p->state();
  const std::vector<unsigned char> empty = lq::state_prototype_of(state);
  Prototype *p = new_prototype(fcinfo->flinfo->fn_mcxt, empty.data(), empty.size(), head);
  fcinfo->flinfo->fn_extra = p;
  return p->state();
}

}  // namespace

// A partial result back into an accumulator, validated like a stored state
// (XX001 when corrupt, or not of the model it names as defined here).
// Prototypes are shared per call site.
LQ_FUNCTION(lq_engagement_deserialize) {
  aggregate_context(fcinfo);
  auto *bytes = reinterpret_cast<struct varlena *>(PG_DETOAST_DATUM(PG_GETARG_DATUM(0)));
  if (!lq::is_partial(bytes, VARSIZE(bytes))) {
    const void *state = lq::pg::validated_state(PointerGetDatum(bytes));
    PG_RETURN_POINTER(new_accumulator(CurrentMemoryContext, prototype_of_state(fcinfo, state), state, 0));
  }
  const lq::PartialModel m = lq::partial_model(bytes, VARSIZE(bytes), lq::ErrorKind::DataCorrupted);
  const Prototype *p = prototype_of_partial(fcinfo, m);
  const std::size_t size = lq::partial_body_size(bytes);
  auto *acc = static_cast<Accumulator *>(lq::pg::pg_call([&] { return palloc(sizeof(Accumulator) + size); }));
  acc->prototype = const_cast<Prototype *>(p)->state();
  acc->capacity = static_cast<uint32>(size);
  acc->reserved = 0;
  lq::partial_read(acc->body(), bytes, acc->prototype, p->fingerprint, lq::ErrorKind::DataCorrupted);
  PG_RETURN_POINTER(acc);
}

// The aggregate's result: the whole state.
LQ_FUNCTION(lq_engagement_final) {
  if (PG_ARGISNULL(0)) PG_RETURN_NULL();
  aggregate_context(fcinfo);
  return whole_state(reinterpret_cast<const Accumulator *>(PG_GETARG_POINTER(0)));
}
