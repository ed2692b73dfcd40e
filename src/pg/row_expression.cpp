// _row_expression_type(leads, expression, what): checks a user-given SQL
// expression over one row of a leads table (an outcome such as "isWon", or
// the time it was reached) and returns its type, without running any of it.
//
// Why here and not in PL/pgSQL: the reports splice the expression into the
// query they run, so it must be exactly one expression over that row and
// nothing else (not a second select-list item, a FROM clause, a subquery
// reading other tables, an aggregate or a volatile call). Only the parse
// tree says so reliably, and parsing (raw parse + parse analysis) executes
// no user code, unlike planning (constant folding) or running the query.
// The caller splices the text exactly as it is checked here: "(\n" expr
// "\n)", the newlines ending any "--" comment inside it.
#include "pg/entry.hpp"  // first: postgres.h precedes every other header

extern "C" {
#include "catalog/namespace.h"
#include "lib/stringinfo.h"
#include "nodes/nodeFuncs.h"
#include "nodes/parsenodes.h"
#include "optimizer/optimizer.h"
#include "parser/analyze.h"
#include "parser/parser.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
}

namespace {

// Errors of the parser point into the text it parsed, not the caller's
// statement: report the position against that text, as SPI does.
void parse_error_callback(void *arg) {
  const int position = geterrposition();
  if (position > 0) {
    errposition(0);
    internalerrposition(position);
    internalerrquery(static_cast<const char *>(arg));
  }
}

// raw_parser() under parse_error_callback.
List *parse(const char *sql) {
  ErrorContextCallback callback;
  callback.callback = parse_error_callback;
  callback.arg = const_cast<char *>(sql);
  callback.previous = error_context_stack;
  error_context_stack = &callback;
  List *raw = raw_parser(sql, RAW_PARSE_DEFAULT);
  error_context_stack = callback.previous;
  return raw;
}

[[noreturn]] void refuse(const char *what, const char *problem) {
  ereport(
      ERROR,
      (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("%s expression must not contain %s", what, problem),
       errhint("Give one expression over the leads row, e.g. \"isWon\" or pipeline_stage = 'won'.")));
}

// The raw parse of "SELECT (\n expr \n)": exactly one statement selecting
// one item, with no other clause.
void check_shape(const char *expr, const char *what) {
  StringInfoData sql;
  initStringInfo(&sql);
  appendStringInfo(&sql, "SELECT (\n%s\n)", expr);
  List *raw = parse(sql.data);
  bool one_item = false;
  if (list_length(raw) == 1) {
    Node *stmt = linitial_node(RawStmt, raw)->stmt;
    if (IsA(stmt, SelectStmt)) {
      auto *s = reinterpret_cast<SelectStmt *>(stmt);
      one_item = s->op == SETOP_NONE && list_length(s->targetList) == 1 && s->fromClause == NIL &&
                 s->whereClause == nullptr && s->groupClause == NIL && s->havingClause == nullptr &&
                 s->windowClause == NIL && s->sortClause == NIL && s->limitOffset == nullptr &&
                 s->limitCount == nullptr && s->withClause == nullptr && s->distinctClause == NIL &&
                 s->intoClause == nullptr && s->lockingClause == NIL && s->valuesLists == NIL;
    }
  }
  if (!one_item)
    ereport(ERROR,
            (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("%s expression is not one expression", what),
             errdetail("Got: %s", expr),
             errhint("Give one expression over the leads row, e.g. \"isWon\" or pipeline_stage = 'won'.")));
}

}  // namespace

LQ_FUNCTION(lq_row_expression_type) {
  const Oid leads = PG_GETARG_OID(0);
  const char *expr = text_to_cstring(PG_GETARG_TEXT_PP(1));
  const char *what = text_to_cstring(PG_GETARG_TEXT_PP(2));
  check_shape(expr, what);

  const char *nspname = get_namespace_name(get_rel_namespace(leads));
  const char *relname = get_rel_name(leads);
  if (nspname == nullptr || relname == nullptr)
    ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE), errmsg("relation with OID %u does not exist", leads)));
  StringInfoData sql;
  initStringInfo(&sql);
  appendStringInfo(&sql, "SELECT (\n%s\n) FROM %s AS l", expr, quote_qualified_identifier(nspname, relname));
  List *raw = parse(sql.data);
  ErrorContextCallback callback;
  callback.callback = parse_error_callback;
  callback.arg = sql.data;
  callback.previous = error_context_stack;
  error_context_stack = &callback;
  Query *query = parse_analyze_fixedparams(linitial_node(RawStmt, raw), sql.data, nullptr, 0, nullptr);
  error_context_stack = callback.previous;

  if (query->hasSubLinks) refuse(what, "a subquery");
  if (query->hasAggs) refuse(what, "an aggregate function");
  if (query->hasWindowFuncs) refuse(what, "a window function");
  if (query->hasTargetSRFs) refuse(what, "a set-returning function");
  if (list_length(query->rtable) != 1) refuse(what, "another table");
  if (contain_volatile_functions(reinterpret_cast<Node *>(query->targetList)))
    refuse(what, "a volatile function (the reports are STABLE)");
  const auto *target = linitial_node(TargetEntry, query->targetList);
  PG_RETURN_OID(exprType(reinterpret_cast<Node *>(target->expr)));
}
