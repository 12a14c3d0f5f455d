# The DuckDB side of `kql-bench bench`: the same queries in SQL, over the same file.
# usage: python3 duckdb_queries.py create|agg FILE       one query, read from the file
#        python3 duckdb_queries.py mem FILE RUNS        load the file into a table, run each query RUNS times
# Prints one JSON object: seconds (of the query alone, interpreter start excluded), rows, ...
import json
import sys
import time

import duckdb

mode, path = sys.argv[1], sys.argv[2]
con = duckdb.connect()
con.execute("SET threads=2")
source = "read_json('%s', format='newline_delimited')" % path.replace("'", "''")


def create_account(table):
    # queries/create-account.kql, clause for clause; `parse kind=regex flags=iU` is the same RE2
    # pattern kql builds (U swaps greediness), `=~` and `contains` are case-insensitive
    return f"""
WITH base AS (
  SELECT FileName, ProcessCommandLine, InitiatingProcessFileName, InitiatingProcessCommandLine,
         DeviceName,
         regexp_extract(ProcessCommandLine, '(?iU).*?(?:user )(.*)(?: ).*?(?:/ad)', 1) AS CreatedUser
  FROM {table}
  WHERE lower(FileName) IN ('net.exe', 'net1.exe')
    AND Timestamp > TIMESTAMPTZ '2026-11-25 12:00:00+00' - INTERVAL 3 DAY
), kept AS (
  SELECT *, NOT contains(lower(ProcessCommandLine), '/do') AS CreatedOnLocalMachine
  FROM base
  WHERE CreatedUser <> ''
    AND NOT (lower(FileName) = 'net1.exe' AND lower(InitiatingProcessFileName) = 'net.exe'
             AND lower(regexp_replace(InitiatingProcessCommandLine, 'net', 'net1', 'g'))
                 = lower(ProcessCommandLine))
)
SELECT CreatedUser, CreatedOnLocalMachine, InitiatingProcessFileName, FileName,
       ProcessCommandLine, InitiatingProcessCommandLine, count(DISTINCT DeviceName) AS MachineCount
FROM kept
WHERE NOT contains(lower(ProcessCommandLine), '/add')
   OR (NOT CreatedOnLocalMachine AND NOT contains(lower(ProcessCommandLine), '/domain'))
GROUP BY ALL"""


def aggregation(table):
    return f"""
SELECT FileName, count(*) AS count_, count(DISTINCT DeviceId) AS dcount_DeviceId
FROM {table} GROUP BY FileName ORDER BY count_ DESC LIMIT 20"""


def timed(sql):
    started = time.perf_counter()
    rows = con.execute(sql).fetchall()
    return time.perf_counter() - started, rows


out = {"version": duckdb.__version__}
if mode in ("create", "agg"):
    query = create_account if mode == "create" else aggregation
    out["seconds"], rows = timed(query(source))
    out["rows"] = len(rows)
elif mode == "mem":
    runs = int(sys.argv[3])
    out["load"], _ = timed(f"CREATE TABLE t AS SELECT * FROM {source}")
    for name, query in (("create", create_account), ("agg", aggregation)):
        times = []
        for _ in range(runs):
            seconds, rows = timed(query("t"))
            times.append(seconds)
        out[name] = times
        out[name + "_rows"] = len(rows)
else:
    sys.exit("unknown mode " + mode)
print(json.dumps(out))
