#!/usr/bin/python3
"""The demo's sales hand-off worker: exactly once, across restarts.

It consumes lead_qual's durable hand-off feed (README "The durable hand-off
feed"), the same code on one server and on Citus: in one transaction it
takes the hand-offs waiting in the feed (lead_qual.take_handoffs(), which
deletes what it returns) and records the hand-offs to sales in its own table
(demo.handoffs); the commit does both or neither. So a worker that was down,
or crashed halfway, loses nothing and handles nothing twice: what it did not
commit is still in the feed. The notification on the track() channel only
wakes it up (on Citus, where there is none, it would just poll).

Usage: worker.py OUT_FILE STOP_FILE   (libpq environment: PGHOST...)
OUT_FILE gets a copy of each hand-off to sales after its commit:
"<history id> <table> <lead> <caught_up|notified>" (demo.handoffs is the
record). The worker stops when STOP_FILE exists.
"""
import os
import select
import sys

import psycopg2
import psycopg2.errors

out_file, stop_file = sys.argv[1:3]
conn = psycopg2.connect("")
conn.autocommit = True
cur = conn.cursor()
cur.execute("LISTEN lead_qual")


def take(how):
    """Takes every waiting hand-off, a batch per transaction."""
    while True:
        cur.execute("BEGIN")
        try:
            cur.execute("SELECT id, lead_table, lead_key, to_stage::text FROM lead_qual.take_handoffs('crm.leads', 1000)")
        except psycopg2.errors.UndefinedTable:  # not tracked yet: no feed
            cur.execute("ROLLBACK")
            return
        rows = cur.fetchall()
        to_sales = [(i, table, lead) for i, table, lead, stage in rows if stage == "sql"]
        cur.executemany("INSERT INTO demo.handoffs (history_id, lead_table, lead_key, how) VALUES (%s, %s, %s, %s)",
                        [row + (how,) for row in to_sales])
        cur.execute("COMMIT")
        with open(out_file, "a") as out:
            for history_id, table, lead in to_sales:
                out.write(f"{history_id} {table} {lead} {how}\n")
        if len(rows) < 1000:
            return


take("caught_up")
while not os.path.exists(stop_file):
    if select.select([conn], [], [], 0.5) == ([], [], []):
        continue
    conn.poll()
    if conn.notifies:
        conn.notifies.clear()
        take("notified")
