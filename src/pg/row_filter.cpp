#include "pg/row_filter.hpp"

#include "pg/entry.hpp"

extern "C" {
#include "access/htup_details.h"
#include "access/relation.h"
#include "access/sysattr.h"
#include "access/transam.h"
#include "catalog/dependency.h"
#include "catalog/namespace.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "common/hashfn.h"
#include "executor/executor.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/bitmapset.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parse_coerce.h"
#include "parser/parse_collate.h"
#include "parser/parse_expr.h"
#include "parser/parse_node.h"
#include "parser/parse_relation.h"
#include "parser/parse_type.h"
#include "parser/parser.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/typcache.h"
}

#include <cstring>

#include "pg/catalog.hpp"

namespace lq::pg {

// A compiled filter: an entry of `filters`, keyed by relation and the
// expression text's hash (the text itself is compared too).
struct FilterKey {
  Oid relid;
  uint32 text_hash;
  // Compiled over a record of the columns it reads only, in attribute
  // order (lead_qual._row_filter()), instead of the table's rows.
  bool positional;
  RowExpression kind;
};

struct RowFilter {
  FilterKey key;
  bool valid;             // false once the relation changed: compile again
  MemoryContext context;  // holds everything below; NULL before the first compile
  char *text;
  ExprState *state;
  ExprContext *econtext;
  TupleTableSlot *slot;  // of the relation's descriptor, for tuples passed in (not positional)
};

namespace {

HTAB *filters = nullptr;

// Relcache invalidation: the relation's columns may have changed.
void invalidate(Datum /*arg*/, Oid relid) {
  if (filters == nullptr) return;
  HASH_SEQ_STATUS seq;
  hash_seq_init(&seq, filters);
  while (auto *f = static_cast<RowFilter *>(hash_seq_search(&seq)))
    if (relid == InvalidOid || f->key.relid == relid) f->valid = false;
}

// What the messages call an expression of `kind`.
const char *noun(RowExpression kind) {
  switch (kind) {
    case RowExpression::outcome:
      return "an outcome expression";
    case RowExpression::outcome_time:
      return "an outcome_time expression";
    case RowExpression::filter:
      break;
  }
  return "a row filter";
}

// `message` has one %s: the noun of `kind`.
[[noreturn]] void reject(int sqlstate, RowExpression kind, const char *message) {
  // A filter's hint is track()'s (it names the option).
  if (kind == RowExpression::filter)
    ereport(ERROR, (errcode(sqlstate), errmsg(message, noun(kind))));
  else if (kind == RowExpression::outcome)
    ereport(ERROR, (errcode(sqlstate), errmsg(message, noun(kind)),
                    errhint("Give a funnel stage, or one expression over the leads row's own columns, e.g. "
                            "\"isWon\" or pipeline_stage = 'won'.")));
  else
    ereport(ERROR, (errcode(sqlstate), errmsg(message, noun(kind)),
                    errhint("Give one expression over the leads row's own columns, e.g. \"wonAt\".")));
  pg_unreachable();
}

// Whether an object is lead_qual's own (its type lead_stage, its I/O
// and operators): the extension's code, as trusted as the built-ins.
bool lead_qual_object(Oid classid, Oid objid) {
  const Oid extension = get_extension_oid("lead_qual", true);
  return OidIsValid(extension) && getExtensionOfObject(classid, objid) == extension;
}

// Types whose operations are built in: built-in types, lead_qual's own,
// user-defined enums (enum_in, enum_eq, enum_cmp, ...) and domains over
// built-in types.
bool builtin_behaviour(Oid type) {
  if (type < FirstNormalObjectId) return true;
  const char kind = get_typtype(type);
  return kind == TYPTYPE_ENUM || (kind == TYPTYPE_DOMAIN && getBaseType(type) < FirstNormalObjectId) ||
         lead_qual_object(TypeRelationId, type);
}

bool user_defined_function(Oid func, void * /*context*/) {
  return func >= FirstNormalObjectId && !lead_qual_object(ProcedureRelationId, func);
}

// Only the node kinds listed are accepted: anything else (a subquery, an
// aggregate, a parameter, a newer kind of expression) is refused.
bool check_node(Node *node, void *context) {
  if (node == nullptr) return false;
  const RowExpression kind = *static_cast<RowExpression *>(context);
  switch (nodeTag(node)) {
    case T_Var: {
      const Var *v = reinterpret_cast<Var *>(node);
      if (v->varlevelsup != 0 || v->varno != 1)
        reject(ERRCODE_INVALID_COLUMN_REFERENCE, kind, "%s may read only the columns of its own table's row");
      if (v->varattno <= 0)
        reject(ERRCODE_FEATURE_NOT_SUPPORTED, kind, "%s may not read system columns or the whole row");
      if (!builtin_behaviour(v->vartype))
        reject(ERRCODE_FEATURE_NOT_SUPPORTED, kind,
               "%s may not read columns of user-defined types (other than enums and domains over "
               "built-in types)");
      break;
    }
    case T_Const:
      if (!builtin_behaviour(reinterpret_cast<Const *>(node)->consttype))
        reject(ERRCODE_FEATURE_NOT_SUPPORTED, kind, "%s may not use constants of user-defined types");
      break;
    case T_SubLink:
      reject(ERRCODE_FEATURE_NOT_SUPPORTED, kind, "subqueries are not allowed in %s");
    case T_Aggref:
    case T_GroupingFunc:
      reject(ERRCODE_FEATURE_NOT_SUPPORTED, kind, "aggregate functions are not allowed in %s");
    case T_WindowFunc:
      reject(ERRCODE_FEATURE_NOT_SUPPORTED, kind, "window functions are not allowed in %s");
    case T_SQLValueFunction:
      // Stable: allowed where stable functions are (RowExpression).
      if (kind == RowExpression::filter)
        reject(ERRCODE_FEATURE_NOT_SUPPORTED, kind,
               "%s must depend on the row alone: CURRENT_DATE, CURRENT_USER and the like are not allowed");
      break;
    case T_FuncExpr:
      if (reinterpret_cast<FuncExpr *>(node)->funcretset)
        reject(ERRCODE_FEATURE_NOT_SUPPORTED, kind, "set-returning functions are not allowed in %s");
      break;
    case T_OpExpr:
      if (reinterpret_cast<OpExpr *>(node)->opretset)
        reject(ERRCODE_FEATURE_NOT_SUPPORTED, kind, "set-returning functions are not allowed in %s");
      break;
    case T_DistinctExpr:
    case T_NullIfExpr:
    case T_ScalarArrayOpExpr:
    case T_BoolExpr:
    case T_NullTest:
    case T_BooleanTest:
    case T_RelabelType:
    case T_CoerceViaIO:
    case T_ArrayCoerceExpr:
    case T_CaseExpr:
    case T_CaseWhen:
    case T_CaseTestExpr:
    case T_CoalesceExpr:
    case T_MinMaxExpr:
    case T_ArrayExpr:
    case T_RowExpr:
    case T_RowCompareExpr:
    case T_CollateExpr:
    case T_NamedArgExpr:
    case T_List:
      break;
    default:
      reject(ERRCODE_FEATURE_NOT_SUPPORTED, kind, "this kind of expression is not supported in %s");
  }
  if (check_functions_in_node(node, user_defined_function, nullptr))
    reject(ERRCODE_FEATURE_NOT_SUPPORTED, kind,
           "%s may call only built-in functions and operators (no user-defined ones)");
  return lq_compat_expression_tree_walker(node, check_node, context);
}

// Columns are named plainly: `"deletedAt"`, not `person."deletedAt"`.
Node *only_plain_columns(ParseState *state, ColumnRef *ref) {
  const RowExpression kind = *static_cast<RowExpression *>(state->p_ref_hook_state);
  if (list_length(ref->fields) != 1 || !IsA(linitial(ref->fields), String))
    reject(ERRCODE_INVALID_COLUMN_REFERENCE, kind,
           kind == RowExpression::filter
               ? "%s names columns of its own table's row only, unqualified (e.g. \"deletedAt\" IS NULL)"
               : "%s names columns of its own table's row only, unqualified (e.g. \"isWon\")");
  return nullptr;
}

// The attribute numbers a checked filter reads, in ascending order.
Bitmapset *read_columns(Node *expr) {
  Bitmapset *attnos = nullptr;
  pull_varattnos(expr, 1, &attnos);
  return attnos;
}

// Renumbers the filter's Vars to their positions among `attnos` (1-based).
bool renumber_vars(Node *node, void *attnos) {
  if (node == nullptr) return false;
  if (IsA(node, Var)) {
    auto *v = reinterpret_cast<Var *>(node);
    const int member = v->varattno - FirstLowInvalidHeapAttributeNumber;
    int position = 0;
    int x = -1;
    while ((x = bms_next_member(static_cast<Bitmapset *>(attnos), x)) >= 0 && x <= member) ++position;
    v->varattno = static_cast<AttrNumber>(position);
    v->varattnosyn = v->varattno;
    return false;
  }
  return lq_compat_expression_tree_walker(node, renumber_vars, attnos);
}

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

// The expression parsed and analysed against a row of `rel`, checked as an
// expression of `kind`, of its result type (not planned). Under search_path
// pg_catalog, pg_temp: the same names mean the same objects for every
// caller.
Node *analyse(Relation rel, const char *expression, RowExpression kind) {
  const int nest = NewGUCNestLevel();
  (void)set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
                          true, 0, false);
  // A filter is compiled once per backend and must pass the same rows in
  // every session: a date or time literal in it ('2026-01-01' against a
  // timestamptz column) is read when it is parsed, so it is read in UTC and
  // month-day order whatever the first session's TimeZone and DateStyle
  // were. (An outcome expression is compiled for its query: it reads
  // literals as the caller's session does, like the rest of the query.)
  if (kind == RowExpression::filter) {
    (void)set_config_option("TimeZone", "UTC", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
    (void)set_config_option("DateStyle", "ISO, MDY", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0,
                            false);
  }
  // Parsed as a SELECT of one expression and nothing else: text that ends
  // the expression and goes on (`true; DROP TABLE t`, `true FROM t`) is
  // refused here, and nothing is ever executed.
  const char *sql = psprintf("SELECT %s", expression);
  ErrorContextCallback callback;
  callback.callback = parse_error_callback;
  callback.arg = const_cast<char *>(sql);
  callback.previous = error_context_stack;
  error_context_stack = &callback;
  List *statements = raw_parser(sql, RAW_PARSE_DEFAULT);
  const auto *select = list_length(statements) == 1
                           ? reinterpret_cast<SelectStmt *>(linitial_node(RawStmt, statements)->stmt)
                           : nullptr;
  if (select == nullptr || !IsA(select, SelectStmt) || select->op != SETOP_NONE ||
      list_length(select->targetList) != 1 || select->fromClause != NIL || select->whereClause != nullptr ||
      select->groupClause != NIL || select->havingClause != nullptr || select->windowClause != NIL ||
      select->distinctClause != NIL || select->intoClause != nullptr || select->sortClause != NIL ||
      select->limitOffset != nullptr || select->limitCount != nullptr || select->lockingClause != NIL ||
      select->withClause != nullptr || select->valuesLists != NIL ||
      linitial_node(ResTarget, select->targetList)->name != nullptr)
    reject(ERRCODE_INVALID_PARAMETER_VALUE, kind,
           "%s must be one SQL expression over the row, and nothing else");
  Node *raw = linitial_node(ResTarget, select->targetList)->val;

  ParseState *ps = make_parsestate(nullptr);
  ps->p_sourcetext = sql;
  ps->p_pre_columnref_hook = only_plain_columns;
  ps->p_ref_hook_state = &kind;
  ParseNamespaceItem *item = addRangeTableEntryForRelation(ps, rel, AccessShareLock, nullptr, false, false);
  addNSItemToQuery(ps, item, false, true, true);
  Node *expr = transformExpr(ps, raw, EXPR_KIND_OTHER);
  error_context_stack = callback.previous;
  if (expression_returns_set(expr))
    reject(ERRCODE_FEATURE_NOT_SUPPORTED, kind, "set-returning functions are not allowed in %s");
  const Oid type = getBaseType(exprType(expr));
  if (kind == RowExpression::outcome_time) {
    if (type != TIMESTAMPTZOID && type != TIMESTAMPOID && type != DATEOID && type != UNKNOWNOID)
      ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH),
                      errmsg("%s must be a timestamptz, timestamp or date, not of type %s", noun(kind),
                             format_type_be(type))));
    // timestamp and date: in the session's TimeZone, as a cast does.
    expr = coerce_to_target_type(ps, expr, exprType(expr), TIMESTAMPTZOID, -1, COERCION_ASSIGNMENT,
                                 COERCE_IMPLICIT_CAST, -1);
  } else {
    if (type != BOOLOID && type != UNKNOWNOID)
      ereport(ERROR,
              (errcode(ERRCODE_DATATYPE_MISMATCH),
               errmsg("%s must be a boolean expression, not of type %s", noun(kind), format_type_be(type))));
    expr = coerce_to_boolean(ps, expr, noun(kind));
  }
  assign_expr_collations(ps, expr);
  check_node(expr, &kind);
  if (kind == RowExpression::filter && contain_mutable_functions(expr))
    reject(ERRCODE_FEATURE_NOT_SUPPORTED, kind,
           "%s may call only immutable functions and operators: its value must depend on the row alone");
  if (kind != RowExpression::filter && contain_volatile_functions(expr))
    reject(ERRCODE_FEATURE_NOT_SUPPORTED, kind,
           "%s may not call volatile functions (random(), clock_timestamp(), ...): the same report must give "
           "the same answer");
  free_parsestate(ps);
  AtEOXact_GUC(true, nest);
  return expr;
}

