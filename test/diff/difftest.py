#!/usr/bin/python3
"""Differential test of lead_qual's live scoring (issue #12).

Generates random sequences of statements on tracked tables (every way rows
reach them: INSERT, multi-row VALUES, COPY, INSERT ... SELECT, ON CONFLICT,
MERGE, writable CTEs, UPDATE/DELETE/TRUNCATE, partitions, lead writes,
savepoints and rollbacks, past/future/NULL times) and after every statement
runs lq_oracle.check() (oracle.sql): the stored score_state, score columns and
stage must equal an independent SQL recomputation from the history, and
verify() must be empty. A failure is printed with the seed, the statement
number, the differing leads, and a replayable SQL script, shrunk by dropping
statements while the same failure remains.

Environment (all optional):
  LQ_DIFF_SEED         PRNG seed (default 12)
  LQ_DIFF_ITERATIONS   statements to generate in total (default 1000)
  LQ_DIFF_EPISODE      statements per episode (fresh schema) (default 40)
  LQ_DIFF_KINDS        comma list of statement kinds to draw from (default: all; see KINDS)
  LQ_DIFF_TIMES        comma list of past,now,future,null (default: all four)
  LQ_DIFF_LAYOUTS      comma list of plain,range,list (default: all)
  LQ_DIFF_KEYS         comma list of int,bigint,text,uuid,numeric,citext,char (default: the first four;
                       numeric, citext and char(12) keys are spelled differently by activities and
                       conditions)
  LQ_DIFF_NAMING       comma list of plain,camel (default: both)
  LQ_DIFF_FILTERS      comma list of none,soft (default: none): soft adds row filters (track() options
                       lead_filter and activity_filter on an archived / hidden column) and the
                       statements that move rows into and out of them
  LQ_DIFF_SHRINK_SECONDS  time budget for shrinking, whole run (default 30; 0: no shrinking)
  LQ_DIFF_OUT          directory for repro scripts (default: a new temporary directory)
  LQ_DIFF_REGRESSIONS  1 (default): replay test/diff/regressions/*.sql first; 0: skip
  LQ_DIFF_ONLY_REGRESSIONS 1: replay the regressions only
  LQ_DIFF_SCORES       1: on plain layouts, a second model (difftest_shadow, the same definition) is added
                       with add_score() (issue #16, "Several scores per lead"): after every statement its
                       own columns must equal the driving model's scores, its verify() must be empty,
                       and its stage column must follow its score_history chain
  LQ_DIFF_CLOCK        1: add 'clock' steps (time passes; refresh() as of the new time); no NULL times
  LQ_DIFF_VERBOSE      1: print every statement
  LQ_DIFF_SHRINK_FILE  a repro script to shrink further, statement by statement (then exits)
Connection: libpq environment (PGHOST, PGPORT, PGDATABASE, PGUSER), as set by pg_virtualenv.
Ends with "N passed, N failed" (checked statements); exit status 1 when anything failed.
"""
import io
import json
import os
import random
import re
import sys
import tempfile
import time

import psycopg2

HERE = os.path.dirname(os.path.abspath(__file__))
AS_OF = '2026-06-01 12:00:00+00'   # every statement scores as of this time (SET lead_qual.as_of)
MODEL = 'difftest'
DAY = 86400.0
KEY_POOL = 8      # lead keys 1..8; leads 1..5 exist at the start, 6..8 are inserted by statements
INITIAL_LEADS = 5
SCORES = os.environ.get('LQ_DIFF_SCORES') == '1'
SHADOW = 'difftest_shadow'
SHADOW_COLUMNS = {'fit_score': 'shadow_fit', 'engagement_score': 'shadow_engagement', 'score': 'shadow_score',
                  'score_state': 'shadow_state', 'stage': 'shadow_stage', 'stage_changed_at': 'shadow_stage_at'}


def env_list(name, default):
    v = os.environ.get(name, '')
    return [x.strip() for x in v.split(',') if x.strip()] if v else list(default)


def lit(s):
    return "'" + s.replace("'", "''") + "'"


def ident(s):
    return '"' + s.replace('"', '""') + '"' if not re.fullmatch(r'[a-z_][a-z0-9_]*', s) else s


def ts(offset_days):
    """A timestamptz literal at AS_OF + offset_days, to the second."""
    base = 1780315200  # 2026-06-01 12:00:00 UTC
    t = base + int(round(offset_days * DAY))
    return time.strftime('%Y-%m-%d %H:%M:%S+00', time.gmtime(t))


