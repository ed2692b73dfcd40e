// Row filters (track() options lead_filter and activity_filter): a SQL
// boolean expression over one row of a tracked table, such as
// `"deletedAt" IS NULL` or `active`. A row for which it is not true is left
// out by lead_qual (README, "Row filters").
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
// column privileges can run a filtered table's reports).
#pragma once

extern "C" {
#include "postgres.h"

#include "access/htup.h"
#include "executor/tuptable.h"
#include "utils/relcache.h"
}

namespace lq::pg {

struct RowFilter;

// The compiled filter `expression` over rows of relation `rel`, cached per
// backend by relation and text (compiled again after the relation changes).
// ERROR when the expression is not an acceptable filter.
RowFilter *row_filter(Relation rel, const char *expression);

// Whether a row passes: the filter is true for it (false or NULL: it does
// not). The slot's descriptor is the relation's.
bool row_passes(RowFilter *filter, TupleTableSlot *slot);
bool tuple_passes(RowFilter *filter, HeapTuple tuple);

// The SQL of a call of lead_qual._row_filter() evaluating `expression` for
// rows of `table` (a qualified name, as in the trigger arguments) under
// `alias`: it passes the columns the filter reads only. ERROR when the
// expression is not an acceptable filter.
const char *row_filter_sql(const char *table, const char *expression, const char *alias);

}  // namespace lq::pg
