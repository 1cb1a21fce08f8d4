"""The class's answers, unit by unit, read from ``submitted/`` as the class command reads hand-ins.

Each hand-in is read once by the class command's link-free reader
(:func:`..classgrade.handin.read_handin`: no link followed, no FIFO opened,
only the released notebooks' names, each under the staging's size cap), and
each notebook is rebuilt by the staging's own :func:`rebuild`: the released
notebook with the student's answer cells matched by ``grade_id``. So what is
compared is exactly what would be graded: the answer cells (nbgrader
``solution`` code cells), never the release's other cells, never a cell the
student added.

An answer cell left as released is not compared (no work). From the others,
the release's starter code (the ``def`` line, the docstring, ``raise
NotImplementedError``) is removed by subtracting its fingerprints, as MOSS
removes a base file.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

from ...nbgrader_plugin.notebook_rebuild import rebuild
from ..classgrade.handin import list_entries, read_handin
from ..handins import nbgrader_metadata, notebook_names, read
from . import normalize

__all__ = ["SimilarityError", "Answers", "Release", "read_release", "read_class"]

UNREADABLE = "notebook illisible"  # how the staging's rebuild says a hand-in was not a notebook


class SimilarityError(Exception):
    """Bad input: the message (French) says what, and nothing is written."""


@dataclass
class Release:
    """The answer cells of the release: {grade_id: (notebook, source, functions)}, and the starter's fingerprints."""

    folder: Path
    notebooks: dict
    cells: dict
    starter: dict = field(default_factory=dict)  # unit key -> fingerprints of the release's own code


@dataclass
class Answers:
    """One student's units: {key: Unit} with their fingerprints, the notebook of each, and notes (French)."""

    student: str
    units: dict = field(default_factory=dict)
    prints: dict = field(default_factory=dict)
    notebook: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)


def _functions(source):
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    return {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}


def read_release(root, assignment):
    """The release's answer cells and starter fingerprints; SimilarityError if there is no such release."""
    folder = Path(root) / "release" / assignment
    names = notebook_names(folder) if folder.is_dir() else []
    if not names:
        raise SimilarityError(f"pas de version distribuée release/{assignment} (devoir inconnu ?)")
    notebooks, cells = {}, {}
    for name in names:
        nb = read(folder / name)
        notebooks[name] = nb
        for cell in nb.cells:
            meta = nbgrader_metadata(cell)
            if cell.cell_type == "code" and meta.get("solution") is True and isinstance(meta.get("grade_id"), str):
                cells[meta["grade_id"]] = (name, cell.source, _functions(cell.source))
    release = Release(folder, notebooks, cells)
    for grade_id, (_, source, functions) in cells.items():
        for key, unit in normalize.units(source, functions, grade_id).items():
            release.starter[key] = normalize.fingerprints(normalize.tokens_of(unit))
    return release


def _answers_of(student, handin, release):
    answers = Answers(student)
    if handin["root"] is not None:
        answers.notes.append("le dossier du rendu n'est pas un dossier ordinaire (lien…) : non lu")
        return answers
    for name, kind in sorted(handin["entries"].items()):
        if name in release.notebooks:
            what = "trop gros" if kind.startswith("big:") else f"pas un fichier ordinaire ({kind})"
            answers.notes.append(f"{name} : {what}, non lu")
    for name, release_nb in release.notebooks.items():
        raw = handin["files"].get(name)
        if raw is None:
            continue
        nb, notes = rebuild(raw, release_nb)
        if any(note.startswith(UNREADABLE) for note in notes):
            answers.notes.append(f"{name} n'est pas un notebook lisible (JSON invalide ou sans cellules) : ignoré")
            continue
        for cell in nb.cells:
            grade_id = nbgrader_metadata(cell).get("grade_id")
            if grade_id not in release.cells or cell.cell_type != "code" or not nbgrader_metadata(cell).get("solution"):
                continue
            _, starter, functions = release.cells[grade_id]
            if cell.source.strip() == starter.strip():
                continue
            for key, unit in normalize.units(cell.source, functions, grade_id).items():
                prints = normalize.fingerprints(normalize.tokens_of(unit)) - release.starter.get(key, frozenset())
                if not prints:
                    continue  # the starter code alone, or nothing
                answers.units[key], answers.prints[key], answers.notebook[key] = unit, prints, name
                if unit.note:
                    answers.notes.append(f"{key} : {unit.note}")
    return answers


def read_class(submitted, assignment, release):
    """[Answers] of every hand-in folder of ``submitted``, sorted by student id."""
    names = list(release.notebooks)
    found = []
    for student, kind in list_entries(submitted, assignment):
        if kind != "handin":
            continue
        found.append(_answers_of(student, read_handin(submitted, student, assignment, names), release))
    return found
