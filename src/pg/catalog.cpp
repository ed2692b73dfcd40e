#include "pg/catalog.hpp"

extern "C" {
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "utils/syscache.h"
}

namespace lq::pg {

Oid extension_namespace() { return get_namespace_oid("lead_qual", false); }

Oid extension_type(const char *name) {
  const Oid type = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid, CStringGetDatum(name),
                                   ObjectIdGetDatum(extension_namespace()));
  if (!OidIsValid(type))
    ereport(ERROR, (errcode(ERRCODE_UNDEFINED_OBJECT), errmsg("type lead_qual.%s does not exist", name)));
  return type;
}

}  // namespace lq::pg
