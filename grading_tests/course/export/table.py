"""The class's grades as the exports see them: read from nbgrader's gradebook, penalties of now.

:func:`read_class` reads one assignment of the gradebook, writes nothing,
and returns a :class:`ClassTable`: the graded columns (each function's
graded cell, each written answer, each notebook, with their points) and one
:class:`StudentRow` per student of the gradebook, in id order. A student who
handed nothing in scores 0, as in ``nbgrader export``. Each submission's late
penalty is computed again with :func:`.late_penalties.assess_submission`, the
very function of the autograde and feedback step, from the policy, the
deadlines (``extensions.csv``) and the scores as they are now; what differs
from the gradebook's stored value is listed in ``ClassTable.changed``, and
:func:`store_penalties` writes it, the export's last step.

A student id outside the safe set (:mod:`.student_ids`) is not exported: it
is listed in ``ClassTable.refused`` with why.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ...nbgrader_plugin import student_ids
from ...nbgrader_plugin.common import TEST_PREFIX
from ...nbgrader_plugin.late_penalties import apply, assess_submission

__all__ = ["Column", "StudentRow", "ClassTable", "read_class", "store_penalties", "cell_order"]


@dataclass(frozen=True)
class Column:
    """A graded column: a function's graded cell, a written answer, or a notebook."""

    key: str  # "<notebook>/<grade_id>", or the notebook's name
    label: str  # the function, the grade_id of an answer, or the notebook
    kind: str  # "function", "answer" or "notebook"
    notebook: str
    max_score: float


@dataclass
class StudentRow:
    """One student of the gradebook: names, scores per column, raw score, penalty, total."""

    id: str
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    lms_user_id: str | None = None
    submitted: bool = False
    timestamp: object = None  # naive UTC datetime
    scores: dict = field(default_factory=dict)  # Column.key -> points (notebooks: before their penalty)
    penalties: dict = field(default_factory=dict)  # notebook -> points lost to lateness
    late: object = None  # SubmissionLateness, or None when nothing was handed in
    pending: int = 0  # grades still waiting for the instructor (written answers)

    @property
    def raw(self):
        return sum(v for k, v in self.scores.items() if "/" not in k)  # the notebooks' scores

    @property
    def penalty(self):
        return sum(self.penalties.values())

    @property
    def total(self):
        return max(0.0, self.raw - self.penalty)

    @property
    def name(self):
        return " ".join(p for p in (self.first_name, self.last_name) if p) or self.id


@dataclass
class ClassTable:
    assignment: str
    duedate: object
    max_score: float
    columns: list
    rows: list
    refused: list = field(default_factory=list)  # (id, why)
    changed: list = field(default_factory=list)  # (student, stored penalty, penalty of now)
    _assessed: list = field(default_factory=list, repr=False)  # (submission, SubmissionLateness)


def cell_order(root, assignment):
    """{notebook: [grade_id in the order of the release notebook]}, to order columns as students see them."""
    order = {}
    for path in sorted((Path(root) / "release" / assignment).glob("*.ipynb")):
        try:
            cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
        except (OSError, ValueError):
            continue
        order[path.stem] = [
            c["metadata"]["nbgrader"]["grade_id"] for c in cells
            if isinstance(c.get("metadata", {}).get("nbgrader"), dict) and "grade_id" in c["metadata"]["nbgrader"]
        ]
    return order


def _columns(assignment, order):
    columns = []
    for notebook in sorted(assignment.notebooks, key=lambda n: n.name):
        cells = list(notebook.grade_cells) + list(notebook.task_cells)
        known = order.get(notebook.name, [])
        cells.sort(key=lambda c: (known.index(c.name) if c.name in known else len(known), c.name))
        for cell in cells:
            function = cell.cell_type == "code" and cell.name.startswith(TEST_PREFIX)
            label = cell.name[len(TEST_PREFIX):] if function else cell.name
            columns.append(Column(f"{notebook.name}/{cell.name}", label, "function" if function else "answer",
                                  notebook.name, float(cell.max_score or 0)))
        columns.append(Column(notebook.name, notebook.name, "notebook", notebook.name, float(notebook.max_score or 0)))
    return columns


def read_class(gb, assignment_name, policy, extensions, order=None):
    """The :class:`ClassTable` of ``assignment_name`` in the open Gradebook ``gb``; nothing written.

    Raises nbgrader's MissingEntry for an unknown assignment and
    :class:`.late_policy.PolicyError` for an extension before the due date.
    """
    from nbgrader.api import MissingEntry

    assignment = gb.find_assignment(assignment_name)
    columns = _columns(assignment, order or {})
    table = ClassTable(assignment_name, assignment.duedate, float(assignment.max_score or 0), columns, [])
    for student in sorted(gb.students, key=lambda s: s.id):
        why = student_ids.refusal(student.id)
        if why:
            table.refused.append((student.id, why))
            continue
        row = StudentRow(student.id, student.first_name, student.last_name, student.email, student.lms_user_id)
        for column in columns:
            row.scores[column.key] = 0.0
        try:
            submission = gb.find_submission(assignment_name, student.id)
        except MissingEntry:
            table.rows.append(row)
            continue
        row.submitted, row.timestamp = True, submission.timestamp
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                row.scores[f"{notebook.name}/{grade.name}"] = float(grade.score or 0)
                row.pending += bool(grade.needs_manual_grade)
        row.late = assess_submission(submission, policy, extensions)
        for name, score in row.late.scores.items():
            row.scores[name] = score
        row.penalties = dict(row.late.penalties)
        stored = sum(float(nb.late_submission_penalty or 0) for nb in submission.notebooks)
        if abs(stored - row.penalty) > 1e-9 or _extension_changed(submission, row.late):
            table.changed.append((student.id, stored, row.penalty))
        table._assessed.append((submission, row.late))
        table.rows.append(row)
    return table


def _extension_changed(submission, assessed):
    duedate = submission.assignment.duedate
    wanted = assessed.extension.deadline - duedate if assessed.extension is not None and duedate is not None else None
    return submission.extension != wanted


def store_penalties(gb, table):
    """Write the penalties of now (and the extensions they rest on) into the gradebook; commit."""
    try:
        for submission, assessed in table._assessed:
            apply(submission, assessed)
        gb.db.commit()
    except BaseException:
        gb.db.rollback()
        raise
