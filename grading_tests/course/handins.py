"""Notebooks as the course ships them and as students hand them in.

Helpers to read the course's notebooks (source and release), find an answer
or a graded cell, solve a release from the source, and write a hand-in
folder in nbgrader's layout (``submitted/<élève>/<devoir>/*.ipynb`` +
``timestamp.txt``). The demo class (:mod:`.demo_class`) and the attack
hand-ins of the tests are built with them. Answers are located by what they
define (``def name(``), never by cell position, so the builders follow the
notebooks as they change.
"""

from __future__ import annotations

import copy
import re
import shutil
from pathlib import Path

import nbformat

__all__ = [
    "ASSIGNMENT",
    "TIMESTAMP",
    "read",
    "notebook_names",
    "solution_text",
    "solved",
    "answer_cell",
    "test_cell",
    "graded_functions",
    "nbgrader_metadata",
    "write_submission",
]

ASSIGNMENT = "06_reseaux_de_neurones"
TIMESTAMP = "2025-03-14 18:00:00.000000 UTC"
_SOLUTION_MARK = re.compile(r"^\s*#+\s*(BEGIN|END) SOLUTION\s*$")


def read(path):
    return nbformat.read(str(path), as_version=4)


def notebook_names(folder):
    return sorted(p.name for p in Path(folder).glob("*.ipynb"))


def nbgrader_metadata(cell):
    """The nbgrader metadata of a cell ({} if none)."""
    meta = cell.get("metadata", {}).get("nbgrader")
    return meta if isinstance(meta, dict) else {}


def solution_text(source):
    """A source answer as a student who got it right would hand it in: no markers."""
    return "\n".join(line for line in source.split("\n") if not _SOLUTION_MARK.match(line))


def solved(release_nb, source_nb):
    """The released notebook with every answer cell holding the source's solution."""
    nb = copy.deepcopy(release_nb)
    answers = {
        nbgrader_metadata(c).get("grade_id"): c.source for c in source_nb.cells if nbgrader_metadata(c).get("solution")
    }
    for cell in nb.cells:
        meta = nbgrader_metadata(cell)
        if meta.get("solution") and meta.get("grade_id") in answers:
            cell.source = solution_text(answers[meta["grade_id"]])
    return nb


def _defines(source, name):
    return re.search(rf"^\s*def\s+{re.escape(name)}\s*\(", source, re.M) is not None


def answer_cell(nb, name):
    """The answer cell that defines function ``name`` (KeyError if none)."""
    for cell in nb.cells:
        if cell.cell_type == "code" and nbgrader_metadata(cell).get("solution") and _defines(cell.source, name):
            return cell
    raise KeyError(f"no answer cell defines {name}")


def test_cell(nb, name):
    for cell in nb.cells:
        if nbgrader_metadata(cell).get("grade_id") == f"test_{name}":
            return cell
    raise KeyError(f"no cell test_{name}")


def graded_functions(nb):
    """Names of the test_<name> cells of a notebook, in order."""
    names = []
    for cell in nb.cells:
        meta = nbgrader_metadata(cell)
        grade_id = str(meta.get("grade_id", ""))
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution") and grade_id.startswith("test_"):
            names.append(grade_id[len("test_") :])
    return names


def write_submission(folder, notebooks, timestamp=TIMESTAMP, extra_files=None):
    """Write a submission folder: {name: notebook or raw text}, plus timestamp.txt."""
    folder = Path(folder)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for name, nb in notebooks.items():
        if isinstance(nb, (str, bytes)):
            (folder / name).write_bytes(nb.encode() if isinstance(nb, str) else nb)
        else:
            nbformat.write(nb, str(folder / name))
    for relative, text in (extra_files or {}).items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (folder / "timestamp.txt").write_text(timestamp, encoding="utf-8")
    return folder
