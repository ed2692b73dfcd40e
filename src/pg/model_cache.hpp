// Finding a compiled scoring model from SQL functions.
//
// Each call site (FmgrInfo) keeps a ModelRef in fn_extra for the duration of
// the statement, so a model is looked up once per statement, not per row.
// Compiled models are cached per backend. lead_qual.scoring_model's trigger
// sends a relcache invalidation on every change; until one arrives, a cached
// model is used without touching the table. After one, the model's version
// is read again (one primary-key probe with the latest snapshot) and the
// definition compiled only when the version is new. Another session's
// committed change is therefore seen by this session's next statement.
#pragma once

extern "C" {
#include "postgres.h"

#include "fmgr.h"
#include "utils/jsonb.h"
}

#include <memory>
#include <string_view>

#include "core/attr_value.hpp"
#include "core/model.hpp"

namespace lq::pg {

struct AttrName {
  const char *name;
  int len;
};

// Plain data in fn_mcxt; the compiled model is kept alive by `handle` until
// the call site's memory context goes away.
struct ModelRef {
  char *name;
  int name_len;  // strlen(name), compared on every call
  const Model *model;
  void *handle;  // heap std::shared_ptr<const Model>, released by a memory context callback
  AttrName *lead_names;
  int lead_count;
  AttrName *property_names;
  int property_count;
  AttrValue *lead_values;      // scratch, lead_count entries
  AttrValue *property_values;  // scratch, property_count entries
  // A candidate model given as jsonb (candidate_for_call): its definition's
  // bytes, and the argument pointer it was last seen at.
  char *candidate;
  int candidate_len;
  Datum candidate_arg;
  // The engagement_state() aggregates' prototypes at this call site
  // (engagement_aggregate.cpp), in fn_mcxt; kept when the model changes.
  void *aggregate_prototypes;
  // The one of them for `model`; reset whenever `model` changes (fill_ref).
  const void *aggregate_prototype;
  // The activity types classified at this call site (zeroed: none); reset
  // whenever `model` changes (fill_ref).
  ActivityKindMemo activity_kinds;
  // model_of_arg(): whether the call site's model name is a constant (known
  // after its first call), so that `model` holds for all its calls.
  bool name_checked;
  bool name_constant;
};

// The model named `name` for this call site; ERROR 42704 if there is none.
ModelRef *model_for_call(FunctionCallInfo fcinfo, text *name);

// The stored model `name` compiled at `version`, to read a state built under
// it (the engagement_state() aggregates' partial results): this backend's
// compiled copy of that version, or the stored row when that is its version;
// nullptr when neither (the model changed since, or does not exist).
std::shared_ptr<const Model> model_at_version(std::string_view name, int64 version);

// A model given as its jsonb definition (lead_qual.preview(), issue #16),
// compiled once per call site and definition; 22023 naming the JSON path of
// the first problem. Its name is "candidate" and its version a negative
// number derived from the definition (real versions are positive), so its
// score states are never mistaken for those of a stored model.
// The definition is argument n (not NULL). A constant argument is looked at
// once; any other's bytes are compared on every call.
ModelRef *candidate_for_call(FunctionCallInfo fcinfo, int n);

// The model of argument n of a SQL function: a name (lead_qual.scoring_model;
// model_for_call) or, for the jsonb overloads (`candidate`), a definition not
// stored anywhere (candidate_for_call). ERROR 22004 when NULL.
ModelRef *model_of_arg(FunctionCallInfo fcinfo, int n, bool candidate);

// Fills values[i] with the top-level key names[i] of a jsonb object (a
// non-object or NULL jsonb yields all Missing). Strings point into `jb`.
void attrs_from_jsonb(Jsonb *jb, const AttrName *names, int count, AttrValue *values);

}  // namespace lq::pg
