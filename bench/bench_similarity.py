"""The similarity report on a class of 300, against copydetect's whole-file detector on the same class, same run.

``python bench/bench_similarity.py [--students 300] [--copies 10] [--repeat 3] [--seed 7]`` builds, in a
temporary folder, a copy of the course and a synthetic class from the bank
(``tests/similarity_class.py``: independent students, and ``--copies``
planted copies of each of the three kinds: renamed, reordered and commented,
one function rewritten), with the gradebook table of the graders' named
mistakes. It then times, in the same run, on the same class:

- **similarity**: ``python -m grading_tests.course similarity`` in a fresh
  process (imports, reading 300 hand-ins through the staging, normalising,
  fingerprinting, scoring, the page and the CSV);
- **copydetect**: copydetect 0.5's ``CopyDetector`` (the winnowing detector
  of MOSS's paper, all pairs of files) in a fresh process, on each hand-in's
  code cells written as one .py file (what a whole-file tool is given), the
  release's code as boilerplate (its comparison only: no HTML report).

Each is run ``--repeat`` times; the best and the median are printed, with
their ratio. Then the quality of each on the planted copies: precision and
recall at its threshold (ours: the default; copydetect: its default display
threshold, 0.33 of either file copied), and whether every planted pair ranks
above every other pair. No assertion: the figures go in bench/README.md.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

import similarity_class as sc  # noqa: E402
from grading_tests.course.handins import ASSIGNMENT  # noqa: E402
from grading_tests.course.similarity import DEFAULT_THRESHOLD  # noqa: E402
from nbgrader_attacks import harness  # noqa: E402

COPYDETECT = """
import sys, numpy as np
from copydetect import CopyDetector
d = CopyDetector(test_dirs=[sys.argv[1]], boilerplate_dirs=[sys.argv[2]], extensions=["py"], autoopen=False,
                 silent=True, out_file=sys.argv[3])
d.run()
np.save(sys.argv[4], d.similarity_matrix)
print("\\n".join(d.test_files))
"""


def _env():
    return dict(os.environ, PATH=os.pathsep.join([os.path.dirname(sys.executable), os.environ["PATH"]]))


def _timed(command, cwd):
    start = time.perf_counter()
    proc = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=_env())
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{command[:4]} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return elapsed, proc.stdout


def quality(scores, planted, threshold):
    """(flagged, precision, recall, every planted pair above every other, lowest planted, highest other)."""
    flagged = {p for p, s in scores.items() if s >= threshold}
    hits = len(flagged & planted)
    precision = hits / len(flagged) if flagged else 1.0
    recall = hits / len(planted)
    lowest_planted = min(scores.get(p, 0.0) for p in planted)
    highest_other = max([s for p, s in scores.items() if p not in planted] + [0.0])
    return len(flagged), precision, recall, lowest_planted > highest_other, lowest_planted, highest_other


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--copies", type=int, default=10, help="planted copies of each kind")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-similarite-") as tmp:
        tmp = Path(tmp)
        root = harness.copy_course(tmp)
        start = time.perf_counter()
        plan = sc.make_plan(root, args.students - 3 * args.copies, args.copies, seed=args.seed)
        sc.build_class(root, plan)
        db_url = sc.gradebook(tmp / "gradebook.db", plan)
        files = sc.whole_files(root, tmp / "fichiers")
        print(f"class of {len(plan.students)} built in {time.perf_counter() - start:.1f} s "
              f"({len(plan.copies)} planted copies); {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
        ours, theirs = [], []
        for _ in range(args.repeat):
            elapsed, _ = _timed([sys.executable, "-m", "grading_tests.course", "similarity", ASSIGNMENT,
                                 "--out", str(tmp / "rapport"), "--db-url", db_url], root)
            ours.append(elapsed)
            elapsed, names = _timed([sys.executable, "-c", COPYDETECT, str(files / "rendus"), str(files / "distribue"),
                                     str(tmp / "copydetect.html"), str(tmp / "matrix.npy")], tmp)
            theirs.append(elapsed)
        planted = plan.planted()
        with open(tmp / "rapport" / "similarite.csv", encoding="utf-8") as f:
            our_scores = {frozenset((r["eleve_a"], r["eleve_b"])): float(r["indice"]) for r in csv.DictReader(f)}
        matrix = np.load(tmp / "matrix.npy")
        students = [Path(name).stem for name in names.split()]
        their_scores = {}
        for i in range(len(students)):
            for j in range(i + 1, len(students)):
                their_scores[frozenset((students[i], students[j]))] = float(max(matrix[i, j, 0], matrix[i, j, 1]))
        print(f"{'':12s} {'best (s)':>9s} {'median (s)':>11s}")
        for name, times in (("similarity", ours), ("copydetect", theirs)):
            print(f"{name:12s} {min(times):9.2f} {statistics.median(times):11.2f}")
        print(f"ratio copydetect / similarity: best {min(theirs) / min(ours):.2f}x, "
              f"median {statistics.median(theirs) / statistics.median(ours):.2f}x")
        for name, scores, threshold in (("similarity", our_scores, DEFAULT_THRESHOLD), ("copydetect", their_scores, 0.33)):
            flagged, p, r, ranked, low, high = quality(scores, planted, threshold)
            print(f"{name:12s} threshold {threshold:.2f}: {flagged} pairs flagged, precision {p:.3f} recall {r:.3f}; "
                  f"lowest planted {low:.3f}, highest other {high:.3f}, every planted pair first: {ranked}")


if __name__ == "__main__":
    main()
