#include "core/logistic_fit.hpp"

#include <linear.h>

#include <cmath>
#include <memory>
#include <string>

#include "core/error.hpp"

namespace lq::fit {

namespace {

// liblinear prints progress to stdout unless told otherwise; inside a
// PostgreSQL backend stdout is the server log (or nowhere), so say nothing.
void print_nothing(const char * /*message*/) {}

struct ModelDeleter {
  void operator()(model *m) const { free_and_destroy_model(&m); }
};

}  // namespace

const char *logistic_solver_name() {
  return "liblinear L2-regularised logistic regression (primal, trust-region Newton: L2R_LR)";
}

LogisticFit fit_logistic(const std::vector<std::vector<double>> &rows, const std::vector<bool> &positive,
                         double C) {
  if (!(C > 0.0) || !std::isfinite(C))
    throw Error(ErrorKind::InvalidParameter, "regularisation C must be a positive finite number");
  if (rows.size() != positive.size())
    throw Error(ErrorKind::Internal, "fit_logistic: rows and labels differ");
  std::size_t pos = 0;
  for (bool p : positive) pos += p ? 1 : 0;
  if (pos == 0 || pos == rows.size())
    throw Error(ErrorKind::InvalidParameter, "needs at least one example with and one without the outcome");
  const std::size_t n = rows.front().size();
  for (const auto &r : rows)
    if (r.size() != n) throw Error(ErrorKind::Internal, "fit_logistic: rows of different lengths");

  // Standard deviation of every feature (population), for standardising.
  std::vector<double> scale(n, 0.0);
  for (std::size_t j = 0; j < n; ++j) {
    double mean = 0.0;
    for (const auto &r : rows) mean += r[j];
    mean /= static_cast<double>(rows.size());
    double var = 0.0;
    for (const auto &r : rows) var += (r[j] - mean) * (r[j] - mean);
    var /= static_cast<double>(rows.size());
    scale[j] = var > 0.0 && std::isfinite(var) ? std::sqrt(var) : 0.0;
  }

  // liblinear's sparse rows: nonzero standardised features (1-based index),
  // the bias node (index n + 1, value 1), the terminator (index -1).
  std::vector<feature_node> nodes;
  nodes.reserve(rows.size() * (n + 2));
  std::vector<std::size_t> starts;
  starts.reserve(rows.size());
  for (const auto &r : rows) {
    starts.push_back(nodes.size());
    for (std::size_t j = 0; j < n; ++j)
      if (scale[j] > 0.0 && r[j] != 0.0) nodes.push_back({static_cast<int>(j + 1), r[j] / scale[j]});
    nodes.push_back({static_cast<int>(n + 1), 1.0});
    nodes.push_back({-1, 0.0});
  }
  std::vector<feature_node *> x(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) x[i] = nodes.data() + starts[i];
  std::vector<double> y(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) y[i] = positive[i] ? 1.0 : -1.0;

  problem prob{};
  prob.l = static_cast<int>(rows.size());
  prob.n = static_cast<int>(n + 1);
  prob.y = y.data();
  prob.x = x.data();
  prob.bias = -1;  // the bias node is already in every row (and prob.n)

  parameter param{};
  param.solver_type = L2R_LR;
  param.eps = 0.01;  // liblinear's default for L2R_LR
  param.C = C;
  param.nr_weight = 0;
  param.weight_label = nullptr;
  param.weight = nullptr;
  param.p = 0.1;
  param.init_sol = nullptr;

  set_print_string_function(print_nothing);
  if (const char *problem_text = check_parameter(&prob, &param))
    throw Error(ErrorKind::InvalidParameter,
                std::string("liblinear refused the parameters: ") + problem_text);
  std::unique_ptr<model, ModelDeleter> m(train(&prob, &param));
  if (!m || get_nr_class(m.get()) != 2)
    throw Error(ErrorKind::Internal, "liblinear returned no binary model");

  // The decision function of label index 0 is w.x; it belongs to whichever
  // label liblinear met first: flip the sign when that was the negative one.
  int labels[2] = {0, 0};
  get_labels(m.get(), labels);
  const int positive_index = labels[0] == 1 ? 0 : 1;

  LogisticFit out;
  out.weights.assign(n, 0.0);
  for (std::size_t j = 0; j < n; ++j)
    if (scale[j] > 0.0)
      out.weights[j] = get_decfun_coef(m.get(), static_cast<int>(j + 1), positive_index) / scale[j];
  out.bias = get_decfun_coef(m.get(), static_cast<int>(n + 1), positive_index);
  return out;
}

}  // namespace lq::fit
