"""``python -m grading_tests.course export``: check everything, then write the file, then the penalties.

:func:`export_grades` reads the course's configuration (``nbgrader_config.py``:
the gradebook, the late policy), the extensions file, the roster and the
gradebook, and writes nothing until all of them agree:

- an unknown format, an option that does not fit the format, an extension
  for a student the gradebook does not know (or before the due date), a
  roster that is not UTF-8, has no column naming a student, or names a
  student twice, a worksheet without Moodle's columns: :class:`ExportError`,
  with a French message, and nothing written;
- a student the roster does not have, or has ambiguously, a student id
  outside the safe set, a student without the address the Moodle user
  column needs: listed, and nothing written unless ``allow_unmatched``
  (then they are left out, and listed again).

Then it writes the file (a temporary file renamed into place) and stores the
penalties of now in the gradebook (:func:`.table.store_penalties`), so the
formgrader and ``nbgrader export`` say what the file says. A report goes to
``err``: the file, the due date, each penalty that changed, the written
answers still to grade, the roster rows without a student.
"""

from __future__ import annotations

import csv
import os
import sys
import tempfile
import time
from pathlib import Path

from ...nbgrader_plugin import student_ids
from ...nbgrader_plugin.late_policy import LatePolicy, PolicyError
from . import formats
from .roster import STRATEGY_FR, RosterError, match, read_roster
from .table import cell_order, read_class, store_penalties

__all__ = ["ExportError", "export_grades", "default_out", "write_rows", "load_settings"]

MOODLE_USERS = ("email", "idnumber", "username")


class ExportError(RuntimeError):
    """The export cannot be written as asked (French message); nothing was written."""


def default_out(root, assignment, fmt):
    return Path(root) / "exports" / f"{assignment}_{fmt}.csv"


def write_rows(path, rows, bom=False):
    """``rows`` as RFC 4180 CSV (CRLF, quotes where needed), UTF-8 with a BOM if asked; atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as f:
            csv.writer(f, lineterminator="\r\n").writerows(rows)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load_settings(root, db_url=None):
    """(db_url, course_id, LatePolicy) from the course's ``nbgrader_config.py``."""
    from nbgrader.coursedir import CourseDirectory
    from traitlets import TraitError
    from traitlets.config.loader import PyFileConfigLoader

    if not (Path(root) / "nbgrader_config.py").is_file():
        raise ExportError(f"{root} n'est pas la racine du cours (pas de nbgrader_config.py)")
    config = PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config()
    if db_url:
        config.CourseDirectory.db_url = db_url
    coursedir = CourseDirectory(config=config)
    try:
        policy = LatePolicy(config=config)
    except TraitError as exc:
        raise ExportError(f"politique de retard de nbgrader_config.py : {exc}") from None
    return coursedir.db_url, coursedir.course_id, policy


def _check_options(fmt, roster, moodle_user, moodle_lang, out_of):
    if fmt not in formats.FORMATS:
        raise ExportError(f"format inconnu « {student_ids.shown(fmt)} » : canvas, moodle, moodle-worksheet ou csv")
    if fmt == "csv" and roster is not None:
        raise ExportError("--roster ne s'applique pas au format csv (le tableau du cours lui-même)")
    if fmt == "csv" and out_of is not None:
        raise ExportError("--out-of ne s'applique pas au format csv (en points du cours)")
    if fmt == "moodle-worksheet" and roster is None:
        raise ExportError("le format moodle-worksheet part de la feuille d'évaluation téléchargée de Moodle : donnez-la avec --roster")
    if moodle_user not in MOODLE_USERS:
        raise ExportError(f"--moodle-user : {', '.join(MOODLE_USERS)}, pas « {student_ids.shown(moodle_user)} »")
    if moodle_lang not in formats.MOODLE:
        raise ExportError(f"--moodle-lang : fr ou en, pas « {student_ids.shown(moodle_lang)} »")
    if out_of is not None and not out_of > 0:
        raise ExportError(f"--out-of doit être positif, pas {out_of}")


def _listing(table, matching, roster, missing_user):
    """French lines on every student left out, and whether any of them blocks the export."""
    lines = []
    for sid, why in table.refused:
        lines.append(f"  identifiant refusé : « {student_ids.shown(sid)} » ({why})")
    if matching is not None:
        for sid in matching.unmatched:
            lines.append(f"  sans correspondance dans {roster.name} : « {student_ids.shown(sid)} »")
        for sid, (strategy, rows) in sorted(matching.ambiguous.items()):
            where = " ; ".join(roster.shown(i) for i in rows)
            lines.append(f"  ambigu ({STRATEGY_FR[strategy]}) : « {student_ids.shown(sid)} » → {where}")
    for sid in missing_user:
        lines.append(f"  pas d'adresse électronique dans le carnet de notes : « {student_ids.shown(sid)} »")
    return lines


