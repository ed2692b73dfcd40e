#include "pg/row_filter.hpp"

#include "pg/entry.hpp"

extern "C" {
#include "access/htup_details.h"
#include "access/relation.h"
#include "access/sysattr.h"
#include "access/transam.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
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

[[noreturn]] void reject(int sqlstate, const char *message) {
  ereport(ERROR, (errcode(sqlstate), errmsg("%s", message)));
  pg_unreachable();
}

// Types whose operations are built in: built-in types, user-defined enums
// (enum_in, enum_eq, enum_cmp, ...) and domains over built-in types.
bool builtin_behaviour(Oid type) {
  if (type < FirstNormalObjectId) return true;
  const char kind = get_typtype(type);
  return kind == TYPTYPE_ENUM || (kind == TYPTYPE_DOMAIN && getBaseType(type) < FirstNormalObjectId);
}

bool user_defined_function(Oid func, void * /*context*/) { return func >= FirstNormalObjectId; }

// Only the node kinds listed are accepted: anything else (a subquery, an
// aggregate, a parameter, a newer kind of expression) is refused.
bool check_node(Node *node, void *context) {
  if (node == nullptr) return false;
  switch (nodeTag(node)) {
    case T_Var: {
      const Var *v = reinterpret_cast<Var *>(node);
      if (v->varlevelsup != 0 || v->varno != 1)
        reject(ERRCODE_INVALID_COLUMN_REFERENCE,
               "a row filter may read only the columns of its own table's row");
      if (v->varattno <= 0)
        reject(ERRCODE_FEATURE_NOT_SUPPORTED, "a row filter may not read system columns or the whole row");
      if (!builtin_behaviour(v->vartype))
        reject(ERRCODE_FEATURE_NOT_SUPPORTED,
               "a row filter may not read columns of user-defined types (other than enums and domains over "
               "built-in types)");
      break;
    }
    case T_Const:
      if (!builtin_behaviour(reinterpret_cast<Const *>(node)->consttype))
        reject(ERRCODE_FEATURE_NOT_SUPPORTED, "a row filter may not use constants of user-defined types");
      break;
    case T_SubLink:
      reject(ERRCODE_FEATURE_NOT_SUPPORTED, "subqueries are not allowed in a row filter");
    case T_Aggref:
    case T_GroupingFunc:
      reject(ERRCODE_FEATURE_NOT_SUPPORTED, "aggregate functions are not allowed in a row filter");
    case T_WindowFunc:
      reject(ERRCODE_FEATURE_NOT_SUPPORTED, "window functions are not allowed in a row filter");
    case T_SQLValueFunction:
      reject(ERRCODE_FEATURE_NOT_SUPPORTED,
             "a row filter must depend on the row alone: CURRENT_DATE, CURRENT_USER and the like are not "
             "allowed");
    case T_FuncExpr:
      if (reinterpret_cast<FuncExpr *>(node)->funcretset)
        reject(ERRCODE_FEATURE_NOT_SUPPORTED, "set-returning functions are not allowed in a row filter");
      break;
    case T_OpExpr:
      if (reinterpret_cast<OpExpr *>(node)->opretset)
        reject(ERRCODE_FEATURE_NOT_SUPPORTED, "set-returning functions are not allowed in a row filter");
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
      reject(ERRCODE_FEATURE_NOT_SUPPORTED, "this kind of expression is not supported in a row filter");
  }
  if (check_functions_in_node(node, user_defined_function, nullptr))
    reject(ERRCODE_FEATURE_NOT_SUPPORTED,
           "a row filter may call only built-in functions and operators (no user-defined ones)");
  return lq_compat_expression_tree_walker(node, check_node, context);
}

// Columns are named plainly: `"deletedAt"`, not `person."deletedAt"`.
Node *only_plain_columns(ParseState * /*state*/, ColumnRef *ref) {
  if (list_length(ref->fields) != 1 || !IsA(linitial(ref->fields), String))
    reject(
        ERRCODE_INVALID_COLUMN_REFERENCE,
        "a row filter names columns of its own table's row only, unqualified (e.g. \"deletedAt\" IS NULL)");
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

// The expression parsed and analysed against a row of `rel`, checked, as a
// boolean expression (not planned). Under search_path pg_catalog, pg_temp:
// the same names mean the same objects for every caller.
Node *analyse(Relation rel, const char *expression) {
  const int nest = NewGUCNestLevel();
  (void)set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
                          true, 0, false);
  // Parsed as a SELECT of one expression and nothing else: text that ends
  // the expression and goes on (`true; DROP TABLE t`, `true FROM t`) is
  // refused here, and nothing is ever executed.
  const char *sql = psprintf("SELECT %s", expression);
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
    reject(ERRCODE_INVALID_PARAMETER_VALUE,
           "a row filter must be one SQL expression over the row, and nothing else");
  Node *raw = linitial_node(ResTarget, select->targetList)->val;

  ParseState *ps = make_parsestate(nullptr);
  ps->p_sourcetext = sql;
  ps->p_pre_columnref_hook = only_plain_columns;
  ParseNamespaceItem *item = addRangeTableEntryForRelation(ps, rel, AccessShareLock, nullptr, false, false);
  addNSItemToQuery(ps, item, false, true, true);
  Node *expr = transformExpr(ps, raw, EXPR_KIND_OTHER);
  const Oid type = getBaseType(exprType(expr));
  if (type != BOOLOID && type != UNKNOWNOID)
    ereport(ERROR,
            (errcode(ERRCODE_DATATYPE_MISMATCH),
             errmsg("a row filter must be a boolean expression, not of type %s", format_type_be(type))));
  expr = coerce_to_boolean(ps, expr, "a row filter");
  assign_expr_collations(ps, expr);
  check_node(expr, nullptr);
  if (contain_mutable_functions(expr))
    reject(ERRCODE_FEATURE_NOT_SUPPORTED,
           "a row filter may call only immutable functions and operators: its value must depend on the row "
           "alone");
  free_parsestate(ps);
  AtEOXact_GUC(true, nest);
  return expr;
}

void compile(RowFilter *f, Relation rel, const char *expression, bool positional) {
  if (f->context != nullptr) MemoryContextDelete(f->context);
  f->context = nullptr;
  f->valid = false;
  // Made under the caller's context, kept only once complete.
  MemoryContext cxt =
      AllocSetContextCreate(CurrentMemoryContext, "lead_qual row filter", ALLOCSET_SMALL_SIZES);
  MemoryContext caller = MemoryContextSwitchTo(cxt);
  Node *expr = analyse(rel, expression);
  if (positional) renumber_vars(expr, read_columns(expr));
  f->state = ExecInitExpr(expression_planner(reinterpret_cast<Expr *>(expr)), nullptr);
  f->econtext = CreateStandaloneExprContext();
  f->slot = MakeSingleTupleTableSlot(CreateTupleDescCopy(RelationGetDescr(rel)), &TTSOpsHeapTuple);
  f->text = pstrdup(expression);
  MemoryContextSwitchTo(caller);
  MemoryContext kept_under = CacheMemoryContext;
  MemoryContextSetParent(cxt, kept_under);
  f->context = cxt;
  f->valid = true;
}

}  // namespace

