"""How Canvas and Moodle read a grade file, written from their documentation, for the export's tests.

Each function reads the bytes of a file as the LMS's import would and
returns what the LMS would record, or raises :class:`Refused` where the LMS
refuses the file. They are written from these pages (rules restated, no
code taken):

- Canvas, gradebook import: the instructor guide's CSV layout as the Ohio
  State University's Canvas guide states it
  (https://teaching.resources.osu.edu/toolsets/carmencanvas/guides/calculating-final-grades/import-csv-file-carmen-grades:
  columns Student Name « last name, first name », Student ID, SIS User ID, SIS
  Login ID, Section, then one column per assignment, a student named by at
  least one of the first three), the layout of Canvas's own export
  (https://nemogb-dev.github.io/nemogb-r/articles/detailed-canvas-export-info.html:
  « Student » is « Last, First », ``ID`` Canvas's id, assignment columns
  « Name (id) », a « Points Possible » row under the header), and Canvas's
  CSV rules (https://developerdocs.instructure.com/services/canvas/sis/file.sis_csv:
  a mandatory header row, fields with commas or double quotes quoted and
  inner quotes doubled, UTF-8).
- Moodle, gradebook CSV import (https://docs.moodle.org/311/en/Grade_import):
  one column mapped to identify users (« Map from » a column, « Map to »
  userid, useridnumber, useremail or username), other columns mapped to a
  grade item or its feedback, « Force import » off by default. What the
  import then does is that of Moodle's ``grade/import/csv`` loader: values
  trimmed, ``-`` or empty is no grade, a decimal comma or point, a user
  not found aborts the whole import, and the column whose header is the
  translated « Last downloaded from this course » (« Dernier téléchargement
  depuis ce cours ») holds the Unix time of the export: unless forced, a
  date that is not an integer, is in the future or over a year old, or a
  grade changed in Moodle after it, aborts the import. That column is only
  looked for after the first column (Moodle tests its index for emptiness).
- Moodle, offline grading worksheet (the « Offline grading worksheet »
  feedback type of an assignment, « Download grading worksheet », then
  upload: http://itrascastro.github.io/moodle-offline-task-grading-spreadsheet;
  what the upload does is that of Moodle's ``mod/assign/feedback/offline``
  importer): the columns are found by their exact
  translated headers, « Identifiant », « Note », « Dernière modification
  (note) » in French (« Identifier », « Grade », « Last modified (grade) »),
  all three required; the identifier is « Participant » followed by the
  participant's number; a row whose participant is unknown, whose grade
  is empty, negative or above the assignment's maximum, or whose grade
  changed in Moodle more than 60 s after its « Dernière modification
  (note) », is skipped; feedback columns are found by their plug-in's
  name (« Feedback par commentaires »).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

__all__ = ["Refused", "CANVAS_IDS", "MOODLE", "canvas_import", "moodle_import", "worksheet_import", "rows_of"]

CANVAS_IDS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MOODLE = {
    "fr": {"timeexported": "Dernier téléchargement depuis ce cours", "recordid": "Identifiant", "grade": "Note",
           "lastmodifiedgrade": "Dernière modification (note)", "hiddenuser": "Participant", "comments": "Feedback par commentaires"},
    "en": {"timeexported": "Last downloaded from this course", "recordid": "Identifier", "grade": "Grade",
           "lastmodifiedgrade": "Last modified (grade)", "hiddenuser": "Participant ", "comments": "Feedback comments"},
}
YEAR = 365 * 86400


class Refused(Exception):
    """The LMS refuses the file (or the whole import)."""


def rows_of(data):
    """The CSV rows of ``data`` (bytes, UTF-8 with or without a BOM), as RFC 4180 reads them."""
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _number(text):
    text = text.strip()
    if text in ("", "-"):
        return None
    try:
        return float(text.replace(",", "."))
    except ValueError:
        raise Refused(f"not a grade: {text!r}") from None


@dataclass
class CanvasImport:
    assignments: list  # the assignment columns' headers, in order
    points: dict  # assignment header -> points possible
    grades: dict  # (ID, SIS User ID, SIS Login ID) -> {assignment header: points}
    names: dict = field(default_factory=dict)  # same key -> the Student cell


def canvas_import(data):
    rows = rows_of(data)
    if not rows:
        raise Refused("no header row")
    header = rows[0]
    if header[: len(CANVAS_IDS)] != CANVAS_IDS:
        raise Refused(f"the identification columns are not Canvas's: {header[:5]}")
    assignments = header[len(CANVAS_IDS):]
    result = CanvasImport(assignments, {}, {})
    for row in rows[1:]:
        if len(row) != len(header):
            raise Refused(f"a row of {len(row)} fields under a header of {len(header)}: {row}")
        if row[0].strip() == "Points Possible":
            if result.points or result.grades:
                raise Refused("the Points Possible row is not the first row under the header")
            result.points = {a: _number(v) for a, v in zip(assignments, row[5:])}
            continue
        student, canvas_id, sis_user, sis_login, _ = row[:5]
        if not (student.strip() or canvas_id.strip() or sis_user.strip()):
            raise Refused(f"a row names no student: {row}")
        key = (canvas_id, sis_user, sis_login)
        if key in result.grades and any(key):
            raise Refused(f"the same student twice: {key}")
        result.grades[key if any(key) else (student,)] = {a: _number(v) for a, v in zip(assignments, row[5:])}
        result.names[key if any(key) else (student,)] = student
    return result


@dataclass
class MoodleImport:
    grades: dict  # user (as mapped) -> grade or None
    feedback: dict  # user -> feedback text


def moodle_import(data, map_from, item, feedback=None, lang="fr", users=None, modified=None, now=None, force=False):
    """What Moodle records, with ``map_from`` mapped to identify users and ``item`` / ``feedback`` to the grade item.

    ``users``: the Moodle users the mapped field can name (None: anyone);
    ``modified``: {user: Unix time a grade last changed in Moodle}.
    """
    rows = rows_of(data)
    header = [h.strip() for h in rows[0]]
    if map_from not in header or item not in header:
        raise Refused(f"no column {map_from!r} or {item!r} to map: {header}")
    user_at, item_at = header.index(map_from), header.index(item)
    feedback_at = header.index(feedback) if feedback in header else None
    time_at = header.index(MOODLE[lang]["timeexported"]) if MOODLE[lang]["timeexported"] in header else None
    result = MoodleImport({}, {})
    for row in rows[1:]:
        if len(row) <= 1:
            continue
        row = [v.strip() for v in row]
        user = row[user_at]
        if not user or (users is not None and user not in users):
            raise Refused(f"user not found: {user!r} (the whole import is aborted)")
        if not force and time_at:  # Moodle skips the check when the column is the first one
            exported = row[time_at]
            if not exported.isdigit() or int(exported) > now or int(exported) < now - YEAR:
                raise Refused(f"invalid export date {exported!r}")
            if (modified or {}).get(user, 0) > int(exported):
                raise Refused(f"the grade of {user!r} changed in Moodle after the export")
        result.grades[user] = _number(row[item_at])
        if feedback_at is not None:
            result.feedback[user] = row[feedback_at]
    return result


@dataclass
class WorksheetImport:
    grades: dict  # participant number -> grade recorded
    feedback: dict  # participant number -> comment recorded
    skipped: dict  # participant number -> why


def worksheet_import(data, lang, participants, max_grade, moodle_grades=None, moodle_modified=None, parse_date=None):
    """What Moodle's worksheet upload records (``participants``: the assignment's participant numbers)."""
    rows = rows_of(data)
    strings = MOODLE[lang]
    header = rows[0]
    try:
        id_at, grade_at, modified_at = (header.index(strings[k]) for k in ("recordid", "grade", "lastmodifiedgrade"))
    except ValueError:
        raise Refused(f"not a grading worksheet of a {lang} Moodle: {header}") from None
    comments_at = header.index(strings["comments"]) if strings["comments"] in header else None
    result = WorksheetImport({}, {}, {})
    for row in rows[1:]:
        number = row[id_at][len(strings["hiddenuser"]):]
        if number not in participants:
            continue
        modified = (parse_date or (lambda s: 0))(row[modified_at])
        stale = (moodle_modified or {}).get(number, 0) > modified + 60
        grade = _number(row[grade_at])
        if number in (moodle_grades or {}) and grade == moodle_grades[number]:
            why = "unchanged"
        elif grade is None or grade < 0:
            why = "no grade"
        elif stale:
            why = "changed in Moodle since the worksheet was downloaded"
        elif grade > max_grade:
            why = "out of range"
        else:
            why = None
            result.grades[number] = grade
        if why:
            result.skipped[number] = why
        if comments_at is not None and not stale:
            result.feedback[number] = row[comments_at]
    return result
