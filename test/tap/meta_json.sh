#!/usr/bin/env bash
# META.json, the PGXN metadata, is valid and agrees with the tree (see
# test/meta/validate.py). Needs no server.
exec /usr/bin/python3 "$(dirname "$0")/../meta/validate.py"