def export_grades(root, assignment, fmt, roster=None, out=None, db_url=None, item=None, detail=False,
                  moodle_user="username", moodle_lang="fr", out_of=None, bom=False, allow_unmatched=False,
                  now=None, err=None):
    """Write the export of ``assignment`` in format ``fmt``; return its path (ExportError: nothing written)."""
    from nbgrader.api import Gradebook, MissingEntry

    err = err or sys.stderr
    root = Path(root).resolve()
    _check_options(fmt, roster, moodle_user, moodle_lang, out_of)
    out = Path(out) if out else default_out(root, assignment, fmt)
    if out.is_dir():
        raise ExportError(f"{out} est un dossier : donnez un nom de fichier à --out")
    db_url, course_id, policy = load_settings(root, db_url)
    try:
        extensions = policy.extensions(root)
    except PolicyError as exc:
        raise ExportError(str(exc)) from None
    try:
        sheet = read_roster(roster) if roster is not None else None
    except RosterError as exc:
        raise ExportError(str(exc)) from None
    options = formats.Options(item or assignment, detail, moodle_user, moodle_lang, out_of, int(now if now is not None else time.time()))
    with Gradebook(db_url, course_id) as gb:
        known = {s.id for s in gb.students}
        strangers = [e for s, e in sorted(extensions.items()) if s not in known]
        if strangers:
            raise ExportError("\n".join(
                f"{policy.extensions_file}, ligne {e.line} : « {student_ids.shown(e.student)} » n'est pas un élève du carnet de notes"
                for e in strangers) + "\n(corrigez l'identifiant ou retirez la ligne ; rien n'a été écrit)")
        try:
            table = read_class(gb, assignment, policy, extensions, cell_order(root, assignment))
        except MissingEntry:
            raise ExportError(f"pas de devoir « {student_ids.shown(assignment)} » dans le carnet de notes ({db_url})") from None
        except PolicyError as exc:
            raise ExportError(f"{policy.extensions_file} : {exc}") from None
        matching = match(table.rows, sheet) if sheet is not None else None
        if sheet is not None and fmt == "moodle" and formats.MOODLE_USER_ROLE[moodle_user] not in sheet.roles:
            raise ExportError(f"{sheet.name} n'a pas de colonne pour --moodle-user {moodle_user} "
                              f"(en-têtes : {', '.join(sheet.header)})")
        missing_user = [r.id for r in table.rows if fmt == "moodle" and sheet is None and moodle_user == "email" and not r.email]
        students = [r for r in table.rows if r.id not in missing_user and (matching is None or r.id in matching.pairs)]
        try:
            rows = formats.render(fmt, table, students, sheet, matching, options)
        except formats.FormatError as exc:
            raise ExportError(str(exc)) from None
        left_out = _listing(table, matching, sheet, missing_user)
        if left_out and not allow_unmatched:
            raise ExportError("\n".join([
                f"{len(left_out)} élève(s) ne peuvent pas être exportés :", *left_out,
                "Rien n'a été écrit : corrigez le roster ou le carnet de notes, ou relancez avec --allow-unmatched "
                "pour écrire les autres (ceux-ci restent alors sans note dans le fichier).",
            ]))
        write_rows(out, rows, bom)
        store_penalties(gb, table)
    _report(err, out, fmt, table, students, left_out, matching, sheet, policy)
    return out


def _report(err, out, fmt, table, students, left_out, matching, sheet, policy):
    err.write(f"export {fmt} : {len(students)} élève(s) -> {out}\n")
    err.write(f"  {formats.deadline_note(table, policy.timezone)}\n")
    for sid, before, now in table.changed:
        err.write(f"  pénalité de retard recalculée : « {student_ids.shown(sid)} » {formats.points(before)} -> {formats.points(now)}\n")
    pending = [(r.id, r.pending) for r in students if r.pending]
    if pending:
        err.write("  réponses rédigées pas encore corrigées (comptées 0) : "
                  + ", ".join(f"« {student_ids.shown(s)} » ({n})" for s, n in pending) + "\n")
    if left_out:
        err.write(f"  laissés de côté (--allow-unmatched) : {len(left_out)}\n" + "\n".join(left_out) + "\n")
    if matching is not None and matching.roster_only:
        err.write(f"  lignes de {sheet.name} sans élève du carnet de notes ({len(matching.roster_only)}) : "
                  + " ; ".join(sheet.shown(i) for i in matching.roster_only) + "\n")
    err.flush()
