"""A synthetic class for the similarity report: independent students from the bank, and planted copies.

Each independent student writes each graded function in one of the ways the
bank holds (``tests/bank/correct/<f>/`` and ``wrong/<f>/``: files written
independently of each other), or as the source's model answer. For the short
functions (the activations and their derivatives), half the class writes the
model answer: the one-liner every honest student writes alike. Who writes
what is drawn once from a seed.

A copier takes an independent student's answers and hides the copy one of
three ways (:data:`KINDS`):

- ``renamed``: every name the answer binds renamed, the code reformatted;
- ``reordered``: the notebooks' cells in reverse order, comments added
  between the lines;
- ``rewritten``: one long function written another way (another variant).

So which pairs are copies is known from how the class was built, never from
a run. :func:`gradebook` writes, for each student, the structured results
the graders would record (the bank file's ``# mistake:`` id, which
tests/test_bank.py checks the grader records), into a gradebook holding
only that table. :func:`whole_files` writes each hand-in's code as one
Python file, as a whole-file detector (MOSS, copydetect) is given it.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import numpy as np

from bank_cases import BANK, headers
from grading_tests.course import bank
from grading_tests.course.handins import ASSIGNMENT, answer_cell, graded_functions, notebook_names
from grading_tests.course.handins import read, solved, write_submission

KINDS = ("renamed", "reordered", "rewritten")
SHORT = ("sigmoid", "tanh", "relu", "leaky_relu", "sigmoid_derivative", "tanh_derivative", "relu_derivative",
         "leaky_relu_derivative")
TEXTBOOK_SHARE = 0.5  # of the class writes each short function as the model answer
MODEL = "model"  # the source's model answer, as a variant
ADDED_COMMENT = "# on reprend le calcul ici"


@dataclass
class Plan:
    students: dict = field(default_factory=dict)  # student -> {function: bank file or MODEL}
    copies: list = field(default_factory=list)  # (copier, source, kind, rewritten function or None)

    def planted(self):
        return {frozenset((c, s)) for c, s, _, _ in self.copies}


def variants(function, answer):
    """Bank files that give ``function`` a body a student could hand in under ``answer``'s signature and docstring."""
    found = []
    for folder in ("correct", "wrong"):
        for path in sorted((BANK / folder / function).glob("*.py")):
            rel = f"{folder}/{function}/{path.name}"
            try:
                bank.with_wrong_body(answer, function, rel, near_miss=False)
            except (ValueError, KeyError, SyntaxError):
                continue  # more than the function, another import, another signature
            found.append(rel)
    return found


def _functions(root):
    rel = root / "release" / ASSIGNMENT
    return [f for name in notebook_names(rel) for f in graded_functions(read(rel / name)) if (BANK / "correct" / f).is_dir()]


def make_plan(root, independents, copies_per_kind, seed, ids=None):
    """Who writes what, and who copies whom; ``ids`` names the copiers (default ``copie_<kind>_<i>``)."""
    rng = np.random.default_rng(seed)
    functions = _functions(root)
    model = answers(_base(root)[1], {f: MODEL for f in functions})
    choices = {f: variants(f, model[f]) + [MODEL] for f in functions}
    plan = Plan()
    for i in range(independents):
        row = {}
        for f in functions:
            if f in SHORT and rng.random() < TEXTBOOK_SHARE:
                row[f] = MODEL
            else:
                row[f] = choices[f][rng.integers(len(choices[f]))]
        plan.students[f"eleve_{i:03d}"] = row
    sources = rng.choice(independents, size=copies_per_kind * len(KINDS), replace=False)
    long = [f for f in functions if f not in SHORT]
    for k, index in enumerate(sources):
        kind = KINDS[k % len(KINDS)]
        source = f"eleve_{index:03d}"
        copier = ids[k] if ids and k < len(ids) else f"copie_{kind}_{k // len(KINDS)}"
        row = dict(plan.students[source])
        rewritten = None
        if kind == "rewritten":
            rewritten = long[rng.integers(len(long))]
            others = [v for v in choices[rewritten] if v != row[rewritten]]
            row[rewritten] = others[rng.integers(len(others))]
        plan.students[copier] = row
        plan.copies.append((copier, source, kind, rewritten))
    return plan


class _Rename(ast.NodeTransformer):
    def __init__(self, keep):
        self.keep, self.names = keep, {}

    def _new(self, name):
        if name in self.keep:
            return name
        return self.names.setdefault(name, f"tmp_{len(self.names)}_{name[:1]}")

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Store) or node.id in self.names:
            node.id = self._new(node.id)
        return node

    def visit_arg(self, node):
        node.arg = self._new(node.arg)
        return node


