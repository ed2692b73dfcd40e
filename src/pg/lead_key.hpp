// A lead's identity is the value of its key under the leads key column's
// type and collation, as the leads table's unique index sees it: numeric 4
// and 4.000, float8 0 and -0, char(n) 'ab' and 'ab  ', citext 'Bob' and
// 'bob' (or text under a case-insensitive collation) are one lead. Lead
// writes collect each lead's activities by that value, with the key type's
// default hash and equality (lead_write.hpp); the SQL the triggers run
// passes keys as values of the key type too (tracking_sql.hpp). The text
// form of a key only names a lead (stage history, notifications, messages):
// equal keys may have different texts.
#pragma once

extern "C" {
#include "postgres.h"

#include "fmgr.h"
}

#include "pg/track_args.hpp"

namespace lq::pg {

// How a key becomes the text that names its lead: as `key::text` gives it,
// which is how lead_qual's SQL names leads (rescore()'s stage changes,
// verify(), the lives of the stage history, reports): the type's cast to
// text where it has one (char(n) drops its trailing blanks), else its
// output function.
struct KeyText {
  enum class Kind { kUnset, kOutput, kRelabel, kCast } kind;
  FmgrInfo function;  // the output function or the cast
};

// Sets `t` up for keys of `type` (the functions kept in `cxt`).
void key_text_init(KeyText *t, Oid type, MemoryContext cxt);

// The text of `value` (palloc'd).
char *key_text_of(KeyText *t, Datum value);

// How the keys of one leads key column are compared and hashed.
struct KeyIdentity {
  Oid type;
  Oid collation;  // the key column's (InvalidOid for a type without one)
  int16 typlen;
  bool typbyval;
  char typalign;
  // The type's default hash support function; fn_oid InvalidOid for a type
  // without one (a table tracked before track() refused them): every key
  // then hashes alike, and a write compares its leads one by one.
  FmgrInfo hash;
  FmgrInfo equal;  // the function of its default equality operator
  KeyText text;    // kUnset until needed
};

// A hash table key (dynahash, with lead_key_hash and lead_key_match): a key
// value and the identity it is compared under.
struct LeadKey {
  Datum value;
  const KeyIdentity *identity;
};
uint32 lead_key_hash(const void *key, Size keysize);
int lead_key_match(const void *a, const void *b, Size keysize);

// NULL when lead_qual can tell keys of `type` apart by value (a default hash
// operator class and equality, and an array type for the triggers' SQL),
// else what the type lacks.
const char *key_type_problem(Oid type);

// NULL when activities whose key column has collation `activities` are
// matched to leads keyed under `leads` as the leads table's unique index
// matches them, else why not: both must be the same collation when either
// is nondeterministic (deterministic collations agree on equality).
const char *key_collation_problem(Oid leads, Oid activities);

// The identity of keys of `type` under `collation`, allocated in `cxt`.
// ERROR 0A000 when the type has no default equality.
KeyIdentity *key_identity(Oid type, Oid collation, MemoryContext cxt);

// The identity of the keys of a tracked leads table (args.leads_oid,
// args.key_column), allocated in `cxt`. When `activities` is valid, its
// column `activity_key` (the activities' lead key) is checked to have the
// same type and a collation key_collation_problem() accepts (ERROR 42804:
// the tables changed after track()).
KeyIdentity *tracked_key_identity(const TrackArgs &args, Relation activities, AttrNumber activity_key,
                                  MemoryContext cxt);

// OPERATOR("schema".=): the default equality operator of `type`, as the
// SQL lead_qual generates names it (the type's own: citext's is not
// pg_catalog's, which would compare its values as text).
const char *equality_operator_sql(Oid type);

// `value`'s hash and text (KeyText) under `identity`.
uint32 key_hash(const KeyIdentity *identity, Datum value);
char *key_text(KeyIdentity *identity, Datum value);

// The hash of a key of `type` under `collation` with the type's default
// hash function (what key_hash() gives under that identity).
uint32 key_hash_of(Oid type, Oid collation, Datum value);

}  // namespace lq::pg