# ---------------------------------------------------------------------------
# Schema variants
# ---------------------------------------------------------------------------
class Variant:
    def __init__(self, keys, layout, naming, filters='none'):
        self.keys, self.layout, self.naming, self.filters = keys, layout, naming, filters
        camel = naming == 'camel'
        self.schema = ident('CrmData') if camel else 'crm'
        self.leads = f'{self.schema}.{ident("Leads") if camel else "leads"}'
        self.acts_name = 'ActivityLog' if camel else 'activities'
        self.acts = f'{self.schema}.{ident(self.acts_name)}'
        self.c_key = 'LeadKey' if camel else 'id'
        self.c_lead = 'leadId' if camel else 'lead_id'
        self.c_type = 'Kind' if camel else 'activity'
        self.c_time = 'occurredAt' if camel else 'occurred_at'
        self.c_props = 'Props' if camel else 'properties'
        self.c_event = 'eventId' if camel else 'event_id'
        self.c_score = 'totalScore' if camel else 'score'
        # Row filters (filters == 'soft'): a lead with archived true and an
        # activity with hidden true are outside them.
        self.c_archived = 'isArchived' if camel else 'archived'
        self.c_hidden = 'isHidden' if camel else 'hidden'
        self.key_sql = {'int': 'integer', 'bigint': 'bigint', 'text': 'text', 'uuid': 'uuid', 'numeric': 'numeric',
                        'citext': 'public.citext', 'char': 'character(12)'}[keys]
        # numeric, citext and char keys (equal keys written differently):
        # a lead's row holds its key as key_lit(i, lead=True) writes it;
        # activities and conditions spell it in turn otherwise (4, 4.0,
        # 4.000; lower, upper, mixed case; trailing blanks). The oracle names a lead by the
        # canonical text of its key (key_text()).
        self.spelling = 0
        self.partkey = {'plain': [], 'range': [self.c_time], 'list': [self.c_type]}[layout]
        # Partitions that exist at the start: name -> FOR VALUES clause (None: default)
        if layout == 'range':
            self.partitions = {'p_old': f"FROM (MINVALUE) TO ({lit(ts(-90))})",
                               'p_recent': f"FROM ({lit(ts(-90))}) TO ({lit(AS_OF)})",
                               'p_default': None}
            self.extra_partitions = {'p_next': f"FROM ({lit(AS_OF)}) TO ({lit(ts(30))})",
                                     'p_later': f"FROM ({lit(ts(30))}) TO ({lit(ts(60))})"}
        elif layout == 'list':
            self.partitions = {'p_web': "IN ('page_view')", 'p_events': "IN ('webinar', 'demo_request')",
                               'p_default': None}
            self.extra_partitions = {'p_email': "IN ('email_open')", 'p_unsub': "IN ('unsubscribe')"}
        else:
            self.partitions, self.extra_partitions = {}, {}

    def as_dict(self):
        d = {'keys': self.keys, 'layout': self.layout, 'naming': self.naming}
        if self.filters != 'none':
            d['filters'] = self.filters
        return d

    def part(self, name):
        return f'{self.schema}.{ident(self.acts_name + "_" + name)}'

    def key_lit(self, i, lead=False):
        if self.keys in ('int', 'bigint'):
            return str(i)
        if self.keys == 'text':
            return lit(f"lead {i}'s") + '::text'
        if self.keys in ('numeric', 'citext', 'char'):
            return lit(self.key_raw(i, lead)) + '::' + self.key_sql
        return lit(f'00000000-0000-4000-8000-{i:012x}') + '::uuid'

    def key_raw(self, i, lead=False):  # COPY text form
        if self.keys in ('int', 'bigint'):
            return str(i)
        if self.keys == 'text':
            return f"lead {i}'s"
        if self.keys in ('numeric', 'citext', 'char'):
            n = 0 if lead else self.spelling % 3
            self.spelling += 0 if lead else 1
            if self.keys == 'numeric':
                return str(i) + ('', '.0', '.000')[n]
            if self.keys == 'char':
                return f"lead {i}'s" + ('', ' ', '   ')[n]
            return (f"lead {i}'s", f"LEAD {i}'S", f"Lead {i}'s")[n]
        return f'00000000-0000-4000-8000-{i:012x}'

    def key_text(self, expr):
        """SQL: the canonical text of key expression `expr` (one text per lead)."""
        if self.keys == 'numeric':
            return f'pg_catalog.trim_scale({expr})::text'
        if self.keys == 'citext':
            return f'pg_catalog.lower({expr}::text)'
        return f'{expr}::text'

    def act_cols(self):
        return ', '.join(ident(c) for c in (self.c_event, self.c_lead, self.c_type, self.c_time, self.c_props))

    def fits(self, name, row):
        """Whether an activity row (event, key, type, (time literal, offset), props) belongs to partition `name`."""
        if self.layout == 'range':
            off = row[3][1] if row[3] else None
            ranges = {'p_old': (None, -90), 'p_recent': (-90, 0), 'p_next': (0, 30), 'p_later': (30, 60)}
            if name in ranges:
                lo, hi = ranges[name]
                return off is not None and (lo is None or off >= lo) and off < hi
            return off is None or off >= 0  # default (p_next/p_later may catch some: then 23514)
        if self.layout == 'list':
            lists = {'p_web': ['page_view'], 'p_events': ['webinar', 'demo_request'], 'p_email': ['email_open'],
                     'p_unsub': ['unsubscribe']}
            if name in lists:
                return row[2] in lists[name]
            return row[2] not in ('page_view', 'webinar', 'demo_request')
        return True

    def setup_sql(self, initial_leads, initial_acts):
        s, v = [], self
        s.append(f'SET lead_qual.as_of = {lit(AS_OF)};')
        s.append(f"DO $$ BEGIN PERFORM lead_qual.untrack(t.activities) FROM lead_qual.tracked t"
                 f" WHERE t.leads::text IN ({lit(v.leads)}, {lit(v.leads.replace(chr(34), ''))}); END $$;")
        s.append(f"DELETE FROM lead_qual.stage_history WHERE lead_table::text LIKE {lit(v.schema.strip(chr(34)) + '.%')}"
                 f" OR lead_table::text LIKE {lit(chr(34) + v.schema.strip(chr(34)) + chr(34) + '.%')};")
        s.append(f"DELETE FROM lead_qual.score_history WHERE lead_table::text LIKE {lit(v.schema.strip(chr(34)) + '.%')}"
                 f" OR lead_table::text LIKE {lit(chr(34) + v.schema.strip(chr(34)) + chr(34) + '.%')};")
        s.append(f'DROP SCHEMA IF EXISTS {v.schema} CASCADE;')
        s.append(f'CREATE SCHEMA {v.schema};')
        if v.keys == 'citext':
            s.append('CREATE EXTENSION IF NOT EXISTS citext SCHEMA public;')
        soft = v.filters == 'soft'
        s.append(f'CREATE TABLE {v.leads} ({ident(v.c_key)} {v.key_sql} PRIMARY KEY, industry text, employees integer,'
                 f' region text, budget_confirmed boolean' + (f', {ident(v.c_archived)} boolean' if soft else '') + ');')
        uniq = ', '.join(ident(c) for c in [v.c_event] + v.partkey)
        cols = (f'id bigserial, {ident(v.c_event)} text, {ident(v.c_lead)} {v.key_sql}, {ident(v.c_type)} text,'
                f' {ident(v.c_time)} timestamptz, {ident(v.c_props)} jsonb,'
                + (f' {ident(v.c_hidden)} boolean,' if soft else '') + f' UNIQUE ({uniq})')
        if v.layout == 'plain':
            s.append(f'CREATE TABLE {v.acts} ({cols}, PRIMARY KEY (id));')
        else:
            by = 'RANGE' if v.layout == 'range' else 'LIST'
            s.append(f'CREATE TABLE {v.acts} ({cols}) PARTITION BY {by} ({ident(v.partkey[0])});')
            for name, bound in v.partitions.items():
                s.append(f'CREATE TABLE {v.part(name)} PARTITION OF {v.acts} '
                         + ('DEFAULT;' if bound is None else f'FOR VALUES {bound};'))
        s.append(f'CREATE INDEX ON {v.acts} ({ident(v.c_lead)});')
        s.append(f'INSERT INTO {v.leads} ({ident(v.c_key)}, industry, employees, region, budget_confirmed) VALUES '
                 + ', '.join(initial_leads) + ';')
        if initial_acts:
            s.append(f'INSERT INTO {v.acts} ({v.act_cols()}) VALUES ' + ', '.join(initial_acts) + ';')
        opts = {'add_columns': True}
        if v.naming == 'camel':
            opts.update({'key': v.c_key, 'activity_lead_id': v.c_lead, 'activity': v.c_type, 'occurred_at': v.c_time,
                         'properties': v.c_props, 'score': v.c_score})
        if soft:
            opts.update({'lead_filter': f'{ident(v.c_archived)} IS NOT TRUE',
                         'activity_filter': f'{ident(v.c_hidden)} IS NOT TRUE'})
        s.append(f"SELECT lead_qual.track({lit(v.acts)}, {lit(v.leads)}, {lit(MODEL)}, {lit(json.dumps(opts))});")
        if v.shadowed():
            # A second model with the same definition: its scores must be the
            # driving model's, written by its own triggers into its own columns.
            s.append(f"INSERT INTO lead_qual.scoring_model (name, definition) SELECT {lit(SHADOW)}, m.definition"
                     f" FROM lead_qual.scoring_model m WHERE m.name = {lit(MODEL)}"
                     f" AND NOT EXISTS (SELECT FROM lead_qual.scoring_model x WHERE x.name = {lit(SHADOW)});")
            s.append(f"SELECT lead_qual.add_score({lit(v.leads)}, {lit(SHADOW)},"
                     f" {lit(json.dumps(dict(SHADOW_COLUMNS, add_columns=True)))});")
        return '\n'.join(s)

    def shadowed(self):
        # Several scores need an ordinary activity table (README).
        return SCORES and self.layout == 'plain'

    def shadow_check_sql(self):
        """Rows naming what differs between the second model's columns and the driving model's."""
        v, c = self, SHADOW_COLUMNS
        near = 'lq_oracle.near'
        return (
            f"SELECT l.{ident(v.c_key)}::text, x.what, x.stored, x.expected FROM {v.leads} l CROSS JOIN LATERAL (VALUES"
            f" ('shadow fit', l.{c['fit_score']}::text, l.fit_score::text, {near}(l.{c['fit_score']}, l.fit_score)),"
            f" ('shadow engagement', l.{c['engagement_score']}::text, l.engagement_score::text,"
            f"  {near}(l.{c['engagement_score']}, l.engagement_score)),"
            f" ('shadow score', l.{c['score']}::text, l.{ident(v.c_score)}::text, {near}(l.{c['score']}, l.{ident(v.c_score)})),"
            f" ('shadow state activities', l.{c['score_state']}::text::jsonb->>'activities', l.score_state::text::jsonb->>'activities',"
            f"  (l.{c['score_state']}::text::jsonb->>'activities') IS NOT DISTINCT FROM (l.score_state::text::jsonb->>'activities'))"
            f") AS x(what, stored, expected, ok) WHERE NOT x.ok IS TRUE"
            f" UNION ALL SELECT v.lead_key, 'shadow verify(): ' || v.problem, NULL, NULL"
            f" FROM lead_qual.verify({lit(v.leads)}, {lit(AS_OF)}, {lit(SHADOW)}) v"
            # Its stage column is where its history's last change left it, and
            # each change starts where the previous one ended.
            f" UNION ALL SELECT h.lead_key, 'shadow stage history (latest to_stage)', l.{c['stage']}::text, h.to_stage::text"
            f" FROM (SELECT DISTINCT ON (lead_key) lead_key, to_stage FROM lead_qual.score_history"
            f"        WHERE lead_table = {lit(v.leads)}::regclass AND model = {lit(SHADOW)} ORDER BY lead_key, id DESC) h"
            f" JOIN {v.leads} l ON l.{ident(v.c_key)}::text = h.lead_key WHERE l.{c['stage']} IS DISTINCT FROM h.to_stage"
            f" UNION ALL SELECT hc.lead_key, 'shadow stage history chain', hc.from_stage::text, hc.prev_to::text"
            f" FROM (SELECT h.lead_key, h.from_stage, lag(h.to_stage) OVER w AS prev_to, row_number() OVER w AS n"
            f"        FROM lead_qual.score_history h WHERE h.lead_table = {lit(v.leads)}::regclass AND h.model = {lit(SHADOW)}"
            f"      WINDOW w AS (PARTITION BY h.lead_key ORDER BY h.id)) hc"
            f" WHERE hc.n > 1 AND hc.from_stage IS DISTINCT FROM hc.prev_to"
            f" ORDER BY 1, 2")

    def oracle_views_sql(self):
        v = self
        # With row filters the oracle sees only the activities and leads
        # inside them (README, "Row filters"); leads_all has every lead.
        hidden = f' WHERE a.{ident(v.c_hidden)} IS NOT TRUE' if v.filters == 'soft' else ''
        archived = f' WHERE l.{ident(v.c_archived)} IS NOT TRUE' if v.filters == 'soft' else ''
        return '\n'.join([
            f'CREATE VIEW lq_oracle.history AS SELECT {v.key_text("a." + ident(v.c_lead))} AS lead_key,'
            f' a.{ident(v.c_type)}::text AS activity, a.{ident(v.c_time)} AS occurred_at,'
            f' a.{ident(v.c_props)} AS properties FROM {v.acts} a{hidden};',
            f'CREATE VIEW lq_oracle.leads_v AS SELECT {v.key_text("l." + ident(v.c_key))} AS lead_key, l.industry, l.employees,'
            f' l.region, l.budget_confirmed, l.fit_score AS fit, l.engagement_score AS engagement,'
            f' l.{ident(v.c_score)} AS score, l.stage, l.score_state AS state FROM {v.leads} l{archived};',
            f'CREATE VIEW lq_oracle.leads_all AS SELECT {v.key_text("l." + ident(v.c_key))} AS lead_key FROM {v.leads} l;',
            f'INSERT INTO lq_oracle.config VALUES ({lit(v.leads)}::regclass, {lit(AS_OF)}, {lit(AS_OF)});'])


