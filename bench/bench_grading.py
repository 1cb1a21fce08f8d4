"""How long the out-of-process graders take on one complete submission.

``python bench/bench_grading.py [--repeats N]`` grades the reference
implementation (flattened into one submission) N times with different seeds
and reports the median wall time of a whole submission and of each function.
The fixed cost of a submission (starting the confined worker and loading the
code) is measured in the same run, as the ratio a class of submissions pays
per student.
"""

from __future__ import annotations

import argparse
import json
import statistics
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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    figures = measure(args.repeats)
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    total = figures["submission_median_s"]
    print(f"one complete submission, median of {args.repeats}: {total:.2f} s")
    print(f"  worker start and code load: {figures['startup_median_s']:.3f} s ({figures['startup_median_s'] / total:.0%})")
    for name, seconds in figures["functions_median_s"].items():
        print(f"  {name:<24} {seconds * 1000:8.1f} ms  ({seconds / total:5.1%})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
