// Lead keys compared by value (lead_key.hpp), and lead_qual._key_problem(),
// through which track() refuses key columns that cannot be.
#include "pg/lead_key.hpp"

#include "pg/entry.hpp"

extern "C" {
#include "access/htup_details.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_type.h"
#include "parser/parse_coerce.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/typcache.h"
}

#include "pg/tracked_columns.hpp"

namespace lq::pg {

namespace {

constexpr int kTypeCacheFlags = TYPECACHE_HASH_PROC_FINFO | TYPECACHE_EQ_OPR_FINFO;

// The type and collation of column `column` of `relid`; false when it has none.
bool column_type_of(Oid relid, const char *column, Oid *type, Oid *collation) {
  HeapTuple tuple = SearchSysCacheAttName(relid, column);
  if (!HeapTupleIsValid(tuple)) return false;
  auto *att = reinterpret_cast<Form_pg_attribute>(GETSTRUCT(tuple));
  *type = att->atttypid;
  *collation = att->attcollation;
  ReleaseSysCache(tuple);
  return true;
}

}  // namespace

uint32 lead_key_hash(const void *key, Size /*keysize*/) {
  const auto *k = static_cast<const LeadKey *>(key);
  return key_hash(k->identity, k->value);
}

int lead_key_match(const void *a, const void *b, Size /*keysize*/) {
  const auto *x = static_cast<const LeadKey *>(a);
  const auto *y = static_cast<const LeadKey *>(b);
  const KeyIdentity *id = x->identity;
  auto *equal = const_cast<FmgrInfo *>(&id->equal);
  return DatumGetBool(FunctionCall2Coll(equal, id->collation, x->value, y->value)) ? 0 : 1;
}

const char *key_type_problem(Oid type) {
  TypeCacheEntry *tc = lookup_type_cache(type, kTypeCacheFlags);
  if (!OidIsValid(tc->hash_proc) || !OidIsValid(tc->eq_opr))
    return psprintf("type %s lacks a default hash operator class", format_type_be(type));
  if (!OidIsValid(get_array_type(type))) return psprintf("type %s lacks an array type", format_type_be(type));
  return nullptr;
}

const char *key_collation_problem(Oid leads, Oid activities) {
  if (leads == activities || !OidIsValid(leads) || !OidIsValid(activities)) return nullptr;
  if (get_collation_isdeterministic(leads) && get_collation_isdeterministic(activities)) return nullptr;
  return psprintf("collation %s differs from %s, and one of them is nondeterministic",
                  quote_identifier(get_collation_name(activities)),
                  quote_identifier(get_collation_name(leads)));
}

KeyIdentity *key_identity(Oid type, Oid collation, MemoryContext cxt) {
  // Once per statement: the type cache only (the array type the plans need
  // is checked when they are prepared).
  TypeCacheEntry *tc = lookup_type_cache(type, kTypeCacheFlags);
  if (!OidIsValid(tc->eq_opr))
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                    errmsg("lead keys of type %s cannot be matched by value: %s", format_type_be(type),
                           key_type_problem(type)),
                    errhint("Key the leads table by a column of another type (bigint, uuid, text, ...).")));
  auto *id = static_cast<KeyIdentity *>(MemoryContextAllocZero(cxt, sizeof(KeyIdentity)));
  id->type = type;
  id->collation = collation;
  id->typlen = tc->typlen;
  id->typbyval = tc->typbyval;
  id->typalign = tc->typalign;
  if (OidIsValid(tc->hash_proc))
    fmgr_info_copy(&id->hash, &tc->hash_proc_finfo, cxt);
  else
    id->hash.fn_oid = InvalidOid;
  fmgr_info_copy(&id->equal, &tc->eq_opr_finfo, cxt);
  id->text.kind = KeyText::Kind::kUnset;
  return id;
}

KeyIdentity *tracked_key_identity(const TrackArgs &args, Relation activities, AttrNumber activity_key,
                                  MemoryContext cxt) {
  Oid type = InvalidOid;
  Oid collation = InvalidOid;
  if (!column_type_of(args.leads_oid, args.key_column, &type, &collation))
    tracked_column_missing(args.key_column, args.leads_table);
  if (activities != nullptr) {
    Form_pg_attribute att = TupleDescAttr(RelationGetDescr(activities), activity_key - 1);
    const char *problem = att->atttypid != type
                              ? psprintf("it is of type %s, the key of type %s",
                                         format_type_be(att->atttypid), format_type_be(type))
                              : key_collation_problem(collation, att->attcollation);
    if (problem != nullptr)
      ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
                      errmsg("column \"%s\" of table \"%s\" does not match the lead key %s.%s: %s",
                             NameStr(att->attname), RelationGetRelationName(activities), args.leads_table,
                             quote_identifier(args.key_column), problem),
                      errhint("The tables changed after lead_qual.track(); untrack and track them again.")));
  }
  return key_identity(type, collation, cxt);
}

