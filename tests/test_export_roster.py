"""The export with the LMS's roster: matching, Moodle's stale-export protections, and bad input.

A small class in a real nbgrader gradebook (``export_class``) is exported
with rosters as Canvas and Moodle export them. Students are found by id,
login, email and name, in that order; unmatched and ambiguous ones stop the
export, which then writes nothing: no file, and the gradebook as it was (its
stored penalties are stale on purpose, so that any write would show). The
files are read back by the LMS's rules (``lms_formats``).
"""

import datetime
import io
import subprocess
import sys

import pytest

import export_class as ec
import lms_formats as lms
from grading_tests.course import nbgrader_env
from grading_tests.course.export import ExportError, export_grades
from grading_tests.course.export.roster import match, parse_roster
from grading_tests.course.handins import ASSIGNMENT

NOW = 1_800_000_000
PUPILS = [
    ec.Pupil("ontime", "Camille", "Correcte", "camille@univ.fr", seed=1),
    ec.Pupil("ggrace", "Gaël", "Grâce", seed=2),
    ec.Pupil("hheure", "Hélène", "Heure", seed=3),
    ec.Pupil("jj42", "Julien", "Jour", late=datetime.timedelta(hours=25), seed=4),
    ec.Pupil("c.plafond", "Cécile", "Plafond", lms="777", seed=5),
    ec.Pupil("mm1", "Marie", "Martin", seed=6),
    ec.Pupil("zz", "Zed", "Zorro", seed=7),
]
CANVAS_ROSTER = """Student,ID,SIS User ID,SIS Login ID,Section,06_reseaux_de_neurones (4242),Current Score
    Points Possible,,,,,51,(read only)
"Student, Test",999,,,Groupe A,,
"Correcte, Camille",101,ontime,,Groupe A,,
"Grâce, Gaël",102,20250002,ggrace,Groupe A,,
"Heure, Hélène",103,,,Groupe B,,
"JOUR, julien",104,,,Groupe B,,
"Plafond, Cécile",777,,,Groupe B,,
"Martin, Marie",105,,,Groupe A,,
"Martin, Marie",106,,,Groupe B,,
"Autre, Personne",107,99999999,,Groupe B,,
"""
# Canvas gives no email in its gradebook export; a class list from elsewhere does.
EMAILS = {"103": "HHeure@Univ.fr"}


def canvas_roster(tmp_path, text=CANVAS_ROSTER):
    rows = list(lms.rows_of(text.encode()))
    rows[0].append("Email")
    for row in rows[1:]:
        row.append(EMAILS.get(row[1], ""))
    path = tmp_path / "roster.csv"
    buffer = io.StringIO()
    import csv

    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


@pytest.fixture
def course(tmp_path):
    root = ec.course_root(tmp_path)
    url = f"sqlite:///{root / 'gradebook.db'}"
    ec.build(url, PUPILS)
    return root, url


def stored(url):
    """What the gradebook holds of lateness: each notebook's penalty, each submission's extension."""
    from nbgrader.api import Gradebook

    with Gradebook(url, ec.COURSE_ID) as gb:
        return {(s.student_id, nb.name): (nb.late_submission_penalty, s.extension)
                for s in gb.find_assignment(ASSIGNMENT).submissions for nb in s.notebooks}


def run(root, url, fmt, **kwargs):
    err = io.StringIO()
    out = export_grades(root, ASSIGNMENT, fmt, db_url=url, now=NOW, err=err, **kwargs)
    return out.read_bytes(), err.getvalue()


def test_each_student_is_found_by_the_strongest_key_the_roster_has(course, tmp_path):
    from nbgrader.api import Gradebook

    from grading_tests.course.export.table import read_class
    from grading_tests.nbgrader_plugin.late_policy import LatePolicy

    roster = parse_roster(canvas_roster(tmp_path).read_text(encoding="utf-8"), "roster.csv")
    assert [why for _, why in roster.skipped] == ["ligne « Points Possible » de Canvas"]
    with Gradebook(course[1], ec.COURSE_ID) as gb:
        table = read_class(gb, ASSIGNMENT, LatePolicy(), {})
    found = match(table.rows, roster)
    assert found.how == {"ontime": "id", "ggrace": "login", "hheure": "email", "jj42": "name", "c.plafond": "id"}
    assert {sid: roster.lines[i] for sid, i in found.pairs.items()} == {"ontime": 4, "ggrace": 5, "hheure": 6, "jj42": 7, "c.plafond": 8}
    assert found.ambiguous == {"mm1": ("name", [6, 7])} and found.unmatched == ["zz"]
    assert [roster.lines[i] for i in found.roster_only] == [3, 11]  # the test student, someone else
    # two students of one name and one row: both ambiguous, the row given to neither
    twins = [ec.Pupil("a", "Marie", "Martin"), ec.Pupil("b", "marie", "MARTIN")]
    from grading_tests.course.export.table import StudentRow

    found = match([StudentRow(p.id, p.first, p.last) for p in twins], parse_roster("Nom complet\nMarie Martin\n"))
    assert found.pairs == {} and set(found.ambiguous) == {"a", "b"} and found.roster_only == []


