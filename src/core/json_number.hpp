// What counts as a number in lead_qual's JSON (models, score_state text):
// a JSON number that is finite as a double. One definition for every reader.
#pragma once

#include <cmath>
#include <nlohmann/json.hpp>

namespace lq {

inline bool finite_number(const nlohmann::json &j) { return j.is_number() && std::isfinite(j.get<double>()); }

}  // namespace lq
