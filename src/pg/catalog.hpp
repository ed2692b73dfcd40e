// Look-ups of lead_qual's own catalog objects. Extension object OIDs differ
// between databases and change if the extension is recreated, so they are
// looked up (through the syscache, which is cheap) rather than remembered.
#pragma once

extern "C" {
#include "postgres.h"
}

namespace lq::pg {

// OID of schema lead_qual; ERROR if the extension is not installed.
Oid extension_namespace();

// OID of type lead_qual.<name>; ERROR if missing.
Oid extension_type(const char *name);

// The owner of relation `relid`.
Oid relation_owner(Oid relid);

}  // namespace lq::pg
