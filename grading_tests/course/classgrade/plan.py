"""What a run of the class command does with each folder of ``submitted/``, before any grading.

:func:`plan` looks at every entry of ``submitted/`` (or the ``--student``
ids) and sorts it:

- a hand-in to grade, with its provenance (:mod:`.provenance`);
- unchanged since its recorded grade: a row ``inchangé``;
- an id outside the safe set (:mod:`...nbgrader_plugin.student_ids`): a row
  ``refusé`` and an anomaly line; the hand-in is never read and stays as it is;
- nothing to grade, as stock ``nbgrader autograde`` sees it: a folder without
  the assignment, an assignment folder with no notebook at its top level (a
  hint names a subfolder holding notebooks: a hand-in nested one folder too
  deep), an entry that is not a folder: a row ``ignoré`` saying why.

So every folder ends as a gradebook row or as a line of the final table.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from ...nbgrader_plugin import staging, student_ids
from . import handin as handin_io
from . import provenance as prov
from .table import Row

__all__ = ["Todo", "plan", "read"]


@dataclass
class Todo:
    """A hand-in to grade."""

    student: str
    provenance: prov.Provenance


def read(course, student, notebooks):
    """The hand-in of ``student`` as bytes (:func:`.handin.read_handin`)."""
    return handin_io.read_handin(course.submitted, student, course.assignment, notebooks)


def _nothing_to_grade(course, student):
    where = f"submitted/{student_ids.shown(student)}/{course.assignment}/"
    nested = handin_io.nested_notebooks(course.submitted, student, course.assignment)
    if not nested:
        return f"aucun notebook dans {where} : rien à noter (nbgrader l'ignore aussi)"
    folder, count = sorted(nested.items())[0]
    return (f"aucun notebook dans {where}, mais {count} dans son sous-dossier « {student_ids.shown(folder)} » : "
            "rendu un niveau trop profond, déplacez ces notebooks d'un niveau puis relancez")


def plan(course, students, seed, execute, force, code, course_hash, notebooks):
    """([Todo], [Row] of the folders not graded, [Anomaly] of the refused ids)."""
    entries = dict(handin_io.list_entries(course.submitted, course.assignment))
    wanted = list(dict.fromkeys(students)) if students else list(entries)
    todo, rows, refused = [], [], []
    for student in wanted:
        kind = entries.get(student)
        if kind != "handin":
            what = {None: "aucun rendu", "absent": f"pas de dossier {course.assignment}/ dedans", "file": "pas un dossier"}[kind]
            rows.append(Row(student, "ignoré", reason=f"{what} : submitted/{student_ids.shown(student)} (rien à noter)"))
            continue
        message = student_ids.refusal_message(student)
        if message:
            rows.append(Row(student, "refusé", reason=message))
            refused.append(staging.Anomaly(student, "-", message))
            continue
        try:
            handin = read(course, student, notebooks)
        except OSError as exc:  # the course's own folder unreadable: this student only
            rows.append(Row(student, "échec", reason=f"rendu illisible : {type(exc).__name__}: {exc}"))
            continue
        if not handin_io.has_notebook(handin):
            rows.append(Row(student, "ignoré", reason=_nothing_to_grade(course, student)))
            continue
        digest = handin_io.handin_digest(handin)
        deadline = f"{course.duedate}|{course.extensions.get(student, '')}"
        used = seed if seed is not None else secrets.randbelow(2**31)
        provenance = prov.Provenance(digest, code, course_hash, seed, execute, deadline, used)
        recorded = prov.read_recorded(course.autograded / student / course.assignment)
        # Unchanged: graded from these very inputs, and the gradebook still holds that grade.
        if not force and recorded == provenance.sha256 and student in course.in_gradebook:
            rows.append(Row(student, "inchangé", short=provenance.short))
            continue
        todo.append(Todo(student, provenance))
    return todo, rows, refused
