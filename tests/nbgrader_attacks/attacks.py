"""One hostile submission per attack class, built from the release.

Each attack student hands in the *target notebook* (``06_2_activations`` when
it exists) with one honest answer (the second graded function, ``honest``)
and the attack aimed at the first one (``target``); a few attacks also hand
in a second notebook holding another honest answer (``other_honest``). Every
other notebook is missing, so it scores 0. An attack passes when each graded
cell of the gradebook holds exactly what was honestly earned: full marks for
the honest answers, 0 for everything else (``expect`` overrides that).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path

from grading_tests.course import handins
from grading_tests.runner import registry as grader_registry


@dataclass
class Layout:
    """Where the attacks go, worked out from the release notebooks."""

    release: dict  # notebook name -> release nb
    solved: dict  # notebook name -> release nb with the source's solutions
    target_nb: str
    target: str
    honest: str
    other_nb: str
    other_honest: str
    functions: dict = field(default_factory=dict)  # notebook -> graded function names

    def base(self):
        """The target notebook: release, with the honest answer filled in."""
        nb = copy.deepcopy(self.release[self.target_nb])
        handins.answer_cell(nb, self.honest).source = handins.answer_cell(self.solved[self.target_nb], self.honest).source
        return nb

    def other(self):
        nb = copy.deepcopy(self.release[self.other_nb])
        handins.answer_cell(nb, self.other_honest).source = handins.answer_cell(self.solved[self.other_nb], self.other_honest).source
        return nb


def layout(release_dir, source_dir):
    registry = grader_registry()
    names = handins.notebook_names(release_dir)
    release = {n: handins.read(Path(release_dir) / n) for n in names}
    solved = {n: handins.solved(release[n], handins.read(Path(source_dir) / n)) for n in names}
    functions = {
        n: [f for f in handins.graded_functions(nb) if f in registry and registry[f].kind == "function"] for n, nb in release.items()
    }
    candidates = [n for n in names if len(functions[n]) >= 2]
    target_nb = "06_2_activations.ipynb" if "06_2_activations.ipynb" in candidates else candidates[0]
    other_nb = next(n for n in names if n != target_nb and functions[n])
    return Layout(
        release, solved, target_nb, functions[target_nb][0], functions[target_nb][1], other_nb, functions[other_nb][0], functions
    )


def _set(nb, function, code):
    handins.answer_cell(nb, function).source = code
    return nb


def _prepend(nb, function, code):
    cell = handins.answer_cell(nb, function)
    cell.source = code.rstrip("\n") + "\n\n" + cell.source
    return nb


# --- the attacks -------------------------------------------------------------------
# Each builder gets the Layout and returns {notebook: nb, raw text, or ("symlink", path)}
# plus extra files of the submission.


def custom_exc(L):
    nb = _prepend(L.base(), L.target, "get_ipython().set_custom_exc((BaseException,), lambda *args, **kwargs: None)")
    return {L.target_nb: nb}, {}


def numpy_patch(L):
    code = f'''import builtins
import numpy as np
import numpy.testing
np.allclose = lambda *args, **kwargs: True
np.array_equal = lambda *args, **kwargs: True
np.isclose = lambda a, b, *args, **kwargs: np.ones(np.broadcast(a, b).shape, dtype=bool)
numpy.testing.assert_allclose = lambda *args, **kwargs: None
numpy.testing.assert_array_almost_equal = lambda *args, **kwargs: None
builtins.AssertionError = type("PasUneErreur", (Exception,), {{}})

def {L.target}(*args, **kwargs):
    return 0.0  # faux, mais les comparaisons « passent »'''
    return {L.target_nb: _set(L.base(), L.target, code)}, {}


def always_equal(L):
    code = f'''import numpy as np

class ToujoursEgal(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(other), dtype=bool)
    def __ne__(self, other):
        return np.zeros(np.shape(other), dtype=bool)
    def __array_finalize__(self, obj):
        pass

class Tout:
    def __eq__(self, other):
        return True
    __hash__ = object.__hash__

def {L.target}(z, *args, **kwargs):
    return np.zeros(np.shape(z)).view(ToujoursEgal)'''
    return {L.target_nb: _set(L.base(), L.target, code)}, {}


def fake_score(L):
    nb = _set(L.base(), L.target, f'print("Correction automatique de {L.target} : 1 / 1 point(s)")\nprint("Tous les tests sont passés.")')
    handins.test_cell(nb, L.target).source = f'print("{L.target} : 1.0")\n1.0'  # a locked cell, edited
    return {L.target_nb: nb}, {}


def sys_exit(L):
    return {L.target_nb: _prepend(L.base(), L.target, "import sys\nsys.exit(0)")}, {}


def os_exit(L):
    return {L.target_nb: _prepend(L.base(), L.target, "import os\nos._exit(0)")}, {}


def infinite_loop(L):
    return {L.target_nb: _prepend(L.base(), L.target, "while True:\n    pass")}, {}


def deaf_loop(L):
    """A loop that swallows the interrupt: the kernel must be killed."""
    code = "while True:\n    try:\n        while True:\n            pass\n    except KeyboardInterrupt:\n        pass"
    return {L.target_nb: _prepend(L.base(), L.target, code)}, {}


def memory_bomb(L):
    code = "import numpy as np\nbloc = []\nfor _ in range(64):  # 64 × 64 Mo, au-delà de la limite du noyau\n    bloc.append(np.ones(1 << 23))"
    return {L.target_nb: _prepend(L.base(), L.target, code)}, {}


def edited_test_cells(L):
    nb = L.base()
    test = handins.test_cell(nb, L.target)
    test.source = "1.0"
    test.metadata.nbgrader.update(points=1000, locked=False)
    handins.test_cell(nb, L.honest).source = "raise RuntimeError('cellule de test modifiée')"
    return {L.target_nb: nb}, {}


def deleted_test_cells(L):
    """The graded cells of target and honest, and the written answers, deleted."""
    nb = L.base()
    gone = {f"test_{L.target}", f"test_{L.honest}"} | {
        c.metadata.nbgrader["grade_id"] for c in nb.cells if c.cell_type == "markdown" and c.metadata.get("nbgrader", {}).get("solution")
    }
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") not in gone]
    return {L.target_nb: nb}, {}


def forged_grade_cells(L):
    import nbformat

    nb = L.base()
    real = handins.test_cell(nb, L.target)
    forged = nbformat.v4.new_code_cell("1.0")
    forged.metadata["nbgrader"] = copy.deepcopy(dict(real.metadata.nbgrader))
    bonus = nbformat.v4.new_code_cell("50.0")
    bonus.metadata["nbgrader"] = {
        "grade": True, "grade_id": "test_bonus", "locked": True, "points": 50, "schema_version": 3, "solution": False, "task": False,
    }
    nb.cells += [forged, bonus]
    return {L.target_nb: nb}, {}


# Where the course's reference really is: the kernel must not read it, even by path.
REFERENCE_FILE = Path(grader_registry.__code__.co_filename).resolve().parents[1] / "reference_impl" / "activations.py"


def import_reference(L):
    code = f'''import sys
try:
    from reference_impl import *
except ImportError as erreur:
    print("1 :", erreur)
sys.path.insert(0, "../../..")
try:
    from reference_impl.activations import {L.target}
except ImportError as erreur:
    print("2 :", erreur)
try:
    exec(open("{REFERENCE_FILE}").read())
except OSError as erreur:
    print("3 :", erreur)'''
    return {L.target_nb: _set(L.base(), L.target, code)}, {}


SHIPPED = {
    "grading_tests/__init__.py": "",
    "grading_tests/runner.py": "def grade_submission(*a, **k):\n    return {'functions': {}, 'score': 999, 'max_score': 999, 'seed': 0}\n",
    "reference_impl/__init__.py": "from .activations import *\n",
    "reference_impl/activations.py": "import numpy as np\n\ndef sigmoid(z):\n    return 1 / (1 + np.exp(-z))\n",
    "numpy.py": "raise SystemExit('numpy remplacé')\n",
    "sitecustomize.py": "print('sitecustomize')\n",
    "outils_cours.py": "raise SystemExit('outils du cours remplacés')\n",
    "aide.so": "pas une bibliothèque",
}


def ships_packages(L):
    code = f"from reference_impl import *\nfrom reference_impl.activations import sigmoid as {L.target}"
    return {L.target_nb: _set(L.base(), L.target, code)}, dict(SHIPPED)


def gradebook_tamper(L):
    code = '''import sqlite3
for chemin in ("../../../gradebook.db", "../../../source/06_reseaux_de_neurones/outils_cours.py"):
    try:
        if chemin.endswith(".db"):
            base = sqlite3.connect(chemin)
            base.execute("UPDATE grade SET manual_score = 99")
            base.commit()
        else:
            open(chemin, "a").write("# modifié")
        print("écrit :", chemin)
    except Exception as erreur:
        print("refusé :", chemin, type(erreur).__name__, erreur)'''
    return {L.target_nb: _set(L.base(), L.target, code)}, {}


def kill_parent(L):
    code = '''import os, signal
for cible in (os.getppid(), 1):
    try:
        os.kill(cible, signal.SIGKILL)
        print("tué :", cible)
    except OSError as erreur:
        print("refusé :", cible, erreur)'''
    return {L.target_nb: _set(L.base(), L.target, code)}, {}


def invalid_json(L):
    return {L.target_nb: '{"cells": [ ce fichier n\'est pas du JSON', L.other_nb: L.other()}, {}


def symlink_to_source(L):
    return {L.target_nb: ("symlink", f"source/{handins.ASSIGNMENT}/{L.target_nb}"), L.other_nb: L.other()}, {}


def stderr_warning(L):
    """Not an attack: a correct sigmoid that overflows (a RuntimeWarning on stderr)."""
    code = f'''def {L.target}(z):
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))  # juste, mais e^800 déborde

{L.target}(np.array([-800.0, 0.0, 800.0]))'''
    return {L.target_nb: _set(L.base(), L.target, code)}, {}


ATTACKS = {
    "custom_exc": custom_exc,
    "numpy_patch": numpy_patch,
    "always_equal": always_equal,
    "fake_score": fake_score,
    "sys_exit": sys_exit,
    "os_exit": os_exit,
    "infinite_loop": infinite_loop,
    "deaf_loop": deaf_loop,
    "memory_bomb": memory_bomb,
    "edited_test_cells": edited_test_cells,
    "deleted_test_cells": deleted_test_cells,
    "forged_grade_cells": forged_grade_cells,
    "import_reference": import_reference,
    "ships_packages": ships_packages,
    "gradebook_tamper": gradebook_tamper,
    "kill_parent": kill_parent,
    "invalid_json": invalid_json,
    "symlink_to_source": symlink_to_source,
    "stderr_warning": stderr_warning,
}
# Attacks whose target answer is honestly right (it must keep its points).
TARGET_EARNS = {"stderr_warning"}
# Attacks that also hand in the other notebook, with its honest answer.
WITH_OTHER = {"invalid_json", "symlink_to_source"}


def build(root, L, names=None):
    """Write the attack submissions under root/submitted/att_<name>/; return {student: attack}."""
    students = {}
    for name in names or ATTACKS:
        notebooks, extra = ATTACKS[name](L)
        student = f"att_{name}"
        links = {k: v for k, v in notebooks.items() if isinstance(v, tuple)}
        plain = {k: v for k, v in notebooks.items() if not isinstance(v, tuple)}
        folder = handins.write_submission(Path(root) / "submitted" / student / handins.ASSIGNMENT, plain, extra_files=extra)
        for notebook, (_, target) in links.items():
            (folder / notebook).symlink_to(Path(root).resolve() / target)
        students[student] = name
    return students


def expected(L, attack, registry=None):
    """{notebook stem: {grade_id: expected auto score}} for the graded code cells."""
    registry = registry or grader_registry()
    earned = {L.honest}
    if attack in TARGET_EARNS:
        earned.add(L.target)
    if attack in WITH_OTHER:  # the target notebook itself is unreadable
        earned = {L.other_honest}
    result = {}
    for notebook, nb in L.release.items():
        stem = Path(notebook).stem
        result[stem] = {}
        for name in handins.graded_functions(nb):
            result[stem][f"test_{name}"] = registry[name].points if name in earned else 0.0
    return result
