"""The four export formats, as rows of text cells (:func:`render`), and the one-line French summary.

- ``canvas``: Canvas's gradebook import CSV: ``Student, ID, SIS User ID,
  SIS Login ID, Section``, one column for the assignment (``--item``; with a
  Canvas roster, its existing ``Name (id)`` column), a « Points Possible »
  row under the header; with ``detail``, one more column per notebook and
  per written answer (each becomes a Canvas assignment).
- ``moodle``: Moodle's gradebook CSV import: one user column (email,
  idnumber or username: ``moodle_user``), the grade, a feedback column with
  the French summary, and Moodle's « time exported » column (its translated
  header, never first), whose date makes Moodle refuse the file if a grade
  changed in Moodle since: the roster's own when it is a Moodle export,
  else the time of the export.
- ``moodle-worksheet``: the offline grading worksheet the instructor
  downloaded (the roster), every column and row kept, the grade (and the
  feedback comments column, if any) filled in for each matched student;
  Moodle finds its columns by their translated names (« Identifiant »,
  « Note », « Dernière modification (note) »), and that last date, kept as
  downloaded, makes Moodle skip a grade changed in Moodle since.
- ``csv``: the course's own table: one row per student, one column per
  function, written answer and notebook, then the lateness, raw score,
  late penalty, total and maximum.

Every number is in points (``.`` decimal), rounded to the hundredth; the LMS
formats scale them with ``out_of``. Cells of free text (names, the summary)
that a spreadsheet would take for a formula get a leading ``'``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...nbgrader_plugin.late_policy import format_date
from .roster import header_key

__all__ = ["FORMATS", "LMS_FORMATS", "CANVAS_COLUMNS", "MOODLE", "Options", "FormatError", "render", "points",
           "summary", "moodle_column", "worksheet_columns"]

FORMATS = ("canvas", "moodle", "moodle-worksheet", "csv")
LMS_FORMATS = ("canvas", "moodle", "moodle-worksheet")
CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
_CANVAS_ROLE = {"ID": "canvas_id", "SIS User ID": "id", "SIS Login ID": "login", "Section": "section"}
# Moodle's strings, as its language packs translate them (gradeexport_txt, assign, assignfeedback_comments).
MOODLE = {
    "fr": {"timeexported": "Dernier téléchargement depuis ce cours", "email": "Adresse de courriel",
           "idnumber": "Numéro d'identification", "username": "Nom d'utilisateur", "feedback": "Feedback : {item}",
           "recordid": "Identifiant", "grade": "Note", "lastmodifiedgrade": "Dernière modification (note)",
           "comments": "Feedback par commentaires", "maxgrade": "Note maximale"},
    "en": {"timeexported": "Last downloaded from this course", "email": "Email address", "idnumber": "ID number",
           "username": "Username", "feedback": "Feedback: {item}", "recordid": "Identifier", "grade": "Grade",
           "lastmodifiedgrade": "Last modified (grade)", "comments": "Feedback comments", "maxgrade": "Maximum grade"},
}
MOODLE_USER_ROLE = {"email": "email", "idnumber": "id", "username": "login"}
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


class FormatError(ValueError):
    """The format cannot be written from this roster or these options (French message)."""


@dataclass
class Options:
    item: str
    detail: bool = False
    moodle_user: str = "username"
    moodle_lang: str = "fr"
    out_of: float | None = None
    now: int = 0  # Unix time of the export


def points(value):
    """Points as text: ``35.5``, ``28.4``, ``0``."""
    text = f"{round(float(value), 2):.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _fr(value):
    return points(value).replace(".", ",")


def text_cell(value):
    """Free text as a cell no spreadsheet runs as a formula."""
    value = "" if value is None else str(value)
    return "'" + value if value.startswith(_FORMULA) else value


def summary(row, table, scale=1.0):
    """One line of French on ``row``'s grade, for the LMS's feedback column."""
    out_of = _fr(table.max_score * scale)
    if not row.submitted:
        return f"Aucun rendu : 0/{out_of}."
    text = f"Note : {_fr(row.total * scale)}/{out_of}."
    if row.late is not None and row.late.lateness.late:
        text += f" Avant pénalité : {_fr(row.raw * scale)} ; {row.late.message}."
    if row.pending:
        text += f" {row.pending} réponse(s) rédigée(s) en attente de correction."
    return " ".join(text.split())


def _scale(table, options):
    if options.out_of is None or table.max_score <= 0:
        return 1.0
    return options.out_of / table.max_score


def _canvas_item(table, roster, options):
    """The assignment's column: the roster's ``<item> (<id>)`` column when there is one."""
    if roster is not None:
        for title in roster.header:
            base, _, rest = title.rpartition(" (")
            if title == options.item or (base == options.item and rest.endswith(")") and rest[:-1].isdigit()):
                return title
    return options.item


def _canvas(table, students, roster, matching, options):
    scale = _scale(table, options)
    detail = [c for c in table.columns if c.kind in ("notebook", "answer")] if options.detail else []
    header = [*CANVAS_COLUMNS, _canvas_item(table, roster, options), *(f"{options.item} : {c.label}" for c in detail)]
    rows = [header, ["Points Possible", "", "", "", "", points(table.max_score * scale),
                     *(points(c.max_score * scale) for c in detail)]]
    for student in students:
        index = matching.pairs.get(student.id) if matching else None
        if index is None:
            names = ", ".join(p for p in (student.last_name, student.first_name) if p) or student.id
            ids = ["", student.id, "", ""]
        else:
            names = roster.cell(index, "name") or ", ".join(
                p for p in (roster.cell(index, "last"), roster.cell(index, "first")) if p)
            ids = [roster.cell(index, _CANVAS_ROLE[c]) for c in CANVAS_COLUMNS[1:]]  # Canvas matches on these
        cells = []
        for column in detail:
            got = student.scores[column.key] - (student.penalties.get(column.key, 0.0) if column.kind == "notebook" else 0.0)
            cells.append(points(max(0.0, got) * scale))
        rows.append([text_cell(names), *ids[:3], text_cell(ids[3]), points(student.total * scale), *cells])
    return rows


def moodle_column(roster, key):
    """(index, header) of the roster's column whose header is Moodle's ``key`` in French or English."""
    if roster is None:
        return None, None
    wanted = {header_key(MOODLE[lang][key]) for lang in MOODLE}
    for index, title in enumerate(roster.header):
        if header_key(title) in wanted:
            return index, title
    return None, None


def _moodle(table, students, roster, matching, options):
    scale = _scale(table, options)
    strings = MOODLE[options.moodle_lang]
    role = MOODLE_USER_ROLE[options.moodle_user]
    user_header = roster.header[roster.roles[role]] if roster is not None and role in roster.roles else strings[options.moodle_user]
    time_index, time_header = moodle_column(roster, "timeexported")
    header = [user_header, options.item, strings["feedback"].format(item=options.item), time_header or strings["timeexported"]]
    rows = [header]
    for student in students:
        index = matching.pairs.get(student.id) if matching else None
        if index is not None:
            user = roster.cell(index, role)
            exported = roster.rows[index][time_index].strip() if time_index is not None else ""
        else:
            user = (student.email or "") if options.moodle_user == "email" else student.id
            exported = ""
        rows.append([user, points(student.total * scale), text_cell(summary(student, table, scale)), exported or str(options.now)])
    return rows


def worksheet_columns(roster):
    """{key: index} of the worksheet's columns Moodle reads; FormatError when one it needs is missing."""
    found = {key: moodle_column(roster, key)[0] for key in ("recordid", "grade", "lastmodifiedgrade", "comments", "maxgrade")}
    missing = [key for key in ("recordid", "grade", "lastmodifiedgrade") if found[key] is None]
    if missing:
        names = " ; ".join(f"« {MOODLE['fr'][k]} » (« {MOODLE['en'][k]} »)" for k in missing)
        raise FormatError(f"{roster.name} n'est pas une feuille d'évaluation hors ligne de Moodle : il y manque {names}")
    return found


