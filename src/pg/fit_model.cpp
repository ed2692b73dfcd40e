// fit_model()'s C parts (the SQL function lead_qual.fit_model in
// src/sql/fit_model.sql builds the data set; the core learns and writes the
// report: core/fit_proposal.hpp):
//   _fit_rule_matches(model, lead jsonb) -> float8[]: 1/0 per fit rule;
//   _fit_propose(model, definition, features float8[][], positive bool[],
//                train bool[], c float8, max_points float8) -> jsonb: the report.
#include "pg/entry.hpp"  // first: postgres.h precedes every other header

extern "C" {
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
}

#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/fit_proposal.hpp"
#include "core/model.hpp"
#include "pg/model_cache.hpp"

namespace {

// The elements of a one- or two-dimensional array without NULLs (plain
// PostgreSQL code: call it from a frame with nothing to destroy, or through
// pg_call). dims[1] is 1 for a one-dimensional array.
struct FlatArray {
  Datum *values;
  int count;
  int rows;
  int cols;
};

FlatArray flat_array(ArrayType *a, Oid element_type, const char *what) {
  FlatArray out{nullptr, 0, 0, 1};
  if (ARR_ELEMTYPE(a) != element_type || ARR_NDIM(a) > 2)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("%s: unexpected array shape", what)));
  int16 typlen = 0;
  bool typbyval = false;
  char typalign = 'd';
  get_typlenbyvalalign(element_type, &typlen, &typbyval, &typalign);
  bool *nulls = nullptr;
  deconstruct_array(a, element_type, typlen, typbyval, typalign, &out.values, &nulls, &out.count);
  for (int i = 0; i < out.count; ++i)
    if (nulls[i])
      ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("%s must not contain NULLs", what)));
  out.rows = ARR_NDIM(a) == 0 ? 0 : ARR_DIMS(a)[0];
  out.cols = ARR_NDIM(a) == 2 ? ARR_DIMS(a)[1] : 1;
  return out;
}

}  // namespace

// _fit_rule_matches(model, lead): per fit rule 1 when its `when` holds on
// the lead, else 0 (the features of the fit rules).
LQ_FUNCTION(lq_fit_rule_matches) {
  lq::pg::ModelRef *m = lq::pg::model_for_call(fcinfo, PG_GETARG_TEXT_PP(0));
  lq::pg::attrs_from_jsonb(PG_GETARG_JSONB_P(1), m->lead_names, m->lead_count, m->lead_values);
  const int n = static_cast<int>(m->model->fit_rules.size());
  auto *elems = static_cast<Datum *>(palloc(sizeof(Datum) * (n + 1)));
  for (int i = 0; i < n; ++i)
    elems[i] = Float8GetDatum(
        m->model->fit_rules[static_cast<std::size_t>(i)].when.holds(m->lead_values) ? 1.0 : 0.0);
  PG_RETURN_ARRAYTYPE_P(construct_array(elems, n, FLOAT8OID, sizeof(double), true, TYPALIGN_DOUBLE));
}

// _fit_propose(model, definition, features, positive, train, c, max_points): features
// has one row per lead: the fit rule matches, the engagement rules' points,
// then the current fit and engagement.
LQ_FUNCTION(lq_fit_propose) {
  lq::pg::ModelRef *m = lq::pg::model_for_call(fcinfo, PG_GETARG_TEXT_PP(0));
  Jsonb *definition = PG_GETARG_JSONB_P(1);
  const char *definition_text = JsonbToCString(nullptr, &definition->root, VARSIZE(definition));
  const FlatArray features = flat_array(PG_GETARG_ARRAYTYPE_P(2), FLOAT8OID, "features");
  const FlatArray positive = flat_array(PG_GETARG_ARRAYTYPE_P(3), BOOLOID, "positive");
  const FlatArray train = flat_array(PG_GETARG_ARRAYTYPE_P(4), BOOLOID, "train");
  const double c = PG_GETARG_FLOAT8(5);
  const double max_points = PG_GETARG_FLOAT8(6);
  const int n_fit = static_cast<int>(m->model->fit_rules.size());
  const int n_eng = static_cast<int>(m->model->engagement_rules.size());
  if (features.count > 0 && features.cols != n_fit + n_eng + 2)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("features: %d columns, the model needs %d", features.cols, n_fit + n_eng + 2)));
  if (positive.count != features.rows || train.count != features.rows)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("features, positive and train differ in length")));

  char *report_text = nullptr;
  {
    std::vector<lq::fit::Example> examples(static_cast<std::size_t>(features.rows));
    for (int i = 0; i < features.rows; ++i) {
      lq::fit::Example &e = examples[static_cast<std::size_t>(i)];
      const Datum *row = features.values + static_cast<std::ptrdiff_t>(i) * features.cols;
      for (int j = 0; j < n_fit; ++j) e.fit_matches.push_back(DatumGetFloat8(row[j]));
      for (int j = 0; j < n_eng; ++j) e.engagement.push_back(DatumGetFloat8(row[n_fit + j]));
      e.current_fit = DatumGetFloat8(row[n_fit + n_eng]);
      e.current_engagement = DatumGetFloat8(row[n_fit + n_eng + 1]);
      e.positive = DatumGetBool(positive.values[i]);
      e.train = DatumGetBool(train.values[i]);
      if ((i & 1023) == 0) lq::pg::pg_call([] { CHECK_FOR_INTERRUPTS(); });
    }
    lq::fit::FitOptions options;
    options.C = c;
    options.max_points = max_points;
    const std::string report = lq::fit::propose_model(definition_text, *m->model, examples, options);
    report_text = lq::pg::pg_call([&] { return pstrdup(report.c_str()); });
  }
  PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(report_text)));
}
