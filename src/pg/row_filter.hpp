// The one definition of "a SQL expression over one row of a tracked table":
// row filters (track() options lead_filter and activity_filter, a boolean
// expression such as `"deletedAt" IS NULL` or `active`: a row for which it is
// not true is left out by lead_qual, README "Row filters") and the
// expression outcomes of the reports and fit_model() (an `outcome`, boolean,
// and its `outcome_time`, README "Outcomes sales decided").
//
// The expression text is never pasted into SQL. It is parsed here, always
// under search_path pg_catalog, pg_temp, against the one table's row, and
// must be made of that row's columns (unqualified), constants, and built-in
// immutable functions, operators and types (user-defined enum types and
// domains over built-in types are accepted): no subquery, aggregate, window
// function, set-returning function or reference to another table. So no
// user-written code ever runs when a filter is evaluated, whichever role
// evaluates it. The triggers evaluate the compiled expression on the rows
// they read; lead_qual's SQL (rescore, refresh, verify, reports, backfill
// and the triggers' prepared statements) calls lead_qual._row_filter(table,
// expression, ROW(the columns it reads)), which compiles it once per
// backend: only the columns the filter reads are read (a BI role with
// column privileges can run a filtered table's reports). Outcome
// expressions are checked by the same rules and evaluated the same way
// (lead_qual._row_outcome(), _row_outcome_time()), with two differences
// that RowExpression names.
#pragma once

extern "C" {
#include "postgres.h"

#include "access/htup.h"
#include "executor/tuptable.h"
#include "utils/relcache.h"
}

namespace lq::pg {

struct RowFilter;

// What an expression over a row is for: its result type and whether it may
// call stable functions.
enum class RowExpression {
  // A row filter: boolean, immutable functions only. Its value must depend
  // on the row alone: the triggers evaluate it at write time, rescore and
  // the reports later, and they must agree on which rows are in.
  filter,
  // An outcome of a report or of fit_model(): boolean. Stable built-in
  // functions (now(), CURRENT_DATE, enum to text) are accepted: a report
  // reads the outcome once per lead, in one statement, so there is nothing
  // for it to disagree with. Volatile functions are refused.
  outcome,
  // The time an outcome was reached: timestamptz; a timestamp or date is
  // converted in the session's TimeZone (a date is its midnight). Stable
  // functions as for outcome.
  outcome_time,
};

// The compiled filter `expression` over rows of relation `rel`, cached per
// backend by relation and text (compiled again after the relation changes).
// ERROR when the expression is not an acceptable filter.
RowFilter *row_filter(Relation rel, const char *expression);

// Whether a row passes: the filter is true for it (false or NULL: it does
// not). The slot's descriptor is the relation's.
bool row_passes(RowFilter *filter, TupleTableSlot *slot);
bool tuple_passes(RowFilter *filter, HeapTuple tuple);

// The SQL of a call of lead_qual._row_filter() (or, by `kind`,
// _row_outcome(), _row_outcome_time()) evaluating `expression` for rows of
// `table` (a qualified name, as in the trigger arguments) under `alias`: it
// passes the columns the expression reads only. ERROR when the expression is
// not acceptable as `kind`.
const char *row_filter_sql(const char *table, const char *expression, const char *alias,
                           RowExpression kind = RowExpression::filter);

}  // namespace lq::pg