// Compiles into a context kept under `keep_under` (CacheMemoryContext for
// the backend's cache).
void compile(RowFilter *f, Relation rel, const char *expression, bool positional, MemoryContext keep_under) {
  if (f->context != nullptr) MemoryContextDelete(f->context);
  f->context = nullptr;
  f->valid = false;
  // Made under the caller's context, kept only once complete.
  MemoryContext cxt =
      AllocSetContextCreate(CurrentMemoryContext, "lead_qual row filter", ALLOCSET_SMALL_SIZES);
  MemoryContext caller = MemoryContextSwitchTo(cxt);
  Node *expr = analyse(rel, expression, f->key.kind);
  if (positional) renumber_vars(expr, read_columns(expr));
  f->state = ExecInitExpr(expression_planner(reinterpret_cast<Expr *>(expr)), nullptr);
  f->econtext = CreateStandaloneExprContext();
  f->slot = MakeSingleTupleTableSlot(CreateTupleDescCopy(RelationGetDescr(rel)), &TTSOpsHeapTuple);
  f->text = pstrdup(expression);
  MemoryContextSwitchTo(caller);
  MemoryContextSetParent(cxt, keep_under);
  f->context = cxt;
  f->valid = true;
}

}  // namespace

namespace {

RowFilter *cached_filter(Relation rel, const char *expression, bool positional, RowExpression kind) {
  if (filters == nullptr) {
    HASHCTL ctl;
    memset(&ctl, 0, sizeof ctl);
    ctl.keysize = sizeof(FilterKey);
    ctl.entrysize = sizeof(RowFilter);
    ctl.hcxt = CacheMemoryContext;
    filters = hash_create("lead_qual row filters", 16, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
    CacheRegisterRelcacheCallback(invalidate, 0);
  }
  FilterKey key;
  memset(&key, 0, sizeof key);
  key.relid = RelationGetRelid(rel);
  key.text_hash =
      hash_bytes(reinterpret_cast<const unsigned char *>(expression), static_cast<int>(strlen(expression)));
  key.positional = positional;
  key.kind = kind;
  bool found = false;
  auto *f = static_cast<RowFilter *>(hash_search(filters, &key, HASH_ENTER, &found));
  if (!found) {
    f->context = nullptr;
    f->valid = false;
    f->text = nullptr;
  }
  if (!f->valid || strcmp(f->text, expression) != 0)
    compile(f, rel, expression, positional, CacheMemoryContext);
  return f;
}

// An outcome expression compiled for one query (in `f`, kept under
// `owner`): not cached for the backend, because what it compiles to may
// depend on the session's settings (a literal such as '2026-01-01' compared
// with a timestamptz is read in the TimeZone), which a later report may
// have changed.
RowFilter *query_expression(RowFilter *f, Relation rel, const char *expression, RowExpression kind,
                            MemoryContext owner) {
  f->key.relid = RelationGetRelid(rel);
  f->key.positional = true;
  f->key.kind = kind;
  compile(f, rel, expression, true, owner);
  return f;
}

}  // namespace

RowFilter *row_filter(Relation rel, const char *expression) {
  return cached_filter(rel, expression, false, RowExpression::filter);
}

const char *row_filter_sql(const char *table, const char *expression, const char *alias, RowExpression kind) {
  const Oid relid =
      RangeVarGetRelid(makeRangeVarFromNameList(lq_compat_qualified_name_list(table)), NoLock, false);
  Relation rel = relation_open(relid, AccessShareLock);
  Bitmapset *attnos = read_columns(analyse(rel, expression, kind));
  StringInfoData columns;
  initStringInfo(&columns);
  int x = -1;
  while ((x = bms_next_member(attnos, x)) >= 0) {
    const auto attno = static_cast<AttrNumber>(x + FirstLowInvalidHeapAttributeNumber);
    appendStringInfo(&columns, "%s%s.%s", columns.len > 0 ? ", " : "", quote_identifier(alias),
                     quote_identifier(NameStr(TupleDescAttr(RelationGetDescr(rel), attno - 1)->attname)));
  }
  const char *name =
      quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)), RelationGetRelationName(rel));
  relation_close(rel, AccessShareLock);
  const char *function = kind == RowExpression::filter    ? "_row_filter"
                         : kind == RowExpression::outcome ? "_row_outcome"
                                                          : "_row_outcome_time";
  return psprintf("lead_qual.%s(%s::pg_catalog.regclass, %s, ROW(%s))", function, quote_literal_cstr(name),
                  quote_literal_cstr(expression), columns.data);
}

