#include "pg/trigger_checks.hpp"

namespace lq::pg {

TriggerData *trigger_data(FunctionCallInfo fcinfo, const char *function) {
  if (!CALLED_AS_TRIGGER(fcinfo))
    ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                    errmsg("%s() must be called as a trigger", function)));
  return reinterpret_cast<TriggerData *>(fcinfo->context);
}

void require_firing(bool fired_as_required, const char *function, const char *how) {
  if (!fired_as_required)
    ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                    errmsg("%s() must be fired %s", function, how)));
}

}  // namespace lq::pg
