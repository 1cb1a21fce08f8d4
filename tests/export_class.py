"""A class in a real nbgrader gradebook, built with nbgrader's own API, for the late-policy and export tests.

:func:`build` creates the assignment with the release's notebooks and
graded cells (names, points, code or written answer) and a due date, then
each :class:`Pupil` as a student, and, for those who handed in, a
submission ``late`` after the due date with scores drawn from the pupil's
seed: a function is right, half right, a quarter right or wrong; a written
answer is graded by hand, or still waits for it. No autograde runs: the
tests read and write the gradebook exactly as the export does, on SQLite
or PostgreSQL (any ``db_url``).

:func:`course_root` is a copy of the course whose ``nbgrader_config.py``
pins the late policy the tests compute by hand (:data:`POLICY`), whatever
the course's own settings become.
"""

from __future__ import annotations

import datetime
import json
import random
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

from grading_tests.course.handins import ASSIGNMENT
from nbgrader_attacks import harness

__all__ = ["COURSE_ID", "DUE", "POLICY", "Pupil", "release_cells", "course_root", "build", "raw_scores", "notebook_scores"]

COURSE_ID = "rn-fondamentaux-ch06"
DUE = datetime.datetime(2025, 3, 14, 18, 0)  # naive UTC, as nbgrader stores it: 19:00 in Paris
HOUR = datetime.timedelta(hours=1)
# 10 % of the score per started day, at most 50 %, 15 minutes of grace, zero after 7 days.
POLICY = """
c.LatePolicy.unit = "day"
c.LatePolicy.rate = 0.10
c.LatePolicy.cap = 0.50
c.LatePolicy.grace_minutes = 15
c.LatePolicy.hard_deadline_hours = 168
c.LatePolicy.extensions_file = "extensions.csv"
c.LatePolicy.timezone = "Europe/Paris"
"""


@dataclass
class Pupil:
    id: str
    first: str | None = None
    last: str | None = None
    email: str | None = None
    lms: str | None = None
    late: datetime.timedelta | None = datetime.timedelta(0)  # None: nothing handed in
    seed: int = 0
    pending: bool = False  # leave the written answers to grade by hand


def release_cells():
    """{notebook: [(grade_id, points, cell_type)]} of the release, in notebook order."""
    cells = {}
    for path in sorted((harness.REPO / "release" / ASSIGNMENT).glob("*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        cells[path.stem] = [
            (c["metadata"]["nbgrader"]["grade_id"], float(c["metadata"]["nbgrader"]["points"]), c["cell_type"])
            for c in nb["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("grade")
        ]
    return cells


def course_root(tmp_path):
    root = harness.copy_course(tmp_path, release=True)
    with open(root / "nbgrader_config.py", "a", encoding="utf-8") as f:
        f.write("\n# pinned by the tests\n" + POLICY)
    return root


_EMPTY = {}


def _new_sqlite(db_url):
    """An empty gradebook at a new SQLite URL: made once (nbgrader runs ``alembic``, seconds), then copied."""
    from nbgrader.api import Gradebook

    path = Path(db_url[len("sqlite:///"):])
    if path.exists():
        return
    if "bytes" not in _EMPTY:
        with tempfile.TemporaryDirectory() as folder:
            with Gradebook(f"sqlite:///{folder}/empty.db", COURSE_ID):
                pass
            _EMPTY["bytes"] = (Path(folder) / "empty.db").read_bytes()
    path.write_bytes(_EMPTY["bytes"])


def build(db_url, pupils, duedate=DUE):
    from nbgrader.api import Gradebook
    from sqlalchemy.exc import SAWarning

    if db_url.startswith("sqlite:///"):
        _new_sqlite(db_url)
    with Gradebook(db_url, COURSE_ID) as gb, warnings.catch_warnings():
        warnings.simplefilter("ignore", SAWarning)  # nbgrader's add_submission and its autoflush
        gb.update_or_create_assignment(ASSIGNMENT, duedate=duedate)
        for notebook, cells in release_cells().items():
            gb.add_notebook(notebook, ASSIGNMENT)
            for grade_id, points, cell_type in cells:
                gb.add_grade_cell(grade_id, notebook, ASSIGNMENT, max_score=points, cell_type=cell_type)
        for pupil in pupils:
            gb.add_student(pupil.id, first_name=pupil.first, last_name=pupil.last, email=pupil.email, lms_user_id=pupil.lms)
            if pupil.late is None:
                continue
            submission = gb.add_submission(ASSIGNMENT, pupil.id, timestamp=DUE + pupil.late)
            rng = random.Random(pupil.seed)
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    share = rng.choice([0.0, 0.25, 0.5, 1.0])
                    if grade.cell_type == "markdown" and pupil.pending:
                        grade.auto_score, grade.needs_manual_grade = None, True
                    elif grade.cell_type == "markdown":
                        grade.auto_score, grade.manual_score, grade.needs_manual_grade = None, share * grade.max_score, False
                    else:
                        grade.auto_score, grade.needs_manual_grade = share * grade.max_score, False
            gb.db.commit()


def notebook_scores(db_url, student):
    """{notebook: score} of the student's submission, summed here from its grade rows."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url, COURSE_ID) as gb:
        submission = gb.find_submission(ASSIGNMENT, student)
        scores = {}
        for notebook in submission.notebooks:
            total = 0.0
            for grade in notebook.grades:
                value = grade.manual_score if grade.manual_score is not None else grade.auto_score
                total += (value or 0.0) + (grade.extra_credit or 0.0)
            scores[notebook.name] = total
        return scores


def raw_scores(db_url, student):
    return sum(notebook_scores(db_url, student).values())