// The expression's value for the row in `slot` (by value: boolean or
// timestamptz).
Datum row_value(RowFilter *filter, TupleTableSlot *slot, bool *isnull) {
  ExprContext *econtext = filter->econtext;
  econtext->ecxt_scantuple = slot;
  *isnull = false;
  const Datum result = ExecEvalExprSwitchContext(filter->state, econtext, isnull);
  ResetExprContext(econtext);
  return result;
}

bool row_passes(RowFilter *filter, TupleTableSlot *slot) {
  bool isnull = false;
  const Datum result = row_value(filter, slot, &isnull);
  return !isnull && DatumGetBool(result);
}

bool tuple_passes(RowFilter *filter, HeapTuple tuple) {
  ExecStoreHeapTuple(tuple, filter->slot, false);
  const bool passes = row_passes(filter, filter->slot);
  ExecClearTuple(filter->slot);
  return passes;
}

}  // namespace lq::pg

// lead_qual._check_row_filter(tbl regclass, expression text): ERROR unless
// the expression is an acceptable row filter of tbl (track() calls it for
// its options lead_filter and activity_filter). Parsed as the table's owner
// in a security-restricted operation: track() is SECURITY DEFINER, and
// nothing of the caller's may run with its rights (parsing runs no code of
// an acceptable filter; this is in case of one that is not).
LQ_FUNCTION(lq_check_row_filter) {
  const Oid relid = PG_GETARG_OID(0);
  const char *expression = text_to_cstring(PG_GETARG_TEXT_PP(1));
  Oid user = InvalidOid;
  int security = 0;
  GetUserIdAndSecContext(&user, &security);
  SetUserIdAndSecContext(lq::pg::relation_owner(relid),
                         security | SECURITY_LOCAL_USERID_CHANGE | SECURITY_RESTRICTED_OPERATION);
  Relation rel = relation_open(relid, AccessShareLock);
  (void)lq::pg::analyse(rel, expression, lq::pg::RowExpression::filter);
  relation_close(rel, AccessShareLock);
  SetUserIdAndSecContext(user, security);
  PG_RETURN_VOID();
}

