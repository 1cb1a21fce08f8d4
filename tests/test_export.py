"""``python -m grading_tests.course export``: each file read back as its LMS reads it, on SQLite and PostgreSQL.

A class is built in a real nbgrader gradebook (``export_class``): students on
time, within the grace period, late by 1 hour, 25 hours, 6 days (past the
cap) and 8 days (past the hard deadline), one who handed nothing in, and
students whose ids and names hold commas, quotes, a newline, accents and a
formula. Each export is parsed by the LMS's rules, written from its
documentation (``lms_formats``, which cites the pages), and compared with the
gradebook: the raw score summed from its grade rows, the penalty worked out
here by hand (10 % of each notebook's score per started day, at most 50 %,
zero past 7 days). The same class on a throwaway PostgreSQL server gives the
same files, byte for byte.
"""

import datetime

import pytest

import export_class as ec
import lms_formats as lms
from grading_tests.course.export import ExportError, export_grades
from grading_tests.course.handins import ASSIGNMENT
from test_postgres_gradebook import pg  # noqa: F401  (the module's throwaway PostgreSQL server)

NOW = 1_800_000_000  # the export's clock, fixed so that two exports can be compared byte for byte
D = datetime.timedelta
PUPILS = [
    ec.Pupil("ontime", "Camille", "Correcte", "camille@univ.fr", seed=1),
    ec.Pupil("grace", "Gaël", "Grâce", late=D(minutes=10), seed=2),
    ec.Pupil("heure", "Hélène", "Heure", late=D(hours=1), seed=3),
    ec.Pupil("jour", "Julien", "Jour", late=D(hours=25), seed=4),
    ec.Pupil("cap", "Cécile", "Plafond", late=D(days=6), seed=5),
    ec.Pupil("zero", "Zoltan", "Zéro", late=D(days=8), seed=6),
    ec.Pupil("absent", "Aline", "Absente", late=None),
    ec.Pupil('Dupont, "Jo"', 'Jo "le rapide"', "Dupont, de la Tour", seed=7),
    ec.Pupil("=1+1", "Zoé\nsur deux lignes", "=SOMME(A1:A9)", seed=8),
    ec.Pupil("--help", "Ève", "Ørsted", seed=9),
    ec.Pupil("élève", "ÉLÈVE", "Accentuée", seed=10, pending=True),
    ec.Pupil("O'Brien", "Seán", "O'Brien", seed=11),
]
# Share of the score lost, by hand: 10 minutes is within the grace, 1 hour one started day,
# 25 hours two, 6 days would be 60 % (the cap is 50 %), 8 days is past the hard deadline.
LOST = {"heure": 0.10, "jour": 0.20, "cap": 0.50, "zero": 1.0}


def expected(url, pupil):
    """(raw, penalty, total) of ``pupil`` from the gradebook's grade rows and the rule above."""
    if pupil.late is None:
        return 0.0, 0.0, 0.0
    scores = ec.notebook_scores(url, pupil.id)
    share = LOST.get(pupil.id, 0.0)
    penalty = sum(s if share == 1 else round(s * share, 2) for s in scores.values())
    raw = sum(scores.values())
    return raw, penalty, max(0.0, raw - penalty)


def max_points():
    return sum(points for cells in ec.release_cells().values() for _, points, _ in cells)


@pytest.fixture(scope="module")
def lite(tmp_path_factory):
    root = ec.course_root(tmp_path_factory.mktemp("lite"))
    url = f"sqlite:///{root / 'gradebook.db'}"
    ec.build(url, PUPILS)
    return root, url


def export(root, url, fmt, **kwargs):
    out = export_grades(root, ASSIGNMENT, fmt, db_url=url, now=NOW, out=root / "exports" / f"{fmt}.csv", **kwargs)
    return out.read_bytes()


def test_the_class_spreads_over_every_case(lite):
    root, url = lite
    totals = {p.id: expected(url, p) for p in PUPILS}
    assert all(totals[p][1] > 0 for p in LOST) and totals["zero"][2] == 0  # points to lose, and lost
    assert len({round(t[0], 2) for t in totals.values()}) > 6


def check_canvas(data, url):
    """The Canvas file as Canvas reads it, against the gradebook."""
    read = lms.canvas_import(data)
    assert read.assignments == [ASSIGNMENT] and read.points == {ASSIGNMENT: max_points()}
    assert len(read.grades) == len(PUPILS)  # one row each: no name or id broke one
    for pupil in PUPILS:
        key = ("", pupil.id, "")  # the nbgrader id goes in SIS User ID, exactly as it is
        assert read.grades[key][ASSIGNMENT] == pytest.approx(round(expected(url, pupil)[2], 2), abs=1e-9), pupil.id
    return read


def test_canvas(lite):
    root, url = lite
    data = export(root, url, "canvas")
    read = check_canvas(data, url)
    # names as Canvas writes them, « Last, First », commas, quotes and a newline kept in one cell;
    # a name a spreadsheet would run as a formula starts with a quote
    assert read.names[("", 'Dupont, "Jo"', "")] == 'Dupont, de la Tour, Jo "le rapide"'
    assert read.names[("", "=1+1", "")] == "'=SOMME(A1:A9), Zoé\nsur deux lignes"
    assert read.names[("", "élève", "")] == "Accentuée, ÉLÈVE"
    assert data.startswith(b"Student,ID,SIS User ID,SIS Login ID,Section,") and b"\r\n" in data


