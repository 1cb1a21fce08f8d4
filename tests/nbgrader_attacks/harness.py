"""Run nbgrader on a throwaway copy of the course and read what it recorded."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import nbformat

from grading_tests import course
from grading_tests.demo_class import ASSIGNMENT

REPO = Path(__file__).resolve().parents[2]


def copy_course(tmp_path, release=True, submitted=False):
    """The course root (config, source, release) copied under ``tmp_path``."""
    root = Path(tmp_path) / "cours"
    root.mkdir()
    shutil.copy2(REPO / "nbgrader_config.py", root)
    shutil.copytree(REPO / "source", root / "source")
    if release:
        shutil.copytree(REPO / "release", root / "release")
    if submitted:
        shutil.copytree(REPO / "submitted", root / "submitted")
    return root


def nbgrader(root, *args, check=True):
    code, log, seconds = course.nbgrader(root, *args, check=check)
    return code, log, seconds


def gradebook_assignment(root):
    """Create the assignment and its cells in the gradebook (release already there)."""
    return nbgrader(root, "generate_assignment", ASSIGNMENT, "--force")


def grades(root):
    """{student: {notebook: {grade_id: (auto_score, manual_score, needs_manual)}}}."""
    rows = sqlite3.connect(f"file:{root / 'gradebook.db'}?mode=ro", uri=True).execute(
        """SELECT submitted_assignment.student_id, notebook.name, base_cell.name,
                  grade.auto_score, grade.manual_score, grade.needs_manual_grade
           FROM grade
           JOIN submitted_notebook ON grade.notebook_id = submitted_notebook.id
           JOIN submitted_assignment ON submitted_notebook.assignment_id = submitted_assignment.id
           JOIN notebook ON submitted_notebook.notebook_id = notebook.id
           JOIN base_cell ON grade.cell_id = base_cell.id"""
    ).fetchall()
    result = {}
    for student, notebook, cell, auto, manual, needs in rows:
        result.setdefault(student, {}).setdefault(notebook, {})[cell] = (auto, manual, bool(needs))
    return result


def autograded(root, student, notebook):
    return nbformat.read(str(root / "autograded" / student / ASSIGNMENT / notebook), as_version=4)


def cell(nb, grade_id):
    for c in nb.cells:
        if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            return c
    raise KeyError(grade_id)


def outputs_text(c):
    parts = []
    for o in c.get("outputs", []):
        if o.output_type == "stream":
            parts.append(o.text)
        elif o.output_type == "error":
            parts.append(f"{o.ename}: {o.evalue}")
        elif "data" in o:
            parts.append(o.data.get("text/plain", ""))
    return "\n".join(parts)


def db_fingerprint(root):
    """What a submission must never change in the gradebook: the course's definition."""
    db = sqlite3.connect(f"file:{root / 'gradebook.db'}?mode=ro", uri=True)
    tables = {}
    for table in ("assignment", "notebook", "base_cell", "grade_cells", "solution_cells", "source_cell", "task_cells"):
        try:
            tables[table] = sorted(map(repr, db.execute(f"SELECT * FROM {table}").fetchall()))
        except sqlite3.OperationalError:
            tables[table] = None
    return tables


def integrity(root):
    db = sqlite3.connect(f"file:{root / 'gradebook.db'}?mode=ro", uri=True)
    return db.execute("PRAGMA integrity_check").fetchone()[0]