namespace {
// lq_row_filter's per-call-site cache (fn_extra).
struct RowFilterCall {
  lq::pg::RowFilter *filter;
  lq::pg::RowFilter *own;  // outcome expressions: compiled for this query only
  Oid record_type;         // of the record passed, and the slot made for it
  int32 record_typmod;
  TupleTableSlot *slot;
};
}  // namespace

namespace {
// The value of an expression of `kind` over a row of table tbl (argument
// 0, the expression argument 1), given the columns it reads (argument 2, in
// attribute order: ROW(t.a, t.b), as lead_qual._row_filter_sql() writes the
// call). Only those columns are read from the table: a role with SELECT on
// them (and not on the others, say a BI role) can run a report of a
// filtered table, or with an expression outcome.
Datum row_expression_value(FunctionCallInfo fcinfo, lq::pg::RowExpression kind, bool *isnull) {
  const Oid relid = PG_GETARG_OID(0);
  text *expression = PG_GETARG_TEXT_PP(1);
  HeapTupleHeader row = PG_GETARG_HEAPTUPLEHEADER(2);
  auto *call = static_cast<RowFilterCall *>(fcinfo->flinfo->fn_extra);
  if (call == nullptr) {
    call =
        static_cast<RowFilterCall *>(MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(RowFilterCall)));
    fcinfo->flinfo->fn_extra = call;
  }
  const size_t length = VARSIZE_ANY_EXHDR(expression);
  lq::pg::RowFilter *f = call->filter;
  if (f == nullptr || f->key.relid != relid || f->key.kind != kind || !f->valid ||
      strlen(f->text) != length || memcmp(f->text, VARDATA_ANY(expression), length) != 0) {
    Relation rel = relation_open(relid, AccessShareLock);
    if (kind == lq::pg::RowExpression::filter) {
      f = lq::pg::cached_filter(rel, text_to_cstring(expression), true, kind);
    } else {
      if (call->own == nullptr)
        call->own = static_cast<lq::pg::RowFilter *>(
            MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(lq::pg::RowFilter)));
      f = lq::pg::query_expression(call->own, rel, text_to_cstring(expression), kind,
                                   fcinfo->flinfo->fn_mcxt);
    }
    relation_close(rel, AccessShareLock);
    call->filter = f;
  }
  const Oid type = HeapTupleHeaderGetTypeId(row);
  const int32 typmod = HeapTupleHeaderGetTypMod(row);
  if (call->slot == nullptr || call->record_type != type || call->record_typmod != typmod) {
    MemoryContext caller = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
    if (call->slot != nullptr) ExecDropSingleTupleTableSlot(call->slot);
    call->slot = MakeSingleTupleTableSlot(lookup_rowtype_tupdesc_copy(type, typmod), &TTSOpsHeapTuple);
    call->record_type = type;
    call->record_typmod = typmod;
    MemoryContextSwitchTo(caller);
  }
  HeapTupleData tuple;
  tuple.t_len = HeapTupleHeaderGetDatumLength(row);
  ItemPointerSetInvalid(&tuple.t_self);
  tuple.t_tableOid = InvalidOid;
  tuple.t_data = row;
  ExecStoreHeapTuple(&tuple, call->slot, false);
  const Datum value = lq::pg::row_value(f, call->slot, isnull);
  ExecClearTuple(call->slot);
  return value;
}
}  // namespace

