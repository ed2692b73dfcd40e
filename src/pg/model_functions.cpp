// SQL functions about a scoring model itself: validate_model, grade,
// model_attributes.
#include "pg/entry.hpp"  // first: postgres.h precedes every other header

extern "C" {
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
}

#include <string>
#include <vector>

#include "core/model.hpp"
#include "pg/model_cache.hpp"

// validate_model(jsonb) -> text[]: every problem, empty when valid.
LQ_FUNCTION(lq_validate_model) {
  Jsonb *definition = PG_GETARG_JSONB_P(0);
  char *json_text = JsonbToCString(nullptr, &definition->root, VARSIZE(definition));
  const std::vector<std::string> problems = lq::validate_model(json_text);
  const int n = static_cast<int>(problems.size());
  Datum *elems = static_cast<Datum *>(lq::pg::pg_call([&] { return palloc0(sizeof(Datum) * (n + 1)); }));
  for (int i = 0; i < n; ++i) {
    const std::string &p = problems[static_cast<std::size_t>(i)];
    elems[i] = lq::pg::pg_call(
        [&] { return PointerGetDatum(cstring_to_text_with_len(p.data(), static_cast<int>(p.size()))); });
  }
  PG_RETURN_ARRAYTYPE_P(
      lq::pg::pg_call([&] { return construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT); }));
}

// grade(model, fit) -> text: the model's fit grade; NULL without grades.
LQ_FUNCTION(lq_grade) {
  lq::pg::ModelRef *ref = lq::pg::model_for_call(fcinfo, PG_GETARG_TEXT_PP(0));
  const double fit = PG_GETARG_FLOAT8(1);
  char label[32];
  {
    const std::string g = ref->model->grade(fit);
    if (g.empty()) PG_RETURN_NULL();
    strlcpy(label, g.c_str(), sizeof label);
  }
  PG_RETURN_TEXT_P(cstring_to_text(label));
}

// model_attributes(model) -> text[]: the lead attributes a model reads.
LQ_FUNCTION(lq_model_attributes) {
  lq::pg::ModelRef *model = lq::pg::model_for_call(fcinfo, PG_GETARG_TEXT_PP(0));
  auto *names = static_cast<Datum *>(palloc(sizeof(Datum) * (model->lead_count + 1)));
  for (int i = 0; i < model->lead_count; ++i) names[i] = CStringGetTextDatum(model->lead_names[i].name);
  PG_RETURN_ARRAYTYPE_P(construct_array(names, model->lead_count, TEXTOID, -1, false, TYPALIGN_INT));
}

// model_attributes(definition jsonb) -> text[]: the same for a candidate.
LQ_FUNCTION(lq_model_attributes_candidate) {
  lq::pg::ModelRef *model = lq::pg::candidate_for_call(fcinfo, 0);
  auto *names = static_cast<Datum *>(palloc(sizeof(Datum) * (model->lead_count + 1)));
  for (int i = 0; i < model->lead_count; ++i) names[i] = CStringGetTextDatum(model->lead_names[i].name);
  PG_RETURN_ARRAYTYPE_P(construct_array(names, model->lead_count, TEXTOID, -1, false, TYPALIGN_INT));
}