# ---------------------------------------------------------------------------
# Programs: units (autocommit statements or transactions) of steps
# ---------------------------------------------------------------------------
class Step:
    """One statement sent as one query (a COPY carries its data)."""

    def __init__(self, kind, sql, copy=None, allow=()):
        self.kind, self.sql, self.copy, self.allow = kind, sql, copy, tuple(allow)

    def allows(self, code):
        if code is None:
            return False
        return code in self.allow or ('*' in self.allow and not code.startswith('XX'))

    def is_txn(self):
        return self.kind == 'txn'


def txn(sql):
    return Step('txn', sql)


def flatten(units):
    steps = []
    for u in units:
        if u[0] == 'auto':
            steps.append(u[1])
        else:
            _, items, end = u
            steps.append(txn('BEGIN'))
            for n, it in enumerate(items):
                if isinstance(it, Step):
                    steps.append(it)
                else:
                    _, inner, sp_end = it
                    steps.append(txn(f'SAVEPOINT sp{n}'))
                    steps.extend(inner)
                    steps.append(txn(f'ROLLBACK TO SAVEPOINT sp{n}' if sp_end == 'rollback' else f'RELEASE SAVEPOINT sp{n}'))
            steps.append(txn(end))
    return steps


KINDS = ['insert_one', 'insert_multi', 'copy', 'insert_select', 'upsert_nothing', 'upsert_update', 'merge',
         'cte_delete_insert', 'cte_insert_delete', 'cte_update_insert', 'cte_insert_update', 'cte_lead_activity',
         'cte_activity_lead', 'update_key', 'update_time', 'update_type', 'update_props', 'delete', 'truncate',
         'lead_insert', 'lead_upsert', 'lead_attr', 'lead_stage', 'rescore', 'refresh',
         'part_insert', 'part_copy', 'part_update', 'part_delete', 'part_truncate', 'part_create', 'part_attach',
         'part_detach', 'owned_write', 'orm_snapshot', 'orm_save', 'clock',
         'lead_archive', 'lead_insert_archived', 'act_hide']
# Kinds that need the row filters' columns (Variant.filters == 'soft').
FILTER_KINDS = ('lead_archive', 'lead_insert_archived', 'act_hide')
WEIGHTS = {'clock': 3, 'insert_one': 6, 'insert_multi': 6, 'copy': 4, 'insert_select': 3, 'upsert_nothing': 4, 'upsert_update': 5,
           'merge': 6, 'update_key': 3, 'update_time': 3, 'update_type': 2, 'update_props': 2, 'delete': 3,
           'truncate': 1, 'lead_insert': 3, 'lead_upsert': 2, 'lead_attr': 3, 'lead_stage': 2, 'rescore': 1,
           'refresh': 1, 'owned_write': 1, 'orm_snapshot': 1, 'orm_save': 1,
           'lead_archive': 4, 'lead_insert_archived': 1, 'act_hide': 4}


