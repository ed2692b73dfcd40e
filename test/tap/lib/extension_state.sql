-- Everything a database's lead_qual extension consists of, as sorted text
-- without OIDs, so that two databases can be compared with diff: a fresh
-- install against one updated from an older version (test/tap/upgrade.sh).
-- One line per fact, "kind | object | detail". Covers the extension's members, columns
-- (type, NOT NULL, default, collation), relations, function definitions
-- (body, volatility, strictness, parallel safety, security, settings, cost),
-- aggregates, views, triggers, indexes, constraints, types, operators,
-- operator classes and families, casts, sequences, privileges (current and
-- initial, pg_init_privs), comments, configuration tables and the shipped
-- (builtin) scoring models.
\pset format unaligned
\pset tuples_only on
\pset footer off
WITH ext AS (
  SELECT oid FROM pg_extension WHERE extname = 'lead_qual'
), member AS (
  SELECT d.classid, d.objid, pg_describe_object(d.classid, d.objid, 0) AS name
    FROM pg_depend d JOIN ext ON d.refobjid = ext.oid
   WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
), rel AS (
  SELECT c.* FROM pg_class c WHERE c.oid IN (SELECT objid FROM member WHERE classid = 'pg_class'::regclass)
), facts(kind, object, detail) AS (
  SELECT 'member', name, '' FROM member
  UNION ALL
  SELECT 'relation', format('%s', r.oid::regclass),
         format('kind=%s persistence=%s options=%s rls=%s acl=%s', r.relkind, r.relpersistence, r.reloptions,
                r.relrowsecurity, (SELECT array_agg(x::text ORDER BY x::text) FROM unnest(r.relacl) x))
    FROM rel r
  UNION ALL
  SELECT 'column', format('%s.%s', a.attrelid::regclass, quote_ident(a.attname)),
         format('position=%s type=%s notnull=%s default=%s collation=%s identity=%s generated=%s acl=%s',
                row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum),
                format_type(a.atttypid, a.atttypmod), a.attnotnull,
                pg_get_expr(ad.adbin, ad.adrelid), a.attcollation::regcollation, a.attidentity, a.attgenerated,
                (SELECT array_agg(x::text ORDER BY x::text) FROM unnest(a.attacl) x))
    FROM pg_attribute a JOIN rel r ON r.oid = a.attrelid
    LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
   WHERE a.attnum > 0 AND NOT a.attisdropped
  UNION ALL
  SELECT 'view', format('%s', r.oid::regclass), pg_get_viewdef(r.oid) FROM rel r WHERE r.relkind IN ('v', 'm')
  UNION ALL
  SELECT 'index', format('%s', i.indexrelid::regclass), pg_get_indexdef(i.indexrelid)
    FROM pg_index i WHERE i.indrelid IN (SELECT oid FROM rel)
  UNION ALL
  SELECT 'constraint', format('%s on %s', quote_ident(c.conname),
                              coalesce(c.conrelid::regclass::text, c.contypid::regtype::text)),
         pg_get_constraintdef(c.oid) || format(' deferrable=%s validated=%s', c.condeferrable, c.convalidated)
    FROM pg_constraint c
   WHERE c.conrelid IN (SELECT oid FROM rel) OR c.contypid IN (SELECT objid FROM member WHERE classid = 'pg_type'::regclass)
  UNION ALL
  SELECT 'trigger', format('%s on %s', quote_ident(t.tgname), t.tgrelid::regclass),
         pg_get_triggerdef(t.oid) || format(' enabled=%s', t.tgenabled)
    FROM pg_trigger t WHERE t.tgrelid IN (SELECT oid FROM rel) AND NOT t.tgisinternal
  UNION ALL
  SELECT 'sequence', format('%s', s.seqrelid::regclass),
         format('type=%s start=%s increment=%s min=%s max=%s cache=%s cycle=%s', s.seqtypid::regtype, s.seqstart,
                s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle)
    FROM pg_sequence s WHERE s.seqrelid IN (SELECT oid FROM rel)
  UNION ALL
  SELECT 'function', m.name,
         CASE WHEN p.prokind = 'a' THEN format('aggregate acl=%s', (SELECT array_agg(x::text ORDER BY x::text) FROM unnest(p.proacl) x))
              ELSE pg_get_functiondef(p.oid) || format('acl=%s leakproof=%s',
                     (SELECT array_agg(x::text ORDER BY x::text) FROM unnest(p.proacl) x), p.proleakproof) END
    FROM member m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid
  UNION ALL
  SELECT 'aggregate', m.name,
         format('transfn=%s finalfn=%s combinefn=%s serialfn=%s deserialfn=%s sortop=%s stype=%s initval=%s kind=%s',
                a.aggtransfn::regprocedure, a.aggfinalfn, a.aggcombinefn, a.aggserialfn, a.aggdeserialfn,
                a.aggsortop::regoperator, a.aggtranstype::regtype, a.agginitval, a.aggkind)
    FROM member m JOIN pg_aggregate a ON m.classid = 'pg_proc'::regclass AND a.aggfnoid = m.objid
  UNION ALL
  SELECT 'type', m.name,
         format('type=%s len=%s byval=%s align=%s storage=%s in=%s out=%s recv=%s send=%s category=%s relid=%s acl=%s',
                t.typtype, t.typlen, t.typbyval, t.typalign, t.typstorage, t.typinput, t.typoutput, t.typreceive,
                t.typsend, t.typcategory, t.typrelid::regclass,
                (SELECT array_agg(x::text ORDER BY x::text) FROM unnest(t.typacl) x))
    FROM member m JOIN pg_type t ON m.classid = 'pg_type'::regclass AND t.oid = m.objid
  UNION ALL
  SELECT 'operator', m.name,
         format('code=%s result=%s commutator=%s negator=%s restrict=%s join=%s hashes=%s merges=%s',
                o.oprcode, o.oprresult::regtype, o.oprcom::regoperator, o.oprnegate::regoperator, o.oprrest,
                o.oprjoin, o.oprcanhash, o.oprcanmerge)
    FROM member m JOIN pg_operator o ON m.classid = 'pg_operator'::regclass AND o.oid = m.objid
  UNION ALL
  SELECT 'opclass', m.name, format('default=%s type=%s family=%s', c.opcdefault, c.opcintype::regtype,
                                   pg_describe_object('pg_opfamily'::regclass, c.opcfamily, 0))
    FROM member m JOIN pg_opclass c ON m.classid = 'pg_opclass'::regclass AND c.oid = m.objid
  UNION ALL
  SELECT 'opfamily member', pg_describe_object('pg_amop'::regclass, ao.oid, 0), ''
    FROM member m JOIN pg_amop ao ON m.classid = 'pg_opfamily'::regclass AND ao.amopfamily = m.objid
  UNION ALL
  SELECT 'opfamily member', pg_describe_object('pg_amproc'::regclass, ap.oid, 0), ''
    FROM member m JOIN pg_amproc ap ON m.classid = 'pg_opfamily'::regclass AND ap.amprocfamily = m.objid
  UNION ALL
  SELECT 'cast', m.name, format('function=%s context=%s method=%s', c.castfunc::regprocedure, c.castcontext, c.castmethod)
    FROM member m JOIN pg_cast c ON m.classid = 'pg_cast'::regclass AND c.oid = m.objid
  UNION ALL
  SELECT 'schema', quote_ident(n.nspname),
         format('acl=%s', (SELECT array_agg(x::text ORDER BY x::text) FROM unnest(n.nspacl) x))
    FROM pg_namespace n WHERE n.nspname = 'lead_qual'
  UNION ALL
  -- Comments of members, of their columns, and of their triggers, indexes and constraints.
  SELECT 'comment', pg_describe_object(d.classoid, d.objoid, d.objsubid), d.description
    FROM pg_description d
   WHERE (d.classoid, d.objoid) IN (SELECT classid, objid FROM member)
      OR (d.classoid = 'pg_trigger'::regclass AND d.objoid IN (SELECT oid FROM pg_trigger WHERE tgrelid IN (SELECT oid FROM rel)))
      OR (d.classoid = 'pg_constraint'::regclass AND d.objoid IN (SELECT oid FROM pg_constraint WHERE conrelid IN (SELECT oid FROM rel)))
      OR (d.classoid = 'pg_namespace'::regclass AND d.objoid = 'lead_qual'::regnamespace)
  UNION ALL
  SELECT 'initial privileges', pg_describe_object(i.classoid, i.objoid, i.objsubid),
         format('%s %s', i.privtype, (SELECT array_agg(x::text ORDER BY x::text) FROM unnest(i.initprivs) x))
    FROM pg_init_privs i
   WHERE (i.classoid, i.objoid) IN (SELECT classid, objid FROM member)
      OR (i.classoid = 'pg_namespace'::regclass AND i.objoid = 'lead_qual'::regnamespace)
  UNION ALL
  SELECT 'configuration table', format('%s', c.tbl::regclass), format('condition=%s', c.cond)
    FROM pg_extension e, unnest(e.extconfig, e.extcondition) AS c(tbl, cond) WHERE e.extname = 'lead_qual'
  UNION ALL
  SELECT 'builtin model', quote_literal(m.name), m.definition::text FROM lead_qual.scoring_model m WHERE m.builtin
)
-- A definition of several lines gives a line each, every one naming its
-- object: a diff then says which object differs.
SELECT f.kind || ' | ' || f.object || coalesce(' | ' || l.line, '')
  FROM facts f LEFT JOIN LATERAL unnest(string_to_array(NULLIF(f.detail, ''), E'\n')) WITH ORDINALITY AS l(line, i) ON true
 ORDER BY f.kind, f.object, f.detail, l.i;