// lead_qual._row_filter(tbl regclass, expression text, columns record):
// whether a row of table tbl passes a row filter (true; false or NULL: it
// does not).
LQ_FUNCTION(lq_row_filter) {
  bool isnull = false;
  const Datum value = row_expression_value(fcinfo, lq::pg::RowExpression::filter, &isnull);
  PG_RETURN_BOOL(!isnull && DatumGetBool(value));
}

// lead_qual._row_outcome(leads regclass, expression text, columns record):
// whether a lead reached an expression outcome (NULL counts as false).
LQ_FUNCTION(lq_row_outcome) {
  bool isnull = false;
  const Datum value = row_expression_value(fcinfo, lq::pg::RowExpression::outcome, &isnull);
  PG_RETURN_BOOL(!isnull && DatumGetBool(value));
}

// lead_qual._row_outcome_time(leads regclass, expression text, columns
// record): an outcome_time expression's value for a lead, as timestamptz.
LQ_FUNCTION(lq_row_outcome_time) {
  bool isnull = false;
  const Datum value = row_expression_value(fcinfo, lq::pg::RowExpression::outcome_time, &isnull);
  if (isnull) PG_RETURN_NULL();
  PG_RETURN_DATUM(value);
}

// lead_qual._row_filter_columns(tbl regclass, expression text): the columns
// a row filter reads, in column order (track() refuses a lead filter that
// reads a column lead_qual writes).
LQ_FUNCTION(lq_row_filter_columns) {
  Relation rel = relation_open(PG_GETARG_OID(0), AccessShareLock);
  Bitmapset *attnos = lq::pg::read_columns(
      lq::pg::analyse(rel, text_to_cstring(PG_GETARG_TEXT_PP(1)), lq::pg::RowExpression::filter));
  const int n = bms_num_members(attnos);
  auto *names = static_cast<Datum *>(palloc(sizeof(Datum) * (n + 1)));
  int i = 0;
  int x = -1;
  while ((x = bms_next_member(attnos, x)) >= 0) {
    const auto attno = static_cast<AttrNumber>(x + FirstLowInvalidHeapAttributeNumber);
    names[i++] = CStringGetTextDatum(NameStr(TupleDescAttr(RelationGetDescr(rel), attno - 1)->attname));
  }
  relation_close(rel, AccessShareLock);
  PG_RETURN_ARRAYTYPE_P(construct_array(names, i, TEXTOID, -1, false, TYPALIGN_INT));
}

