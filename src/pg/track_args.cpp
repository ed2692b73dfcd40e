#include "pg/track_args.hpp"

#include "pg/citus_shard.hpp"
#include "pg/compat.hpp"
#include "pg/entry.hpp"
#include "pg/relation_facts.hpp"

extern "C" {
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "nodes/makefuncs.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/varlena.h"
}

#include <cstring>
#include <optional>
#include <string_view>

#include "core/track_fields.hpp"

namespace lq::pg {

namespace {

Oid relation_by_name(const char *name) {
  List *names = lq_compat_qualified_name_list(name);
  return RangeVarGetRelid(makeRangeVarFromNameList(names), NoLock, false);
}

// The other table of a trigger's track(), by the name its arguments give
// (a catalog look-up), kept for the backend until either table is
// invalidated (relation_facts.hpp): a rename or drop of the other table
// forgets it, so the name is looked up again as before.
struct OtherTable {
  const char *name;
  Oid oid;
};

void *build_other_table(void *arg, MemoryContext cxt, Oid *depends_on) {
  const char *name = static_cast<const char *>(arg);
  const Oid oid = relation_by_name(name);
  auto *t = static_cast<OtherTable *>(MemoryContextAlloc(cxt, sizeof(OtherTable)));
  t->name = MemoryContextStrdup(cxt, name);
  t->oid = oid;
  *depends_on = oid;
  return t;
}

bool same_name(void *arg, const void *facts) {
  return strcmp(static_cast<const OtherTable *>(facts)->name, static_cast<const char *>(arg)) == 0;
}

Oid other_table(const TriggerData *td, const char *name) {
  return static_cast<const OtherTable *>(
             relation_facts(RelationGetRelid(td->tg_relation), td->tg_trigger->tgoid, FactKind::kOtherTable,
                            build_other_table, same_name, const_cast<char *>(name)))
      ->oid;
}

[[noreturn]] void unexpected_arguments(const Trigger *trigger) {
  ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                  errmsg("lead_qual trigger \"%s\" has unexpected arguments", trigger->tgname),
                  errhint("Install lead_qual's triggers with lead_qual.track().")));
  pg_unreachable();
}

// The fields of triggers of format 2, decoded once per backend: trigger OID
// -> the argument decoded and its fields as C strings. The argument is
// compared with the trigger's on every use, so a trigger whose arguments
// changed under the same OID (CREATE OR REPLACE TRIGGER keeps the OID;
// ALTER TRIGGER ... RENAME keeps OID and arguments; a dropped trigger's
// OID may be reused) is decoded again, never read from a stale entry.
// Entries are never removed and a replaced entry's strings stay allocated:
// TrackArgs of a trigger call running now may point into them. The table
// grows with the lead_qual triggers this backend fires, as the trigger's
// plans do (tracking_sql.hpp).
struct DecodedArgs {
  Oid trigger;  // hash key
  const char *arg;
  size_t arg_length;
  const char *fields[kTrackFieldCount];
};

HTAB *decoded = nullptr;
MemoryContext decoded_context = nullptr;

// The fields of trigger `trigger`, of format 2 (one argument).
const char *const *format2_fields(const Trigger *trigger) {
  const char *arg = trigger->tgargs[0];
  const size_t length = strlen(arg);
  if (decoded == nullptr) {
    decoded_context =
        AllocSetContextCreate(TopMemoryContext, "lead_qual trigger arguments", ALLOCSET_SMALL_SIZES);
    HASHCTL ctl;
    memset(&ctl, 0, sizeof ctl);
    ctl.keysize = sizeof(Oid);
    ctl.entrysize = sizeof(DecodedArgs);
    ctl.hcxt = decoded_context;
    decoded = hash_create("lead_qual trigger arguments", 16, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
  }
  auto *e = static_cast<DecodedArgs *>(hash_search(decoded, &trigger->tgoid, HASH_FIND, nullptr));
  if (e != nullptr && e->arg_length == length && memcmp(e->arg, arg, length) == 0) return e->fields;

  // Plain data only from here (an optional of string_views): an ERROR may
  // follow. The argument and its fields go into one block.
  const std::optional<TrackFields> fields = decode_track_fields(std::string_view(arg, length));
  if (!fields) unexpected_arguments(trigger);
  size_t size = length + 1;
  for (std::string_view f : *fields) size += f.size() + 1;
  char *block = static_cast<char *>(MemoryContextAlloc(decoded_context, size));
  memcpy(block, arg, length + 1);
  char *next = block + length + 1;
  const char *copies[kTrackFieldCount];
  for (size_t i = 0; i < kTrackFieldCount; ++i) {
    memcpy(next, (*fields)[i].data(), (*fields)[i].size());
    next[(*fields)[i].size()] = '\0';
    copies[i] = next;
    next += (*fields)[i].size() + 1;
  }
  // Entered last: an ERROR above leaves no half-made entry.
  e = static_cast<DecodedArgs *>(hash_search(decoded, &trigger->tgoid, HASH_ENTER, nullptr));
  e->arg = block;
  e->arg_length = length;
  memcpy(e->fields, copies, sizeof copies);
  return e->fields;
}

// Whether `trigger` has format 1's arguments.
bool is_format1(const Trigger *trigger) {
  const int n = trigger->tgnargs;
  return (n == 16 || n == 19 || n == 21 || n == 22) && strcmp(trigger->tgargs[0], "1") == 0;
}

// The fields of `trigger` in TrackField order, either format; NULL for the
// fields a trigger of format 1 does not have.
void trigger_fields(const Trigger *trigger, const char *out[kTrackFieldCount]) {
  if (trigger->tgnargs == 1) {
    memcpy(out, format2_fields(trigger), sizeof(const char *) * kTrackFieldCount);
    return;
  }
  if (!is_format1(trigger)) unexpected_arguments(trigger);
  for (size_t i = 0; i < kTrackFieldCount; ++i)
    out[i] = static_cast<int>(i) + 1 < trigger->tgnargs ? trigger->tgargs[i + 1] : nullptr;
}

// A field that may be left empty: NULL when it is ("" or absent).
const char *unless_empty(const char *field) { return field != nullptr && field[0] != '\0' ? field : nullptr; }

}  // namespace

