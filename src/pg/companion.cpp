#include "pg/companion.hpp"

#include "pg/entry.hpp"

extern "C" {
#include "catalog/namespace.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
}

#include <string>

#include "pg/citus_shard.hpp"

namespace lq::pg {

char *companion_name_or_error(Oid leads, Companion kind) {
  const char *rel = get_rel_name(leads);
  if (rel == nullptr) elog(ERROR, "lead_qual: relation %u does not exist", leads);
  char buf[NAMEDATALEN];
  bool fits = false;
  {
    const std::optional<std::string> name = companion_name(rel, kind, NAMEDATALEN - 1);
    if (name) {
      strlcpy(buf, name->c_str(), sizeof buf);
      fits = true;
    }
  }
  if (!fits)
    ereport(ERROR, (errcode(ERRCODE_NAME_TOO_LONG),
                    errmsg("the name of table %s is too long for lead_qual's %s table next to it", rel,
                           kind == Companion::History ? "history" : "hand-off feed"),
                    errhint("Rename the table to %d bytes or fewer.",
                            NAMEDATALEN - 1 - (kind == Companion::History ? 11 : 12))));
  return pstrdup(buf);
}

Oid companion_table(Oid leads, Companion kind) {
  const char *rel = get_rel_name(leads);
  if (rel == nullptr) return InvalidOid;
  Oid found = InvalidOid;
  char buf[NAMEDATALEN];
  bool fits = false;
  {
    const std::optional<std::string> name = companion_name(rel, kind, NAMEDATALEN - 1);
    if (name) {
      strlcpy(buf, name->c_str(), sizeof buf);
      fits = true;
    }
  }
  if (fits) found = get_relname_relid(buf, get_rel_namespace(leads));
  // A table of the user's that happens to have the name is not a companion
  // (lead_qual._create_companion() refuses to adopt it): stage changes go on
  // without it instead of failing the user's statement on its columns.
  if (OidIsValid(found) && (get_attnum(found, "lead_key") == InvalidAttrNumber ||
                            get_attnum(found, "to_stage") == InvalidAttrNumber))
    return InvalidOid;
  return found;
}

const char *companion_target(Oid fired_on, Oid logical, Oid companion) {
  if (OidIsValid(logical) && fired_on != logical) {
    const char *shard = citus_colocated_shard(fired_on, companion);
    if (shard != nullptr) return shard;
  }
  return quote_qualified_identifier(get_namespace_name(get_rel_namespace(companion)),
                                    get_rel_name(companion));
}

const char *companion_key_type(Oid companion) {
  const AttrNumber key = get_attnum(companion, "lead_key");
  if (key == InvalidAttrNumber)
    ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN),
                    errmsg("table %s has no column lead_key", get_rel_name(companion)),
                    errhint("It is not a table lead_qual made: rename it.")));
  return format_type_be_qualified(get_atttype(companion, key));
}

}  // namespace lq::pg

// _companion_name(leads regclass, kind text) -> text: the companion's name,
// schema-qualified and quoted (what lead_qual._create_companion() creates).
namespace {

// The (leads regclass, kind text) arguments of the SQL functions below:
// 22023 for an unknown kind, 42P01 for a relation that does not exist.
lq::Companion companion_args(FunctionCallInfo fcinfo, Oid *leads) {
  *leads = PG_GETARG_OID(0);
  char *word = text_to_cstring(PG_GETARG_TEXT_PP(1));
  const std::optional<lq::Companion> kind = lq::companion_kind(word);
  if (!kind)
    ereport(ERROR,
            (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("unknown companion table kind \"%s\"", word),
             errhint("Use history or handoffs.")));
  if (!OidIsValid(get_rel_namespace(*leads)))
    ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE), errmsg("relation with OID %u does not exist", *leads)));
  return *kind;
}

}  // namespace

LQ_FUNCTION(lq_companion_name) {
  Oid leads = InvalidOid;
  const lq::Companion kind = companion_args(fcinfo, &leads);
  char *name = lq::pg::companion_name_or_error(leads, kind);
  PG_RETURN_TEXT_P(
      cstring_to_text(quote_qualified_identifier(get_namespace_name(get_rel_namespace(leads)), name)));
}

// _companion(leads regclass, kind text) -> regclass: the companion, or NULL
// when there is none (no table of that name, or a table of the user's that
// is not one: companion_table()).
LQ_FUNCTION(lq_companion) {
  Oid leads = InvalidOid;
  const lq::Companion kind = companion_args(fcinfo, &leads);
  const Oid companion = lq::pg::companion_table(leads, kind);
  if (!OidIsValid(companion)) PG_RETURN_NULL();
  PG_RETURN_OID(companion);
}
