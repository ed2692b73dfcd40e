// score_state: text and binary I/O, and _state_matches().
#include "pg/score_state_type.hpp"

extern "C" {
#include "libpq/pqformat.h"
#include "utils/builtins.h"
}

#include <cstring>
#include <string>

#include "core/error.hpp"
#include "core/score_state.hpp"
#include "pg/entry.hpp"

namespace lq::pg {

void *validated_state(Datum stored) {
  struct varlena *v = PG_DETOAST_DATUM(stored);
  if (state_is_v1(v, VARSIZE(v)))
    return DatumGetPointer(state_datum(state_from_v1(v, VARSIZE(v), ErrorKind::DataCorrupted)));
  state_validate(v, VARSIZE(v), ErrorKind::DataCorrupted);
  return v;
}

void *add_to_state(void *state, const Model &model, int rule, TimestampTz occurred_at, uint8 or_bits,
                   TimestampTz horizon) {
  const std::size_t room = state_add_room(state, rule, occurred_at, horizon);
  if (room > VARSIZE(state)) state = pg_call([&] { return repalloc(state, room); });
  SET_VARSIZE(state, state_add(state, model, rule, occurred_at, or_bits, horizon));
  return state;
}

void *combine_into(void *into, const void *other) {
  const std::size_t room = state_combine_room(into, other);
  if (room > VARSIZE(into)) into = pg_call([&] { return repalloc(into, room); });
  SET_VARSIZE(into, state_combine(into, other));
  return into;
}

void set_scoring_time(void *state, TimestampTz scoring_time) {
  SET_VARSIZE(state, state_set_horizon(state, scoring_time));
}

void *state_arg(FunctionCallInfo fcinfo, int n) { return validated_state(PG_GETARG_DATUM(n)); }

void *empty_state(const Model &model, MemoryContext cxt) {
  const std::size_t size = state_size(model);
  void *out = MemoryContextAlloc(cxt, size);
  state_init(out, model);
  SET_VARSIZE(out, size);
  return out;
}

void *copy_state(const void *state, MemoryContext cxt) {
  const Size size = VARSIZE(state);
  void *out = MemoryContextAlloc(cxt, size);
  std::memcpy(out, state, size);
  return out;
}

Datum state_datum(const std::vector<unsigned char> &bytes) {
  void *out = pg_call([&] { return palloc(bytes.size()); });
  std::memcpy(out, bytes.data(), bytes.size());
  SET_VARSIZE(out, bytes.size());
  return PointerGetDatum(out);
}

}  // namespace lq::pg

LQ_FUNCTION(score_state_in) {
  const char *input = PG_GETARG_CSTRING(0);
  return lq::pg::state_datum(lq::state_from_text(input));
}

LQ_FUNCTION(score_state_out) {
  const void *state = lq::pg::state_arg(fcinfo, 0);
  const std::string text = lq::state_to_text(state);
  PG_RETURN_CSTRING(lq::pg::pg_call([&] { return pstrdup(text.c_str()); }));
}

LQ_FUNCTION(score_state_recv) {
  auto *buf = reinterpret_cast<StringInfo>(PG_GETARG_POINTER(0));
  const int len = buf->len - buf->cursor;
  const auto *data = reinterpret_cast<const unsigned char *>(pq_getmsgbytes(buf, len));
  return lq::pg::state_datum(lq::state_from_wire(data, static_cast<std::size_t>(len)));
}

LQ_FUNCTION(score_state_send) {
  const void *state = lq::pg::state_arg(fcinfo, 0);
  const std::vector<unsigned char> wire = lq::state_to_wire(state);
  bytea *out = static_cast<bytea *>(lq::pg::pg_call([&] { return palloc(VARHDRSZ + wire.size()); }));
  SET_VARSIZE(out, VARHDRSZ + wire.size());
  std::memcpy(VARDATA(out), wire.data(), wire.size());
  PG_RETURN_BYTEA_P(out);
}

// scored_at(state): the scoring time of the state's last write (its
// horizon); NULL for a state without one (written by 1.1, or by
// engagement_state() without as_of).
LQ_FUNCTION(lq_scored_at) {
  const lq::StateView view(lq::pg::state_arg(fcinfo, 0));
  if (!view.has_horizon()) PG_RETURN_NULL();
  PG_RETURN_TIMESTAMPTZ(view.header().horizon);
}

// _state_matches(state, model, version): non-NULL and built under them.
LQ_FUNCTION(lq_state_matches) {
  if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2)) PG_RETURN_BOOL(false);
  const lq::StateView view(lq::pg::state_arg(fcinfo, 0));
  text *model = PG_GETARG_TEXT_PP(1);
  const std::string_view name(VARDATA_ANY(model), VARSIZE_ANY_EXHDR(model));
  PG_RETURN_BOOL(view.built_under(name, PG_GETARG_INT64(2)));
}