class Generator:
    def __init__(self, rng, variant, kinds, times):
        self.r, self.v, self.times = rng, variant, times
        self.kinds = [k for k in kinds if (not k.startswith('part_') or variant.layout != 'plain')
                      and (k not in FILTER_KINDS or variant.filters == 'soft')]
        self.weights = [WEIGHTS.get(k, 2) for k in self.kinds]
        self.next_event = 1
        self.events = []            # (event_id, row) inserted so far (best effort: some may be gone)
        self.leads = set(range(1, INITIAL_LEADS + 1))
        self.parts = dict(variant.partitions)
        self.extra = dict(variant.extra_partitions)
        self.snapshot = False
        self.clock = 0.0

    # -- values ------------------------------------------------------------
    def time(self, allow_null=True):
        kinds = [t for t in self.times if allow_null or t != 'null'] or ['past']
        k = self.r.choice(kinds)
        if k == 'past':
            off = -round(self.r.uniform(0, 200), 3)
        elif k == 'now':
            off = 0.0
        elif k == 'future':
            off = round(self.r.uniform(0.01, 400), 3)
        else:
            return None
        return (ts(off), off)

    def activity(self):
        return self.r.choice(['page_view', 'page_view', 'Page_View', 'webinar', 'webinar', 'demo_request',
                              'unsubscribe', 'email_open', 'noise'] + ([None] if self.r.random() < 0.1 else []))

    def props(self):
        return self.r.choice(['{"url": "/pricing"}', '{"url": "/blog"}', '{"url": "/PRICING/plans"}', '{}', None,
                              '{"url": null}'])

    def key(self, allow_null=True):
        if allow_null and self.r.random() < 0.04:
            return None
        return self.r.randint(1, KEY_POOL)

    def row(self, event=True, allow_null_time=True):
        ev = None
        if event and self.r.random() < 0.85:
            ev = f'ev-{self.next_event}'
            self.next_event += 1
        return [ev, self.key(), self.activity(), self.time(allow_null_time), self.props()]

    def row_sql(self, row):
        ev, k, a, t, p = row
        return '(' + ', '.join([lit(ev) if ev else 'NULL', self.v.key_lit(k) if k else f'NULL::{self.v.key_sql}',
                                lit(a) if a else 'NULL', lit(t[0]) + '::timestamptz' if t else 'NULL::timestamptz',
                                lit(p) + '::jsonb' if p else 'NULL::jsonb']) + ')'

    def row_copy(self, row):
        ev, k, a, t, p = row
        return '\t'.join([ev or r'\N', self.v.key_raw(k) if k else r'\N', a or r'\N', t[0] if t else r'\N',
                          p or r'\N']) + '\n'

    def remember(self, rows):
        for r in rows:
            if r[0]:
                self.events.append((r[0], r))

    def old_event(self):
        return self.r.choice(self.events) if self.events else None

    def where(self):
        v, r = self.v, self.r
        c = r.randrange(6)
        if c == 0:
            return f'{ident(v.c_lead)} = {v.key_lit(self.key(False))}'
        if c == 1:
            return f'{ident(v.c_type)} = {lit(r.choice(["webinar", "page_view", "demo_request", "email_open"]))}'
        if c == 2:
            return f'id IN (SELECT id FROM {v.acts} WHERE {ident(v.c_lead)} = {v.key_lit(self.key(False))} ORDER BY id LIMIT {r.randint(1, 2)})'
        if c == 3:
            return f'{ident(v.c_time)} > {lit(AS_OF)}'
        if c == 4:
            return f'{ident(v.c_time)} IS NULL'
        e = self.old_event()
        return f'{ident(v.c_event)} = {lit(e[0])}' if e else 'false'

    def set_clause(self, what=None):
        v, r = self.v, self.r
        what = what or r.choice(['key', 'time', 'type', 'props'])
        if what == 'key':
            k = self.key()
            return f'{ident(v.c_lead)} = {v.key_lit(k) if k else "NULL"}'
        if what == 'time':
            t = self.time()
            return f'{ident(v.c_time)} = {lit(t[0]) if t else "NULL"}'
        if what == 'type':
            a = self.activity()
            return f'{ident(v.c_type)} = {lit(a) if a else "NULL"}'
        p = self.props()
        return f'{ident(v.c_props)} = {lit(p) if p else "NULL"}'

    def lead_values(self, k):
        r = self.r
        vals = [self.v.key_lit(k, lead=True), r.choice(["'software'", "'fintech'", "'Software'", "'retail'", 'NULL']),
                r.choice(['10', '50', '500', '1000', '1001', 'NULL']), r.choice(["'europe'", "'Europe'", "'asia'", 'NULL']),
                r.choice(['true', 'false', 'NULL'])]
        return '(' + ', '.join(vals) + ')'

    def conflict_rows(self, n):
        """Rows for an upsert/MERGE: some reuse an existing event (a conflict), none twice."""
        rows, used = [], set()
        for _ in range(n):
            e = self.old_event() if self.r.random() < 0.6 else None
            if e and e[0] not in used:
                used.add(e[0])
                row = list(e[1])
                # Same conflict target (event id and partition key); other columns may change.
                if self.r.random() < 0.5:
                    row[1] = self.key(False)
                if self.v.layout != 'range' and self.r.random() < 0.4:
                    row[3] = self.time()
                if self.v.layout != 'list' and self.r.random() < 0.3:
                    row[2] = self.activity()
                rows.append(row)
            else:
                row = self.row(event=False)
                row[0] = f'ev-{self.next_event}'
                self.next_event += 1
                rows.append(row)
        return rows

    # -- statements --------------------------------------------------------
    def step(self):
        kind = self.r.choices(self.kinds, self.weights)[0]
        return getattr(self, 'k_' + kind)()

    def k_insert_one(self):
        row = self.row()
        self.remember([row])
        return Step('insert_one', f'INSERT INTO {self.v.acts} ({self.v.act_cols()}) VALUES {self.row_sql(row)}')

    def k_insert_multi(self):
        rows = [self.row() for _ in range(self.r.randint(2, 6))]
        self.remember(rows)
        return Step('insert_multi', f'INSERT INTO {self.v.acts} ({self.v.act_cols()}) VALUES '
                    + ', '.join(self.row_sql(r) for r in rows))

    def k_copy(self, target=None, kind='copy', rows=None):
        rows = rows or [self.row() for _ in range(self.r.randint(1, 6))]
        self.remember(rows)
        return Step(kind, f'COPY {target or self.v.acts} ({self.v.act_cols()}) FROM STDIN',
                    copy=''.join(self.row_copy(r) for r in rows), allow=('42P01', '23514') if target else ())

    def k_insert_select(self):
        v = self.v
        if self.r.random() < 0.5:  # copies of existing activities, re-keyed
            k = self.key(False)
            src = (f'SELECT NULL, {v.key_lit(self.key(False))}, a.{ident(v.c_type)}, a.{ident(v.c_time)}, a.{ident(v.c_props)}'
                   f' FROM {v.acts} a WHERE a.{ident(v.c_lead)} = {v.key_lit(k)} ORDER BY a.id LIMIT {self.r.randint(1, 3)}')
        else:
            rows = [self.row() for _ in range(self.r.randint(1, 4))]
            self.remember(rows)
            src = 'SELECT * FROM (VALUES ' + ', '.join(self.row_sql(r) for r in rows) + ') AS s'
        return Step('insert_select', f'INSERT INTO {v.acts} ({v.act_cols()}) {src}')

    def conflict_target(self):
        return ', '.join(ident(c) for c in [self.v.c_event] + self.v.partkey)

    def k_upsert_nothing(self):
        rows = self.conflict_rows(self.r.randint(1, 4))
        self.remember(rows)
        return Step('upsert_nothing', f'INSERT INTO {self.v.acts} ({self.v.act_cols()}) VALUES '
                    + ', '.join(self.row_sql(r) for r in rows) + f' ON CONFLICT ({self.conflict_target()}) DO NOTHING')

    def k_upsert_update(self):
        v = self.v
        rows = self.conflict_rows(self.r.randint(1, 4))
        self.remember(rows)
        settable = [c for c in (v.c_lead, v.c_time, v.c_type, v.c_props) if c not in v.partkey]
        sets = self.r.sample(settable, self.r.randint(1, len(settable)))
        return Step('upsert_update', f'INSERT INTO {v.acts} ({v.act_cols()}) VALUES '
                    + ', '.join(self.row_sql(r) for r in rows)
                    + f' ON CONFLICT ({self.conflict_target()}) DO UPDATE SET '
                    + ', '.join(f'{ident(c)} = excluded.{ident(c)}' for c in sets))

    def k_merge(self):
        v, r = self.v, self.r
        rows = self.conflict_rows(r.randint(1, 4))
        self.remember(rows)
        # Conditional WHEN MATCHED clauses first; at most one unconditional, last.
        matched = r.sample(['update_cond', 'delete_cond'], r.randint(0, 2))
        if r.random() < 0.6:
            matched.append(r.choice(['update', 'delete', 'nothing']))
        not_matched = r.choice(['insert', 'insert', 'nothing', 'none'])
        if not matched and not_matched == 'none':
            not_matched = 'insert'
        cols = [v.c_event, v.c_lead, v.c_type, v.c_time, v.c_props]
        clauses = []
        for m in matched:
            cond = f' AND s.{ident(v.c_type)} IS NOT DISTINCT FROM {lit("webinar")}' if m.endswith('_cond') else ''
            if m.startswith('update'):
                sets = r.sample([v.c_lead, v.c_time, v.c_type, v.c_props], r.randint(1, 3))
                clauses.append(f'WHEN MATCHED{cond} THEN UPDATE SET ' + ', '.join(f'{ident(c)} = s.{ident(c)}' for c in sets))
            elif m.startswith('delete'):
                clauses.append(f'WHEN MATCHED{cond} THEN DELETE')
            else:
                clauses.append('WHEN MATCHED THEN DO NOTHING')
        if not_matched == 'insert':
            clauses.append(f'WHEN NOT MATCHED THEN INSERT ({v.act_cols()}) VALUES ('
                           + ', '.join(f's.{ident(c)}' for c in cols) + ')')
        elif not_matched == 'nothing':
            clauses.append('WHEN NOT MATCHED THEN DO NOTHING')
        src = ('(VALUES ' + ', '.join(self.row_sql(x) for x in rows) + ') AS s('
               + ', '.join(ident(c) for c in cols) + ')')
        # A MERGE UPDATE may move a row to another partition; one that matches
        # several target rows cannot (21000) happen: source event ids are distinct.
        return Step('merge', f'MERGE INTO {v.acts} AS t USING {src} ON t.{ident(v.c_event)} = s.{ident(v.c_event)} '
                    + ' '.join(clauses), allow=('23505',))

    def k_cte_delete_insert(self):
        v = self.v
        rows = [self.row() for _ in range(self.r.randint(1, 3))]
        self.remember(rows)
        return Step('cte_delete_insert', f'WITH d AS (DELETE FROM {v.acts} WHERE {self.where()} RETURNING 1) '
                    f'INSERT INTO {v.acts} ({v.act_cols()}) VALUES ' + ', '.join(self.row_sql(r) for r in rows))

    def k_cte_insert_delete(self):
        v = self.v
        rows = [self.row() for _ in range(self.r.randint(1, 3))]
        self.remember(rows)
        return Step('cte_insert_delete', f'WITH i AS (INSERT INTO {v.acts} ({v.act_cols()}) VALUES '
                    + ', '.join(self.row_sql(r) for r in rows) + f' RETURNING 1) DELETE FROM {v.acts} WHERE {self.where()}')

    def k_cte_update_insert(self):
        v = self.v
        rows = [self.row() for _ in range(self.r.randint(1, 3))]
        self.remember(rows)
        return Step('cte_update_insert', f'WITH u AS (UPDATE {v.acts} SET {self.set_clause()} WHERE {self.where()} RETURNING 1) '
                    f'INSERT INTO {v.acts} ({v.act_cols()}) VALUES ' + ', '.join(self.row_sql(r) for r in rows),
                    allow=('23505',))

    def k_cte_insert_update(self):
        v = self.v
        rows = [self.row() for _ in range(self.r.randint(1, 3))]
        self.remember(rows)
        return Step('cte_insert_update', f'WITH i AS (INSERT INTO {v.acts} ({v.act_cols()}) VALUES '
                    + ', '.join(self.row_sql(r) for r in rows)
                    + f' RETURNING 1) UPDATE {v.acts} SET {self.set_clause()} WHERE {self.where()}', allow=('23505',))

    def new_lead(self):
        free = [k for k in range(1, KEY_POOL + 1) if k not in self.leads]
        k = self.r.choice(free) if free else self.key(False)
        self.leads.add(k)
        return k

    def k_cte_lead_activity(self):
        v = self.v
        k = self.new_lead()
        rows = [self.row() for _ in range(self.r.randint(1, 3))]
        for row in rows:
            row[1] = k
        self.remember(rows)
        return Step('cte_lead_activity', f'WITH l AS (INSERT INTO {v.leads} ({ident(v.c_key)}, industry, employees, region,'
                    f' budget_confirmed) VALUES {self.lead_values(k)} RETURNING 1) INSERT INTO {v.acts} ({v.act_cols()}) VALUES '
                    + ', '.join(self.row_sql(r) for r in rows), allow=('23505',))

    def k_cte_activity_lead(self):
        v = self.v
        k = self.new_lead()
        rows = [self.row() for _ in range(self.r.randint(1, 3))]
        for row in rows:
            row[1] = k
        self.remember(rows)
        return Step('cte_activity_lead', f'WITH a AS (INSERT INTO {v.acts} ({v.act_cols()}) VALUES '
                    + ', '.join(self.row_sql(r) for r in rows)
                    + f' RETURNING 1) INSERT INTO {v.leads} ({ident(v.c_key)}, industry, employees, region, budget_confirmed)'
                    f' VALUES {self.lead_values(k)}', allow=('23505',))

    def k_update_key(self):
        return Step('update_key', f'UPDATE {self.v.acts} SET {self.set_clause("key")} WHERE {self.where()}', allow=('23505',))

    def k_update_time(self):
        return Step('update_time', f'UPDATE {self.v.acts} SET {self.set_clause("time")} WHERE {self.where()}', allow=('23505',))

    def k_update_type(self):
        return Step('update_type', f'UPDATE {self.v.acts} SET {self.set_clause("type")} WHERE {self.where()}', allow=('23505',))

    def k_update_props(self):
        return Step('update_props', f'UPDATE {self.v.acts} SET {self.set_clause("props")} WHERE {self.where()}', allow=('23505',))

    def k_delete(self):
        return Step('delete', f'DELETE FROM {self.v.acts} WHERE {self.where()}')

    def k_truncate(self):
        return Step('truncate', f'TRUNCATE {self.v.acts}')

    def k_lead_insert(self):
        v = self.v
        k = self.new_lead()
        return Step('lead_insert', f'INSERT INTO {v.leads} ({ident(v.c_key)}, industry, employees, region, budget_confirmed)'
                    f' VALUES {self.lead_values(k)}', allow=('23505',))

    def k_lead_upsert(self):
        v = self.v
        k = self.new_lead() if self.r.random() < 0.5 else self.key(False)
        self.leads.add(k)
        action = ('DO NOTHING' if self.r.random() < 0.4 else
                  'DO UPDATE SET budget_confirmed = excluded.budget_confirmed, employees = excluded.employees')
        return Step('lead_upsert', f'INSERT INTO {v.leads} ({ident(v.c_key)}, industry, employees, region, budget_confirmed)'
                    f' VALUES {self.lead_values(k)} ON CONFLICT ({ident(v.c_key)}) {action}')

    def k_lead_attr(self):
        v, r = self.v, self.r
        s = r.choice(['budget_confirmed = true', 'budget_confirmed = false', "industry = 'software'",
                      "industry = 'retail'", 'employees = 500', 'employees = 5', "region = 'europe'", 'region = NULL'])
        keys = ', '.join(v.key_lit(self.key(False)) for _ in range(r.randint(1, 3)))
        return Step('lead_attr', f'UPDATE {v.leads} SET {s} WHERE {ident(v.c_key)} IN ({keys})')

    def k_lead_stage(self):
        v = self.v
        stage = self.r.choice(['mql', 'sql', 'opportunity', 'disqualified', 'customer'])
        k = v.key_lit(self.key(False))
        # The expected stage follows the manual change in the same statement
        # (a refused change, 23514, changes neither).
        return Step('lead_stage', f'WITH u AS (UPDATE {v.leads} SET stage = {lit(stage)} WHERE {ident(v.c_key)} = {k}'
                    f' RETURNING {v.key_text(ident(v.c_key))} AS k) UPDATE lq_oracle.expected_stage e SET stage = {lit(stage)}'
                    f' FROM u WHERE e.lead_key = u.k', allow=('23514',))

    def k_lead_archive(self):
        v, r = self.v, self.r
        keys = ', '.join(v.key_lit(self.key(False)) for _ in range(r.randint(1, 2)))
        value = r.choice(['true', 'true', 'false', 'NULL'])
        return Step('lead_archive', f'UPDATE {v.leads} SET {ident(v.c_archived)} = {value} WHERE {ident(v.c_key)} IN ({keys})')

    def k_lead_insert_archived(self):
        v = self.v
        k = self.new_lead()
        return Step('lead_insert_archived', f'INSERT INTO {v.leads} ({ident(v.c_key)}, industry, employees, region,'
                    f' budget_confirmed, {ident(v.c_archived)}) VALUES {self.lead_values(k)[:-1]}, true)',
                    allow=('23505',))

    def k_act_hide(self):
        v, r = self.v, self.r
        value = r.choice(['true', 'true', 'false', 'NULL'])
        e = self.old_event()  # mostly one known activity: where() often matches none
        where = f'{ident(v.c_event)} = {lit(e[0])}' if e and r.random() < 0.6 else self.where()
        return Step('act_hide', f'UPDATE {v.acts} SET {ident(v.c_hidden)} = {value} WHERE {where}')

    def k_rescore(self):
        return Step('rescore', f'SELECT lead_qual.rescore({lit(self.v.leads)})')

    def k_refresh(self):
        return Step('refresh', f"SELECT lead_qual.refresh({lit(self.v.leads)}, current_setting('lead_qual.as_of')::timestamptz)")

    def part_name(self, row=None):
        names = [n for n in self.parts if row is None or self.v.fits(n, row)]
        return self.r.choice(names or list(self.parts))

    def k_part_insert(self):
        row = self.row()
        name = self.part_name(row)
        self.remember([row])
        return Step('part_insert', f'INSERT INTO {self.v.part(name)} ({self.v.act_cols()}) VALUES {self.row_sql(row)}',
                    allow=('42P01', '23514'))

    def k_part_copy(self):
        rows = [self.row() for _ in range(self.r.randint(1, 4))]
        name = self.part_name(rows[0])
        rows = [x for x in rows if self.v.fits(name, x)] or rows[:1]
        return self.k_copy(target=self.v.part(name), kind='part_copy', rows=rows)

    def k_part_update(self):
        name = self.part_name()
        return Step('part_update', f'UPDATE {self.v.part(name)} SET {self.set_clause(self.r.choice(["key", "props"]))}'
                    f' WHERE {self.where()}', allow=('42P01', '23505'))

    def k_part_delete(self):
        return Step('part_delete', f'DELETE FROM {self.v.part(self.part_name())} WHERE {self.where()}', allow=('42P01',))

    def k_part_truncate(self):
        return Step('part_truncate', f'TRUNCATE {self.v.part(self.part_name())}', allow=('42P01',))

    def k_part_create(self):
        if not self.extra:
            return self.k_part_insert()
        name = self.r.choice(sorted(self.extra))
        bound = self.extra.pop(name)
        self.parts[name] = bound
        return Step('part_create', f'CREATE TABLE {self.v.part(name)} PARTITION OF {self.v.acts} FOR VALUES {bound}',
                    allow=('23514', '42P07', '42P17'))

    def k_part_attach(self):
        if not self.extra:
            return self.k_part_insert()
        v = self.v
        name = self.r.choice(sorted(self.extra))
        bound = self.extra.pop(name)
        self.parts[name] = bound
        rows = [self.row(allow_null_time=False) for _ in range(self.r.randint(1, 3))]
        if v.layout == 'range':
            lo = 0 if name == 'p_next' else 30
            for x in rows:
                off = round(lo + self.r.uniform(0, 29), 3)
                x[3] = (ts(off), off)
        else:
            for x in rows:
                x[2] = 'email_open' if name == 'p_email' else 'unsubscribe'
        self.remember(rows)
        t = v.part(name)
        return Step('part_attach', f'CREATE TABLE {t} (LIKE {v.acts} INCLUDING DEFAULTS);\n'
                    f'INSERT INTO {t} ({v.act_cols()}) VALUES ' + ', '.join(self.row_sql(x) for x in rows) + ';\n'
                    f'ALTER TABLE {v.acts} ATTACH PARTITION {t} FOR VALUES {bound}', allow=('23514', '42P07', '42P17'))

    def k_part_detach(self):
        names = [n for n in self.parts if self.parts[n] is not None]
        if not names:
            return self.k_part_insert()
        name = self.r.choice(names)
        del self.parts[name]
        return Step('part_detach', f'ALTER TABLE {self.v.acts} DETACH PARTITION {self.v.part(name)}', allow=('42P01', '42P17'))

    def k_clock(self):
        # Time passes: every later statement scores as of a later time, and
        # refresh() brings the stored columns of every lead to it (the
        # documented way; a lead not touched since would keep older values).
        self.clock += round(self.r.uniform(0.05, 60), 3)
        t = lit(ts(self.clock))
        return Step('clock', f'SET lead_qual.as_of = {t}; UPDATE lq_oracle.config SET as_of = {t};'
                    f' SELECT lead_qual.refresh({lit(self.v.leads)}, {t})')

    def k_owned_write(self):
        v = self.v
        s = self.r.choice([f'{ident(v.c_score)} = 999', 'engagement_score = 0', 'fit_score = fit_score + 1',
                           'score_state = NULL'])
        # Issue #12.6: lead_qual may keep its values or refuse (any error but an internal one).
        return Step('owned_write', f'UPDATE {v.leads} SET {s} WHERE {ident(v.c_key)} = {v.key_lit(self.key(False))}',
                    allow=('*',))

    def k_orm_snapshot(self):
        self.snapshot = True
        return Step('orm_snapshot', f'DROP TABLE IF EXISTS lq_oracle.orm_copy; CREATE TABLE lq_oracle.orm_copy AS SELECT * FROM {self.v.leads}')

    def k_orm_save(self):
        if not self.snapshot:
            return self.k_orm_snapshot()
        v = self.v
        cols = ['industry', 'employees', 'region', 'budget_confirmed', 'fit_score', 'engagement_score', v.c_score,
                'score_state', 'stage', 'stage_changed_at']
        # An ORM's stale full-row save: every column written back as loaded earlier.
        return Step('orm_save', f'UPDATE {v.leads} AS l SET (' + ', '.join(ident(c) for c in cols) + ') = ('
                    + ', '.join(f's.{ident(c)}' for c in cols) + f') FROM lq_oracle.orm_copy s WHERE s.{ident(v.c_key)}'
                    f' = l.{ident(v.c_key)} AND l.{ident(v.c_key)} = {v.key_lit(self.key(False))}', allow=('*',))

    # -- programs ----------------------------------------------------------
    def unit(self):
        r = self.r
        if r.random() < 0.55:
            return ('auto', self.step())
        items = []
        for n in range(r.randint(1, 4)):
            if r.random() < 0.3:
                items.append(('sp', [self.step() for _ in range(r.randint(1, 2))],
                              'rollback' if r.random() < 0.6 else 'release'))
            else:
                items.append(self.step())
        return ('txn', items, 'COMMIT' if r.random() < 0.8 else 'ROLLBACK')

    def initial(self):
        """The leads and activities that exist before track() (past times only)."""
        leads = [self.lead_values(k) for k in range(1, INITIAL_LEADS + 1)]
        acts = []
        for _ in range(self.r.randint(0, 8)):
            row = self.row()
            off = -round(self.r.uniform(0.5, 120), 3)
            row[3] = (ts(off), off)
            if self.v.layout == 'list' and row[2] is None:
                row[2] = 'noise'
            acts.append(row)
        self.remember(acts)
        return leads, [self.row_sql(a) for a in acts]


