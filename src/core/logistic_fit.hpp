// L2-regularised logistic regression, solved by liblinear (Debian's
// liblinear-dev): the one place lead_qual calls it. liblinear is a C API
// over C++ code; its messages (it prints to stdout by default) are silenced,
// and its parameter check runs before train(), so a bad parameter is an
// lq::Error, never a message on the server's stdout.
#pragma once

#include <cstddef>
#include <vector>

namespace lq::fit {

struct LogisticFit {
  std::vector<double> weights;  // one per feature, in the features' own units
  double bias = 0.0;            // intercept (regularised too, as liblinear does)
};

// rows: one vector of features per example, all the same length; positive:
// the label of each row. C > 0: the inverse regularisation strength (the
// loss is C * sum of log-losses + |w|^2 / 2). Features are standardised
// (divided by their standard deviation over the rows) before training, so
// the penalty treats a 0/1 fit rule and an engagement total alike; the
// weights returned are scaled back. A constant feature gets weight 0.
// Throws lq::Error(InvalidParameter) without both labels or with a bad C.
LogisticFit fit_logistic(const std::vector<std::vector<double>> &rows, const std::vector<bool> &positive,
                         double C);

// The solver's description for reports.
const char *logistic_solver_name();

}  // namespace lq::fit
