// score_state: text and binary I/O.
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

void *state_arg(FunctionCallInfo fcinfo, int n) {
  struct varlena *v = PG_DETOAST_DATUM(PG_GETARG_DATUM(n));
  state_validate(v, VARSIZE(v), ErrorKind::DataCorrupted);
  return v;
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
  StringInfo buf = reinterpret_cast<StringInfo>(PG_GETARG_POINTER(0));
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
