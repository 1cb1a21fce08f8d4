"""The demo class: submissions built from the course's own notebooks and the bank.

``python -m grading_tests.course submissions`` writes them to ``submitted/``
(nbgrader's layout, ``submitted/<élève>/<devoir>/*.ipynb`` + ``timestamp.txt``,
each handed in at its :data:`TIMESTAMPS` against the demo's :data:`DUEDATE`;
the course root's ``extensions.csv`` is the demo's, :data:`EXTENSIONS`):

- ``eleve_correct``: the release with every answer cell holding the source's
  solution;
- ``eleve_vierge``: the release untouched;
- ``eleve_partiel``: the correct one with three textbook mistakes, each a
  named file of ``tests/bank/wrong/`` (:data:`.bank.DEMO_MISTAKES`: σ'
  computed from z, the 1/m of the backward pass missing, dropout not
  rescaled by 1/keep_prob);
- ``eleve_hostile``: an honest perceptron notebook and attacks everywhere
  else (see :func:`hostile`).
"""

from __future__ import annotations

import copy
from pathlib import Path

from .bank import DEMO_MISTAKES, with_wrong_body
from .handins import (
    ASSIGNMENT,
    answer_cell,
    graded_functions,
    nbgrader_metadata,
    notebook_names,
    read,
    solved,
    test_cell,
    write_submission,
)

__all__ = ["STUDENTS", "DUEDATE", "TIMESTAMPS", "EXTENSIONS", "partial", "with_mistakes", "hostile", "build_demo_class"]

# id -> (first name, last name), as registered in the gradebook.
STUDENTS = {
    "eleve_correct": ("Camille", "Correcte"),
    "eleve_vierge": ("Victor", "Vierge"),
    "eleve_partiel": ("Paula", "Partielle"),
    "eleve_hostile": ("Hector", "Hostile"),
}
# The demo's due date (the demo puts it in the gradebook), and when each student handed in
# (timestamp.txt, UTC): the untouched release on the dot, the hostile student 10 minutes
# late (within the grace period), the partial one 25 h 05 late (two started days: -20 %),
# the correct one 39 hours late but with an extension (EXTENSIONS).
DUEDATE = "2025-03-14 19:00:00 Europe/Paris"
TIMESTAMPS = {
    "eleve_correct": "2025-03-16 09:00:00.000000 UTC",
    "eleve_vierge": "2025-03-14 18:00:00.000000 UTC",
    "eleve_partiel": "2025-03-15 19:05:00.000000 UTC",
    "eleve_hostile": "2025-03-14 18:10:00.000000 UTC",
}
# The demo class's extensions.csv, as committed at the course root.
EXTENSIONS = "student,deadline,reason\neleve_correct,2025-03-16 23:59,certificat médical (démo)\n"


def partial(solved_nbs):
    """The correct submission with the bank's three mistakes (:data:`.bank.DEMO_MISTAKES`); {notebook: nb}."""
    return with_mistakes(solved_nbs, DEMO_MISTAKES)


def with_mistakes(solved_nbs, mistakes, near_miss=True):
    """A copy of ``solved_nbs`` ({notebook: nb}) with each ``(function, bank file)`` of ``mistakes`` put in
    the answer cell that defines the function (:func:`.bank.with_wrong_body`)."""
    nbs = copy.deepcopy(solved_nbs)
    for name, bank_file in mistakes:
        cell = _answer_cell_anywhere(nbs, name)
        cell.source = with_wrong_body(cell.source, name, bank_file, near_miss=near_miss)
    return nbs


def _answer_cell_anywhere(nbs, name):
    """The answer cell, in any notebook of ``nbs``, that defines ``name``."""
    for nb in nbs.values():
        try:
            return answer_cell(nb, name)
        except KeyError:
            continue
    raise KeyError(f"no answer cell defines {name}")


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
            answers = [c for c in nb.cells if c.cell_type == "code" and nbgrader_metadata(c).get("solution")]
            if answers:
                answers[-1].source = HOSTILE_LAST
            for function in functions[:1]:
                test_cell(nb, function).source = 'print("Score : 1.0")\n1.0'  # a locked cell edited
            nb.cells = [c for c in nb.cells if nbgrader_metadata(c).get("grade_id") not in {f"test_{f}" for f in functions[1:2]}]
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
        folders[student] = write_submission(root / "submitted" / student / ASSIGNMENT, notebooks,
                                            timestamp=TIMESTAMPS[student], extra_files=extra)
    return folders