def test_unmatched_and_ambiguous_students_stop_the_canvas_export(course, tmp_path):
    root, url = course
    roster = canvas_roster(tmp_path)
    before = stored(url)
    with pytest.raises(ExportError) as caught:
        run(root, url, "canvas", roster=roster)
    message = str(caught.value)
    assert "sans correspondance dans roster.csv : « zz »" in message
    assert "ambigu (nom) : « mm1 » → ligne 9 (Martin, Marie) ; ligne 10 (Martin, Marie)" in message
    assert not (root / "exports").exists() and stored(url) == before
    data, report = run(root, url, "canvas", roster=roster, allow_unmatched=True)
    read = lms.canvas_import(data)
    assert read.assignments == ["06_reseaux_de_neurones (4242)"]  # the roster's own column: Canvas's assignment 4242
    assert set(read.grades) == {("101", "ontime", ""), ("102", "20250002", "ggrace"), ("103", "", ""), ("104", "", ""), ("777", "", "")}
    assert read.names[("104", "", "")] == "JOUR, julien"  # as Canvas knows the student
    jour = ec.notebook_scores(url, "jj42")
    assert read.grades[("104", "", "")]["06_reseaux_de_neurones (4242)"] == pytest.approx(
        round(sum(s - round(s * 0.2, 2) for s in jour.values()), 2))
    assert "laissés de côté (--allow-unmatched) : 2" in report and "« zz »" in report
    assert "lignes de roster.csv sans élève du carnet de notes (2) : ligne 3 (Student, Test) ; ligne 11" in report
    assert stored(url) != before  # the export stored the penalty of now (jj42 is late)


MOODLE_EXPORT = """Prénom,Nom,Numéro d'identification,Institution,Département,Adresse de courriel,Devoir : 06 (Réel),Dernier téléchargement depuis ce cours
Camille,Correcte,ontime,,,camille@univ.fr,-,{t}
Gaël,Grâce,ggrace,,,gael@univ.fr,-,{t}
Hélène,Heure,hheure,,,helene@univ.fr,-,{t}
Julien,Jour,jj42,,,julien@univ.fr,-,{t}
Cécile,Plafond,c.plafond,,,cecile@univ.fr,-,{t}
Marie,Martin,mm1,,,marie@univ.fr,-,{t}
Zed,Zorro,zz,,,zed@univ.fr,-,{t}
"""


def test_moodle_keeps_the_date_the_roster_was_downloaded(course, tmp_path):
    root, url = course
    downloaded = NOW - 86400
    (tmp_path / "notes.csv").write_text(MOODLE_EXPORT.format(t=downloaded), encoding="utf-8")
    data, _ = run(root, url, "moodle", roster=tmp_path / "notes.csv", moodle_user="email")
    header = lms.rows_of(data)[0]
    assert header == ["Adresse de courriel", ASSIGNMENT, f"Feedback : {ASSIGNMENT}", "Dernier téléchargement depuis ce cours"]
    read = lms.moodle_import(data, "Adresse de courriel", ASSIGNMENT, now=NOW)
    assert len(read.grades) == 7 and read.grades["julien@univ.fr"] == pytest.approx(
        round(sum(s - round(s * 0.2, 2) for s in ec.notebook_scores(url, "jj42").values()), 2))
    # a grade changed in Moodle since the roster was downloaded: Moodle refuses the file
    with pytest.raises(lms.Refused, match="changed in Moodle after the export"):
        lms.moodle_import(data, "Adresse de courriel", ASSIGNMENT, now=NOW, modified={"marie@univ.fr": downloaded + 1})
    lms.moodle_import(data, "Adresse de courriel", ASSIGNMENT, now=NOW, modified={"marie@univ.fr": downloaded - 1})
    (tmp_path / "noms.csv").write_text("Nom complet\nCamille Correcte\n", encoding="utf-8")
    with pytest.raises(ExportError, match="noms.csv n'a pas de colonne pour --moodle-user email"):
        run(root, url, "moodle", roster=tmp_path / "noms.csv", moodle_user="email")


