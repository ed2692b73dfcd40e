#include "pg/model_cache.hpp"

extern "C" {
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "nodes/pg_list.h"
#include "nodes/primnodes.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/fmgrprotos.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
}

#include <cstring>
#include <memory>
#include <string>

#include "core/error.hpp"
#include "core/model_registry.hpp"
#include "pg/citus_shard.hpp"
#include "pg/entry.hpp"
#include "pg/guard.hpp"
#include "pg/schema_version.hpp"
#include "pg/trigger_checks.hpp"

namespace lq::pg {

namespace {

ModelRegistry &registry() {
  static ModelRegistry instance;
  return instance;
}

struct ModelRow {
  bool found;
  int64 version;
  char *definition;  // NULL when this backend already has the version
};

// Bumped whenever lead_qual.scoring_model may have changed: its trigger
// (lead_qual._models_changed) sends a relcache invalidation for the table,
// which every backend receives at its next command; a reset of the whole
// relcache counts too.
uint64 model_generation = 1;
Oid model_table = InvalidOid;  // the relation read (see read_model_row)
Oid model_shell = InvalidOid;  // lead_qual.scoring_model
bool callback_registered = false;

void on_relcache_invalidation(Datum /*arg*/, Oid relid) {
  if (relid == InvalidOid || relid == model_table || relid == model_shell) ++model_generation;
}

// Reads the model's row with the latest committed snapshot, like a catalog
// look-up, through the table's primary key: the version (and the definition
// unless `known_version` matches). Combined with the invalidation generation
// this sees every committed change, whatever the transaction's snapshot.
// Plain PostgreSQL code: called through pg_call.
ModelRow read_model_row(text *name, int64 known_version) {
  ModelRow row = {false, 0, nullptr};
  model_shell = get_relname_relid("scoring_model", get_namespace_oid("lead_qual", false));
  if (!OidIsValid(model_shell)) elog(ERROR, "lead_qual: table lead_qual.scoring_model is missing");
  // On a Citus cluster the models are a reference table: its rows are in
  // this node's placement (citus_shard.hpp).
  model_table = citus_local_rows(model_shell);
  Relation rel = table_open(model_table, AccessShareLock);
  const Oid pkey = lq_compat_primary_key_index(rel);
  TupleDesc desc = RelationGetDescr(rel);
  const AttrNumber name_col = get_attnum(model_table, "name");
  const AttrNumber definition_col = get_attnum(model_table, "definition");
  const AttrNumber version_col = get_attnum(model_table, "version");
  ScanKeyData key;
  ScanKeyEntryInitialize(&key, 0, name_col, BTEqualStrategyNumber, InvalidOid, DEFAULT_COLLATION_OID,
                         F_TEXTEQ, PointerGetDatum(name));
  // A parallel query reads the model with the query's own snapshot, which
  // the leader and every worker share (GetTransactionSnapshot() would take
  // a new one under READ COMMITTED, and a worker starting after another
  // session's change would score with another version than the leader).
  Snapshot snapshot = RegisterSnapshot(IsInParallelMode() ? GetActiveSnapshot() : GetLatestSnapshot());
  SysScanDesc scan = systable_beginscan(rel, pkey, true, snapshot, 1, &key);
  HeapTuple tuple = systable_getnext(scan);
  if (HeapTupleIsValid(tuple)) {
    bool isnull = false;
    row.found = true;
    row.version = DatumGetInt64(heap_getattr(tuple, version_col, desc, &isnull));
    if (row.version != known_version) {
      const Datum definition = heap_getattr(tuple, definition_col, desc, &isnull);
      if (!isnull) {
        Jsonb *jb = DatumGetJsonbP(definition);
        row.definition = JsonbToCString(nullptr, &jb->root, VARSIZE(jb));
      }
    }
  }
  systable_endscan(scan);
  UnregisterSnapshot(snapshot);
  table_close(rel, AccessShareLock);
  return row;
}

// Registers the invalidation callback that bumps model_generation, before
// the first look-up stamps a model with it.
void watch_model_changes() {
  if (callback_registered) return;
  CacheRegisterRelcacheCallback(on_relcache_invalidation, static_cast<Datum>(0));
  callback_registered = true;
}

void release_handle(void *arg) noexcept {
  auto *ref = static_cast<ModelRef *>(arg);
  delete static_cast<std::shared_ptr<const Model> *>(ref->handle);
  ref->handle = nullptr;
  ref->model = nullptr;
}

AttrName *copy_names(MemoryContext cxt, const AttributeSet &set) {
  const std::size_t n = set.size();
  auto *out = static_cast<AttrName *>(
      pg_call([&] { return MemoryContextAllocZero(cxt, sizeof(AttrName) * (n + 1)); }));
  for (std::size_t i = 0; i < n; ++i) {
    const std::string &name = set.names()[i];
    out[i].name = pg_call([&] { return MemoryContextStrdup(cxt, name.c_str()); });
    out[i].len = static_cast<int>(name.size());
  }
  return out;
}

// Points the call site's ModelRef (allocated on first use, in fn_mcxt) at a
// compiled model.
ModelRef *fill_ref(FmgrInfo *flinfo, ModelRef *ref, const std::string &name,
                   const std::shared_ptr<const Model> &cached) {
  MemoryContext cxt = flinfo->fn_mcxt;
  if (ref == nullptr) {
    ref = static_cast<ModelRef *>(pg_call([&] { return MemoryContextAllocZero(cxt, sizeof(ModelRef)); }));
    auto *cb = static_cast<MemoryContextCallback *>(
        pg_call([&] { return MemoryContextAllocZero(cxt, sizeof(MemoryContextCallback)); }));
    cb->func = release_handle;
    cb->arg = ref;
    MemoryContextRegisterResetCallback(cxt, cb);
    flinfo->fn_extra = ref;
  }
  ref->name = pg_call([&] { return MemoryContextStrdup(cxt, name.c_str()); });
  ref->name_len = static_cast<int>(name.size());
  ref->lead_names = copy_names(cxt, cached->lead_attributes);
  ref->lead_count = static_cast<int>(cached->lead_attributes.size());
  ref->property_names = copy_names(cxt, cached->property_attributes);
  ref->property_count = static_cast<int>(cached->property_attributes.size());
  ref->lead_values = static_cast<AttrValue *>(
      pg_call([&] { return MemoryContextAllocZero(cxt, sizeof(AttrValue) * (ref->lead_count + 1)); }));
  ref->property_values = static_cast<AttrValue *>(
      pg_call([&] { return MemoryContextAllocZero(cxt, sizeof(AttrValue) * (ref->property_count + 1)); }));
  ref->handle = new std::shared_ptr<const Model>(cached);
  ref->model = cached.get();
  ref->aggregate_prototype = nullptr;
  ref->activity_kinds.reset();
  return ref;
}

}  // namespace

ModelRef *model_for_call(FunctionCallInfo fcinfo, text *name_text) {
  FmgrInfo *flinfo = fcinfo->flinfo;
  const char *name_data = VARDATA_ANY(name_text);
  const int name_len = VARSIZE_ANY_EXHDR(name_text);
  auto *ref = static_cast<ModelRef *>(flinfo->fn_extra);
  if (ref != nullptr && ref->model != nullptr && ref->name_len == name_len &&
      std::memcmp(ref->name, name_data, name_len) == 0)
    return ref;

  if (ref != nullptr && ref->model != nullptr) release_handle(ref);
  watch_model_changes();
  const std::string name(name_data, name_len);
  // Objects older than the library's lack the trigger that announces model
  // changes (scoring_model_changed, 1.2): then the version is looked up on
  // every statement, as before that trigger existed.
  if (!pg_call([] { return schema_is_current(); })) ++model_generation;
  // Nothing changed since this backend last confirmed the version: no look-up.
  std::shared_ptr<const Model> cached = registry().find_stamped(name, model_generation);
  if (!cached) {
    // The generation before the look-up: an invalidation arriving during it
    // makes the next statement look again.
    const uint64 generation = model_generation;
    const int64 known_version = registry().cached_version(name);
    const ModelRow row = pg_call([&] { return read_model_row(name_text, known_version); });
    if (!row.found)
      throw Error(ErrorKind::UndefinedObject, "scoring model " + quoted_name(name) + " does not exist", {},
                  "Models are rows of lead_qual.scoring_model.");
    cached = registry().find(name, row.version);
    if (cached) {
      registry().stamp(name, generation);
    } else {
      if (row.definition == nullptr) throw Error(ErrorKind::Internal, "scoring model definition vanished");
      cached = registry().compile_and_store(name, row.version, row.definition, generation);
    }
  }

  return fill_ref(flinfo, ref, name, cached);
}

std::shared_ptr<const Model> model_at_version(std::string_view name, int64 version) {
  std::shared_ptr<const Model> cached = registry().find(name, version);
  if (cached) return cached;
  watch_model_changes();
  const std::string name_string(name);
  const uint64 generation = model_generation;
  const int64 known_version = registry().cached_version(name);
  const ModelRow row = pg_call([&] {
    return read_model_row(cstring_to_text_with_len(name.data(), static_cast<int>(name.size())),
                          known_version);
  });
  if (!row.found || row.version != version || row.definition == nullptr) return nullptr;
  return registry().compile_and_store(name_string, row.version, row.definition, generation);
}

namespace {

// Whether argument n of this call has the same value on every call of the
// call site: a constant. An aggregate's transition function gets its
// argument n from the aggregate's argument n - 1 (argument 0 is the state).
bool arg_is_constant(FunctionCallInfo fcinfo, int n) {
  if (const Aggref *agg = AggGetAggref(fcinfo); agg != nullptr) {
    if (n < 1 || n > list_length(agg->args)) return false;
    const auto *entry = static_cast<const TargetEntry *>(list_nth(agg->args, n - 1));
    return IsA(entry->expr, Const);
  }
  return get_fn_expr_arg_stable(fcinfo->flinfo, n);
}

}  // namespace

ModelRef *candidate_for_call(FunctionCallInfo fcinfo, int n) {
  FmgrInfo *flinfo = fcinfo->flinfo;
  const Datum definition = PG_GETARG_DATUM(n);
  const bool arg_constant = arg_is_constant(fcinfo, n);
  auto *ref = static_cast<ModelRef *>(flinfo->fn_extra);
  // A constant argument is the same pointer every row: no look. Another
  // expression's result may be a new definition at the pointer of the last
  // one (memory reset between rows): its bytes are compared.
  if (arg_constant && ref != nullptr && ref->model != nullptr && ref->candidate != nullptr &&
      ref->candidate_arg == definition)
    return ref;
  Jsonb *jb = pg_call([&] { return DatumGetJsonbP(definition); });
  const char *bytes = reinterpret_cast<const char *>(jb);
  const int len = static_cast<int>(VARSIZE(jb));
  if (ref != nullptr && ref->model != nullptr && ref->candidate != nullptr && ref->candidate_len == len &&
      std::memcmp(ref->candidate, bytes, static_cast<std::size_t>(len)) == 0) {
    ref->candidate_arg = definition;
    return ref;
  }
  if (ref != nullptr && ref->model != nullptr) release_handle(ref);
  const char *json_text = pg_call([&] { return JsonbToCString(nullptr, &jb->root, len); });
  const uint64 hash = hash_bytes_extended(reinterpret_cast<const unsigned char *>(bytes), len, 0);
  const int64 version = -1 - static_cast<int64>(hash >> 2);
  std::shared_ptr<const Model> compiled = compile_model("candidate", version, json_text);
  ref = fill_ref(flinfo, ref, "candidate", compiled);
  ref->candidate = static_cast<char *>(pg_call([&] { return MemoryContextAlloc(flinfo->fn_mcxt, len); }));
  std::memcpy(ref->candidate, bytes, static_cast<std::size_t>(len));
  ref->candidate_len = len;
  ref->candidate_arg = definition;
  return ref;
}

ModelRef *model_of_arg(FunctionCallInfo fcinfo, int n, bool candidate) {
  if (PG_ARGISNULL(n))
    throw Error(ErrorKind::NullValue,
                candidate ? "model definition must not be NULL" : "model name must not be NULL");
  if (candidate) return candidate_for_call(fcinfo, n);
  // A constant name is the first call's model for the whole call site, as
  // the same name is (model_for_call): no name to read and compare per row.
  auto *ref = static_cast<ModelRef *>(fcinfo->flinfo->fn_extra);
  if (ref != nullptr && ref->model != nullptr && ref->name_constant) return ref;
  ref = model_for_call(fcinfo, PG_GETARG_TEXT_PP(n));
  if (!ref->name_checked) {
    ref->name_constant = arg_is_constant(fcinfo, n);
    ref->name_checked = true;
  }
  return ref;
}

void attrs_from_jsonb(Jsonb *jb, const AttrName *names, int count, AttrValue *values) {
  for (int i = 0; i < count; ++i) values[i] = AttrValue::missing();
  if (jb == nullptr || !JB_ROOT_IS_OBJECT(jb)) return;
  for (int i = 0; i < count; ++i) {
    JsonbValue v;
    if (getKeyJsonValueFromContainer(&jb->root, names[i].name, names[i].len, &v) == nullptr) continue;
    switch (v.type) {
      case jbvNull:
        break;
      case jbvBool:
        values[i] = AttrValue::of_bool(v.val.boolean);
        break;
      case jbvNumeric:
        values[i] = AttrValue::of_number(
            DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow, NumericGetDatum(v.val.numeric))));
        break;
      case jbvString:
        values[i] = AttrValue::of_string(std::string_view(v.val.string.val, v.val.string.len));
        break;
      default:
        values[i] = AttrValue::other();
        break;
    }
  }
}

}  // namespace lq::pg

// lead_qual._models_changed(): AFTER ... FOR EACH STATEMENT on scoring_model.
LQ_FUNCTION(lq_models_changed) {
  TriggerData *td = lq::pg::trigger_data(fcinfo, "_models_changed");
  CacheInvalidateRelcacheByRelid(RelationGetRelid(td->tg_relation));
  return PointerGetDatum(nullptr);
}