def _decimal(text):
    try:
        return float(text.strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace(",", "."))
    except ValueError:
        return None


def _worksheet(table, students, roster, matching, options):
    if roster is None:
        raise FormatError("le format moodle-worksheet part de la feuille d'évaluation téléchargée de Moodle : donnez-la avec --roster")
    columns = worksheet_columns(roster)
    out_of = options.out_of if options.out_of is not None else table.max_score
    if columns["maxgrade"] is not None:
        maxima = {_decimal(row[columns["maxgrade"]]) for row in roster.rows} - {None}
        if maxima and any(abs(m - out_of) > 1e-9 for m in maxima):
            raise FormatError(
                f"le devoir Moodle est noté sur {', '.join(_fr(m) for m in sorted(maxima))} et l'export sur {_fr(out_of)} : "
                f"Moodle ignorerait toute note au-dessus ; relancez avec --out-of {points(max(maxima))}"
            )
    scale = _scale(table, options)
    rows = [list(roster.header)]
    by_row = {index: sid for sid, index in (matching.pairs.items() if matching else [])}
    students = {s.id: s for s in students}
    for index, row in enumerate(roster.rows):
        row = list(row)
        student = students.get(by_row.get(index))
        if student is not None:
            row[columns["grade"]] = points(student.total * scale)
            if columns["comments"] is not None:
                row[columns["comments"]] = text_cell(summary(student, table, scale))
        rows.append(row)
    return rows


def _csv(table, students, roster, matching, options):
    graded = list(table.columns)
    labels = [c.label for c in graded]
    if len(set(labels)) != len(labels):
        labels = [c.key for c in graded]
    header = ["student_id", "last_name", "first_name", "email", "submitted", "timestamp_utc", "deadline_utc",
              "late_hours", *labels, "raw_score", "late_penalty", "score", "max_score", "manual_pending"]
    rows = [header]
    for student in students:
        late = student.late
        deadline = late.deadline if late is not None else table.duedate
        rows.append([
            student.id, text_cell(student.last_name), text_cell(student.first_name), text_cell(student.email),
            "yes" if student.submitted else "no",
            student.timestamp.isoformat(sep=" ") if student.timestamp else "",
            deadline.isoformat(sep=" ") if deadline else "",
            points(late.lateness.seconds / 3600) if late is not None else "0",
            *(points(student.scores[c.key]) for c in graded),
            points(student.raw), points(student.penalty), points(student.total), points(table.max_score), str(student.pending),
        ])
    return rows


_RENDER = {"canvas": _canvas, "moodle": _moodle, "moodle-worksheet": _worksheet, "csv": _csv}


def render(fmt, table, students, roster, matching, options):
    """The rows (lists of text cells) of format ``fmt`` for ``students`` (StudentRow, in order)."""
    return _RENDER[fmt](table, students, roster, matching, options)


def deadline_note(table, timezone):
    """A line on the assignment's due date, for the export's report."""
    if table.duedate is None:
        return "pas de date limite dans le carnet de notes : personne n'est en retard"
    return f"date limite du devoir : {format_date(table.duedate, timezone)} ({timezone})"
