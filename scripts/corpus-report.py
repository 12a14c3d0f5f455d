#!/usr/bin/env python3
"""Measures how much of a folder of hunting queries kql handles.

Usage: scripts/corpus-report.py CORPUS_DIR [--kql PATH] [--analysis official-analysis.tsv]

For every `.kql` file: `kql check FILE` (parse and bind against the built-in schemas, no
data) and `kql run --empty-tables FILE` (run with every table empty). Prints the totals,
the remaining failures grouped by cause, and, when Microsoft's analyzer results are given
(a TSV with `file`, `syntax_errors`, `binding_errors` columns), where kql's verdict differs.
"""
import argparse
import collections
import os
import re
import subprocess
import sys

ap = argparse.ArgumentParser()
ap.add_argument("corpus")
ap.add_argument("--kql", default=os.path.join(os.path.dirname(__file__), "..", "target", "release", "kql"))
ap.add_argument("--analysis", help="official-analysis.tsv (default: beside the corpus folder, if present)")
ap.add_argument("--now", default="2026-11-25T12:00:00Z")
args = ap.parse_args()

files = sorted(f for f in os.listdir(args.corpus) if f.endswith(".kql"))
if not files:
    sys.exit(f"no .kql files in {args.corpus}")


def cause(stderr):
    """The first diagnostic's code and message, with quoted names blanked."""
    code = re.search(r"^(kql::[a-z_:]+)", stderr, re.M)
    msg = re.search(r"^\s+× (.*)$", stderr, re.M) or re.search(r"^error\[[^\]]*\]: (.*)$", stderr, re.M)
    text = msg.group(1) if msg else stderr.strip().splitlines()[-1] if stderr.strip() else "?"
    text = re.sub(r"`[^`]*`", "`…`", text)
    return f"{code.group(1) if code else 'error'}: {text[:90]}"


check_ok, run_ok = {}, {}
check_causes, run_causes = collections.Counter(), collections.Counter()
for f in files:
    path = os.path.join(args.corpus, f)
    c = subprocess.run([args.kql, "check", path], capture_output=True, text=True)
    check_ok[f] = c.returncode == 0
    if c.returncode != 0:
        check_causes[cause(c.stderr)] += 1
    r = subprocess.run([args.kql, "run", "--empty-tables", "--now", args.now, "--format", "csv", path],
                       capture_output=True, text=True, timeout=120)
    run_ok[f] = r.returncode == 0
    if r.returncode != 0:
        run_causes[cause(r.stderr)] += 1

n = len(files)
print(f"queries: {n}")
print(f"kql check accepts: {sum(check_ok.values())} ({100 * sum(check_ok.values()) / n:.1f}%)")
print(f"kql run --empty-tables completes: {sum(run_ok.values())} ({100 * sum(run_ok.values()) / n:.1f}%)")

analysis = args.analysis or os.path.join(os.path.dirname(os.path.abspath(args.corpus)), "official-analysis.tsv")
if os.path.exists(analysis):
    valid, invalid = set(), set()
    for line in open(analysis, encoding="utf-8").read().splitlines()[1:]:
        parts = line.split("\t")
        name = os.path.basename(parts[0])
        (invalid if len(parts) > 1 and parts[1].strip() else valid).add(name)
    agree = sum(1 for f in files if (f in valid) == check_ok[f])
    print(f"\nMicrosoft's analyzer: {len(valid & set(files))} without syntax errors, {len(invalid & set(files))} with")
    print(f"same verdict as kql check: {agree} ({100 * agree / n:.1f}%)")
    print(f"  syntax-valid but rejected by kql check: {sum(1 for f in files if f in valid and not check_ok[f])}")
    print(f"  syntax errors accepted by kql check: {sum(1 for f in files if f in invalid and check_ok[f])}")

for title, causes in (("kql check failures", check_causes), ("kql run --empty-tables failures", run_causes)):
    print(f"\n{title} by cause:")
    for text, count in causes.most_common():
        print(f"  {count:4}  {text}")