# ---------------------------------------------------------------------------
# Running and checking
# ---------------------------------------------------------------------------
class Failure:
    def __init__(self, step_no, step, rows=None, error=None):
        self.step_no, self.step, self.rows, self.error = step_no, step, rows or [], error

    def whats(self):
        if self.error:
            return {f'error {self.error[0]}'}
        return {re.sub(r'^(verify\(\): [a-z ]+).*', r'\1', w) for _, w, _, _ in self.rows}

    def signature(self):
        order = ['error', 'state activity count', 'state engagement', 'verify', 'engagement column', 'score column',
                 'fit column', 'stage history chain', 'stage', 'state missing']
        ws = sorted(self.whats(), key=lambda w: next((i for i, p in enumerate(order) if w.startswith(p)), 99))
        return (self.step.kind, ws[0])


ORACLE_SQL = open(os.path.join(HERE, 'oracle.sql')).read()
MODEL_JSON = open(os.path.join(HERE, 'model.json')).read()


class Runner:
    def __init__(self, verbose=False):
        self.conn = psycopg2.connect('')
        self.shadow_sql = None
        self.conn.autocommit = True
        self.verbose = verbose
        cur = self.conn.cursor()
        cur.execute('SET client_min_messages = warning')
        cur.execute(f'SET lead_qual.as_of = {lit(AS_OF)}')
        cur.execute("SELECT definition FROM lead_qual.scoring_model WHERE name = %s", (MODEL,))
        row = cur.fetchone()
        if row is None:
            cur.execute('INSERT INTO lead_qual.scoring_model (name, definition) VALUES (%s, %s)', (MODEL, MODEL_JSON))
        elif row[0] != json.loads(MODEL_JSON):
            cur.execute('UPDATE lead_qual.scoring_model SET definition = %s WHERE name = %s', (MODEL_JSON, MODEL))

    def setup(self, variant, setup_sql):
        self.shadow_sql = variant.shadow_check_sql() if variant.shadowed() else None
        cur = self.conn.cursor()
        cur.execute(setup_sql)
        cur.execute(ORACLE_SQL)
        cur.execute(variant.oracle_views_sql())

    def check(self, cur):
        cur.execute('SELECT * FROM lq_oracle.check()')
        rows = cur.fetchall()
        if self.shadow_sql is not None:
            cur.execute(self.shadow_sql)
            rows += cur.fetchall()
        return rows

    def run(self, variant, setup_sql, steps, stop_at_failure=True):
        """Runs setup and steps, checking after each; returns (checked, failure or None)."""
        cur = self.conn.cursor()
        try:
            self.setup(variant, setup_sql)
            rows = self.check(cur)
        except psycopg2.Error as e:
            self.reset()
            return 0, Failure(0, Step('setup', setup_sql), error=(e.pgcode, str(e).strip()))
        if rows:
            self.reset()
            return 0, Failure(0, Step('track', 'lead_qual.track()'), rows=rows)
        checked = 1
        in_txn = False
        for n, st in enumerate(steps, 1):
            if self.verbose:
                print(f'  [{n}] {st.sql[:200]}')
            # A partitioned activity table routes a row before BEFORE ROW
            # triggers run: when lead_qual's trigger stamps a NULL time, a row
            # that then fails its partition's constraint (the stamped time
            # belongs to another range partition, or a row written straight
            # into the wrong partition, otherwise 23514) is refused by
            # PostgreSQL with 0A000 naming the trigger: never scored wrongly;
            # README "Future and NULL activity times" documents it.
            may_refuse_stamp = variant.layout != 'plain' and not st.is_txn()
            wrap = in_txn and (st.allow or may_refuse_stamp) and not st.is_txn()
            try:
                if wrap:
                    cur.execute('SAVEPOINT lq_try')
                if st.copy is not None:
                    cur.copy_expert(st.sql, io.StringIO(st.copy))
                else:
                    cur.execute(st.sql)
                if wrap:
                    cur.execute('RELEASE SAVEPOINT lq_try')
                st.outcome = None
            except psycopg2.Error as e:
                st.outcome = e.pgcode
                allowed = st.allows(e.pgcode) or (may_refuse_stamp and e.pgcode == '0A000'
                                                  and 'lead_qual_activity_time' in str(e))
                if wrap and allowed:
                    cur.execute('ROLLBACK TO SAVEPOINT lq_try')
                elif not allowed:
                    self.reset()
                    return checked, Failure(n, st, error=(e.pgcode, str(e).strip().splitlines()[0]))
            if st.is_txn():
                word = st.sql.split()[0]
                if word == 'BEGIN':
                    in_txn = True
                    continue
                if word in ('COMMIT', 'ROLLBACK') and not st.sql.startswith('ROLLBACK TO'):
                    in_txn = False
                if st.sql.startswith(('SAVEPOINT', 'RELEASE')):
                    continue
            try:
                rows = self.check(cur)
            except psycopg2.Error as e:
                self.reset()
                return checked, Failure(n, st, error=(e.pgcode, 'check: ' + str(e).strip().splitlines()[0]))
            if rows:
                self.reset()
                return checked, Failure(n, st, rows=rows)
            checked += 1
        self.reset()
        return checked, None

    def reset(self):
        if self.conn.get_transaction_status() != psycopg2.extensions.TRANSACTION_STATUS_IDLE:
            self.conn.cursor().execute('ROLLBACK')
        del self.conn.notices[:]