WORKSHEET = {
    "fr": ["Identifiant", "Nom complet", "Adresse de courriel", "Statut", "Note", "Note maximale", "La note peut être modifiée",
           "Dernière modification (travail remis)", "Dernière modification (note)", "Feedback par commentaires"],
    "en": ["Identifier", "Full name", "Email address", "Status", "Grade", "Maximum grade", "Grade can be changed",
           "Last modified (submission)", "Last modified (grade)", "Feedback comments"],
}


def worksheet(tmp_path, lang, maximum="51,00"):
    import csv

    people = [("101", "Camille Correcte", "camille@univ.fr"), ("102", "Gaël Grâce", "ggrace@univ.fr"),
              ("103", "Hélène Heure", "hheure@univ.fr"), ("104", "Julien Jour", "jj42@univ.fr"),
              ("105", "Cécile Plafond", "cecile@univ.fr"), ("106", "Marie Martin", "mm1@univ.fr"),
              ("107", "Zed Zorro", "zz@univ.fr"), ("199", "Personne Autre", "autre@univ.fr")]
    prefix = lms.MOODLE[lang]["hiddenuser"]
    rows = [WORKSHEET[lang]] + [
        [f"{prefix}{n}", name, email, "Remis", "", maximum, "Oui", "vendredi 14 mars 2025, 18:00", "-" if n != "102" else "jeudi 13 mars 2025, 09:12", ""]
        for n, name, email in people
    ]
    path = tmp_path / f"feuille_{lang}.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    return path, rows


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_offline_grading_worksheet_comes_back_filled_in(course, tmp_path, lang):
    root, url = course
    path, rows = worksheet(tmp_path, lang)
    data, report = run(root, url, "moodle-worksheet", roster=path)
    back = lms.rows_of(data)
    assert back[0] == rows[0] and len(back) == len(rows)
    modified = WORKSHEET[lang].index(lms.MOODLE[lang]["lastmodifiedgrade"])
    assert [r[modified] for r in back] == [r[modified] for r in rows]  # Moodle's own dates, for its stale check
    participants = {str(n) for n in range(101, 108)} | {"199"}
    read = lms.worksheet_import(data, lang, participants, max_grade=51)
    for number, pupil in zip(range(101, 108), PUPILS):
        raw = sum(ec.notebook_scores(url, pupil.id).values())
        total = raw if pupil.late == datetime.timedelta(0) else sum(s - round(s * 0.2, 2) for s in ec.notebook_scores(url, pupil.id).values())
        assert read.grades[str(number)] == pytest.approx(round(total, 2)), pupil.id
    assert read.skipped == {"199": "no grade"}  # the row without a student is left as it was
    assert read.feedback["104"].startswith("Note : ") and "−20 %" in read.feedback["104"]
    assert "ligne 9 (Personne Autre, autre@univ.fr)" in report


def test_a_worksheet_out_of_another_maximum_needs_out_of(course, tmp_path):
    root, url = course
    path, _ = worksheet(tmp_path, "fr", maximum="20,00")
    with pytest.raises(ExportError, match=r"noté sur 20 et l'export sur 51 .* --out-of 20"):
        run(root, url, "moodle-worksheet", roster=path)
    assert not (root / "exports").exists()
    data, _ = run(root, url, "moodle-worksheet", roster=path, out_of=20)
    read = lms.worksheet_import(data, "fr", {"101"}, max_grade=20)
    assert read.grades["101"] == pytest.approx(round(sum(ec.notebook_scores(url, "ontime").values()) * 20 / 51, 2))


