#include "pg/model_cache.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/memutils.h"
}

#include <cstring>
#include <memory>
#include <string>

#include "core/error.hpp"
#include "core/model_registry.hpp"
#include "pg/guard.hpp"

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

// Reads the model's version (and its definition unless `known_version`
// matches). Plain PostgreSQL code: called through pg_call.
ModelRow read_model_row(text *name, int64 known_version) {
  ModelRow row = {false, 0, nullptr};
  MemoryContext caller = CurrentMemoryContext;
  if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "lead_qual: SPI_connect failed");
  Oid types[2] = {TEXTOID, INT8OID};
  Datum values[2] = {PointerGetDatum(name), Int64GetDatum(known_version)};
  // Schema-qualified, with the operator spelled out: immune to search_path.
  const int rc = SPI_execute_with_args(
      "SELECT version, CASE WHEN version OPERATOR(pg_catalog.=) $2 THEN NULL"
      "                     ELSE definition::pg_catalog.text END"
      "  FROM lead_qual.scoring_model WHERE name OPERATOR(pg_catalog.=) $1",
      2, types, values, nullptr, true, 1);
  if (rc != SPI_OK_SELECT) elog(ERROR, "lead_qual: reading scoring_model failed: %s", SPI_result_code_string(rc));
  if (SPI_processed == 1) {
    bool isnull = false;
    row.found = true;
    row.version = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
    Datum def = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);
    if (!isnull) {
      MemoryContext spi = MemoryContextSwitchTo(caller);
      row.definition = text_to_cstring(DatumGetTextPP(def));
      MemoryContextSwitchTo(spi);
    }
  }
  SPI_finish();
  return row;
}

void release_handle(void *arg) noexcept {
  auto *ref = static_cast<ModelRef *>(arg);
  delete static_cast<std::shared_ptr<const Model> *>(ref->handle);
  ref->handle = nullptr;
  ref->model = nullptr;
}

AttrName *copy_names(MemoryContext cxt, const AttributeSet &set) {
  const std::size_t n = set.size();
  auto *out = static_cast<AttrName *>(pg_call([&] { return MemoryContextAllocZero(cxt, sizeof(AttrName) * (n + 1)); }));
  for (std::size_t i = 0; i < n; ++i) {
    const std::string &name = set.names()[i];
    out[i].name = pg_call([&] { return MemoryContextStrdup(cxt, name.c_str()); });
    out[i].len = static_cast<int>(name.size());
  }
  return out;
}

}  // namespace

ModelRef *model_for_call(FunctionCallInfo fcinfo, text *name_text) {
  FmgrInfo *flinfo = fcinfo->flinfo;
  const char *name_data = VARDATA_ANY(name_text);
  const int name_len = VARSIZE_ANY_EXHDR(name_text);
  auto *ref = static_cast<ModelRef *>(flinfo->fn_extra);
  if (ref != nullptr && ref->model != nullptr && static_cast<int>(std::strlen(ref->name)) == name_len &&
      std::memcmp(ref->name, name_data, name_len) == 0)
    return ref;

  if (ref != nullptr && ref->model != nullptr) release_handle(ref);
  const std::string name(name_data, name_len);
  const int64 known_version = registry().cached_version(name);
  const ModelRow row = pg_call([&] { return read_model_row(name_text, known_version); });
  if (!row.found)
    throw Error(ErrorKind::UndefinedObject, "scoring model \"" + name + "\" does not exist", {},
                "Models are rows of lead_qual.scoring_model.");
  std::shared_ptr<const Model> cached = registry().find(name, row.version);
  if (!cached) {
    if (row.definition == nullptr) throw Error(ErrorKind::Internal, "scoring model definition vanished");
    cached = registry().compile_and_store(name, row.version, row.definition);
  }

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
