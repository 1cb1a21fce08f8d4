"""The LMS's roster (``--roster``): read, checked, and matched with the gradebook's students.

:func:`read_roster` reads a CSV exported from the LMS (a Canvas gradebook
export, a Moodle grade export or offline grading worksheet, any class list):
UTF-8 with or without a BOM, comma or semicolon (Excel's French CSV). Each
column is given a role by its header, in English or French (:data:`ROLES`);
rows that name no student (Canvas's « Points Possible » row, a blank line)
are set aside and listed. It refuses, with a French :class:`RosterError`:
a file that is not UTF-8, a roster with no column that can name a student,
and two rows sharing an id, a login or an email.

:func:`match` pairs each student of the gradebook with one row, by
strategy, strongest first (:data:`STRATEGIES`): the id (``SIS User ID``,
``ID number``… equal to the nbgrader id, or Canvas's ``ID`` equal to the
student's ``lms_user_id``), the login (``SIS Login ID``, ``Username``), the
email (the same address, or a local part equal to the id), then the name,
normalised (accents, case, punctuation and word order ignored). At each
strategy, a student with one candidate row that no other student claims is
matched and the row is taken; a student with several candidates, or whose
row another student claims, is ambiguous and tried no further. What is left
is listed: students without a row, ambiguous ones with their candidate
lines, and roster rows without a student.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from ...nbgrader_plugin import student_ids

__all__ = ["ROLES", "STRATEGIES", "RosterError", "Roster", "Matching", "read_roster", "match", "normal_name", "header_key"]

MAX_ROSTER_BYTES = 32 << 20
# Header (casefolded, spaces collapsed) -> role, as Canvas, Moodle (English and French) and spreadsheets name them.
ROLES = {
    "id": ("sis user id", "id number", "idnumber", "numéro d'identification", "numéro d’identification",
           "numero d'identification", "student id", "student_id", "matricule", "numéro d'étudiant", "numéro étudiant"),
    "canvas_id": ("id",),
    "login": ("sis login id", "username", "nom d'utilisateur", "nom d’utilisateur", "login"),
    "email": ("email", "email address", "e-mail", "adresse de courriel", "adresse courriel", "courriel",
              "adresse électronique", "adresse mail"),
    "name": ("student", "full name", "nom complet", "étudiant", "élève"),
    "first": ("first name", "prénom", "prenom", "given name"),
    "last": ("last name", "surname", "nom", "nom de famille", "family name"),
    "section": ("section", "groupe", "group"),
}
STRATEGIES = ("id", "login", "email", "name")
STRATEGY_FR = {"id": "identifiant", "login": "login", "email": "adresse électronique", "name": "nom"}
_IDENTIFYING = ("id", "canvas_id", "login", "email", "name", "first", "last")
_POINTS_POSSIBLE = "points possible"


class RosterError(ValueError):
    """The roster cannot be used as it is (French message); nothing is written."""


def header_key(text):
    return " ".join(unicodedata.normalize("NFC", str(text)).split()).casefold()


def normal_name(*parts):
    """The words of a name, without accents, case or punctuation, in sorted order (word order ignored)."""
    text = unicodedata.normalize("NFKD", " ".join(p for p in parts if p))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return tuple(sorted(re.sub(r"[\W_]+", " ", text).split()))


@dataclass
class Roster:
    name: str
    header: list
    rows: list  # data rows, padded to the header's width
    lines: list  # the file's line number of each row
    roles: dict  # role -> column index
    skipped: list = field(default_factory=list)  # (line, why): rows that name no student

    def cell(self, index, role):
        column = self.roles.get(role)
        return self.rows[index][column].strip() if column is not None else ""

    def name_of(self, index):
        if "name" in self.roles:
            return normal_name(self.cell(index, "name"))
        return normal_name(self.cell(index, "first"), self.cell(index, "last"))

    def shown(self, index):
        """The row as the instructor knows it: its line and what names the student."""
        bits = [self.cell(index, r) for r in ("name", "first", "last", "email", "login", "id") if self.cell(index, r)]
        return f"ligne {self.lines[index]} ({', '.join(student_ids.shown(b) for b in bits[:3])})"


def _decode(raw, name):
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RosterError(f"{name} n'est pas en UTF-8 : exportez-le (ou enregistrez-le) en « CSV UTF-8 »") from None


def read_roster(path):
    """The :class:`Roster` of the CSV file ``path`` (RosterError if it cannot be used)."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_ROSTER_BYTES + 1)
    except OSError as exc:
        raise RosterError(f"roster {path} illisible : {exc.strerror or exc}") from None
    if len(raw) > MAX_ROSTER_BYTES:
        raise RosterError(f"roster {path.name} : plus de {MAX_ROSTER_BYTES >> 20} Mio")
    return parse_roster(_decode(raw, path.name), path.name)


