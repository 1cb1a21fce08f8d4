"""What the class report reads: the gradebook, the graders' structured results and the class run's logs.

:func:`load` reads, in one pass of SQL over nbgrader's tables (SQLite or
PostgreSQL: whatever ``db_url`` nbgrader uses), every submission of the
assignment, its grades and the structured results kept beside them
(:mod:`grading_tests.nbgrader_plugin.results_table`), and checks that the
gradebook is this course's. It refuses, with a French message and before
anything is written (:class:`ReportError`): a gradebook without the
assignment, or whose graded cells are not those of ``release/``; a class with
no graded submission; students graded before the structured results existed,
or whose results no longer match their grade (unless ``force``: the report
then leaves them out of the mistake counts and says so).
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ...nbgrader_plugin import results_table, staging
from ...nbgrader_plugin.common import GraderMismatch, grader_for
from ...nbgrader_plugin.student_ids import printable, shown
from ...runner import registry

__all__ = ["ReportError", "Item", "Written", "ClassData", "load", "release_layout", "run_failures", "anomalies"]

SCORE_TOLERANCE = 1e-6  # a result's score and its grade's are the same float, written from the same report


class ReportError(RuntimeError):
    """Bad input: the report is not built and nothing is written."""


@dataclass
class Item:
    """One automatically graded cell ``test_<function>``: a function or a question variable."""

    function: str
    notebook: str
    max_score: float
    kind: str  # "function" or "question" (framework.Grader.kind)


@dataclass
class Written:
    """One written answer, graded by hand: its scores (None: not graded yet)."""

    name: str
    notebook: str
    max_score: float
    scores: list = field(default_factory=list)


@dataclass
class ClassData:
    assignment: str
    students: list  # graded students, sorted
    names: dict  # student -> "First Last" as the gradebook has it ("" if none)
    items: list  # Item, in the order of the chapter
    scores: np.ndarray  # (students, items): each graded cell's score (a manual override counts)
    results: dict  # (student, function) -> the structured result (results_table.FIELDS)
    written: list  # Written
    late: list  # (student, seconds late, penalty), most late first
    without_results: list  # students left out of the mistake counts (only with force)
    notebooks: list  # the assignment's notebooks
    duedate: object = None  # the gradebook's due date (datetime), or None


def release_layout(root, assignment):
    """{(notebook, test cell): points} of the automatically graded cells of ``release/<assignment>/``."""
    cells = {}
    folder = Path(root) / "release" / assignment
    for path in sorted(folder.glob("*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8")).get("cells", []):
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if cell.get("cell_type") == "code" and meta.get("grade") and not meta.get("solution"):
                cells[(path.stem, meta.get("grade_id"))] = float(meta.get("points", 0))
    return cells


def _select_rows(connection, assignment):
    from nbgrader import api
    from sqlalchemy import select

    A, N, B, G, S = (api.Assignment.__table__, api.Notebook.__table__, api.BaseCell.__table__,
                     api.GradeCell.__table__, api.SolutionCell.__table__)
    found = connection.execute(select(A.c.id, A.c.duedate).where(A.c.name == assignment)).first()
    if found is None:
        return None
    cells = connection.execute(
        select(N.c.name, B.c.name, G.c.max_score, G.c.cell_type, B.c.id.in_(select(S.c.id)).label("solution"))
        .select_from(G.join(B, B.c.id == G.c.id).join(N, N.c.id == B.c.notebook_id))
        .where(N.c.assignment_id == found.id)
    ).all()
    SA, SN, GR, ST = (api.SubmittedAssignment.__table__, api.SubmittedNotebook.__table__, api.Grade.__table__,
                      api.Student.__table__)
    submissions = connection.execute(
        select(SA.c.id, SA.c.student_id, SA.c.timestamp, SA.c.extension, ST.c.first_name, ST.c.last_name)
        .select_from(SA.join(ST, ST.c.id == SA.c.student_id)).where(SA.c.assignment_id == found.id)
    ).all()
    grades = connection.execute(
        select(SA.c.student_id, N.c.name, B.c.name, GR.c.auto_score, GR.c.manual_score, SN.c.late_submission_penalty,
               GR.c.needs_manual_grade)
        .select_from(GR.join(SN, SN.c.id == GR.c.notebook_id).join(SA, SA.c.id == SN.c.assignment_id)
                     .join(N, N.c.id == SN.c.notebook_id).join(B, B.c.id == GR.c.cell_id))
        .where(SA.c.assignment_id == found.id)
    ).all()
    return found.duedate, cells, submissions, grades


def _check_layout(root, assignment, cells):
    """The gradebook's graded cells must be the release's, each with its grader: (items, written answers)."""
    graders = registry()
    tests = {(nb, name): float(points) for nb, name, points, cell_type, solution in cells if cell_type == "code" and not solution}
    expected = release_layout(root, assignment)
    if not expected:
        raise ReportError(f"release/{assignment}/ n'a aucune cellule notée automatiquement : est-ce bien le cours ?")
    if tests != expected:
        differ = sorted(set(tests.items()) ^ set(expected.items()))[:5]
        raise ReportError(
            f"le carnet de notes ne correspond pas au cours : ses cellules notées de {assignment} diffèrent de "
            f"release/{assignment}/ (par exemple {', '.join(f'{nb}/{name} ({p:g} pt)' for (nb, name), p in differ)}). "
            "Vérifiez --db-url, ou refaites nbgrader generate_assignment."
        )
    items = []
    for (nb, name), points in tests.items():
        try:
            spec = grader_for(name, points)
        except GraderMismatch as exc:
            raise ReportError(f"le carnet de notes ne correspond pas au cours : {exc}") from None
        items.append(Item(spec.name, nb, points, spec.kind))
    order = {name: i for i, name in enumerate(graders)}
    items.sort(key=lambda item: order[item.function])
    written = sorted(
        (Written(name, nb, float(points)) for nb, name, points, cell_type, solution in cells if cell_type != "code" or solution),
        key=lambda w: (w.notebook, w.name),
    )
    return items, written


def load(root, assignment, db_url, course_id, force=False):
    """The class as the report sees it (:class:`ClassData`); raise :class:`ReportError` on bad input."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url, course_id) as gb:
        connection = gb.db.connection()
        selected = _select_rows(connection, assignment)
        if selected is None:
            raise ReportError(f"le carnet de notes ne correspond pas au cours : il n'a pas de devoir {assignment}.")
        duedate, cells, submissions, grades = selected
        results = {(r["student"], r["function"]): r for r in results_table.read(connection, assignment)}
    items, written = _check_layout(root, assignment, cells)
    by_name = {item.function: item for item in items}
    auto, manual, penalties, pending = {}, {}, {}, set()
    for student, nb, cell, auto_score, manual_score, penalty, needs_manual in grades:
        auto[(student, nb, cell)] = auto_score
        manual[(student, nb, cell)] = manual_score
        penalties[(student, nb)] = penalty or 0.0
        if needs_manual and manual_score is None:
            pending.add((student, nb, cell))
    graded = sorted(s.student_id for s in submissions
                    if any(auto.get((s.student_id, i.notebook, f"test_{i.function}")) is not None for i in items))
    if not graded:
        raise ReportError(f"classe vide : aucune copie de {assignment} n'a été corrigée dans ce carnet de notes "
                          "(python -m grading_tests.course autograde d'abord).")
    missing = []
    for student in graded:
        rows = [results.get((student, i.function)) for i in items]
        stale = [i for i, r in zip(items, rows) if r is not None and abs(
            r["score"] - (auto.get((student, i.notebook, f"test_{i.function}")) or 0.0)) > SCORE_TOLERANCE]
        if all(r is None for r in rows) or stale:
            missing.append(student)
    if missing and not force:
        listed = ", ".join(shown(s) for s in missing[:10]) + (f" et {len(missing) - 10} autre(s)" if len(missing) > 10 else "")
        raise ReportError(
            f"{len(missing)} élève(s) sans résultats détaillés des correcteurs (corrigés avant qu'ils soient "
            f"enregistrés, ou depuis par un autre moyen) : {listed}. Recorrigez-les (autograde --force), ou "
            "relancez le rapport avec --force : ils compteront dans les notes, pas dans les erreurs."
        )
    for student in missing:
        for item in items:
            results.pop((student, item.function), None)
    scores = np.zeros((len(graded), len(items)))
    for s, student in enumerate(graded):
        for j, item in enumerate(items):
            scores[s, j] = _score(manual, auto, (student, item.notebook, f"test_{item.function}"))
    for w in written:  # None: waiting for a manual grade; an untouched answer scores 0, as in nbgrader
        w.scores = [None if (s, w.notebook, w.name) in pending else _score(manual, auto, (s, w.notebook, w.name)) for s in graded]
    late = []
    for sub in submissions:
        if sub.student_id in graded and duedate is not None and sub.timestamp is not None:
            due = duedate + (sub.extension or datetime.timedelta(0))
            seconds = (sub.timestamp - due).total_seconds()
            if seconds > 0:
                penalty = sum(p for (st, _), p in penalties.items() if st == sub.student_id)
                late.append((sub.student_id, seconds, penalty))
    late.sort(key=lambda row: (-row[1], row[0]))
    names = {s.student_id: " ".join(x for x in (s.first_name, s.last_name) if x) for s in submissions}
    notebooks = sorted({nb for nb, *_ in cells})
    return ClassData(assignment, graded, names, items, scores, results, written, late, missing, notebooks, duedate)


