"""Where one student's autograde time goes: kernel starts, cells, replays, graders, nbgrader itself.

``python bench/profile_autograde.py [--student eleve_correct] [--json]`` copies
the course (as ``bench_autograde.py`` does), then runs ``nbgrader autograde
--student`` once, in this process, with timers wrapped around the course's
plug-in:

- per notebook, the time :class:`ConfinedExecute` takes in all, the part
  spent running cells, the part spent replaying cells after a kernel death,
  and what is left: starting and stopping the kernels, with their count;
- the graders (``_grade_folder``: the sandboxed worker, run once per student
  in a background thread) and how long ``TrustedGrades`` waited for them;
- nbgrader's own time: the rest of the wall time (imports excluded, they
  are timed apart).

``--compare`` profiles, in the same run, the course as shipped (every
notebook in a fresh kernel forked from a warm template) and the course with
each kernel started cold from the kernelspec's command
(``ConfinedExecute.kernel_template`` off): the measurement that choice rests
on. ``--against DIR`` profiles instead, in the same run, this checkout
against another one (its own ``.venv``), for example the commit before a
change. Both take turns ``--rounds`` times, so that the load of the machine
falls on both alike, and report the median wall times and their ratio (see
``bench/README.md``).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from bench_autograde import _course_copy  # noqa: E402

from grading_tests.course.cycle import nbgrader_env  # noqa: E402
from grading_tests.course.handins import ASSIGNMENT  # noqa: E402


class _Timers:
    def __init__(self):
        self.seconds = collections.defaultdict(float)
        self.counts = collections.defaultdict(int)

    def wrap(self, owner, name, label, per_notebook=False):
        original = getattr(owner, name)
        timers = self

        def timed(self_, *args, **kwargs):
            key = label
            if per_notebook:
                key = f"{label}:{timers.notebook}"
            start = time.perf_counter()
            try:
                return original(self_, *args, **kwargs)
            finally:
                timers.seconds[key] += time.perf_counter() - start
                timers.counts[key] += 1

        setattr(owner, name, timed)

    notebook = "?"
    cells = []


def _profile(root, student, execute, extra=()):
    started = time.perf_counter()
    from nbgrader.apps.nbgraderapp import main as nbgrader_main

    from grading_tests.nbgrader_plugin import trusted_grades
    from grading_tests.nbgrader_plugin.confined_execute import ConfinedExecute
    from grading_tests.nbgrader_plugin.trusted_grades import TrustedGrades

    imports = time.perf_counter() - started
    timers = _Timers()

    original_preprocess = ConfinedExecute.preprocess

    def preprocess(self, nb, resources=None, km=None):
        timers.notebook = (resources or {}).get("unique_key", "?")
        return original_preprocess(self, nb, resources, km)

    ConfinedExecute.preprocess = preprocess
    timers.wrap(ConfinedExecute, "_execute_notebook", "notebook", per_notebook=True)
    timers.wrap(ConfinedExecute, "_run_cell", "cells", per_notebook=True)
    original_cell = ConfinedExecute.preprocess_cell

    def preprocess_cell(self, cell, resources, index):
        start = time.perf_counter()
        try:
            return original_cell(self, cell, resources, index)
        finally:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", index)
            timers.cells.append((time.perf_counter() - start, f"{timers.notebook}/{grade_id}"))

    ConfinedExecute.preprocess_cell = preprocess_cell
    timers.wrap(ConfinedExecute, "_replay", "replays", per_notebook=True)
    timers.wrap(ConfinedExecute, "_start_kernel", "kernel starts", per_notebook=True)
    timers.wrap(TrustedGrades, "preprocess", "waiting for the graders")
    original_grade = trusted_grades._grade_folder

    def grade_folder(*args, **kwargs):
        start = time.perf_counter()
        try:
            return original_grade(*args, **kwargs)
        finally:
            timers.seconds["graders"] += time.perf_counter() - start
            timers.counts["graders"] += 1

    trusted_grades._grade_folder = grade_folder

    argv = ["nbgrader", "autograde", ASSIGNMENT, "--student", student, "--force", "--TrustedGrades.seed=7", "--log-level=WARN"]
    if not execute:
        argv.append("--ConfinedExecute.enabled=False")
    argv += list(extra)
    os.environ["PATH"] = nbgrader_env()["PATH"]
    cwd = os.getcwd()
    os.chdir(root)
    sys.argv = argv
    start = time.perf_counter()
    try:
        with open(os.devnull, "w") as null, contextlib.redirect_stdout(null):
            try:
                nbgrader_main()
            except SystemExit as exc:
                if exc.code not in (0, None):
                    raise RuntimeError(f"nbgrader autograde exited {exc.code}") from None
    finally:
        os.chdir(cwd)
    wall = time.perf_counter() - start
    return imports, wall, dict(timers.seconds), dict(timers.counts), sorted(timers.cells, reverse=True)


def _table(imports, wall, seconds, counts):
    notebooks = sorted({k.split(":", 1)[1] for k in seconds if k.startswith("notebook:")})
    rows = []
    executed = 0.0
    for nb in notebooks:
        total = seconds.get(f"notebook:{nb}", 0.0)
        cells = seconds.get(f"cells:{nb}", 0.0)
        replays = seconds.get(f"replays:{nb}", 0.0)
        starts = counts.get(f"kernel starts:{nb}", 0)
        rows.append((nb, total, cells, replays, total - cells - replays, starts))
        executed += total
    out = [f"{'notebook':<28} {'in all':>7} {'cells':>7} {'replays':>8} {'kernel start+stop':>18} {'kernels':>8}"]
    for nb, total, cells, replays, rest, starts in rows:
        out.append(f"{nb:<28} {total:>7.1f} {cells:>7.1f} {replays:>8.1f} {rest:>18.1f} {starts:>8}")
    waited = seconds.get("waiting for the graders", 0.0)
    out += [
        "",
        f"imports of nbgrader and the plug-in  {imports:6.1f} s",
        f"nbgrader autograde, wall             {wall:6.1f} s",
        f"  notebooks executed                 {executed:6.1f} s",
        f"  graders (background thread)        {seconds.get('graders', 0.0):6.1f} s",
        f"  of which the main thread waited    {waited:6.1f} s",
        f"  nbgrader's own work                {wall - executed - waited:6.1f} s",
    ]
    return "\n".join(out)


COLD = ["--ConfinedExecute.kernel_template=False"]


def _print(title, imports, wall, seconds, counts, cells):
    print(f"== {title}\n")
    print(_table(imports, wall, seconds, counts))
    print("\nslowest cells:")
    for duration, name in cells[:8]:
        print(f"  {duration:6.2f} s  {name}")
    print()


def _cpu():
    """CPU seconds used so far by the waited-for processes below this one."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _turns(setups, rounds):
    """Run each setup ``rounds`` times, taking turns; {title: [runs]}, each with its CPU time (``cpu_s``)."""
    runs = {title: [] for title, _ in setups}
    for r in range(rounds):
        for title, argv in setups if r % 2 == 0 else setups[::-1]:
            before = _cpu()
            run = json.loads(subprocess.run(argv, check=True, capture_output=True, text=True).stdout)
            run["cpu_s"] = _cpu() - before  # the profile's process and everything below it
            runs[title].append(run)
    return runs


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--student", default="eleve_correct")
    parser.add_argument("--no-execute", action="store_true")
    parser.add_argument("--compare", action="store_true",
                        help="also profile, in the same run, each kernel started cold (" + " ".join(COLD) + ")")
    parser.add_argument("--against", metavar="DIR", help="also profile, in the same run, the checkout in DIR (with its .venv)")
    parser.add_argument("--rounds", type=int, default=2, help="turns of each setup with --compare or --against")
    parser.add_argument("--set", action="append", default=[], metavar="--Class.trait=value", help="an nbgrader option")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.compare or args.against:
        ours = [sys.executable, __file__, "--student", args.student, "--json", *[f"--set={x}" for x in args.set]]
        if args.against:
            other = Path(args.against).resolve()
            theirs = [str(other / ".venv" / "bin" / "python"), str(other / "bench" / "profile_autograde.py"), *ours[2:]]
            setups = [(f"this checkout ({REPO.name})", ours), (f"the checkout in {other}", theirs)]
        else:
            setups = [("each kernel started cold", ours + [f"--set={x}" for x in COLD]), ("as shipped", ours)]
        runs = _turns(setups, args.rounds)
        print(f"{args.student}, load average {os.getloadavg()[0]:.1f}, {len(os.sched_getaffinity(0))} cores\n")
        for title, done in runs.items():
            last = done[-1]
            _print(title, last["imports_s"], last["wall_s"], last["seconds"], last["counts"], last["cells"])
        for figure, key in (("wall time", "wall_s"), ("CPU time", "cpu_s")):
            medians = {title: statistics.median(run[key] for run in done) for title, done in runs.items()}
            for title, done in runs.items():
                print(f"{figure}, {title}: {', '.join(f'{run[key]:.1f}' for run in done)} s (median {medians[title]:.1f} s)")
            (first, a), (second, b) = medians.items()
            print(f"{figure}, {first} / {second}: {a / b:.3f}x")
        return 0
    config = (REPO / "nbgrader_config.py").read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory(prefix="rn-profil-") as folder:
        root = _course_copy(folder, config)
        imports, wall, seconds, counts, cells = _profile(root, args.student, not args.no_execute, args.set)
    if args.json:
        print(json.dumps({"imports_s": imports, "wall_s": wall, "seconds": seconds, "counts": counts, "cells": cells}, indent=2))
    else:
        print(f"{args.student}, load average {os.getloadavg()[0]:.1f}, {len(os.sched_getaffinity(0))} cores\n")
        _print("as configured", imports, wall, seconds, counts, cells)
    return 0


if __name__ == "__main__":
    sys.exit(main())