def parse_roster(text, name="roster"):
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        records = [(reader.line_num, row) for row in reader]
    except csv.Error as exc:
        raise RosterError(f"{name} n'est pas un CSV lisible : {exc}") from None
    if not records:
        raise RosterError(f"{name} est vide")
    header = [unicodedata.normalize("NFC", h).strip() for h in records[0][1]]
    roles = {}
    for index, title in enumerate(header):
        for role, names in ROLES.items():
            if header_key(title) in names and role not in roles:
                roles[role] = index
    if "first" in roles and "last" not in roles:
        del roles["first"]
    if not any(role in roles for role in _IDENTIFYING):
        raise RosterError(
            f"{name} : aucune colonne ne permet de reconnaître un élève (en-têtes : "
            f"{', '.join('« ' + student_ids.shown(h) + ' »' for h in header) or 'aucun'}) ; il en faut une parmi "
            "identifiant (SIS User ID, ID number, Numéro d'identification), login (SIS Login ID, Nom d'utilisateur), "
            "adresse électronique (Email address, Adresse de courriel) ou nom (Student, Nom complet, Prénom + Nom)"
        )
    roster = Roster(name, header, [], [], roles)
    width = len(header)
    for line, row in records[1:]:
        row = [unicodedata.normalize("NFC", c) for c in row] + [""] * max(0, width - len(row))
        identifying = [row[roles[r]].strip() for r in _IDENTIFYING if r in roles]
        if roles.get("name") is not None and header_key(row[roles["name"]]) == _POINTS_POSSIBLE:
            roster.skipped.append((line, "ligne « Points Possible » de Canvas"))
            continue
        if not any(identifying):
            if any(c.strip() for c in row):
                roster.skipped.append((line, "aucun identifiant ni nom"))
            continue
        roster.rows.append(row)
        roster.lines.append(line)
    _refuse_duplicates(roster)
    return roster


def _refuse_duplicates(roster):
    for role in ("id", "canvas_id", "login", "email"):
        seen = {}
        for index in range(len(roster.rows)):
            value = roster.cell(index, role)
            key = value.casefold() if role == "email" else value
            if not key:
                continue
            if key in seen:
                raise RosterError(
                    f"{roster.name} : élève en double, « {student_ids.shown(value)} » ({roster.header[roster.roles[role]]}) "
                    f"aux lignes {roster.lines[seen[key]]} et {roster.lines[index]} ; une ligne par élève"
                )
            seen[key] = index


@dataclass
class Matching:
    pairs: dict = field(default_factory=dict)  # student id -> roster row index
    how: dict = field(default_factory=dict)  # student id -> strategy that matched it
    unmatched: list = field(default_factory=list)  # student ids without a row
    ambiguous: dict = field(default_factory=dict)  # student id -> (strategy, [row indices])
    roster_only: list = field(default_factory=list)  # row indices without a student

    @property
    def resolved(self):
        return not self.unmatched and not self.ambiguous


def _keys(roster, index, strategy):
    """What row ``index`` offers to ``strategy``."""
    if strategy == "id":
        return {("id", roster.cell(index, "id")), ("lms", roster.cell(index, "canvas_id"))}
    if strategy == "login":
        return {("login", roster.cell(index, "login"))}
    if strategy == "email":
        email = roster.cell(index, "email").casefold()
        return {("email", email), ("local", email.partition("@")[0])} if "@" in email else set()
    return {("name", roster.name_of(index))}


def _wants(student, strategy):
    """What ``student`` (a StudentRow) looks for under ``strategy``."""
    if strategy == "id":
        return {("id", student.id)} | ({("lms", student.lms_user_id)} if student.lms_user_id else set())
    if strategy == "login":
        return {("login", student.id)}
    if strategy == "email":
        wanted = {("local", student.id.casefold())}
        return wanted | ({("email", student.email.strip().casefold())} if student.email else set())
    name = normal_name(student.first_name, student.last_name)
    return {("name", name)} if student.first_name or student.last_name else set()


def match(students, roster):
    """The :class:`Matching` of ``students`` (StudentRow) with the rows of ``roster``."""
    result = Matching()
    free = set(range(len(roster.rows)))
    todo = list(students)
    for strategy in STRATEGIES:
        offers = {}
        for index in free:
            for key in _keys(roster, index, strategy):
                if key[1]:
                    offers.setdefault(key, set()).add(index)
        candidates = {}
        for student in todo:
            rows = set()
            for key in _wants(student, strategy):
                rows |= offers.get(key, set())
            if rows:
                candidates[student.id] = rows
        claims = {}
        for sid, rows in candidates.items():
            for index in rows:
                claims.setdefault(index, set()).add(sid)
        for sid, rows in candidates.items():
            if len(rows) == 1 and len(claims[next(iter(rows))]) == 1:
                result.pairs[sid] = next(iter(rows))
                result.how[sid] = strategy
            else:
                result.ambiguous[sid] = (strategy, sorted(rows))
        taken = {i for rows in candidates.values() for i in rows}
        free -= taken
        todo = [s for s in todo if s.id not in candidates]
    result.unmatched = [s.id for s in todo]
    result.roster_only = sorted(free)  # rows an ambiguous student claimed were taken out of play
    return result
