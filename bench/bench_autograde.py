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

``--seccomp-off`` adds **course, no seccomp**: the course's configuration
with ``RN_CONFINE_SECCOMP=0``, the kernel and the worker confined without
their system-call filter, to measure what the filter costs a class.

It reports seconds per class and per student, and the ratios to stock.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
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


def _autograde(config_text, students, *extra, env=None):
    with tempfile.TemporaryDirectory(prefix="rn-bench-") as folder, _environ(env or {}):
        root = _course_copy(folder, config_text)
        only = [f"--student={students[0]}"] if len(students) == 1 else []
        # Stock nbgrader exits 1 when a kernel dies (the hostile student); the
        # time is what counts here.
        _, _, seconds = nbgrader(root, "autograde", ASSIGNMENT, "--force", *only, *extra, check=False)
        return seconds, len(students) if only else len(collected_students(root))


@contextlib.contextmanager
def _environ(values):
    """``values`` in this process's environment (nbgrader inherits it) for the duration."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--student", default=None, help="time one demo student instead of the class")
    parser.add_argument("--seccomp-off", action="store_true", help="also time the course without its seccomp filter")
    args = parser.parse_args(argv)
    config = (REPO / "nbgrader_config.py").read_text(encoding="utf-8")
    if STOCK_CUT not in config:
        raise SystemExit(f"nbgrader_config.py no longer has the line {STOCK_CUT!r}")
    stock_config = config.split(STOCK_CUT)[0]
    runs = {}
    setups = [
        ("stock", stock_config, (), None),
        ("course", config, (), None),
        ("course, no kernel", config, ("--ConfinedExecute.enabled=False",), None),
    ]
    if args.seccomp_off:
        setups.append(("course, no seccomp", config, (), {"RN_CONFINE_SECCOMP": "0"}))
    for name, text, extra, env in setups:
        seconds, students = _autograde(text, [args.student] if args.student else [], *extra, env=env)
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