// lead_qual._row_filter_sql(tbl regclass, expression text, alias text): the
// SQL of a call of lead_qual._row_filter() for rows of tbl under alias.
// lead_qual._row_expression_sql(tbl, expression, alias, kind text): the
// same for kind 'filter', 'outcome' or 'outcome_time' (RowExpression).
LQ_FUNCTION(lq_row_filter_sql) {
  const Oid relid = PG_GETARG_OID(0);
  auto kind = lq::pg::RowExpression::filter;
  if (PG_NARGS() > 3) {
    const char *name = text_to_cstring(PG_GETARG_TEXT_PP(3));
    if (strcmp(name, "outcome") == 0)
      kind = lq::pg::RowExpression::outcome;
    else if (strcmp(name, "outcome_time") == 0)
      kind = lq::pg::RowExpression::outcome_time;
    else if (strcmp(name, "filter") != 0)
      ereport(ERROR,
              (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
               errmsg("kind of row expression must be filter, outcome or outcome_time, not \"%s\"", name)));
  }
  const char *table =
      quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)), get_rel_name(relid));
  PG_RETURN_TEXT_P(cstring_to_text(lq::pg::row_filter_sql(table, text_to_cstring(PG_GETARG_TEXT_PP(1)),
                                                          text_to_cstring(PG_GETARG_TEXT_PP(2)), kind)));
}
