"""Read a submission: a .py file, a notebook, or a folder of notebooks.

From a notebook only the cells a student writes are taken: the nbgrader
solution cells (``metadata.nbgrader.solution``) and the code cells the
student added, which have no nbgrader metadata. A notebook without any
nbgrader metadata contributes all its code cells. IPython magics and shell
escapes are commented out, keeping line numbers, since they are not Python.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Submission", "load_submission", "notebook_cells"]

_MAGIC = re.compile(r"^(\s*)([%!])")


@dataclass
class Submission:
    path: Path
    cells: list = field(default_factory=list)  # code strings, in order
    labels: list = field(default_factory=list)  # where each came from, in French
    problems: list = field(default_factory=list)  # files that could not be read


def _strip_magics(source):
    return "\n".join(_MAGIC.sub(r"\1# \2", line) for line in source.split("\n"))


def python_chunks(source):
    """Split a .py file into one chunk per top-level statement.

    Each chunk is padded with blank lines so that line numbers in messages are
    those of the file, and a statement that hangs or kills the process costs
    only itself, as a notebook cell would. A file that does not parse stays
    whole, so the syntax error is reported where it is.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return [source]
    lines = source.splitlines(True)
    chunks = []
    for node in tree.body:
        start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        chunks.append("\n" * (start - 1) + "".join(lines[start - 1 : node.end_lineno]))
    return chunks


def notebook_cells(path):
    """The student's code cells of one notebook, as (index, source) pairs.

    Raises ValueError with a French message if the file is not a notebook.
    """
    try:
        nb = json.loads(Path(path).read_text(encoding="utf-8"))
        cells = nb["cells"]
        if not isinstance(cells, list):
            raise TypeError
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{Path(path).name} : notebook illisible ({type(exc).__name__}) ; il n'a pas pu être noté.") from exc
    code = [(i, c) for i, c in enumerate(cells) if isinstance(c, dict) and c.get("cell_type") == "code"]

    def is_solution(cell):
        meta = cell.get("metadata")
        nbgrader = meta.get("nbgrader") if isinstance(meta, dict) else None
        return isinstance(nbgrader, dict) and nbgrader.get("solution") is True

    def has_nbgrader(cell):
        meta = cell.get("metadata")
        return isinstance(meta, dict) and isinstance(meta.get("nbgrader"), dict)

    if any(has_nbgrader(c) for _, c in code):
        # Answer cells, and code cells the student added (they carry no
        # nbgrader metadata): a helper defined there is part of the answer.
        # The course's own cells are left out.
        code = [(i, c) for i, c in code if is_solution(c) or not has_nbgrader(c)]
    result = []
    for i, cell in code:
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(s for s in source if isinstance(s, str))
        if isinstance(source, str):
            result.append((i, _strip_magics(source)))
    return result


def load_submission(path) -> Submission:
    """Collect the code of a submission, in the order a student runs it."""
    path = Path(path)
    sub = Submission(path)
    if path.is_dir():
        notebooks = sorted(p for p in path.glob("*.ipynb") if not p.name.startswith("."))
        if not notebooks:
            sub.problems.append(f"{path.name} : aucun notebook (.ipynb) dans ce dossier.")
    elif path.suffix == ".ipynb":
        notebooks = [path]
    elif path.suffix == ".py":
        try:
            source = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            sub.problems.append(f"{path.name} : fichier illisible ({type(exc).__name__}).")
            return sub
        for chunk in python_chunks(source):
            sub.cells.append(chunk)
            sub.labels.append(path.name)
        return sub
    else:
        raise ValueError(f"{path}: expected a .py file, a .ipynb notebook or a folder of notebooks")
    for notebook in notebooks:
        try:
            cells = notebook_cells(notebook)
        except ValueError as exc:
            sub.problems.append(str(exc))
            continue
        for index, source in cells:
            sub.cells.append(source)
            sub.labels.append(f"{notebook.name}, cellule {index + 1}")
    return sub