def _score(manual, auto, key):
    """nbgrader's score of a grade: the manual score if any, else the automatic one, else 0."""
    value = manual.get(key) if manual.get(key) is not None else auto.get(key)
    return float(value or 0.0)


def _without_paths(text, root):
    """A logged message without the course's absolute path (the page shows no instructor path)."""
    return text.replace(str(Path(root).resolve()), "<cours>")


def anomalies(root, assignment):
    """The anomalies report of the class (``logs/<assignment>/anomalies.txt``): (id as printed, notebook, message)."""
    path = staging.report_folder(root, assignment) / staging.REPORT_NAME
    if not path.is_file():
        return []
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return [tuple(_without_paths(part, root) for part in line.split("\t", 2)) for line in lines if line.count("\t") >= 2]


def run_failures(root, assignment):
    """The students whose last class-command grading failed, from the head of their logs: (id, reason)."""
    failures = []
    prefix = f"# autograde {assignment}, "
    for path in sorted((Path(root) / "logs" / assignment).glob("*.log")):
        with open(path, encoding="utf-8", errors="replace") as f:
            head = [f.readline().rstrip("\n") for _ in range(2)]
        if not head[0].startswith(prefix) or not head[1].startswith("# résultat : échec"):
            continue
        who = head[0][len(prefix):].rsplit(", ", 1)[0]
        failures.append((printable(who), _without_paths(printable(head[1][len("# résultat : "):]), root)))
    return failures