namespace {

RowFilter *cached_filter(Relation rel, const char *expression, bool positional) {
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
  bool found = false;
  auto *f = static_cast<RowFilter *>(hash_search(filters, &key, HASH_ENTER, &found));
  if (!found) {
    f->context = nullptr;
    f->valid = false;
    f->text = nullptr;
  }
  if (!f->valid || strcmp(f->text, expression) != 0) compile(f, rel, expression, positional);
  return f;
}

}  // namespace

RowFilter *row_filter(Relation rel, const char *expression) { return cached_filter(rel, expression, false); }

const char *row_filter_sql(const char *table, const char *expression, const char *alias) {
  const Oid relid =
      RangeVarGetRelid(makeRangeVarFromNameList(lq_compat_qualified_name_list(table)), NoLock, false);
  Relation rel = relation_open(relid, AccessShareLock);
  Bitmapset *attnos = read_columns(analyse(rel, expression));
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
  return psprintf("lead_qual._row_filter(%s::pg_catalog.regclass, %s, ROW(%s))", quote_literal_cstr(name),
                  quote_literal_cstr(expression), columns.data);
}

bool row_passes(RowFilter *filter, TupleTableSlot *slot) {
  ExprContext *econtext = filter->econtext;
  econtext->ecxt_scantuple = slot;
  bool isnull = false;
  const Datum result = ExecEvalExprSwitchContext(filter->state, econtext, &isnull);
  const bool passes = !isnull && DatumGetBool(result);
  ResetExprContext(econtext);
  return passes;
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
  (void)lq::pg::analyse(rel, expression);
  relation_close(rel, AccessShareLock);
  SetUserIdAndSecContext(user, security);
  PG_RETURN_VOID();
}

namespace {
// lq_row_filter's per-call-site cache (fn_extra).
struct RowFilterCall {
  lq::pg::RowFilter *filter;
  Oid record_type;  // of the record passed, and the slot made for it
  int32 record_typmod;
  TupleTableSlot *slot;
};
}  // namespace

// lead_qual._row_filter(tbl regclass, expression text, columns record):
// whether a row of table tbl passes a row filter, given the columns the
// filter reads (in attribute order: ROW(t.a, t.b), as
// lead_qual._row_filter_sql() writes the call). Only those columns are
// read from the table: a role with SELECT on them (and not on the others,
// say a BI role) can run a report of a filtered table.
LQ_FUNCTION(lq_row_filter) {
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
  if (f == nullptr || f->key.relid != relid || !f->valid || strlen(f->text) != length ||
      memcmp(f->text, VARDATA_ANY(expression), length) != 0) {
    Relation rel = relation_open(relid, AccessShareLock);
    f = lq::pg::cached_filter(rel, text_to_cstring(expression), true);
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
  const bool passes = lq::pg::row_passes(f, call->slot);
  ExecClearTuple(call->slot);
  PG_RETURN_BOOL(passes);
}

// lead_qual._row_filter_columns(tbl regclass, expression text): the columns
// a row filter reads, in column order (track() refuses a lead filter that
// reads a column lead_qual writes).
LQ_FUNCTION(lq_row_filter_columns) {
  Relation rel = relation_open(PG_GETARG_OID(0), AccessShareLock);
  Bitmapset *attnos = lq::pg::read_columns(lq::pg::analyse(rel, text_to_cstring(PG_GETARG_TEXT_PP(1))));
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
LQ_FUNCTION(lq_row_filter_sql) {
  const Oid relid = PG_GETARG_OID(0);
  const char *table =
      quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)), get_rel_name(relid));
  PG_RETURN_TEXT_P(cstring_to_text(lq::pg::row_filter_sql(table, text_to_cstring(PG_GETARG_TEXT_PP(1)),
                                                          text_to_cstring(PG_GETARG_TEXT_PP(2)))));
}
