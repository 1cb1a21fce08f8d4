"""The demo class: submissions built from the course's own notebooks.

``python -m grading_tests.course submissions`` writes them to ``submitted/``
(nbgrader's layout, ``submitted/<élève>/<devoir>/*.ipynb`` + ``timestamp.txt``):

- ``eleve_correct``: the release with every answer cell holding the source's
  solution;
- ``eleve_vierge``: the release untouched;
- ``eleve_partiel``: the correct one with three textbook mistakes (σ' computed
  from z, the 1/m of the backward pass missing, dropout not rescaled by
  1/keep_prob);
- ``eleve_hostile``: an honest perceptron notebook and attacks everywhere
  else (see :func:`hostile`).

The same helpers build the attack submissions of ``tests/test_nbgrader_attacks.py``.
Answers are located by what they define (``def name(``), never by cell
position, so the builders follow the notebooks as they change.
"""

from __future__ import annotations

import ast
import copy
import re
import shutil
from pathlib import Path

import nbformat

__all__ = [
    "ASSIGNMENT",
    "STUDENTS",
    "TIMESTAMP",
    "read",
    "notebook_names",
    "solution_text",
    "solved",
    "answer_cell",
    "test_cell",
    "mutate_function",
    "graded_functions",
    "write_submission",
    "build_demo_class",
]

ASSIGNMENT = "06_reseaux_de_neurones"
TIMESTAMP = "2025-03-14 18:00:00.000000 UTC"
# id -> (first name, last name), as registered in the gradebook.
STUDENTS = {
    "eleve_correct": ("Camille", "Correcte"),
    "eleve_vierge": ("Victor", "Vierge"),
    "eleve_partiel": ("Paula", "Partielle"),
    "eleve_hostile": ("Hector", "Hostile"),
}
_SOLUTION_MARK = re.compile(r"^\s*#+\s*(BEGIN|END) SOLUTION\s*$")


def read(path):
    return nbformat.read(str(path), as_version=4)


def notebook_names(folder):
    return sorted(p.name for p in Path(folder).glob("*.ipynb"))


def _nbgrader(cell):
    meta = cell.get("metadata", {}).get("nbgrader")
    return meta if isinstance(meta, dict) else {}


def solution_text(source):
    """A source answer as a student who got it right would hand it in: no markers."""
    return "\n".join(line for line in source.split("\n") if not _SOLUTION_MARK.match(line))


def solved(release_nb, source_nb):
    """The released notebook with every answer cell holding the source's solution."""
    nb = copy.deepcopy(release_nb)
    answers = {_nbgrader(c).get("grade_id"): c.source for c in source_nb.cells if _nbgrader(c).get("solution")}
    for cell in nb.cells:
        meta = _nbgrader(cell)
        if meta.get("solution") and meta.get("grade_id") in answers:
            cell.source = solution_text(answers[meta["grade_id"]])
    return nb


def _defines(source, name):
    return re.search(rf"^\s*def\s+{re.escape(name)}\s*\(", source, re.M) is not None


def answer_cell(nb, name):
    """The answer cell that defines function ``name`` (KeyError if none)."""
    for cell in nb.cells:
        if cell.cell_type == "code" and _nbgrader(cell).get("solution") and _defines(cell.source, name):
            return cell
    raise KeyError(f"no answer cell defines {name}")


def test_cell(nb, name):
    for cell in nb.cells:
        if _nbgrader(cell).get("grade_id") == f"test_{name}":
            return cell
    raise KeyError(f"no cell test_{name}")


def graded_functions(nb):
    """Names of the test_<name> cells of a notebook, in order."""
    return [
        _nbgrader(c)["grade_id"][len("test_") :]
        for c in nb.cells
        if c.cell_type == "code" and _nbgrader(c).get("grade") and not _nbgrader(c).get("solution")
        and str(_nbgrader(c).get("grade_id", "")).startswith("test_")
    ]


