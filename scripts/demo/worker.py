#!/usr/bin/python3
"""The demo's sales hand-off worker: exactly once, across restarts.

The notification is the doorbell, lead_qual.stage_history is the queue. The
worker LISTENs first, then handles every history row its last snapshot did
not see (the rows written by transactions that committed since), in history
id order, and remembers the snapshot it read them in. A notification only
wakes it up to do the same again. So a worker that was down, or lost its
connection, catches up exactly: no hand-off lost (a transaction that was
still open when it last looked is not visible in that snapshot, whatever its
ids), none handled twice (every row it handled is visible in the snapshot it
keeps). A real worker keeps the snapshot in its own database, in the
transaction that records what it did (the same as README "Hand-off
notifications").

Usage: worker.py STATE_FILE OUT_FILE STOP_FILE   (libpq environment: PGHOST...)
STATE_FILE holds the snapshot; OUT_FILE gets one line per hand-off to sales:
"<history id> <table> <lead> <caught_up|notified>". The worker stops when
STOP_FILE exists.
"""
import os
import select
import sys

import psycopg2

state_file, out_file, stop_file = sys.argv[1:4]
conn = psycopg2.connect("")
conn.autocommit = True
cur = conn.cursor()
cur.execute("LISTEN lead_qual")


def handle_new(how):
    """Handles the rows the saved snapshot did not see; saves the new one."""
    snapshot = open(state_file).read().strip() if os.path.exists(state_file) else None
    cur.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
    cur.execute("SELECT pg_current_snapshot()::text")
    now = cur.fetchone()[0]
    rows = []
    if snapshot is not None:
        # reason 'backfill': rows dated by lead_qual.backfill(), not news.
        cur.execute(
            """SELECT h.id, lead_qual._table_name(h.lead_table), h.lead_key
                 FROM lead_qual.stage_history h
                WHERE h.xact >= pg_snapshot_xmin(%(s)s::pg_snapshot)
                  AND NOT pg_visible_in_snapshot(h.xact, %(s)s::pg_snapshot)
                  AND h.to_stage::text = 'sql' AND h.reason <> 'backfill'
                ORDER BY h.id""",
            {"s": snapshot},
        )
        rows = cur.fetchall()
    cur.execute("COMMIT")
    with open(out_file, "a") as out:
        for history_id, table, lead in rows:
            out.write(f"{history_id} {table} {lead} {how}\n")
    tmp = state_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(now + "\n")
    os.replace(tmp, state_file)


handle_new("caught_up")
while not os.path.exists(stop_file):
    if select.select([conn], [], [], 0.5) == ([], [], []):
        continue
    conn.poll()
    if conn.notifies:
        conn.notifies.clear()
        handle_new("notified")