# ---------------------------------------------------------------------------
# Replay scripts
# ---------------------------------------------------------------------------
def script(variant, setup_sql, steps, header, oracle_path):
    out = [f'-- {line}' for line in header]
    out += [f'-- variant: {json.dumps(variant.as_dict())}',
            '-- Replay: psql -X -f THIS_FILE in a database with lead_qual (drops the schemas it creates and lq_oracle).',
            '-- Every "SELECT * FROM lq_oracle.check()" must return no rows.',
            '\\set ON_ERROR_STOP 0', f'SET lead_qual.as_of = {lit(AS_OF)};',
            f"INSERT INTO lead_qual.scoring_model (name, definition) VALUES ({lit(MODEL)}, {lit(MODEL_JSON.strip())})"
            ' ON CONFLICT (name) DO NOTHING;', '-- setup', setup_sql, f'\\ir {oracle_path}', variant.oracle_views_sql(),
            'SELECT * FROM lq_oracle.check();', '-- steps']
    in_txn = False
    for n, st in enumerate(steps, 1):
        allow = f' allow={",".join(st.allow)}' if st.allow else ''
        out.append(f'-- step {n} [{st.kind}]{allow}')
        if st.is_txn():
            w = st.sql.split()[0]
            in_txn = True if w == 'BEGIN' else (False if w in ('COMMIT',) or st.sql == 'ROLLBACK' else in_txn)
        wrap = in_txn and (st.allow or getattr(st, 'outcome', None)) and not st.is_txn()
        if wrap:
            out.append('SAVEPOINT lq_try;')
        if st.copy is not None:
            out.append(st.sql + ';')
            out.append(st.copy + ('' if st.copy.endswith('\n') else '\n') + '\\.')
        else:
            out.append(st.sql + ';')
        if wrap:
            out.append('ROLLBACK TO SAVEPOINT lq_try;' if getattr(st, 'outcome', None) else 'RELEASE SAVEPOINT lq_try;')
        out.append('SELECT * FROM lq_oracle.check();')
    return '\n'.join(out) + '\n'


