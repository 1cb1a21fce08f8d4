"""What the seccomp allow-list costs a system call: a confined loop against the same loop unfiltered.

``python bench/bench_seccomp.py [--calls N] [--rounds R] [--json]`` starts,
for each round, two fresh processes that run the same loops of system
calls: one with no filter (the competitor, the floor), one under
``confine.filter_syscalls`` as the kernel and the worker run it. The loops:

- ``getppid``: the cheapest call that always enters the kernel (no vDSO);
- ``stat``: ``os.stat`` of a file, a call of the "files" group, as Python's
  imports make thousands of them;
- ``prlimit64``: ``resource.getrlimit``, a call whose argument the filter
  checks.

It reports the median time per call of each, the ratio filtered /
unfiltered, and the difference in nanoseconds per call. The two processes of
a round run one after the other, in alternating order, so the load of the
machine hits both alike.

``--class N`` measures a whole class instead: N rounds, each autograding the
demo class (``bench_autograde.py``'s copy of the course, notebooks run) once
with the filter and once with ``RN_CONFINE_SECCOMP=0``, in alternating
order. Without the filter the kernel may also fork, as it could before the
allow-list. It reports wall seconds and CPU seconds (user + system of
nbgrader and of every process it waited for: kernels, grading workers): on
a shared machine the wall time follows the other jobs, the CPU time much
less.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

CHILD = r"""
import importlib.util, json, os, resource, sys, time
filtered, calls, path = sys.argv[1] == "1", int(sys.argv[2]), sys.argv[3]
if filtered:
    spec = importlib.util.spec_from_file_location("confine", sys.argv[4])
    confine = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(confine)
    confine.own_process_group()
    assert confine.filter_syscalls()
loops = {
    "getppid": os.getppid,
    "stat": lambda: os.stat(path),
    "prlimit64": lambda: resource.getrlimit(resource.RLIMIT_NOFILE),
}
result = {}
for name, call in loops.items():
    for _ in range(calls // 10):  # warm up
        call()
    start = time.perf_counter_ns()
    for _ in range(calls):
        call()
    result[name] = (time.perf_counter_ns() - start) / calls
print(json.dumps(result))
"""


def _round(filtered, calls, path):
    done = subprocess.run(
        [sys.executable, "-c", CHILD, "1" if filtered else "0", str(calls), path, str(REPO / "grading_tests" / "confine.py")],
        capture_output=True, text=True, check=True,
    )
    return json.loads(done.stdout)


CLASS = r"""
import json, resource, sys
sys.path.insert(0, "bench")
import bench_autograde
config = (bench_autograde.REPO / "nbgrader_config.py").read_text(encoding="utf-8")
before = resource.getrusage(resource.RUSAGE_CHILDREN)
seconds, students = bench_autograde._autograde(config, [])
after = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
print(json.dumps({"wall_s": seconds, "cpu_s": cpu, "students": students}))
"""


def _class_round(filtered):
    env = dict(os.environ, RN_CONFINE_SECCOMP="1" if filtered else "0")
    env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), env.get("PATH", "")])
    done = subprocess.run([sys.executable, "-c", CLASS], cwd=REPO, env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def _class(rounds):
    runs = {"unfiltered": [], "filtered": []}
    for index in range(rounds):
        for filtered in (True, False) if index % 2 == 0 else (False, True):
            runs["filtered" if filtered else "unfiltered"].append(_class_round(filtered))
    table = {}
    for key in ("wall_s", "cpu_s"):
        plain = statistics.median(r[key] for r in runs["unfiltered"])
        confined = statistics.median(r[key] for r in runs["filtered"])
        table[key] = {"unfiltered": plain, "filtered": confined, "ratio": confined / plain,
                      "rounds": [round(f[key] / u[key], 3) for f, u in zip(runs["filtered"], runs["unfiltered"])]}
    return table


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--class", dest="class_rounds", type=int, default=0, metavar="N",
                        help="autograde the demo class N times with and without the filter instead")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.class_rounds:
        table = _class(args.class_rounds)
        if args.json:
            print(json.dumps(table, indent=2))
            return 0
        print(f"load average: {os.getloadavg()[0]:.1f}; {args.class_rounds} rounds, medians; ratio per round in brackets")
        for key, row in table.items():
            print(f"{key:<7} unfiltered {row['unfiltered']:7.1f}  filtered {row['filtered']:7.1f}  "
                  f"ratio {row['ratio']:.3f} {row['rounds']}")
        return 0
    runs = {"unfiltered": [], "filtered": []}
    with tempfile.NamedTemporaryFile() as target:
        for index in range(args.rounds):
            order = (False, True) if index % 2 == 0 else (True, False)
            for filtered in order:
                runs["filtered" if filtered else "unfiltered"].append(_round(filtered, args.calls, target.name))
    table = {}
    for loop in runs["unfiltered"][0]:
        plain = statistics.median(r[loop] for r in runs["unfiltered"])
        confined = statistics.median(r[loop] for r in runs["filtered"])
        table[loop] = {"unfiltered_ns": plain, "filtered_ns": confined, "ratio": confined / plain, "extra_ns": confined - plain}
    if args.json:
        print(json.dumps(table, indent=2))
        return 0
    print(f"load average: {os.getloadavg()[0]:.1f}; {args.rounds} rounds of {args.calls} calls per loop, medians")
    print(f"{'loop':<10} {'unfiltered (ns)':>16} {'filtered (ns)':>14} {'ratio':>7} {'extra (ns)':>11}")
    for loop, row in table.items():
        print(f"{loop:<10} {row['unfiltered_ns']:>16.0f} {row['filtered_ns']:>14.0f} {row['ratio']:>6.2f}x {row['extra_ns']:>11.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
