"""Dask's own cost per student in the class command, measured on the class command's own cluster.

``python bench/bench_dask_overhead.py --tasks 200 --workers 1,2`` starts the
cluster that ``python -m grading_tests.course autograde`` starts (the same
``LocalCluster`` options and worker preload, from
:func:`grading_tests.course.classgrade.run._start_client`) and sends it
``--tasks`` tasks that do no grading, through the same path a student's task
takes: the hand-in scattered straight to a worker, one task submitted per
hand-in with at most ``TASKS_PER_WORKER`` in flight per worker, each result
gathered from its worker and released as it arrives. A hand-in is the bytes
of the release's notebooks (what a student hands in weighs about that), and
each task returns as many bytes (an autograded notebook is the hand-in and
its outputs).

It reports, per task: the wall time (the run divided by the tasks: the
throughput Dask alone allows), the driver's CPU (the client and, with local
workers, the scheduler: they share the driver's process) and the workers'
CPU (read from ``/proc``, before and after, for every process below the
driver: nannies and workers). ``bench/README.md`` puts these beside the
class command's core-seconds per student (``bench/bench_class.py``) in the
throughput model of ``docs/instructor.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from grading_tests.course.classgrade import run as class_run  # noqa: E402
from grading_tests.course.classgrade.supervise import _below, _processes  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def no_grading(bundle):
    """A task that grades nothing: it answers with as many bytes as it was handed."""
    handin = bundle["handin"]
    return {"ok": True, "notebooks": {name: bytes(len(data)) for name, data in handin.items()}}


def handin_bytes():
    folder = REPO / "release" / "06_reseaux_de_neurones"
    return {path.name: path.read_bytes() for path in sorted(folder.glob("*.ipynb"))}


def _cpu_below():
    """CPU seconds of every live process below this one (own and reaped children's times)."""
    table = _processes()
    return sum(table[pid][2] + table[pid][3] for pid in _below(table, [os.getpid()])) / TICK


def measure(workers, tasks):
    from distributed import as_completed

    client, cluster, folder = class_run._start_client(workers, None)
    try:
        handin = handin_bytes()
        # As the class command: the course's files go once to every worker.
        [common] = client.scatter([{"course": handin}], broadcast=True, hash=False)
        client.run(lambda: None)  # every worker has answered once
        in_flight = class_run.TASKS_PER_WORKER * workers
        started, driver_cpu, workers_cpu = time.monotonic(), time.process_time(), _cpu_below()
        queue, pending, done, submitted = as_completed(), set(), 0, 0
        while done < tasks:
            while submitted < tasks and len(pending) < in_flight:
                [scattered] = client.scatter([handin], direct=True, hash=False)
                future = client.submit(no_grading, {"common": common, "handin": scattered}, key=f"rn-bench-{submitted}", pure=False)
                pending.add(future.key)
                queue.add(future)
                submitted += 1
            for future in queue.next_batch(block=True):
                result = client.gather(future, direct=True)
                assert result["ok"] and set(result["notebooks"]) == set(handin)
                future.release()
                pending.discard(future.key)
                done += 1
        seconds = time.monotonic() - started
        driver = time.process_time() - driver_cpu
        worker = _cpu_below() - workers_cpu
    finally:
        class_run._close(client, cluster, folder)
    return {
        "workers": workers, "tasks": tasks, "handin_kib": sum(map(len, handin.values())) / 1024,
        "seconds": seconds, "wall_per_task_s": seconds / tasks, "driver_cpu_per_task_s": driver / tasks,
        "workers_cpu_per_task_s": worker / tasks, "core_s_per_task": (driver + worker) / tasks,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=200, help="tasks per cluster (default 200)")
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts (default 1,2)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    load_before = os.getloadavg()[0]
    runs = [measure(int(w), args.tasks) for w in args.workers.split(",") if w]
    figures = {"load_before": load_before, "load_after": os.getloadavg()[0], "runs": runs}
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(f"{'workers':>7} {'tasks':>6} {'hand-in KiB':>11} {'wall/task ms':>12} {'driver cpu/task ms':>18} "
          f"{'workers cpu/task ms':>19} {'core-ms/task':>12}")
    for r in runs:
        print(f"{r['workers']:>7} {r['tasks']:>6} {r['handin_kib']:>11.0f} {r['wall_per_task_s'] * 1e3:>12.1f} "
              f"{r['driver_cpu_per_task_s'] * 1e3:>18.1f} {r['workers_cpu_per_task_s'] * 1e3:>19.1f} {r['core_s_per_task'] * 1e3:>12.1f}")
    print(f"load average {figures['load_before']:.1f} before, {figures['load_after']:.1f} after")
    return 0


if __name__ == "__main__":
    sys.exit(main())