def parse_script(text):
    """(variant, setup_sql, steps) from a script written by script()."""
    m = re.search(r'^-- variant: (.*)$', text, re.M)
    vd = json.loads(m.group(1))
    variant = Variant(vd['keys'], vd['layout'], vd['naming'], vd.get('filters', 'none'))
    setup = text.split('\n-- setup\n', 1)[1].split('\n\\ir ', 1)[0]
    steps = []
    body = text.split('\n-- steps\n', 1)[1]
    for block in re.split(r'^-- step \d+ ', body, flags=re.M)[1:]:
        head, _, rest = block.partition('\n')
        hm = re.match(r'\[(\w+)\](?: allow=(\S+))?', head)
        kind, allow = hm.group(1), tuple(hm.group(2).split(',')) if hm.group(2) else ()
        lines = [ln for ln in rest.split('\n') if ln not in ('SAVEPOINT lq_try;', 'RELEASE SAVEPOINT lq_try;',
                                                             'ROLLBACK TO SAVEPOINT lq_try;')]
        lines = lines[:lines.index('SELECT * FROM lq_oracle.check();')]
        if lines[0].startswith('COPY ') and lines[0].endswith('FROM STDIN;'):
            data = '\n'.join(lines[1:lines.index('\\.')])
            steps.append(Step(kind, lines[0][:-1], copy=data, allow=allow))
        else:
            steps.append(Step(kind, '\n'.join(lines).rstrip(';'), allow=allow))
    return variant, setup, steps


# ---------------------------------------------------------------------------
# Shrinking
# ---------------------------------------------------------------------------
def same_failure(target, f):
    return f is not None and f.step.kind == target[0] and target[1] in f.whats()


