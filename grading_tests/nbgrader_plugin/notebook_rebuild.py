"""Rebuilding a handed-in notebook as the released notebook plus the student's answers.

:func:`rebuild` keeps the release's cells, metadata and order; each answer
cell takes the source of the student's cell with the same ``grade_id``;
cells the student added stay as plain cells, without metadata or outputs,
at most :data:`MAX_ADDED_CELLS` of them. What was not kept is listed, in
French, in a notice cell and in the notes returned to the caller.

Its time is linear in the cells handed in, with a small constant: a handed-in
cell is only looked at (a few dict reads), and at most
``MAX_ADDED_CELLS`` plus the release's cells are built. Building a cell with
``nbformat.v4.new_code_cell`` checked it against the JSON schema, half a
millisecond each: the 600 000 one-character cells a 20 MB notebook holds took
minutes, before nbgrader and the kernel went through each of them again.
"""

from __future__ import annotations

import copy
import json
from collections import Counter

import nbformat

from .handin_files import shown

__all__ = ["MAX_ADDED_CELLS", "NOTES_PER_NOTEBOOK", "GRADING_KEYS", "rebuild", "replacement"]

NOTES_PER_NOTEBOOK = 20
# Cells a student may add to one notebook (a released notebook has about 50):
# what nbgrader, the kernel and the graders then go through is bounded by it.
MAX_ADDED_CELLS = 500
# Keys of the nbgrader metadata that decide how a cell is graded.
GRADING_KEYS = ("grade", "solution", "locked", "points", "schema_version", "task", "cell_type")
KEPT_TYPES = ("code", "markdown")
_MISSING = object()


def _notice_cell(text):
    return nbformat.v4.new_markdown_cell(f"<div class=\"alert alert-danger\">\n\n**Correction** : {text}\n\n</div>")


def _notice_text(notes):
    items = "\n".join(f"- {note}" for note in notes)
    return f"ce notebook ne correspondait pas à la version distribuée ; voici ce que la correction en a fait :\n\n{items}"


def _nbgrader(cell):
    meta = cell.get("metadata") if isinstance(cell, dict) else None
    nbgrader = meta.get("nbgrader") if isinstance(meta, dict) else None
    return nbgrader if isinstance(nbgrader, dict) else None


def _grade_id(cell):
    grade_id = (_nbgrader(cell) or {}).get("grade_id")
    return grade_id if isinstance(grade_id, str) and grade_id else None


def _source(value):
    """A cell source as a str, or None when it is neither a str nor a list of str."""
    if isinstance(value, list) and all(isinstance(part, str) for part in value):
        value = "".join(value)
    if not isinstance(value, str):
        return None
    # JSON can spell lone surrogates ("\ud800"), which UTF-8 cannot write.
    return value.encode("utf-8", "replace").decode("utf-8")


def _same(a, b):
    """Equal metadata values, ``True`` and ``1`` told apart, ``2`` and ``2.0`` not."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    return type(a) is type(b) and a == b


def _edited_keys(student_meta, student_type, release_cell):
    release_meta = release_cell.metadata.nbgrader
    keys = [k for k in GRADING_KEYS if not _same(student_meta.get(k, _MISSING), release_meta.get(k, _MISSING))]
    if student_type != release_cell.cell_type:
        keys.append("type de la cellule")
    return keys


def _counted(notes):
    """Notes in order, a repeated one said once with its count, at most NOTES_PER_NOTEBOOK."""
    counts = Counter(notes)
    result = []
    for note in dict.fromkeys(notes):
        result.append(note if counts[note] == 1 else f"{note} (×{counts[note]})")
    if len(result) > NOTES_PER_NOTEBOOK:
        rest = len(result) - (NOTES_PER_NOTEBOOK - 1)
        result = result[: NOTES_PER_NOTEBOOK - 1] + [f"… et {rest} autres remarques"]
    return result


class _Ids:
    """Fresh cell ids that do not clash with the release's."""

    def __init__(self, taken):
        self.taken = set(taken)

    def new(self, stem):
        n = len(self.taken)
        while f"{stem}-{n}" in self.taken:
            n += 1
        self.taken.add(f"{stem}-{n}")
        return f"{stem}-{n}"


def _finish(nb, notes):
    """Insert the notice (if any note) and give the new cells ids in the release's format."""
    notes = _counted(notes)
    if notes:
        notice = _notice_cell(_notice_text(notes))
        notice["_staging_new"] = "correction"
        nb.cells.insert(0, notice)
    with_ids = (nb.nbformat, nb.nbformat_minor) >= (4, 5)
    ids = _Ids(c.get("id") for c in nb.cells if "_staging_new" not in c)
    for cell in nb.cells:
        stem = cell.pop("_staging_new", None)
        if not with_ids:
            cell.pop("id", None)
        elif stem is not None or not cell.get("id"):
            cell["id"] = ids.new(stem or "cellule")
    return nb, notes


def replacement(release_nb, note):
    """The released notebook, with a notice holding ``note``; returns (notebook, notes)."""
    nb = nbformat.from_dict(copy.deepcopy(release_nb))
    return _finish(nb, [note])


def _plain_cell(cell_type, source, outputs=()):
    """A code or markdown cell of the source (and kept outputs); the whole notebook is validated once, when written."""
    cell = {"cell_type": cell_type, "metadata": {}, "source": source}
    if cell_type == "code":
        cell.update(execution_count=None, outputs=list(outputs))
    cell["_staging_new"] = "eleve"  # _finish gives it a fresh id
    return nbformat.from_dict(cell)


