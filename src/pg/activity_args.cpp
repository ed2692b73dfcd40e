// Reading one activity's arguments (activity_args.hpp).
#include "pg/activity_args.hpp"

extern "C" {
#include "utils/jsonb.h"
}

#include <string_view>

#include "core/error.hpp"
#include "core/model.hpp"
#include "pg/scoring_time.hpp"

namespace lq::pg {

ActivityArgs read_activity(FunctionCallInfo fcinfo, bool candidate) {
  ActivityArgs a;
  if (PG_ARGISNULL(1))
    throw Error(ErrorKind::NullValue,
                candidate ? "model definition must not be NULL" : "model name must not be NULL");
  if (PG_NARGS() > 5) {
    if (PG_ARGISNULL(5)) throw Error(ErrorKind::NullValue, "as_of must not be NULL");
    a.horizon = PG_GETARG_TIMESTAMPTZ(5);
    if (TIMESTAMP_NOT_FINITE(a.horizon))
      throw Error(ErrorKind::InvalidParameter, "as_of must be a finite timestamp");
  }
  if (PG_ARGISNULL(2) || !activity_time(PG_ARGISNULL(3), PG_ARGISNULL(3) ? Datum{0} : PG_GETARG_DATUM(3),
                                        nullptr, &a.occurred_at))
    return a;
  a.scored = true;
  a.model = model_of_arg(fcinfo, 1, candidate);
  ModelRef &m = *a.model;
  // Detoasting properties costs a copy per row: only when the model reads them.
  if (m.property_count > 0)
    attrs_from_jsonb(PG_ARGISNULL(4) ? nullptr : PG_GETARG_JSONB_P(4), m.property_names, m.property_count,
                     m.property_values);
  text *activity_text = PG_GETARG_TEXT_PP(2);
  const std::string_view activity(VARDATA_ANY(activity_text), VARSIZE_ANY_EXHDR(activity_text));
  const Model::ActivityClass c =
      m.model->classify_kind(m.activity_kinds.kind(*m.model, activity), m.property_values);
  a.rule = c.rule;
  a.or_bits = c.or_bits;
  return a;
}

}  // namespace lq::pg
