#!/usr/bin/env python3
"""Prints the queries written in the Rust tests (string literals that start like a query), NUL
separated, for seeding the parse and engine fuzz corpora."""
import glob
import re
import sys

root = sys.argv[1] if len(sys.argv) > 1 else ".."
START = re.compile(r"^\s*(print|datatable|range|let|T\b|DeviceProcessEvents|union|externaldata)")
seen = set()
for path in sorted(glob.glob(f"{root}/crates/*/tests/*.rs")):
    text = open(path, encoding="utf-8").read()
    for m in re.finditer(r'r#"(.*?)"#|"((?:[^"\\]|\\.)*)"', text, re.S):
        q = m.group(1)
        if q is None:
            # undo the Rust escapes that matter in queries
            q = m.group(2).replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")
        if q and START.match(q) and len(q) < 3000 and q not in seen:
            seen.add(q)
            sys.stdout.write(q + "\0")