def shrink(runner, variant, setup_sql, units, target, deadline):
    def fails(us):
        if time.time() > deadline:
            return None
        return runner.run(variant, setup_sql, flatten(us))[1]

    changed = True
    while changed and time.time() < deadline:
        changed = False
        for i in reversed(range(len(units))):  # drop whole units
            cand = units[:i] + units[i + 1:]
            f = fails(cand)
            if same_failure(target, f):
                units, changed = cand, True
        for i in reversed(range(len(units))):
            u = units[i]
            if u[0] != 'txn':
                continue
            if u[2] == 'COMMIT':  # a committed transaction as autocommit statements
                flat = []
                for it in u[1]:
                    if isinstance(it, Step):
                        flat.append(('auto', it))
                    elif it[2] == 'release':
                        flat += [('auto', s) for s in it[1]]
                cand = units[:i] + flat + units[i + 1:]
                f = fails(cand)
                if same_failure(target, f):
                    units, changed = cand, True
                    continue
            for j in reversed(range(len(u[1]))):  # drop items of a transaction
                items = u[1][:j] + u[1][j + 1:]
                if not items:
                    continue
                cand = units[:i] + [('txn', items, u[2])] + units[i + 1:]
                f = fails(cand)
                if same_failure(target, f):
                    units, u, changed = cand, cand[i], True
    return units


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------
def describe(f):
    if f.error:
        return [f'error {f.error[0]}: {f.error[1]}']
    return [f'lead {k}: {w}: stored {s}, oracle {e}' for k, w, s, e in f.rows[:12]]


def main():
    seed = int(os.environ.get('LQ_DIFF_SEED', '12'))
    budget = int(os.environ.get('LQ_DIFF_ITERATIONS', '1000'))
    episode_len = int(os.environ.get('LQ_DIFF_EPISODE', '40'))
    clock = os.environ.get('LQ_DIFF_CLOCK') == '1'
    kinds = env_list('LQ_DIFF_KINDS', [k for k in KINDS if k != 'clock'] + (['clock'] if clock else []))
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        sys.exit(f'unknown statement kinds: {unknown}; known: {KINDS}')
    # A NULL time is stored as the scoring time of its insert (lead_qual's
    # stamping trigger), so the oracle reads it from the row, with a moving
    # clock too.
    times = env_list('LQ_DIFF_TIMES', ['past', 'now', 'future', 'null'])
    layouts = env_list('LQ_DIFF_LAYOUTS', ['plain', 'range', 'list'])
    keys = env_list('LQ_DIFF_KEYS', ['int', 'bigint', 'text', 'uuid'])
    namings = env_list('LQ_DIFF_NAMING', ['plain', 'camel'])
    filters = env_list('LQ_DIFF_FILTERS', ['none'])
    shrink_budget = float(os.environ.get('LQ_DIFF_SHRINK_SECONDS', '30'))
    out_dir = os.environ.get('LQ_DIFF_OUT') or tempfile.mkdtemp(prefix='lq_diff.')
    os.makedirs(out_dir, exist_ok=True)
    verbose = os.environ.get('LQ_DIFF_VERBOSE') == '1'
    runner = Runner(verbose)
    passed = failed = 0
    started = time.time()
    shrink_deadline = started + shrink_budget
    print(f'lq_diff: seed {seed}, {budget} statements, episodes of {episode_len}, kinds {len(kinds)}, times {times},'
          f' repros in {out_dir}')

    # Fixed regression cases first: every failure ever found, replayed.
    reg_dir = os.path.join(HERE, 'regressions')
    if os.environ.get('LQ_DIFF_REGRESSIONS', '1') == '1' and os.path.isdir(reg_dir):
        for name in sorted(os.listdir(reg_dir)):
            if not name.endswith('.sql'):
                continue
            variant, setup_sql, steps = parse_script(open(os.path.join(reg_dir, name)).read())
            checked, f = runner.run(variant, setup_sql, steps)
            if f:
                passed += checked
                failed += 1
                print(f'FAIL regression {name}: statement {f.step_no} [{f.step.kind}]')
                for line in describe(f):
                    print('    ' + line)
            else:
                passed += checked
                print(f'ok   regression {name} ({checked} checks)')
    if os.environ.get('LQ_DIFF_ONLY_REGRESSIONS') == '1':
        budget = 0

    shrink_file = os.environ.get('LQ_DIFF_SHRINK_FILE')
    if shrink_file:  # shrink a repro script further (statement by statement)
        variant, setup_sql, steps = parse_script(open(shrink_file).read())
        _, f = runner.run(variant, setup_sql, steps)
        if not f:
            print(f'{shrink_file}: passes, nothing to shrink')
            return 0
        sig = f.signature()
        units = shrink(runner, variant, setup_sql, [('auto', st) for st in steps[:f.step_no]], sig,
                       time.time() + max(shrink_budget, 60))
        small = flatten(units)
        _, f2 = runner.run(variant, setup_sql, small)
        fname = os.path.join(out_dir, 'shrunk_' + os.path.basename(shrink_file))
        with open(fname, 'w') as fh:
            fh.write(script(variant, setup_sql, small[:f2.step_no], [f'lq_diff: {os.path.basename(shrink_file)} shrunk',
                     f'failure: {sig[1]} after a {sig[0]} statement'] + describe(f2), os.path.join(HERE, 'oracle.sql')))
        print(f'{len(steps)} -> {f2.step_no} statements: {fname}')
        return 1
    rng = random.Random(seed)
    seen = {}
    episode = 0
    generated = 0
    while generated < budget:
        episode += 1
        variant = Variant(rng.choice(keys), rng.choice(layouts), rng.choice(namings),
                          # No draw with one choice: runs without filters keep their sequence.
                          filters[0] if len(filters) == 1 else rng.choice(filters))
        gen = Generator(rng, variant, kinds, times)
        leads, acts = gen.initial()
        setup_sql = variant.setup_sql(leads, acts)
        units = []
        n_steps = 0
        while n_steps < min(episode_len, budget - generated):
            u = gen.unit()
            units.append(u)
            n_steps += len([s for s in flatten([u]) if not s.is_txn()])
        generated += n_steps
        steps = flatten(units)
        checked, f = runner.run(variant, setup_sql, steps)
        passed += checked
        if not f:
            continue
        failed += 1
        sig = f.signature()
        tag = f'seed {seed} episode {episode} ({json.dumps(variant.as_dict())}) statement {f.step_no} [{f.step.kind}]'
        if sig in seen:
            seen[sig]['count'] += 1
            print(f'FAIL {tag}: {sig[1]} (same as {seen[sig]["file"]})')
            continue
        # Cut the program after the failing unit, then shrink it.
        count = 0
        for cut, u in enumerate(units, 1):
            count += len(flatten([u]))
            if count >= f.step_no:
                break
        small = shrink(runner, variant, setup_sql, units[:cut], sig, shrink_deadline) if shrink_budget > 0 else units[:cut]
        small_steps = flatten(small)
        _, f2 = runner.run(variant, setup_sql, small_steps)
        if not same_failure(sig, f2):  # shrinking ran out of time mid-way: keep the cut program
            small_steps = flatten(units[:cut])
            _, f2 = runner.run(variant, setup_sql, small_steps)
        f2 = f2 or f
        fname = os.path.join(out_dir, f'{len(seen) + 1:02d}_{sig[0]}_{re.sub(r"[^a-z0-9]+", "_", sig[1].lower())}.sql'.strip('_'))
        header = [f'lq_diff repro: {tag}', f'failure: {sig[1]} after a {sig[0]} statement',
                  f'shrunk from {len(steps)} to {len(small_steps)} statements'] + describe(f2)
        with open(fname, 'w') as fh:
            fh.write(script(variant, setup_sql, small_steps[:f2.step_no], header, os.path.join(HERE, 'oracle.sql')))
        seen[sig] = {'file': fname, 'count': 1}
        print(f'FAIL {tag}: {sig[1]}')
        for line in describe(f):
            print('    ' + line)
        print(f'    repro ({len(small_steps[:f2.step_no])} statements, shrunk from {len(steps)}): {fname}')
        for st in small_steps[max(0, f2.step_no - 6):f2.step_no]:
            print('      ' + (st.sql if len(st.sql) < 400 else st.sql[:400] + ' ...').replace('\n', '\n      ')
                  + (' -- + COPY data' if st.copy is not None else ''))

    elapsed = time.time() - started
    print(f'lq_diff: {generated} statements generated in {episode} episodes, {elapsed:.1f} s;'
          f' {len(seen)} distinct failures')
    for sig, s in seen.items():
        print(f'  {s["count"]:3d} x {sig[1]} after {sig[0]}: {s["file"]}')
    print(f'{passed} passed, {failed} failed')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
