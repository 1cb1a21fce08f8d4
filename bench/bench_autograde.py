"""Autograde time of the demo class: this course's nbgrader setup against stock nbgrader.

``python bench/bench_autograde.py`` copies the course to a temporary folder
(config, source, release, the four demo submissions) and, in the same run,
times ``nbgrader autograde`` of the whole class three ways:

- **course**: the course's configuration (confined kernel, trusted grades
  from the out-of-process graders);
- **course, no kernel**: the same with ``--ConfinedExecute.enabled=False``,
  which gives the same grades without running the notebooks;
- **stock**: nbgrader's own autograde (in-kernel grading, which a student
  can fake), the competitor.

It reports seconds per class and per student, and the ratios to stock.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from grading_tests.course import collected_students, nbgrader, register_students  # noqa: E402
from grading_tests.course.handins import ASSIGNMENT  # noqa: E402

STOCK_CUT = "# --- autograde"  # nbgrader_config.py: everything after this line is the plug-in


def _course_copy(folder, config_text):
    root = Path(folder) / "cours"
    root.mkdir()
    (root / "nbgrader_config.py").write_text(config_text, encoding="utf-8")
    for name in ("source", "release", "submitted"):
        shutil.copytree(REPO / name, root / name)
    nbgrader(root, "generate_assignment", ASSIGNMENT, "--force")
    register_students(root, collected_students(root))
    return root


def _autograde(config_text, students, *extra):
    with tempfile.TemporaryDirectory(prefix="rn-bench-") as folder:
        root = _course_copy(folder, config_text)
        only = [f"--student={students[0]}"] if len(students) == 1 else []
        # Stock nbgrader exits 1 when a kernel dies (the hostile student); the
        # time is what counts here.
        _, _, seconds = nbgrader(root, "autograde", ASSIGNMENT, "--force", *only, *extra, check=False)
        return seconds, len(students) if only else len(collected_students(root))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--student", default=None, help="time one demo student instead of the class")
    args = parser.parse_args(argv)
    config = (REPO / "nbgrader_config.py").read_text(encoding="utf-8")
    if STOCK_CUT not in config:
        raise SystemExit(f"nbgrader_config.py no longer has the line {STOCK_CUT!r}")
    stock_config = config.split(STOCK_CUT)[0]
    runs = {}
    for name, text, extra in (
        ("stock", stock_config, ()),
        ("course", config, ()),
        ("course, no kernel", config, ("--ConfinedExecute.enabled=False",)),
    ):
        seconds, students = _autograde(text, [args.student] if args.student else [], *extra)
        runs[name] = {"class_s": seconds, "per_student_s": seconds / students, "students": students}
    for run in runs.values():
        run["ratio_to_stock"] = run["class_s"] / runs["stock"]["class_s"]
    if args.json:
        print(json.dumps(runs, indent=2))
        return 0
    print(f"{'setup':<20} {'total (s)':>10} {'per student (s)':>16} {'vs stock':>9}")
    for name, run in runs.items():
        print(f"{name:<20} {run['class_s']:>10.1f} {run['per_student_s']:>16.1f} {run['ratio_to_stock']:>8.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