def _function_lines(source, name, code_only=False):
    """Line span [start, end) of the definition of ``name``; with ``code_only``,
    of its body after the docstring."""
    tree = ast.parse(source)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            start = min([node.lineno] + [d.lineno for d in node.decorator_list])
            if code_only:
                first = node.body[0]
                has_doc = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                start = first.end_lineno + 1 if has_doc else first.lineno
            return start - 1, node.end_lineno
    raise KeyError(f"{name} is not defined at the top level of its cell")


def mutate_function(nb, name, pattern, replacement):
    """Apply a regex substitution to the code of ``name`` only (not its docstring).

    Raises ValueError if the pattern does not occur: the mistake would
    silently not be made.
    """
    cell = answer_cell(nb, name)
    lines = cell.source.split("\n")
    start, end = _function_lines(cell.source, name, code_only=True)
    body = "\n".join(lines[start:end])
    new, count = re.subn(pattern, replacement, body)
    if count == 0:
        raise ValueError(f"{name}: pattern {pattern!r} not found in the solution")
    cell.source = "\n".join(lines[:start] + new.split("\n") + lines[end:])
    return nb


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


# --- the demo class ----------------------------------------------------------------

# (function, pattern, replacement): three textbook mistakes, made in the
# solution's own code so the rest of it stays as written.
PARTIAL_MUTATIONS = [
    # σ'(z) computed from z instead of σ(z) (eq. 13 read too fast)
    ("sigmoid_derivative", r"return\s+s\s*\*\s*\(\s*1(?:\.0)?\s*-\s*s\s*\)", "return z * (1 - z)"),
    ("backward_pass", r"\s*/\s*m\b", ""),  # the batch mean 1/m (eq. 38) forgotten
    ("dropout_forward", r"\s*/\s*keep_prob\b", ""),  # inverted dropout not rescaled
]


def partial(solved_nbs):
    """The correct submission with the three mistakes; {notebook: nb}."""
    nbs = copy.deepcopy(solved_nbs)

    def holder(name):
        for nb in nbs.values():
            try:
                answer_cell(nb, name)
                return nb
            except KeyError:
                continue
        raise KeyError(name)

    for name, pattern, replacement in PARTIAL_MUTATIONS:
        mutate_function(holder(name), name, pattern, replacement)
    return nbs


# The hostile student: honest on the perceptron, every attack elsewhere.
HOSTILE_PREAMBLE = '''# Tout réussir sans rien faire ?
get_ipython().set_custom_exc((BaseException,), lambda *args, **kwargs: None)  # masque les erreurs
import numpy as np
np.allclose = lambda *args, **kwargs: True  # toute comparaison réussit
np.testing.assert_allclose = lambda *args, **kwargs: None
print("Correction automatique : 20 / 20 point(s)")  # faux score
# ### BEGIN HIDDEN TESTS   <- un marqueur sans fin : le retour de correction casse-t-il ?
# === BEGIN MARK SCHEME ===
'''
HOSTILE_ALWAYS_EQUAL = '''class ToujoursEgal(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(other), dtype=bool)
    def __ne__(self, other):
        return np.zeros(np.shape(other), dtype=bool)

def {name}(*args, **kwargs):
    return np.zeros((1, 1)).view(ToujoursEgal)'''
