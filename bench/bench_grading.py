"""How long the out-of-process graders take on one complete submission.

``python bench/bench_grading.py [--repeats N]`` grades the reference
implementation (flattened into one submission) N times with different seeds
and reports the median wall time of a whole submission and of each function.
The fixed cost of a submission (starting the confined worker and loading the
code) is measured in the same run, as the ratio a class of submissions pays
per student.

``--cold N`` also grades the demo's correct student (``submitted/eleve_correct``,
its notebooks, written answers included, as nbgrader's plug-in grades them) N
times, each in a fresh process, as the class command's nbgrader process of one
student does: the figure is the CPU seconds of that process and of the
confined workers it started (``RUSAGE_CHILDREN``), imports included.
``--against DIR`` measures the same, in the same run and taking turns, with
the checkout in DIR (the code before a change, say a ``git worktree`` of it),
and reports the ratio of the medians. The grades of both must be equal.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from grading_tests.framework import GRADERS, run_grader  # noqa: E402
from grading_tests.reference_submission import write_reference_submission  # noqa: E402
from grading_tests.runner import function_names  # noqa: E402
from grading_tests.sandbox import Sandbox  # noqa: E402
from grading_tests.submission import load_submission  # noqa: E402


def measure(repeats):
    names = function_names()
    per_function = {name: [] for name in names}
    startup, totals = [], []
    with tempfile.TemporaryDirectory() as folder:
        path = write_reference_submission(Path(folder) / "reference.py")
        submission = load_submission(path)
        for seed in range(repeats):
            begin = time.perf_counter()
            with Sandbox(submission.cells, labels=submission.labels) as sandbox:
                started = time.perf_counter()
                startup.append(started - begin)
                for name in names:
                    t0 = time.perf_counter()
                    result = run_grader(GRADERS[name], sandbox, seed)
                    per_function[name].append(time.perf_counter() - t0)
                    if result.score != result.max_score:
                        raise SystemExit(f"{name} lost points with seed {seed}: {result.feedback}")
            totals.append(time.perf_counter() - begin)
    return {
        "repeats": repeats,
        "submission_median_s": statistics.median(totals),
        "startup_median_s": statistics.median(startup),
        "functions_median_s": {name: statistics.median(times) for name, times in per_function.items()},
    }


# One student's grading in a fresh process, of the checkout named by argv[1]: what the
# class command's nbgrader process pays (imports, the worker, every grader, questions included).
COLD = """
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
start = time.perf_counter()
from grading_tests.runner import grade_submission
report = grade_submission(sys.argv[1] + "/submitted/eleve_correct/06_reseaux_de_neurones", seed=int(sys.argv[2]),
                          include_questions=True)
own, children = (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
print(json.dumps({"cpu_s": own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime,
                  "grader_process_cpu_s": own.ru_utime + own.ru_stime, "wall_s": time.perf_counter() - start,
                  "scores": {name: f["score"] for name, f in report["functions"].items()},
                  "module": sys.modules["grading_tests"].__file__}))
"""


def cold(checkouts, runs):
    """{checkout: [runs]}: ``runs`` fresh-process gradings of each checkout, taking turns."""
    found = {str(c): [] for c in checkouts}
    for turn in range(runs):
        for checkout in checkouts if turn % 2 == 0 else checkouts[::-1]:
            out = subprocess.run([sys.executable, "-c", COLD, str(checkout), str(turn)], check=True,
                                 capture_output=True, text=True, cwd=checkout).stdout
            run = json.loads(out.splitlines()[-1])
            if not run["module"].startswith(str(checkout)):
                raise SystemExit(f"{checkout}: imported {run['module']}")
            found[str(checkout)].append(run)
    for turn in range(runs):
        scores = {c: found[c][turn]["scores"] for c in found}
        if len({json.dumps(v, sort_keys=True) for v in scores.values()}) != 1:
            raise SystemExit(f"the checkouts grade differently with seed {turn}: {scores}")
    return {c: {key: statistics.median(r[key] for r in rs) for key in ("cpu_s", "grader_process_cpu_s", "wall_s")}
            for c, rs in found.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--cold", type=int, default=0, metavar="N", help="also N fresh-process gradings of a student")
    parser.add_argument("--against", metavar="DIR", help="with --cold: also the checkout in DIR, taking turns")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    figures = measure(args.repeats)
    if args.cold:
        here = Path(__file__).resolve().parent.parent
        checkouts = [here] + ([Path(args.against).resolve()] if args.against else [])
        figures["cold"] = cold(checkouts, args.cold)
        if args.against:
            mine, theirs = (figures["cold"][str(c)]["cpu_s"] for c in checkouts)
            figures["cold_cpu_ratio_against"] = theirs / mine
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    total = figures["submission_median_s"]
    print(f"one complete submission, median of {args.repeats}: {total:.2f} s")
    print(f"  worker start and code load: {figures['startup_median_s']:.3f} s ({figures['startup_median_s'] / total:.0%})")
    for name, seconds in figures["functions_median_s"].items():
        print(f"  {name:<24} {seconds * 1000:8.1f} ms  ({seconds / total:5.1%})")
    for checkout, run in figures.get("cold", {}).items():
        print(f"one student in a fresh process, median of {args.cold}, {checkout}: {run['cpu_s']:.2f} CPU s "
              f"(grading process {run['grader_process_cpu_s']:.2f}, workers the rest), {run['wall_s']:.2f} s wall")
    if "cold_cpu_ratio_against" in figures:
        print(f"CPU per student, {args.against} / this checkout: {figures['cold_cpu_ratio_against']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
