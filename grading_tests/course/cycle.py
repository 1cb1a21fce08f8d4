"""The instructor's cycle on the course's nbgrader folder (``python -m grading_tests.course demo``).

:func:`run_demo` does, from the course root, on the embedded SQLite gradebook
(``gradebook.db``):

1. release: ``nbgrader generate_assignment 06_reseaux_de_neurones --force``;
2. collect: the submissions are already where ``nbgrader collect`` (or
   ``zip_collect``) puts them, ``submitted/<élève>/06_reseaux_de_neurones/``
   with a ``timestamp.txt``; the students are registered in the gradebook;
3. autograde, the class on local Dask workers with progress and a final table:
   ``python -m grading_tests.course autograde 06_reseaux_de_neurones --force``
   (:mod:`.classgrade`; the grades of ``nbgrader autograde``);
4. feedback: ``nbgrader generate_feedback 06_reseaux_de_neurones --force``;
5. export: ``python -m grading_tests.course export 06_reseaux_de_neurones
   --format canvas|moodle|csv`` writes ``exports/06_reseaux_de_neurones_<format>.csv``,
   and ``nbgrader export`` writes ``grades.csv``;
6. prints the score table (student × notebook, late penalty, total, answers
   left to grade by hand), then the Canvas and Moodle files.

The demo's due date (:data:`.demo_class.DUEDATE`) goes into the gradebook
with the students, and the course root's ``extensions.csv`` is the demo's
(:data:`.demo_class.EXTENSIONS`), so the late policy of ``nbgrader_config.py``
shows: a penalty, the grace period, an extension.

Its outputs (``gradebook.db``, ``autograded/<élève>/``, ``feedback/``,
``grades.csv``, ``exports/``) are rebuilt from scratch; it refuses to touch a
gradebook, a ``submitted/`` or an ``extensions.csv`` that holds students
outside the demo class.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

from .demo_class import DUEDATE, STUDENTS, build_demo_class
from .environment import nbgrader, nbgrader_env
from .handins import ASSIGNMENT

__all__ = [
    "nbgrader_env",
    "nbgrader",
    "generate_release",
    "register_students",
    "export_demo",
    "collected_students",
    "score_table",
    "format_score_table",
    "run_demo",
]


def generate_release(root, scratch_db=False):
    """``nbgrader generate_assignment`` into release/; seconds taken.

    With ``scratch_db`` the gradebook written on the way is a throwaway one:
    regenerating the release never touches (nor fails on) the class's
    ``gradebook.db``.
    """
    args = ["generate_assignment", ASSIGNMENT, "--force"]
    if not scratch_db:
        return nbgrader(root, *args)[2]
    with tempfile.TemporaryDirectory(prefix="rn-release-") as folder:
        return nbgrader(root, *args, f"--CourseDirectory.db_url=sqlite:///{folder}/release.db")[2]


def _gradebook(root):
    from nbgrader.api import Gradebook

    return Gradebook(f"sqlite:///{Path(root) / 'gradebook.db'}", course_id="rn-fondamentaux-ch06")


def _reset(root, students):
    """Remove the outputs of a previous demo run (never another class's gradebook)."""
    db = root / "gradebook.db"
    if db.exists():
        with _gradebook(root) as gb:
            strangers = sorted(s.id for s in gb.students if s.id not in STUDENTS)
        if strangers:
            raise SystemExit(
                f"gradebook.db holds other students ({', '.join(strangers[:5])}…): the demo does not touch it. "
                "Move it aside, or run the demo in a copy of the course."
            )
        db.unlink()
    for student in students:
        shutil.rmtree(root / "autograded" / student, ignore_errors=True)
        shutil.rmtree(root / "feedback" / student, ignore_errors=True)
    (root / "grades.csv").unlink(missing_ok=True)
    for fmt in DEMO_EXPORTS:
        (root / "exports" / f"{ASSIGNMENT}_{fmt}.csv").unlink(missing_ok=True)


def register_students(root, students, duedate=None):
    """The students in the gradebook, and the assignment's due date when given."""
    from nbgrader.utils import parse_utc

    with _gradebook(root) as gb:
        for student in students:
            first, last = STUDENTS.get(student, (None, None))
            gb.update_or_create_student(student, first_name=first, last_name=last)
        if duedate is not None:
            gb.update_or_create_assignment(ASSIGNMENT, duedate=parse_utc(duedate))


DEMO_EXPORTS = ("canvas", "moodle", "csv")


def export_demo(root):
    """The demo class's exports (exports/<assignment>_<format>.csv) and nbgrader's grades.csv; seconds taken."""
    from .export import export_grades

    start = time.perf_counter()
    paths = {fmt: export_grades(root, ASSIGNMENT, fmt, err=sys.stdout) for fmt in DEMO_EXPORTS}
    sys.stdout.flush()
    nbgrader(root, "export")  # reads the penalties the export just stored
    return paths, time.perf_counter() - start


def collected_students(root):
    """Students with a submission in submitted/ (what `nbgrader collect` leaves there)."""
    folder = root / "submitted"
    return sorted(p.parent.name for p in folder.glob(f"*/{ASSIGNMENT}") if p.is_dir())


def score_table(root):
    """Rows (student, {notebook: (score, max)}, total, max, answers to grade by hand)."""
    from nbgrader.api import MissingEntry

    rows = []
    with _gradebook(root) as gb:
        assignment = gb.find_assignment(ASSIGNMENT)
        notebooks = sorted(nb.name for nb in assignment.notebooks)
        for student in sorted(s.id for s in gb.students):
            try:
                submission = gb.find_submission(ASSIGNMENT, student)
            except MissingEntry:  # registered, never submitted
                continue
            cells = {nb.name: (nb.score, nb.max_score) for nb in submission.notebooks}
            # every cell the formgrader flags, so the table and the formgrader agree
            manual = sum(1 for nb in submission.notebooks for g in nb.grades if g.needs_manual_grade)
            penalty = float(submission.late_submission_penalty or 0)
            rows.append((student, cells, penalty, submission.score - penalty, submission.max_score, manual))
    return notebooks, rows


def format_score_table(notebooks, rows):
    short = [n.split("_", 2)[1] if n.count("_") >= 2 else n for n in notebooks]
    header = f"{'élève':<16}" + "".join(f"{s:>12}" for s in short) + f"{'retard':>9}{'total':>14}{'à corriger':>12}"
    lines = [header, "-" * len(header)]
    for student, cells, penalty, score, max_score, manual in rows:
        line = f"{student:<16}"
        for name in notebooks:
            got, out_of = cells.get(name, (0.0, 0.0))
            line += f"{got:>7g}/{out_of:<4g}"
        line += f"{('-%g' % round(penalty, 2)) if penalty else '0':>9}{round(score, 2):>8g}/{max_score:<5g}{manual:>12}"
        lines.append(line)
    lines.append("")
    lines.append("Colonnes : notebooks 06_1 … 06_5 (points notés / points du notebook, réponses rédigées comprises) ;")
    lines.append("« retard » : pénalité de retard (nbgrader_config.py, extensions.csv) ; « total » : après pénalité ;")
    lines.append("« à corriger » : réponses rédigées qui attendent une note à la main (formgrader).")
    return "\n".join(lines)


def run_demo(root, seed=None, rebuild_submissions=False):
    root = Path(root).resolve()
    if not (root / "nbgrader_config.py").exists():
        raise SystemExit(f"{root} is not the course root (no nbgrader_config.py)")
    times = {}
    print(f"== 1. release : nbgrader generate_assignment {ASSIGNMENT} --force")
    strangers = [s for s in collected_students(root) if s not in STUDENTS]
    if strangers:
        raise SystemExit(f"submitted/ holds students outside the demo class ({', '.join(strangers[:5])}): run the demo in a copy.")
    from .export.run import load_settings

    strangers = [s for s in load_settings(root)[2].extensions(root) if s not in STUDENTS]
    if strangers:
        raise SystemExit(f"extensions.csv names students outside the demo class ({', '.join(strangers[:5])}): run the demo in a copy.")
    _reset(root, sorted(STUDENTS))
    times["release"] = generate_release(root)
    if rebuild_submissions or not collected_students(root):
        build_demo_class(root)
    students = collected_students(root)
    print(f"== 2. collect : {len(students)} soumission(s) dans submitted/ : {', '.join(students)}")
    register_students(root, students, duedate=DUEDATE)
    print(f"   date limite du devoir : {DUEDATE} ; prolongations : extensions.csv")
    print(f"== 3. autograde : python -m grading_tests.course autograde {ASSIGNMENT} --force (workers Dask locaux)", flush=True)
    from .classgrade import autograde_class

    start = time.perf_counter()
    code = autograde_class(root, ASSIGNMENT, seed=seed, force=True)
    times["autograde"] = time.perf_counter() - start
    sys.stdout.flush()
    with _gradebook(root) as gb:
        graded = {submission.student.id for submission in gb.find_assignment(ASSIGNMENT).submissions}
    missing = sorted(set(students) - graded)
    if code != 0 or missing:  # the command exits 0 once every folder has its line: a failure is a line
        raise RuntimeError(f"the class autograde left {', '.join(missing) or 'the class'} without a grade "
                           "(see its table above and logs/)")
    print(f"== 4. feedback : nbgrader generate_feedback {ASSIGNMENT} --force")
    _, _, times["feedback"] = nbgrader(root, "generate_feedback", ASSIGNMENT, "--force")
    print(f"== 5. export : python -m grading_tests.course export {ASSIGNMENT} --format canvas|moodle|csv ; nbgrader export -> grades.csv")
    paths, times["export"] = export_demo(root)
    print("== 6. notes")
    notebooks, rows = score_table(root)
    print(format_score_table(notebooks, rows))
    for fmt in ("canvas", "moodle"):
        print(f"\n{paths[fmt].relative_to(root)} :")
        print(paths[fmt].read_text(encoding="utf-8").replace("\r\n", "\n"), end="")
    print()
    print("Durées : " + ", ".join(f"{k} {v:.1f} s" for k, v in times.items()))
    return times