const char *equality_operator_sql(Oid type) {
  TypeCacheEntry *tc = lookup_type_cache(type, TYPECACHE_EQ_OPR);
  if (!OidIsValid(tc->eq_opr))
    ereport(ERROR, (errcode(ERRCODE_UNDEFINED_FUNCTION),
                    errmsg("lead key type %s has no default equality operator", format_type_be(type))));
  HeapTuple tuple = SearchSysCache1(OPEROID, ObjectIdGetDatum(tc->eq_opr));
  if (!HeapTupleIsValid(tuple)) elog(ERROR, "cache lookup failed for operator %u", tc->eq_opr);
  auto *op = reinterpret_cast<Form_pg_operator>(GETSTRUCT(tuple));
  const char *result = psprintf("OPERATOR(%s.%s)", quote_identifier(get_namespace_name(op->oprnamespace)),
                                NameStr(op->oprname));
  ReleaseSysCache(tuple);
  return result;
}

uint32 key_hash(const KeyIdentity *identity, Datum value) {
  if (!OidIsValid(identity->hash.fn_oid)) return 0;
  auto *hash = const_cast<FmgrInfo *>(&identity->hash);
  return DatumGetUInt32(FunctionCall1Coll(hash, identity->collation, value));
}

void key_text_init(KeyText *t, Oid type, MemoryContext cxt) {
  Oid function = InvalidOid;
  switch (find_coercion_pathway(TEXTOID, type, COERCION_EXPLICIT, &function)) {
    case COERCION_PATH_RELABELTYPE:
      t->kind = KeyText::Kind::kRelabel;
      return;
    case COERCION_PATH_FUNC:
      t->kind = KeyText::Kind::kCast;
      break;
    default:
      t->kind = KeyText::Kind::kOutput;
      bool varlena = false;
      getTypeOutputInfo(type, &function, &varlena);
      break;
  }
  fmgr_info_cxt(function, &t->function, cxt);
}

char *key_text_of(KeyText *t, Datum value) {
  switch (t->kind) {
    case KeyText::Kind::kRelabel:
      return TextDatumGetCString(value);
    case KeyText::Kind::kCast:
      return TextDatumGetCString(FunctionCall1(&t->function, value));
    case KeyText::Kind::kOutput:
      return OutputFunctionCall(&t->function, value);
    case KeyText::Kind::kUnset:
      break;
  }
  elog(ERROR, "lead_qual: a key text not set up");
  return nullptr;
}

char *key_text(KeyIdentity *identity, Datum value) {
  if (identity->text.kind == KeyText::Kind::kUnset)
    key_text_init(&identity->text, identity->type, identity->equal.fn_mcxt);
  return key_text_of(&identity->text, value);
}

uint32 key_hash_of(Oid type, Oid collation, Datum value) {
  TypeCacheEntry *tc = lookup_type_cache(type, TYPECACHE_HASH_PROC_FINFO);
  if (!OidIsValid(tc->hash_proc)) return 0;  // as key_hash()
  return DatumGetUInt32(FunctionCall1Coll(&tc->hash_proc_finfo, collation, value));
}

}  // namespace lq::pg

// lead_qual._key_problem(leads, key, activities, activity_key) -> text: why
// track() cannot match the activities' lead keys to the leads by value
// (lead_key.hpp), or NULL. NULL too when a column is missing or the types
// differ: track() reports those itself.
LQ_FUNCTION(lq_key_problem) {
  const Oid leads = PG_GETARG_OID(0);
  const char *key = text_to_cstring(PG_GETARG_TEXT_PP(1));
  const Oid activities = PG_GETARG_OID(2);
  const char *activity_key = text_to_cstring(PG_GETARG_TEXT_PP(3));
  Oid type = InvalidOid;
  Oid collation = InvalidOid;
  Oid activity_type = InvalidOid;
  Oid activity_collation = InvalidOid;
  if (!lq::pg::column_type_of(leads, key, &type, &collation) ||
      !lq::pg::column_type_of(activities, activity_key, &activity_type, &activity_collation) ||
      type != activity_type)
    PG_RETURN_NULL();
  const char *leads_name = DatumGetCString(DirectFunctionCall1(regclassout, ObjectIdGetDatum(leads)));
  if (const char *problem = lq::pg::key_type_problem(type))
    PG_RETURN_TEXT_P(cstring_to_text(psprintf(
        "key column %s.%s of type %s cannot be tracked: lead_qual matches activities to leads by the "
        "key's value, with its type's default hash and equality operators, and %s",
        leads_name, quote_identifier(key), format_type_be(type), problem)));
  if (const char *problem = lq::pg::key_collation_problem(collation, activity_collation))
    PG_RETURN_TEXT_P(cstring_to_text(
        psprintf("column %s.%s must have the collation of key column %s.%s: %s",
                 DatumGetCString(DirectFunctionCall1(regclassout, ObjectIdGetDatum(activities))),
                 quote_identifier(activity_key), leads_name, quote_identifier(key), problem)));
  PG_RETURN_NULL();
}

// lead_qual._key_eq(leads, key) -> text: OPERATOR(schema.=), the default
// equality of the type of column `key` of `leads`, for the SQL that matches
// activities to leads by key (rescore(), verify(), reports).
LQ_FUNCTION(lq_key_eq) {
  const Oid leads = PG_GETARG_OID(0);
  const char *key = text_to_cstring(PG_GETARG_TEXT_PP(1));
  Oid type = InvalidOid;
  Oid collation = InvalidOid;
  if (!lq::pg::column_type_of(leads, key, &type, &collation))
    lq::pg::tracked_column_missing(key, get_rel_name(leads));
  PG_RETURN_TEXT_P(cstring_to_text(lq::pg::equality_operator_sql(type)));
}