def rebuild(raw, release_nb, outputs=None):
    """The released notebook with the student's answers, and the French notes on what was not kept.

    ``raw`` is what the student handed in (bytes, or None if nothing could be
    read); ``release_nb`` the released notebook, read by trusted code. The
    result has the release's cells, metadata and order; each answer cell
    (``nbgrader.solution``) takes the source of the student's first cell with
    its ``grade_id``; other release cells are the release's; cells the student
    added (no nbgrader metadata, an unknown or repeated ``grade_id``) are kept
    as plain code or markdown cells, source only, after the release cell that
    precedes them in the student's notebook. Notes, if any, are listed in a
    notice inserted as cell 0.

    ``outputs``, when given (a :class:`.handed_in_outputs.HandedOutputs`),
    keeps the outputs of the student's code cells, each on the cell it
    rebuilds, under a notice saying they were not run again; otherwise the
    rebuilt notebook has none.
    """
    if raw is None:
        return replacement(release_nb, "notebook illisible : remplacé par la version distribuée")
    try:
        data = json.loads(raw.decode("utf-8-sig") if isinstance(raw, bytes) else raw)
    except Exception as exc:  # bad UTF-8, bad JSON, too deep, too long an integer...
        return replacement(release_nb, f"notebook illisible ({type(exc).__name__}) : remplacé par la version distribuée")
    if not isinstance(data, dict):
        return replacement(release_nb, "notebook illisible (pas un objet JSON) : remplacé par la version distribuée")
    cells = data.get("cells")
    if not isinstance(cells, list):
        return replacement(release_nb, "notebook illisible (pas de liste de cellules) : remplacé par la version distribuée")

    nb = nbformat.from_dict(copy.deepcopy(release_nb))
    release_cells = list(nb.cells)
    position = {}
    for index, cell in enumerate(release_cells):
        grade_id = _grade_id(cell)
        if grade_id is not None and grade_id not in position:
            position[grade_id] = index
    answers = {g for g, i in position.items() if (_nbgrader(release_cells[i]) or {}).get("solution") is True}

    notes, seen, taken, handed = [], set(), {}, {}
    added = {-1: []}  # release index the student's cell came after -> cells added there
    anchor, kept, dropped = -1, 0, 0
    for cell in cells:
        if not isinstance(cell, dict):
            notes.append("cellule illisible (pas un objet JSON) : ignorée")
            continue
        cell_type, meta, grade_id = cell.get("cell_type"), _nbgrader(cell), _grade_id(cell)
        source = _source(cell.get("source"))
        if grade_id in position and grade_id not in seen:
            seen.add(grade_id)
            anchor = position[grade_id]
            release_cell = release_cells[anchor]
            name = shown(grade_id)
            edited = _edited_keys(meta, cell_type, release_cell)
            if edited:
                keys = ", ".join(edited)
                notes.append(f"métadonnées nbgrader modifiées dans la cellule « {name} » ({keys}) : remises comme distribuées")
            if outputs is not None and cell_type == release_cell.cell_type == "code":
                handed[grade_id] = outputs(cell.get("outputs"))
            if grade_id in answers:
                if source is None:
                    notes.append(f"contenu illisible dans la cellule de réponse « {name} » : réponse ignorée")
                else:
                    taken[grade_id] = source
            elif source is not None and source != release_cell.source:
                what = "cellule verrouillée" if release_cell.metadata.nbgrader.get("locked") is True else "cellule hors réponse"
                notes.append(f"{what} « {name} » modifiée : remise comme distribuée")
            continue
        raw_meta = cell.get("metadata", {}).get("nbgrader") if isinstance(cell.get("metadata"), dict) else None
        if grade_id in seen:
            notes.append(f"identifiant « {shown(grade_id)} » en double : cellule gardée comme cellule ordinaire, non notée")
        elif grade_id is not None:
            notes.append(f"identifiant « {shown(grade_id)} » inconnu : cellule gardée comme cellule ordinaire, non notée")
        elif raw_meta not in (None, {}):
            notes.append("métadonnées nbgrader sans identifiant valide : cellule gardée comme cellule ordinaire, non notée")
        if cell_type == "raw":
            notes.append("cellule brute (raw) ajoutée : supprimée")
            continue
        if cell_type not in KEPT_TYPES:
            notes.append(f"cellule de type inconnu « {shown(cell_type)} » : supprimée")
            continue
        if source is None:
            notes.append("cellule ajoutée au contenu illisible : supprimée")
            continue
        if kept >= MAX_ADDED_CELLS:
            dropped += 1
            continue
        kept += 1
        kept_outputs = outputs(cell.get("outputs")) if outputs is not None and cell_type == "code" else ()
        added.setdefault(anchor, []).append(_plain_cell(cell_type, source, kept_outputs))
    if dropped:
        notes.append(f"{dropped} cellule(s) ajoutée(s) au-delà des {MAX_ADDED_CELLS} gardées : supprimée(s)")

    rebuilt = list(added[-1])
    for index, cell in enumerate(release_cells):
        grade_id = _grade_id(cell)
        if grade_id in taken and position[grade_id] == index:
            cell.source = taken[grade_id]
        if grade_id in handed and position[grade_id] == index:
            cell.outputs = handed[grade_id]
        if grade_id is not None and grade_id not in seen and position.get(grade_id) == index:
            meta = _nbgrader(cell)
            if meta.get("grade") is True:
                notes.append(f"cellule notée « {shown(grade_id)} » supprimée : rétablie")
            elif grade_id in answers:
                notes.append(f"cellule de réponse « {shown(grade_id)} » supprimée : rétablie comme distribuée")
            else:
                notes.append("cellule distribuée supprimée : rétablie")
        rebuilt.append(cell)
        rebuilt.extend(added.get(index, []))
    if outputs is not None:
        label = outputs.notice_cell()
        label["_staging_new"] = "sorties"
        rebuilt.insert(0, label)
    nb.cells = rebuilt
    return _finish(nb, notes)