HOSTILE_REFERENCE = '''from reference_impl.activations import *  # la référence du cours ?
import sys
sys.path.insert(0, "../../..")
from reference_impl import *'''
# The last answer cell: write the gradebook, exhaust memory, kill nbgrader, die.
HOSTILE_LAST = '''import os, signal, sqlite3
try:
    base = sqlite3.connect("../../../gradebook.db")
    base.execute("UPDATE grade SET manual_score = 99")  # 99 partout
    base.commit()
    print("carnet de notes modifié !")
except Exception as erreur:
    print("carnet de notes : refusé :", erreur)
try:
    tas = [np.ones(1 << 23) for _ in range(64)]  # 4 Go
    print("mémoire : accordée !")
except MemoryError:
    print("mémoire : refusée")
try:
    os.kill(os.getppid(), signal.SIGKILL)  # tuer nbgrader
    print("nbgrader tué !")
except OSError as erreur:
    print("tuer nbgrader : refusé :", erreur)
os._exit(0)  # puis le noyau'''
HOSTILE_FILES = {
    "grading_tests/__init__.py": "",
    "grading_tests/runner.py": "def grade_submission(*a, **k):\n    return {'functions': {}, 'score': 999, 'max_score': 999, 'seed': 0}\n",
    "reference_impl/__init__.py": "from .activations import *\n",
    "reference_impl/activations.py": "def relu(z):\n    return z\n",
    "numpy.py": "raise SystemExit('numpy remplacé')\n",
    "sitecustomize.py": "print('sitecustomize')\n",
}


def hostile(release_nbs, solved_nbs):
    """{notebook: nb or raw text}: the hostile demo student.

    The perceptron notebook is honestly solved (written answer included). In
    each other notebook with graded functions: the first answer hides errors
    (``set_custom_exc``), patches numpy's comparisons, prints a fake score and
    returns an always-equal array; the others import the reference; the last
    one tries to write the gradebook, exhaust memory, kill nbgrader, then
    kills its kernel; the first graded cell is edited, the second deleted. The
    next-to-last notebook is not JSON, and the submission ships its own
    ``grading_tests``, ``reference_impl``, ``numpy.py`` and ``sitecustomize.py``.
    """
    nbs = {}
    names = sorted(release_nbs)
    for index, name in enumerate(names):
        nb = copy.deepcopy(release_nbs[name])
        functions = graded_functions(nb)
        if "perceptron_update" in functions:
            nb = copy.deepcopy(solved_nbs[name])  # the one honest answer
        elif index == len(names) - 2:
            nbs[name] = '{"cells": [ ceci n\'est pas du JSON'
            continue
        else:
            first = True
            for function in functions:
                try:
                    cell = answer_cell(nb, function)
                except KeyError:
                    continue
                if first:
                    cell.source = HOSTILE_PREAMBLE + "\n" + HOSTILE_ALWAYS_EQUAL.format(name=function)
                    first = False
                else:
                    cell.source = HOSTILE_REFERENCE + "\n" + cell.source
            answers = [c for c in nb.cells if c.cell_type == "code" and _nbgrader(c).get("solution")]
            if answers:
                answers[-1].source = HOSTILE_LAST
            for function in functions[:1]:
                test_cell(nb, function).source = 'print("Score : 1.0")\n1.0'  # a locked cell edited
            nb.cells = [c for c in nb.cells if _nbgrader(c).get("grade_id") not in {f"test_{f}" for f in functions[1:2]}]
        nbs[name] = nb
    return nbs


def build_demo_class(root, students=None):
    """Write the demo submissions under ``root/submitted``; return their folders."""
    root = Path(root)
    release = root / "release" / ASSIGNMENT
    source = root / "source" / ASSIGNMENT
    names = notebook_names(release)
    if not names:
        raise FileNotFoundError(f"no release notebooks in {release}; run the release step first")
    release_nbs = {n: read(release / n) for n in names}
    solved_nbs = {n: solved(release_nbs[n], read(source / n)) for n in names}
    plans = {
        "eleve_correct": (solved_nbs, None),
        "eleve_vierge": (release_nbs, None),
        "eleve_partiel": (partial(solved_nbs), None),
        "eleve_hostile": (hostile(release_nbs, solved_nbs), HOSTILE_FILES),
    }
    folders = {}
    for student in students or STUDENTS:
        notebooks, extra = plans[student]
        folders[student] = write_submission(root / "submitted" / student / ASSIGNMENT, notebooks, extra_files=extra)
    return folders
