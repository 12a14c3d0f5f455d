#!/usr/bin/env bash
# Builds fuzz/corpus/<target>/ from the repository's queries and data, and fuzz/kql.dict from
# the engine's function and aggregate names. Reader seeds get the flags byte the targets read
# first (0: fail on bad records, no built-in schema, comma). Safe to run again: libFuzzer
# keeps what it found, seeds are rewritten.
set -euo pipefail
cd "$(dirname "$0")"
root=..
seed() { # seed TARGET FLAGS FILE
    local dir="corpus/$1" name
    mkdir -p "$dir"
    name="seed-$(basename "$(dirname "$3")")-$(basename "$3")-$2"
    { printf "\\x$2"; cat "$3"; } > "$dir/$name"
}
mkdir -p corpus/parse corpus/engine
while IFS= read -r -d '' f; do
    for t in parse engine; do cp "$f" "corpus/$t/seed-$(basename "$f")"; done
done < <(find "$root/queries" seeds -name '*.kql' -print0)
# and the queries written in the Rust tests
n=0
while IFS= read -r -d '' q; do
    n=$((n + 1))
    for t in parse engine; do printf '%s' "$q" > "corpus/$t/seed-test-$n.kql"; done
done < <(python3 test-queries.py "$root")
samples="$root/crates/kql-io/tests/samples"
for f in "$root"/testdata/*.json "$samples/DeviceProcessEvents.json"; do
    seed read_json 00 "$f"; seed read_json 04 "$f"
done
for f in "$samples"/*.ndjson "$root"/queries/*.fixtures/*.ndjson; do
    seed read_ndjson 00 "$f"; seed read_ndjson 05 "$f"
done
for f in "$samples"/*.csv; do seed read_csv 00 "$f"; seed read_csv 04 "$f"; done
for f in "$samples"/*.tsv; do seed read_csv 10 "$f"; done
for f in "$samples"/*.{adx-v1,adx-v2,defender,graph,la}.json; do
    seed read_response 00 "$f"; seed read_response 04 "$f"
done
# the dictionary: words of the language and every function and aggregate name
{
    for w in '|' where extend project summarize by count take limit sort order asc desc \
        'nulls first' 'nulls last' top distinct join kind=inner kind=leftouter on union \
        mv-expand mv-apply make-series parse parse-where 'kind=regex' with let set \
        datatable print range from to step evaluate lookup render invoke search \
        externaldata project-away project-rename project-reorder getschema sample \
        has '!has' has_cs contains '!contains' startswith endswith hasprefix hassuffix \
        '=~' '!~' '==' '!=' in 'in~' '!in' has_any has_all 'matches regex' between and \
        or not '(' ')' '[' ']' '{' '}' ';' ',' '..' 'dynamic(' 'datetime(' 'timespan(' \
        'todynamic(' 'int(' 'long(' 'real(' 'bool(' 'guid(' 'null' 'true' 'false' \
        '1d' '1h' '1m' '1s' '1ms' "@'\\\\'" '"' "'" '*' '.' '::' 'T' b i l r s d t g j \
        DeviceProcessEvents FileName ProcessCommandLine Timestamp DeviceName AccountName \
        9223372036854775807 -9223372036854775808 2147483647 1e308 5e-324 0x7fffffffffffffff \
        'datetime(9999-12-31)' 'datetime(0001-01-01)' 1tick 'real(nan)' 'real(+inf)' \
        'long(null)' 'bool(null)' 'dynamic(null)' 'strrep(' 'range(' 'repeat(' 'parse_json('; do
        printf '"%s"\n' "$(printf '%s' "$w" | sed 's/\\/\\\\/g; s/"/\\"/g')"
    done
    grep -ohE '^\s*\("[a-z0-9_]+", "' "$root"/crates/kql-eval/src/functions/mod.rs \
        "$root"/crates/kql-eval/src/aggregate.rs | grep -oE '"[a-z0-9_]+"' | sort -u
} > kql.dict
echo "corpus: $(for d in corpus/*; do printf '%s=%s ' "${d#corpus/}" "$(ls "$d" | wc -l)"; done)"
