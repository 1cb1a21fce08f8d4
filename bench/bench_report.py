"""The class report for 1,000 students, against ``nbgrader export`` on the same gradebook, same run.

``python bench/bench_report.py [--students 1000] [--repeat 3]`` builds, in a
temporary folder, a copy of the course (config, source, release) whose
gradebook gets the assignment from ``nbgrader generate_assignment``, then
N synthetic students written straight into it with SQL, as the class
command's driver leaves them: a submission, every notebook, a grade per
graded cell and a comment per answer cell, and the graders' structured
results (:mod:`grading_tests.nbgrader_plugin.results_table`). Each function's
score follows the rubric's shares (full, a named near-miss at 50 %, a named
mistake at 0, no work at 0), drawn from a student's ability, and the named
mistakes are those of the graders' catalogues.

It then times, in the same run, on the same gradebook:

- **report**: ``python -m grading_tests.course report`` (a fresh process:
  imports, SQL, statistics, figures, page, CSV, JSON);
- **nbgrader export**: ``nbgrader export`` of the same gradebook
  (``grades.csv``), the only class-wide output nbgrader has.

Each is run ``--repeat`` times; the best and the median are printed, with
their ratio. No assertion: the figures go in bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from grading_tests.course import nbgrader, nbgrader_env  # noqa: E402
from grading_tests.course.handins import ASSIGNMENT  # noqa: E402
from grading_tests.nbgrader_plugin import results_table  # noqa: E402
from grading_tests.runner import registry  # noqa: E402

MISTAKE_NAMES = ["sigma_from_z", "missing_one_over_m", "no_rescale", "no_bias_correction", "lecun_variance", "returns_derivative"]


def _course(folder):
    root = Path(folder) / "cours"
    root.mkdir()
    shutil.copy2(REPO / "nbgrader_config.py", root)
    shutil.copytree(REPO / "source", root / "source")
    shutil.copytree(REPO / "release", root / "release")
    code, log, _ = nbgrader(root, "generate_assignment", ASSIGNMENT, "--force", check=False)
    if code != 0:
        raise SystemExit(log[-3000:])
    return root


def fill(root, students, seed=0):
    """Write ``students`` synthetic submissions straight into the course's gradebook; their count of grades."""
    rng = np.random.default_rng(seed)
    db = sqlite3.connect(root / "gradebook.db")
    assignment_id = db.execute("SELECT id FROM assignment WHERE name = ?", (ASSIGNMENT,)).fetchone()[0]
    notebooks = db.execute("SELECT id, name FROM notebook WHERE assignment_id = ?", (assignment_id,)).fetchall()
    cells = {nb: db.execute(
        "SELECT b.id, b.name, g.max_score, g.cell_type FROM grade_cells g JOIN base_cell b ON b.id = g.id WHERE b.notebook_id = ?",
        (nb,)).fetchall() for nb, _ in notebooks}
    answers = {nb: [r[0] for r in db.execute(
        "SELECT s.id FROM solution_cells s JOIN base_cell b ON b.id = s.id WHERE b.notebook_id = ?", (nb,))] for nb, _ in notebooks}
    graders = registry()
    stamp = datetime.datetime(2025, 3, 14, 18)
    rows = {"student": [], "submitted_assignment": [], "submitted_notebook": [], "grade": [], "comment": [], "results": []}
    for i in range(students):
        student, ability = f"s{i:04d}", rng.normal(0, 1)
        sub = uuid.uuid4().hex
        rows["student"].append((student, f"Prénom{i}", f"Nom{i}", None, None))
        rows["submitted_assignment"].append((sub, assignment_id, student, stamp, None))
        for nb, nb_name in notebooks:
            snb = uuid.uuid4().hex
            rows["submitted_notebook"].append((snb, sub, nb, False, 0.0))
            for cell_id, name, max_score, cell_type in cells[nb]:
                if cell_type != "code":
                    rows["grade"].append((uuid.uuid4().hex, snb, cell_id, None, None, None, True))
                    continue
                function = name[len("test_"):]
                wrong = rng.random() < 1 / (1 + np.exp(ability + 0.8))
                share, stage, kind, mistake = 1.0, None, None, None
                if wrong:
                    draw = rng.integers(3)
                    share, stage, kind = [(0.5, "values", "near_miss"), (0.0, "values", None), (0.0, "values", "no_work")][draw]
                    mistake = f"{function}.{MISTAKE_NAMES[rng.integers(len(MISTAKE_NAMES))]}" if draw < 2 else None
                score = round(max_score * share, 4)
                rows["grade"].append((uuid.uuid4().hex, snb, cell_id, score, None, None, False))
                rows["results"].append({"assignment": ASSIGNMENT, "student": student, "function": graders[function].name,
                                        "notebook": nb_name, "score": score, "max_score": max_score, "stage": stage,
                                        "kind": kind, "mistake": mistake, "hint": "indice du correcteur" if mistake else None,
                                        "status": None})
            for cell_id in answers[nb]:
                rows["comment"].append((uuid.uuid4().hex, snb, cell_id, None, None))
    with db:
        db.executemany("INSERT INTO student VALUES (?, ?, ?, ?, ?)", rows["student"])
        db.executemany("INSERT INTO submitted_assignment VALUES (?, ?, ?, ?, ?)", rows["submitted_assignment"])
        db.executemany("INSERT INTO submitted_notebook VALUES (?, ?, ?, ?, ?)", rows["submitted_notebook"])
        db.executemany("INSERT INTO grade VALUES (?, ?, ?, ?, ?, ?, ?)", rows["grade"])
        db.executemany("INSERT INTO comment VALUES (?, ?, ?, ?, ?)", rows["comment"])
    db.close()
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{root / 'gradebook.db'}")
    with engine.begin() as connection:
        results_table.ensure(connection)
        connection.execute(results_table.RESULTS.insert(), rows["results"])
    engine.dispose()
    return len(rows["grade"])


def _timed(command, cwd):
    start = time.perf_counter()
    proc = subprocess.run(command, cwd=cwd, env=nbgrader_env(), capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{proc.stdout[-2000:]}{proc.stderr[-3000:]}")
    return seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-rapport-") as folder:
        root = _course(folder)
        grades = fill(root, args.students)
        print(f"{args.students} students, {grades} grade rows; load average {os.getloadavg()[0]:.2f}")
        report = [sys.executable, "-m", "grading_tests.course", "report", ASSIGNMENT, "--out", "rapport"]
        export = [str(Path(sys.executable).parent / "nbgrader"), "export"]
        times = {"report": [], "nbgrader export": []}
        for _ in range(args.repeat):
            times["report"].append(_timed(report, root))
            times["nbgrader export"].append(_timed(export, root))
        size = (root / "rapport" / "rapport_classe.html").stat().st_size
        summary = json.loads((root / "rapport" / "rapport_classe.json").read_text())["summary"]
        for name, values in times.items():
            print(f"{name:16} best {min(values):6.2f} s   median {statistics.median(values):6.2f} s")
        ratio = statistics.median(times["report"]) / statistics.median(times["nbgrader export"])
        print(f"report / nbgrader export (medians): {ratio:.2f}x; page {size / 1024:.0f} KiB, "
              f"{summary['n']} students, alpha {summary['alpha']:.3f}; load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
