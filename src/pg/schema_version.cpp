#include "pg/schema_version.hpp"

extern "C" {
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "catalog/pg_extension.h"
#include "commands/extension.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/inval.h"
#include "utils/rel.h"
#include "utils/syscache.h"
}

#include <cstring>

#ifndef LQ_EXTVERSION
#error "LQ_EXTVERSION (the default_version of lead_qual.control) must be defined by the build"
#endif

namespace lq::pg {

namespace {

enum class Known { Unknown, Current, Other };
Known known = Known::Unknown;
char installed[NAMEDATALEN];  // the database's version when Other
bool callback_registered = false;

// ALTER EXTENSION ... UPDATE, DROP and CREATE EXTENSION all change pg_proc;
// its invalidations reach every backend (a cache reset calls this too).
void forget(Datum /*arg*/, int /*cache_id*/, uint32 /*hash*/) { known = Known::Unknown; }

// lead_qual's extversion, or "" when the extension is not installed.
void read_extversion(char *out, size_t size) {
  out[0] = '\0';
  Relation rel = table_open(ExtensionRelationId, AccessShareLock);
  ScanKeyData key;
  ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber, F_NAMEEQ, CStringGetDatum("lead_qual"));
  SysScanDesc scan = systable_beginscan(rel, ExtensionNameIndexId, true, nullptr, 1, &key);
  HeapTuple tuple = systable_getnext(scan);
  if (HeapTupleIsValid(tuple)) {
    bool isnull = false;
    const Datum v = heap_getattr(tuple, Anum_pg_extension_extversion, RelationGetDescr(rel), &isnull);
    if (!isnull) strlcpy(out, text_to_cstring(DatumGetTextPP(v)), size);
  }
  systable_endscan(scan);
  table_close(rel, AccessShareLock);
}

}  // namespace

bool schema_is_current() {
  if (creating_extension && CurrentExtensionObject == get_extension_oid("lead_qual", true)) return true;
  if (!callback_registered) {
    CacheRegisterSyscacheCallback(PROCOID, forget, static_cast<Datum>(0));
    callback_registered = true;
  }
  if (known == Known::Unknown) {
    read_extversion(installed, sizeof installed);
    known = std::strcmp(installed, LQ_EXTVERSION) == 0 ? Known::Current : Known::Other;
  }
  return known == Known::Current;
}

void require_current_schema(const char *needs) {
  if (schema_is_current()) return;
  ereport(ERROR,
          (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
           errmsg("lead_qual's SQL objects in this database are version %s, but its library is version %s",
                  installed[0] != '\0' ? installed : "(none)", LQ_EXTVERSION),
           errdetail("%s need the objects of version %s.", needs, LQ_EXTVERSION),
           errhint("Run ALTER EXTENSION lead_qual UPDATE.")));
}

}  // namespace lq::pg
