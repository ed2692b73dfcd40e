#include "pg/track_args.hpp"

#include "pg/citus_shard.hpp"
#include "pg/compat.hpp"

extern "C" {
#include "catalog/namespace.h"
#include "nodes/makefuncs.h"
#include "utils/rel.h"
#include "utils/varlena.h"
}

namespace lq::pg {

namespace {
Oid relation_by_name(const char *name) {
  List *names = lq_compat_qualified_name_list(name);
  return RangeVarGetRelid(makeRangeVarFromNameList(names), NoLock, false);
}
}  // namespace

const char *trigger_model_name(const TriggerData *td) {
  const Trigger *trigger = td->tg_trigger;
  return trigger->tgnargs > 3 ? trigger->tgargs[3] : "";
}

void parse_track_args(const TriggerData *td, TrackedTable fired_on, bool resolve_other, TrackArgs *out) {
  const Trigger *trigger = td->tg_trigger;
  if ((trigger->tgnargs != 16 && trigger->tgnargs != 19 && trigger->tgnargs != 21 &&
       trigger->tgnargs != 22) ||
      strcmp(trigger->tgargs[0], "1") != 0)
    ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                    errmsg("lead_qual trigger \"%s\" has unexpected arguments", trigger->tgname),
                    errhint("Install lead_qual's triggers with lead_qual.track().")));
  char **a = trigger->tgargs;
  out->leads_table = a[1];
  out->activities_table = a[2];
  out->model_name = a[3];
  out->key_column = a[4];
  out->lead_id_column = a[5];
  out->activity_type_column = a[6];
  out->occurred_at_column = a[7];
  out->properties_column = a[8][0] != '\0' ? a[8] : nullptr;
  out->score_state_column = a[9];
  out->fit_score_column = a[10];
  out->engagement_score_column = a[11];
  out->score_column = a[12];
  out->stage_column = a[13];
  out->stage_changed_at_column = a[14];
  out->channel = a[15];
  // Triggers installed by 1.0/1.1 have the first 16 arguments only.
  const bool v12 = trigger->tgnargs >= 19;
  out->occurred_at_zone = v12 && a[16][0] != '\0' ? a[16] : nullptr;
  out->keep_stage_on_stale_save = v12 && strcmp(a[17], "keep") == 0;
  out->policy = v12 ? TransitionPolicy::from_bits(a[18]) : TransitionPolicy();
  const bool filtered = trigger->tgnargs >= 21;
  out->lead_filter = filtered && a[19][0] != '\0' ? a[19] : nullptr;
  out->activity_filter = filtered && a[20][0] != '\0' ? a[20] : nullptr;
  out->shadow = trigger->tgnargs == 22 && strcmp(a[21], "shadow") == 0;
  const Oid self = RelationGetRelid(td->tg_relation);
  if (fired_on == TrackedTable::Activities) {
    out->activities_oid = self;
    out->leads_oid = resolve_other ? relation_by_name(out->leads_table) : InvalidOid;
  } else {
    out->leads_oid = self;
    out->activities_oid = resolve_other ? relation_by_name(out->activities_table) : InvalidOid;
  }
  // On a Citus shard: the co-located shards instead (citus_shard.hpp).
  map_to_citus_shards(td->tg_relation, fired_on, out);
}

}  // namespace lq::pg