const char *trigger_model_name(const TriggerData *td) { return trigger_model_name(td->tg_trigger); }

const char *trigger_model_name(const Trigger *trigger) {
  if (trigger->tgnargs == 1) return format2_fields(trigger)[kModel];
  return trigger->tgnargs > 3 ? trigger->tgargs[3] : "";
}

void parse_track_args(const TriggerData *td, TrackedTable fired_on, bool resolve_other, TrackArgs *out) {
  const char *f[kTrackFieldCount];
  trigger_fields(td->tg_trigger, f);
  out->leads_table = f[kLeadsTable];
  out->activities_table = f[kActivitiesTable];
  out->model_name = f[kModel];
  out->key_column = f[kKeyColumn];
  out->lead_id_column = f[kLeadIdColumn];
  out->activity_type_column = f[kActivityTypeColumn];
  out->occurred_at_column = f[kOccurredAtColumn];
  out->properties_column = unless_empty(f[kPropertiesColumn]);
  out->score_state_column = f[kScoreStateColumn];
  out->fit_score_column = f[kFitScoreColumn];
  out->engagement_score_column = f[kEngagementScoreColumn];
  out->score_column = f[kScoreColumn];
  out->stage_column = f[kStageColumn];
  out->stage_changed_at_column = f[kStageChangedAtColumn];
  out->channel = f[kChannel];
  // Triggers installed by 1.0/1.1 have none of the fields below.
  out->occurred_at_zone = unless_empty(f[kOccurredAtZone]);
  out->keep_stage_on_stale_save = f[kStaleSave] != nullptr && strcmp(f[kStaleSave], "keep") == 0;
  out->policy = f[kPolicyBits] != nullptr ? TransitionPolicy::from_bits(f[kPolicyBits]) : TransitionPolicy();
  out->lead_filter = unless_empty(f[kLeadFilter]);
  out->activity_filter = unless_empty(f[kActivityFilter]);
  out->shadow = f[kShadow] != nullptr && strcmp(f[kShadow], "shadow") == 0;
  const Oid self = RelationGetRelid(td->tg_relation);
  if (fired_on == TrackedTable::Activities) {
    out->activities_oid = self;
    out->leads_oid = resolve_other ? other_table(td, out->leads_table) : InvalidOid;
  } else {
    out->leads_oid = self;
    out->activities_oid = resolve_other ? other_table(td, out->activities_table) : InvalidOid;
  }
  // On a Citus shard: the co-located shards instead (citus_shard.hpp).
  map_to_citus_shards(td->tg_relation, fired_on, out);
}

}  // namespace lq::pg

// lead_qual._encode_trigger_args(fields text[]) -> text: the one argument
// (format 2, core/track_fields.hpp) of the triggers track() installs, from
// their configuration's fields in TrackField order.
LQ_FUNCTION(lq_encode_trigger_args) {
  ArrayType *array = PG_GETARG_ARRAYTYPE_P(0);
  Datum *values = nullptr;
  bool *nulls = nullptr;
  int count = 0;
  deconstruct_array(array, TEXTOID, -1, false, TYPALIGN_INT, &values, &nulls, &count);
  if (ARR_NDIM(array) > 1 || count != static_cast<int>(lq::kTrackFieldCount))
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("a lead_qual trigger's configuration has %d fields, not %d", count,
                           static_cast<int>(lq::kTrackFieldCount))));
  lq::TrackFields fields;
  for (int i = 0; i < count; ++i) {
    if (nulls[i])
      ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
                      errmsg("field %d of a lead_qual trigger's configuration is NULL", i + 1)));
    const text *t = DatumGetTextPP(values[i]);
    fields[i] = std::string_view(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
  }
  // The encoded string lives in a scope that calls PostgreSQL only through
  // pg_call (guard.hpp).
  text *result = nullptr;
  {
    const std::string arg = lq::encode_track_fields(fields);
    result =
        lq::pg::pg_call([&] { return cstring_to_text_with_len(arg.data(), static_cast<int>(arg.size())); });
  }
  PG_RETURN_TEXT_P(result);
}
