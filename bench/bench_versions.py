"""The demo class graded by this checkout and by another one, in turns: what a change costs.

``python bench/bench_versions.py DIR [--rounds 3] [--workers 2]`` times, for
this checkout and for the checkout in ``DIR`` (each with its own ``.venv``,
so each runs its own code), the autograde of the four demo students of
``submitted/``, two ways:

- **nbgrader**: ``nbgrader autograde`` of the whole class in one process;
- **class command**: ``python -m grading_tests.course autograde`` on
  ``--workers`` local Dask workers.

Each timing starts from a fresh copy of that checkout's course (config,
source, release, the demo hand-ins) with the same seed. The two checkouts take
turns, ``--rounds`` times, so that the load of the machine falls on both
alike; the report gives every wall time, and for nbgrader the CPU time (user
+ system of nbgrader and every process below it: kernels, kernel template,
graders), their medians and ratios, and checks that both checkouts recorded
the same points. On a machine shared with other jobs the CPU time is the
steadier figure: the wall time also counts the waits for the cores. (The
class command's CPU time is not counted: its Dask workers' launchers are not
reaped by the driver, so their time never reaches it.)
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ASSIGNMENT = "06_reseaux_de_neurones"
SEED = 7
REGISTER = "import sys; from pathlib import Path; from grading_tests.course import collected_students, register_students; " \
           "root = Path(sys.argv[1]); register_students(root, collected_students(root))"


def _env(checkout):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", MPLBACKEND="Agg")
    env["PATH"] = os.pathsep.join([str(checkout / ".venv" / "bin"), env.get("PATH", "")])
    return env


def _course(checkout, folder):
    """A copy of ``checkout``'s course with the demo class, its assignment and students in the gradebook."""
    root = Path(folder) / "cours"
    root.mkdir()
    shutil.copy2(checkout / "nbgrader_config.py", root)
    for name in ("source", "release", "submitted"):
        shutil.copytree(checkout / name, root / name)
    bin_ = checkout / ".venv" / "bin"
    subprocess.run([str(bin_ / "nbgrader"), "generate_assignment", ASSIGNMENT, "--force"], cwd=root, env=_env(checkout),
                   check=True, capture_output=True)
    subprocess.run([str(bin_ / "python"), "-c", REGISTER, str(root)], cwd=root, env=_env(checkout), check=True, capture_output=True)
    return root


def _points(root):
    db = sqlite3.connect(f"file:{root / 'gradebook.db'}?mode=ro", uri=True)
    rows = db.execute(
        """SELECT sa.student_id, SUM(COALESCE(g.auto_score, 0)) FROM grade g
           JOIN submitted_notebook sn ON g.notebook_id = sn.id JOIN submitted_assignment sa ON sn.assignment_id = sa.id
           GROUP BY sa.student_id ORDER BY sa.student_id"""
    ).fetchall()
    return {student: points for student, points in rows}


def _cpu():
    """CPU seconds used so far by the waited-for processes below this one."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _time(checkout, how, workers):
    """(wall seconds, CPU seconds, points per student) of one autograde of the demo class by ``checkout``."""
    bin_ = checkout / ".venv" / "bin"
    with tempfile.TemporaryDirectory(prefix="rn-bench-versions-") as folder:
        root = _course(checkout, folder)
        if how == "nbgrader":
            argv = [str(bin_ / "nbgrader"), "autograde", ASSIGNMENT, "--force", f"--TrustedGrades.seed={SEED}"]
        else:
            argv = [str(bin_ / "python"), "-m", "grading_tests.course", "autograde", ASSIGNMENT, "--workers", str(workers),
                    "--seed", str(SEED)]
        cpu, start = _cpu(), time.perf_counter()
        done = subprocess.run(argv, cwd=root, env=_env(checkout), capture_output=True, text=True)
        seconds, cpu = time.perf_counter() - start, _cpu() - cpu
        if done.returncode != 0:
            raise SystemExit(f"{checkout}: {how} exited {done.returncode}\n{(done.stdout + done.stderr)[-3000:]}")
        return seconds, (cpu if how == "nbgrader" else float("nan")), _points(root)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("other", metavar="DIR", help="the other checkout (with its .venv)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    checkouts = {"this checkout": REPO, "other": Path(args.other).resolve()}
    hows = ("nbgrader", "class command")
    times = {(name, how): [] for name in checkouts for how in hows}
    points, loads = {}, []
    for r in range(args.rounds):
        for how in hows:
            order = list(checkouts.items()) if r % 2 == 0 else list(checkouts.items())[::-1]
            for name, checkout in order:
                seconds, cpu, got = _time(checkout, how, args.workers)
                times[name, how].append((seconds, cpu))
                points.setdefault(how, {})[name] = got
                loads.append(os.getloadavg()[0])
                print(f"  round {r + 1}, {how}, {name}: {seconds:.1f} s, CPU {cpu:.1f} s", file=sys.stderr, flush=True)
    medians = {key: [statistics.median(v[i] for v in values) for i in (0, 1)] for key, values in times.items()}
    ratios = {how: [medians["this checkout", how][i] / medians["other", how][i] for i in (0, 1)] for how in hows}
    same = all(len({json.dumps(p, sort_keys=True) for p in by.values()}) == 1 for by in points.values())
    if args.json:
        print(json.dumps({"other": str(checkouts["other"]), "times": {f"{n} / {h}": v for (n, h), v in times.items()},
                          "ratios": ratios, "same_points": same, "load": [min(loads), max(loads)]}, indent=2))
        return 0
    print(f"this checkout: {REPO}\nother: {checkouts['other']}\nload average {min(loads):.1f} to {max(loads):.1f}\n")
    print(f"{'':<14} {'how':<14} {'wall (s)':<22} {'median':>7}   {'CPU (s)':<22} {'median':>7}")
    for (name, how), values in times.items():
        walls, cpus = (", ".join(f"{v[i]:.1f}" for v in values) for i in (0, 1))
        print(f"{name:<14} {how:<14} {walls:<22} {medians[name, how][0]:>7.1f}   {cpus:<22} {medians[name, how][1]:>7.1f}")
    for how, (wall, cpu) in ratios.items():
        print(f"{how}: this checkout / other = {wall:.3f}x wall, {cpu:.3f}x CPU")
    print("same points in both checkouts:", "yes" if same else f"NO: {points}")
    return 0

if __name__ == "__main__":
    sys.exit(main())