def test_an_extension_granted_after_grading_reaches_every_export(course):
    root, url = course
    data, report = run(root, url, "csv")
    before = {r[0]: dict(zip(lms.rows_of(data)[0], r)) for r in lms.rows_of(data)[1:]}["jj42"]
    assert float(before["late_penalty"]) > 0 and f"pénalité de retard recalculée : « jj42 » 0 -> {before['late_penalty']}" in report
    (root / "extensions.csv").write_text("student,deadline,reason\njj42,2025-03-16 12:00 UTC,malade\n", encoding="utf-8")
    data, report = run(root, url, "csv")
    jour = {r[0]: dict(zip(lms.rows_of(data)[0], r)) for r in lms.rows_of(data)[1:]}["jj42"]
    assert jour["late_penalty"] == "0" and jour["score"] == jour["raw_score"] and jour["deadline_utc"] == "2025-03-16 12:00:00"
    assert f"pénalité de retard recalculée : « jj42 » {before['late_penalty']} -> 0" in report
    # the gradebook too: no penalty, and the extension (2025-03-16 12:00 - 2025-03-14 18:00) mirrored
    assert {v for (s, _), v in stored(url).items() if s == "jj42"} == {(None, datetime.timedelta(hours=42))}


# --- bad input: a clear message, and nothing written ---------------------------------------------


@pytest.mark.parametrize(
    "roster, message",
    [
        ("Couleur,Note préférée\nbleu,12\n", "aucune colonne ne permet de reconnaître un élève (en-têtes : « Couleur », « Note préférée »)"),
        ("Student,SIS User ID\nA,ontime\nB,ontime\n", "élève en double, « ontime » (SIS User ID) aux lignes 2 et 3"),
        ("Nom complet;Adresse de courriel\nA;a@x.fr\nB;A@X.fr\n", "élève en double, « A@X.fr » (Adresse de courriel) aux lignes 2 et 3"),
        (b"Nom complet\nH\xe9l\xe8ne Heure\n", "n'est pas en UTF-8"),
        ("", "est vide"),
    ],
)
def test_a_roster_that_cannot_be_used_writes_nothing(course, tmp_path, roster, message):
    root, url = course
    path = tmp_path / "roster.csv"
    path.write_bytes(roster if isinstance(roster, bytes) else roster.encode())
    before = stored(url)
    for fmt in ("canvas", "moodle"):
        with pytest.raises(ExportError) as caught:
            run(root, url, fmt, roster=path)
        assert message in str(caught.value)
    assert not (root / "exports").exists() and stored(url) == before


def test_an_extension_for_an_unknown_student_writes_nothing(course):
    root, url = course
    (root / "extensions.csv").write_text("student,deadline,reason\njj42,2025-03-16 12:00 UTC,\nfantome,2025-03-16 12:00 UTC,\n", encoding="utf-8")
    before = stored(url)
    with pytest.raises(ExportError, match="extensions.csv, ligne 3 : « fantome » n'est pas un élève du carnet de notes"):
        run(root, url, "canvas")
    assert not (root / "exports").exists() and stored(url) == before


def test_the_wrong_roster_for_a_worksheet_writes_nothing(course, tmp_path):
    root, url = course
    with pytest.raises(ExportError, match="n'est pas une feuille d'évaluation hors ligne de Moodle : il y manque « Identifiant »"):
        run(root, url, "moodle-worksheet", roster=canvas_roster(tmp_path))
    with pytest.raises(ExportError, match="donnez-la avec --roster"):
        run(root, url, "moodle-worksheet")
    assert not (root / "exports").exists()


def test_an_id_outside_the_safe_set_is_listed_never_written(course):
    from nbgrader.api import Gradebook

    root, url = course
    with Gradebook(url, ec.COURSE_ID) as gb:
        gb.add_student("a\x1bb\nc", first_name="Échap")
        gb.add_submission(ASSIGNMENT, "a\x1bb\nc")
    with pytest.raises(ExportError, match=r"identifiant refusé : « a\\x1bb\\x0ac » \(caractère « \\x1b » interdit"):
        run(root, url, "csv")
    data, report = run(root, url, "csv", allow_unmatched=True)
    assert [r[0] for r in lms.rows_of(data)[1:]] == sorted(p.id for p in PUPILS) and "a\\x1bb\\x0ac" in report


def test_an_unknown_format_from_the_command_line(course):
    root, _ = course
    proc = subprocess.run([sys.executable, "-m", "grading_tests.course", "export", ASSIGNMENT, "--format", "xlsx"],
                          cwd=root, env=nbgrader_env(), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2 and proc.stderr.strip() == "export : format inconnu « xlsx » : canvas, moodle, moodle-worksheet ou csv"
    assert not (root / "exports").exists()