def test_canvas_detail_columns_only_with_the_flag(lite):
    root, url = lite
    read = lms.canvas_import(export(root, url, "canvas", detail=True, bom=True))
    answers = [g for cells in ec.release_cells().values() for g, _, t in cells if t == "markdown"]
    expected_columns = []  # each notebook's written answers, in the notebook's order, then the notebook
    for notebook, cells in ec.release_cells().items():
        expected_columns += [f"{ASSIGNMENT} : {g}" for g, _, t in cells if t == "markdown"] + [f"{ASSIGNMENT} : {notebook}"]
    assert read.assignments == [ASSIGNMENT] + expected_columns and len(answers) == 6
    scores = ec.notebook_scores(url, "jour")
    for notebook, score in scores.items():  # each notebook net of its own penalty
        assert read.grades[("", "jour", "")][f"{ASSIGNMENT} : {notebook}"] == pytest.approx(score - round(score * 0.2, 2))
    assert read.points[f"{ASSIGNMENT} : q_xor"] == 2


def check_moodle(data, url, lang="fr"):
    item, feedback = ASSIGNMENT, {"fr": f"Feedback : {ASSIGNMENT}", "en": f"Feedback: {ASSIGNMENT}"}[lang]
    user = {"fr": "Nom d'utilisateur", "en": "Username"}[lang]
    header = lms.rows_of(data)[0]
    assert header.index(lms.MOODLE[lang]["timeexported"]) > 0  # Moodle looks for it past the first column only
    read = lms.moodle_import(data, user, item, feedback, lang, users={p.id for p in PUPILS}, now=NOW)
    for pupil in PUPILS:
        assert read.grades[pupil.id] == pytest.approx(round(expected(url, pupil)[2], 2), abs=1e-9), pupil.id
    return read


def test_moodle(lite):
    root, url = lite
    read = check_moodle(export(root, url, "moodle"), url)
    assert read.feedback["jour"].startswith("Note : ") and "rendu 1 j 1 h après la date limite (14/03/2025 19:00) : −20 %" in read.feedback["jour"]
    assert read.feedback["absent"].startswith("Aucun rendu") and "\n" not in "".join(read.feedback.values())
    assert "6 réponse(s) rédigée(s) en attente de correction" in read.feedback["élève"]
    check_moodle(export(root, url, "moodle", moodle_lang="en"), url, lang="en")
    # a grade changed in Moodle after the file was written: Moodle refuses it (Force import off)
    with pytest.raises(lms.Refused, match="changed in Moodle after the export"):
        lms.moodle_import(export(root, url, "moodle"), "Nom d'utilisateur", ASSIGNMENT, now=NOW + 60, modified={"ontime": NOW + 30})


def test_moodle_by_email_lists_who_has_no_address(lite):
    root, url = lite
    with pytest.raises(ExportError) as caught:
        export(root, url, "moodle", moodle_user="email")
    assert "pas d'adresse électronique dans le carnet de notes : « grace »" in str(caught.value)
    assert "Rien n'a été écrit" in str(caught.value)
    read = lms.moodle_import(export(root, url, "moodle", moodle_user="email", allow_unmatched=True),
                             "Adresse de courriel", ASSIGNMENT, now=NOW)
    assert list(read.grades) == ["camille@univ.fr"]


def test_the_course_table(lite):
    root, url = lite
    rows = lms.rows_of(export(root, url, "csv"))
    header, body = rows[0], {r[0]: dict(zip(rows[0], r)) for r in rows[1:]}
    assert len(rows) == 1 + len(PUPILS) and set(body) == {p.id for p in PUPILS}
    functions = [g[len("test_"):] for cells in ec.release_cells().values() for g, _, t in cells if t == "code"]
    assert set(functions) <= set(header) and {"q_xor", "06_1_perceptron", "late_penalty", "score"} <= set(header)
    from nbgrader.api import Gradebook

    with Gradebook(url, ec.COURSE_ID) as gb:
        for pupil in (p for p in PUPILS if p.late is not None):
            for notebook in gb.find_submission(ASSIGNMENT, pupil.id).notebooks:
                for grade in notebook.grades:
                    label = grade.name[len("test_"):] if grade.name.startswith("test_") else grade.name
                    assert float(body[pupil.id][label]) == pytest.approx(grade.score), (pupil.id, label)
    for pupil in PUPILS:
        raw, penalty, total = expected(url, pupil)
        row = body[pupil.id]
        assert (float(row["raw_score"]), float(row["late_penalty"]), float(row["score"])) == pytest.approx((raw, penalty, total))
    assert body["jour"]["late_hours"] == "25" and body["absent"]["submitted"] == "no"
    assert body["=1+1"]["last_name"] == "'=SOMME(A1:A9)" and body["=1+1"]["first_name"] == "Zoé\nsur deux lignes"


def test_the_same_files_from_postgres(lite, pg, tmp_path):  # noqa: F811
    root, lite_url = lite
    url = pg.create_database("export_class")
    ec.build(url, PUPILS)
    for fmt in ("canvas", "moodle", "csv"):
        from_pg = export(root, url, fmt)
        assert from_pg == export(root, lite_url, fmt), fmt
    check_canvas(export(root, url, "canvas"), url)
    check_moodle(export(root, url, "moodle"), url)
    from nbgrader.api import Gradebook

    with Gradebook(url, ec.COURSE_ID) as gb:  # the export stored the penalties of now
        stored = gb.find_submission(ASSIGNMENT, "jour").late_submission_penalty
    assert stored == pytest.approx(expected(url, PUPILS[3])[1])
