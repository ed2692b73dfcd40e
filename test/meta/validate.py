#!/usr/bin/env python3
"""Validates META.json (the PGXN distribution metadata) and prints TAP.

Against test/meta/pgxn-meta-1.0.0.schema.json (the PGXN Meta Spec 1.0.0 as a
JSON schema, checked with python3-jsonschema), and against the tree: the
extension it provides is the one lead_qual.control describes, at the control
file's default_version, and every file it names exists.
"""
import json
import os
import re
import sys

import jsonschema

root = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
checks = []


def check(ok, name, detail=""):
    checks.append((bool(ok), name, detail))


with open(os.path.join(root, "META.json"), encoding="utf-8") as f:
    meta = json.load(f)
with open(os.path.join(root, "test", "meta", "pgxn-meta-1.0.0.schema.json"), encoding="utf-8") as f:
    schema = json.load(f)

jsonschema.Draft202012Validator.check_schema(schema)
errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(meta), key=lambda e: list(e.path))
check(not errors, "META.json follows the PGXN Meta Spec 1.0.0",
      "; ".join("%s: %s" % ("/".join(map(str, e.path)) or "(top)", e.message) for e in errors))

with open(os.path.join(root, "lead_qual.control"), encoding="utf-8") as f:
    control = f.read()
default_version = re.search(r"^default_version\s*=\s*'([^']+)'", control, re.M).group(1)
semver = default_version if default_version.count(".") == 2 else default_version + ".0"
provided = meta.get("provides", {}).get("lead_qual", {})
check(provided, "META.json provides the extension lead_qual")
check(provided.get("version") == semver and meta.get("version") == semver,
      "extension and distribution version %s = lead_qual.control's default_version %s" % (semver, default_version),
      "provides.lead_qual.version=%r version=%r" % (provided.get("version"), meta.get("version")))
named = [v for p in meta.get("provides", {}).values() for k, v in p.items() if k in ("file", "docfile")]
missing = [p for p in named if not os.path.isfile(os.path.join(root, p))]
check(named and not missing, "every file META.json names exists", "missing: %s" % ", ".join(missing))

print("1..%d" % len(checks))
for i, (ok, name, detail) in enumerate(checks, 1):
    print("%s %d - %s" % ("ok" if ok else "not ok", i, name))
    if not ok and detail:
        print("# " + detail)
sys.exit(0 if all(ok for ok, _, _ in checks) else 1)
