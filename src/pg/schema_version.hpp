// Which version of lead_qual's SQL objects the current database has, against
// the version this library was built for (LQ_EXTVERSION, from
// lead_qual.control). After the library is replaced by a newer one, a
// database keeps its objects until ALTER EXTENSION lead_qual UPDATE: what the
// library can do with older objects it does (more slowly if need be), and
// what it cannot it refuses with 55000 and that command as the hint, instead
// of failing on a missing function halfway through a statement.
#pragma once

extern "C" {
#include "postgres.h"
}

namespace lq::pg {

// True when pg_extension.extversion of lead_qual is LQ_EXTVERSION, or while
// one of lead_qual's own extension scripts runs. Remembered per backend until
// pg_proc changes (every update script replaces lead_qual's functions).
// Plain PostgreSQL code (may ERROR).
bool schema_is_current();

// ERROR 55000 (object_not_in_prerequisite_state) with the hint "Run ALTER
// EXTENSION lead_qual UPDATE." unless schema_is_current(); `needs` names what
// needs the current objects ("lead_qual's triggers").
void require_current_schema(const char *needs);

}  // namespace lq::pg
