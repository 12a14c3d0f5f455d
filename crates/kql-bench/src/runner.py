# Runs a command and reports its wall time and peak resident memory (from wait4), for
# `kql-bench bench`. usage: python3 runner.py COMMAND ARGS...
# Prints one JSON object: seconds, peak_kb, status, lines (of its standard output), stdout
# (its last 64 KB).
import json
import os
import subprocess
import sys
import time

started = time.perf_counter()
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE)
data = child.stdout.read()
_, status, usage = os.wait4(child.pid, 0)
seconds = time.perf_counter() - started
child.returncode = os.waitstatus_to_exitcode(status)
print(
    json.dumps(
        {
            "seconds": seconds,
            "peak_kb": usage.ru_maxrss,
            "status": child.returncode,
            "lines": data.count(b"\n"),
            "stdout": data[-65536:].decode("utf-8", "replace"),
        }
    )
)