def renamed(source, keep):
    """``source`` with every name it binds renamed (``keep``: names that must stay), reformatted by ast.unparse."""
    tree = ast.parse(source)
    keep = set(keep)
    for node in tree.body:  # the graded function's signature stays: graders may pass its arguments by name
        if isinstance(node, ast.FunctionDef) and node.name in keep:
            keep |= {a.arg for a in node.args.posonlyargs + node.args.args + node.args.kwonlyargs}
    rename = _Rename(keep)
    for node in ast.walk(tree):  # arguments first, so that their uses inside the body follow
        if isinstance(node, ast.arg):
            rename.visit_arg(node)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            rename._new(node.id)
    return ast.unparse(rename.visit(tree))


def commented(source):
    """``source`` with a comment line after every second line."""
    lines = source.split("\n")
    return "\n".join(line + (f"\n{ADDED_COMMENT}" if i % 2 == 1 else "") for i, line in enumerate(lines))


def _base(root):
    rel, src = root / "release" / ASSIGNMENT, root / "source" / ASSIGNMENT
    release = {n: read(rel / n) for n in notebook_names(rel)}
    return release, {n: solved(release[n], read(src / n)) for n in release}


def answers(base, row):
    """{function: answer cell source} of a plan row."""
    out = {}
    for nb in base.values():
        for f in graded_functions(nb):
            if f not in row:
                continue
            cell = answer_cell(nb, f)
            out[f] = cell.source if row[f] == MODEL else bank.with_wrong_body(cell.source, f, row[f], near_miss=False)
    return out


def build_class(root, plan, extra=None):
    """Write every student of the plan into ``root/submitted``; ``extra``: {student: {function: text added}}."""
    release, base = _base(root)
    sources = {s: answers(base, row) for s, row in plan.students.items()}
    for s, lines in (extra or {}).items():
        for f, text in lines.items():  # after the docstring, whose closing quotes end a line
            head, quotes, rest = sources[s][f].partition('"""\n')
            sources[s][f] = f"{head}{quotes}{text}\n{rest}"
    kinds = {}
    for copier, source, kind, _ in plan.copies:
        kinds[copier] = kind
        mine = dict(sources[copier])
        for f in mine:
            if kind != "rewritten" or plan.students[copier][f] == plan.students[source][f]:
                mine[f] = sources[source][f]  # the copy: the source's text, extras included
        if kind == "renamed":
            functions = set(mine)
            mine = {f: renamed(text, functions | {"np"}) for f, text in mine.items()}
        elif kind == "reordered":
            mine = {f: commented(text) for f, text in mine.items()}
        sources[copier] = mine
    for s in plan.students:
        nbs = {}
        for name, nb in base.items():
            nb = nbformat.from_dict(json.loads(json.dumps(nb)))
            for f in graded_functions(nb):
                if f in sources[s]:
                    answer_cell(nb, f).source = sources[s][f]
            if kinds.get(s) == "reordered":
                nb.cells = list(reversed(nb.cells))
            nbs[name] = nb
        write_submission(root / "submitted" / s / ASSIGNMENT, nbs)
    return sources


def mistake_of(variant):
    if variant == MODEL:
        return None
    value = headers(BANK / variant, "mistake")
    return value[0] if value and value[0] != "-" else None


def gradebook(path, plan, assignment=ASSIGNMENT):
    """A SQLite gradebook holding the graders' structured results of the plan (the named mistakes)."""
    from sqlalchemy import create_engine

    from grading_tests.nbgrader_plugin import results_table

    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        results_table.ensure(connection)
        for s, row in plan.students.items():
            rows = []
            for f, variant in row.items():
                mistake = mistake_of(variant)
                wrong = variant != MODEL and variant.startswith("wrong/")
                rows.append({"function": f, "notebook": "-", "score": 0.0 if wrong else 1.0, "max_score": 1.0,
                             "stage": "values" if wrong else None, "kind": None, "mistake": mistake,
                             "hint": None, "status": None})
            results_table.replace(connection, assignment, s, rows)
    engine.dispose()
    return f"sqlite:///{path}"


def whole_files(root, folder):
    """Each hand-in's code cells as one .py file in ``folder`` (what a whole-file detector is given), and the release's."""
    folder = Path(folder)
    (folder / "rendus").mkdir(parents=True, exist_ok=True)
    (folder / "distribue").mkdir(exist_ok=True)

    def code(nbs):
        cells = [c.source for nb in nbs for c in nb.cells if c.cell_type == "code"]
        return "\n\n".join(cells) + "\n"

    rel = root / "release" / ASSIGNMENT
    (folder / "distribue" / "release.py").write_text(code(read(rel / n) for n in notebook_names(rel)), encoding="utf-8")
    for handin in sorted((root / "submitted").iterdir()):
        nbs = [read(p) for p in sorted((handin / ASSIGNMENT).glob("*.ipynb"))]
        (folder / "rendus" / f"{handin.name}.py").write_text(code(nbs), encoding="utf-8")
    return folder
