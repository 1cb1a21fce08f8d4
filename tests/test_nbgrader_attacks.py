"""Every attack class, handed in as notebooks and run through ``nbgrader autograde``.

All the attack students are autograded in one nbgrader process, on a copy of
the course, with the course's configuration (trusted grades, confined kernel).
Each must end up in the gradebook with exactly what it honestly earned (see
``nbgrader_attacks/attacks.py``), and the run as a whole must survive them all
with the gradebook intact.
"""

import copy
import hashlib
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from nbgrader import utils

from grading_tests.course.handins import ASSIGNMENT
from grading_tests.runner import registry
from nbgrader_attacks import attacks, harness


SEED = 20250314
# Short enough for two looping attacks, long enough for every honest cell.
CELL_TIMEOUT = 8


@dataclass
class Run:
    root: Path
    layout: attacks.Layout
    students: dict
    code: int
    log: str
    seconds: float
    fingerprint_before: dict
    source_before: str


def _tree_hash(folder):
    digest = hashlib.sha256()
    for path in sorted(Path(folder).rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(folder)).encode() + path.read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = harness.copy_course(tmp_path_factory.mktemp("attaques"))
    harness.gradebook_assignment(root)
    layout = attacks.layout(root / "release" / ASSIGNMENT, root / "source" / ASSIGNMENT)
    students = attacks.build(root, layout)
    before = harness.db_fingerprint(root)
    source_before = _tree_hash(root / "source")
    code, log, seconds = harness.nbgrader(
        root, "autograde", ASSIGNMENT, "--force", f"--Execute.timeout={CELL_TIMEOUT}", f"--TrustedGrades.seed={SEED}", check=False
    )
    return Run(root, layout, students, code, log, seconds, before, source_before)


def _target_nb(run, student):
    return harness.autograded(run.root, student, run.layout.target_nb)


def _cell_with(run, student, needle):
    """The code cell of the target notebook whose source contains needle."""
    for c in _target_nb(run, student).cells:
        if c.cell_type == "code" and needle in c.source:
            return c
    raise KeyError(needle)


# --- the run as a whole ---------------------------------------------------------------


def test_no_attack_stops_the_run(run):
    assert run.code == 0, run.log[-4000:]
    graded = harness.grades(run.root)
    assert set(run.students) <= set(graded), "a student is missing from the gradebook"
    for student in run.students:
        assert (run.root / "autograded" / student / ASSIGNMENT).is_dir(), student


def test_gradebook_is_intact(run):
    assert harness.integrity(run.root) == "ok"
    assert harness.db_fingerprint(run.root) == run.fingerprint_before, "a submission changed the course in the gradebook"
    grades = harness.grades(run.root)
    manual = [(s, n, c) for s, nbs in grades.items() for n, cells in nbs.items() for c, g in cells.items() if g[1] is not None]
    assert manual == [], "a manual score appeared"
    names = {c for nbs in grades.values() for cells in nbs.values() for c in cells}
    assert "test_bonus" not in names
    assert _tree_hash(run.root / "source") == run.source_before, "a submission changed the course's sources"


# --- each attack -------------------------------------------------------------------------


@pytest.mark.parametrize("attack", list(attacks.ATTACKS))
def test_attack_earns_exactly_what_is_honest(run, attack):
    student = f"att_{attack}"
    recorded = harness.grades(run.root)[student]
    for notebook, cells in attacks.expected(run.layout, attack).items():
        for grade_id, score in cells.items():
            auto, manual, needs_manual = recorded[notebook][grade_id]
            assert auto == pytest.approx(score), f"{attack}: {notebook} {grade_id} recorded {auto}, expected {score}"
            assert not needs_manual, f"{attack}: {grade_id} left for manual grading"
    # The written answers, left blank by every attack, score 0 ("no response").
    answers = {k: v for nb in recorded.values() for k, v in nb.items() if k.startswith("q_")}
    assert answers and all(v == (0.0, None, False) for v in answers.values()), answers


def _test_outputs(run, student, function):
    return harness.outputs_text(harness.cell(_target_nb(run, student), f"test_{function}"))


def test_trusted_feedback_replaces_kernel_output(run):
    text = _test_outputs(run, "att_fake_score", run.layout.target)
    assert f"Correction automatique de {run.layout.target} : 0 /" in text
    assert f"{run.layout.target} : 1.0" not in text  # what the edited cell printed
    assert f"graine des entrées aléatoires : {SEED}" in text


def test_dead_kernel_is_replaced_and_grades_land(run):
    answer = _cell_with(run, "att_os_exit", "os._exit(0)")
    assert "NoyauArrete" in harness.outputs_text(answer)
    assert "0 /" not in _test_outputs(run, "att_os_exit", run.layout.honest)


@pytest.mark.parametrize("attack, needle, expected", [
    ("infinite_loop", "while True:\n    pass", "KeyboardInterrupt"),
    ("deaf_loop", "except KeyboardInterrupt", "CellTimeoutError"),
    ("memory_bomb", "bloc.append", "MemoryError"),
])
def test_kernel_limits(run, attack, needle, expected):
    assert expected in harness.outputs_text(_cell_with(run, f"att_{attack}", needle))


def test_deleted_graded_cells_are_put_back(run):
    nb = _target_nb(run, "att_deleted_test_cells")
    release = run.layout.release[run.layout.target_nb]
    notice = nb.cells[0].source  # the staging lists what it put back
    for function in (run.layout.target, run.layout.honest):
        restored = harness.cell(nb, f"test_{function}")
        assert restored.source == harness.cell(release, f"test_{function}").source
        assert f"cellule notée « test_{function} » supprimée : rétablie" in notice
        assert "Correction automatique" in harness.outputs_text(restored)
    # Written answers put back blank: "no response", 0 points, nothing to grade by hand.
    answers = [c for c in nb.cells if c.cell_type == "markdown" and c.metadata.get("nbgrader", {}).get("solution")]
    assert answers
    for c in answers:
        grade_id = c.metadata.nbgrader["grade_id"]
        blank = harness.cell(release, grade_id).source
        assert c.source == harness.written_answer_as_autograded(run.root, run.layout.target_nb, grade_id, blank)
        assert f"cellule notée « {grade_id} » supprimée : rétablie" in notice
    recorded = harness.grades(run.root)["att_deleted_test_cells"][Path(run.layout.target_nb).stem]
    for c in answers:
        assert recorded[c.metadata.nbgrader["grade_id"]] == (0.0, None, False)


def test_edited_test_cells_are_restored(run):
    nb = _target_nb(run, "att_edited_test_cells")
    release = run.layout.release[run.layout.target_nb]
    for function in (run.layout.target, run.layout.honest):
        restored = harness.cell(nb, f"test_{function}")
        assert restored.source == harness.cell(release, f"test_{function}").source
        assert restored.metadata.nbgrader["points"] == registry()[function].points


def test_forged_cells_are_not_graded(run):
    nb = _target_nb(run, "att_forged_grade_cells")
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
    assert ids.count(f"test_{run.layout.target}") == 1
    assert "test_bonus" not in ids


def test_course_packages_stay_out_of_reach(run):
    text = harness.outputs_text(_cell_with(run, "att_import_reference", "from reference_impl import *"))
    assert "import interdit" in text and "Permission denied" in text
    folder = run.root / "autograded" / "att_ships_packages" / ASSIGNMENT
    present = {p.name for p in folder.iterdir()}
    assert not present & {"grading_tests", "reference_impl", "numpy.py", "sitecustomize.py", "aide.so"}, present
    course_tools = run.root / "source" / ASSIGNMENT / "outils_cours.py"
    assert (folder / "outils_cours.py").read_bytes() == course_tools.read_bytes()


@pytest.mark.parametrize("attack", ["gradebook_tamper", "kill_parent"])
def test_kernel_cannot_touch_the_course(run, attack):
    text = harness.outputs_text(_cell_with(run, f"att_{attack}", "refusé"))
    assert "refusé" in text and "écrit" not in text and "tué" not in text, text


@pytest.mark.parametrize("attack", ["invalid_json", "symlink_to_source"])
def test_unreadable_notebook_is_replaced(run, attack):
    nb = _target_nb(run, f"att_{attack}")
    assert "**Correction** : ce notebook" in nb.cells[0].source
    assert "BEGIN SOLUTION" not in nbformat.writes(nb)


def test_warning_on_stderr_costs_nothing(run):
    answer = _cell_with(run, "att_stderr_warning", "np.exp(-np.asarray(z")
    stderr = [o for o in answer.outputs if o.output_type == "stream" and o.name == "stderr"]
    assert stderr and "overflow" in stderr[0].text
    # The same output in a graded cell would score 0 with nbgrader's own rule...
    cell = nbformat.v4.new_code_cell("")
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": "x", "points": 1, "solution": False, "locked": True}
    cell.outputs = answer.outputs
    assert utils.determine_grade(cell)[0] == 0
    # ...here the sigmoid keeps its point (checked in test_attack_earns_exactly_what_is_honest).
    assert f"{run.layout.target} : toutes les vérifications sont passées" in _test_outputs(run, "att_stderr_warning", run.layout.target)


def test_stock_nbgrader_would_have_been_fooled(tmp_path):
    """Why the plug-in exists: nbgrader's own grading, on the untouched release
    (the graded cells rerun the visible checks, so stubs score 0) and on the
    same release with one added cell that replaces the visible checks by
    functions that accept anything (full marks on every function)."""
    root = harness.copy_course(tmp_path)
    stock = root / "nbgrader_config.py"
    stock.write_text(
        stock.read_text(encoding="utf-8").split("# --- autograde")[0]
        + "\nc.Autograde.exporter_class = 'nbconvert.exporters.NotebookExporter'\n",
        encoding="utf-8",
    )
    harness.gradebook_assignment(root)
    L = attacks.layout(root / "release" / ASSIGNMENT, root / "source" / ASSIGNMENT)
    from grading_tests.course import handins

    silenced = nbformat.from_dict(copy.deepcopy(L.release[L.target_nb]))
    setup = next(i for i, c in enumerate(silenced.cells) if "from verifications import" in c.source)
    silenced.cells.insert(
        setup + 1,
        nbformat.v4.new_code_cell(
            "import verifications\n"
            "for _nom in dir(verifications):\n"
            "    if _nom.startswith('verifier_'):\n"
            "        globals()[_nom] = lambda *args, **kwargs: None"
        ),
    )
    handins.write_submission(root / "submitted" / "vierge" / ASSIGNMENT, {L.target_nb: L.release[L.target_nb]})
    handins.write_submission(root / "submitted" / "silencieux" / ASSIGNMENT, {L.target_nb: silenced})
    harness.nbgrader(root, "autograde", ASSIGNMENT, "--force")
    grades = harness.grades(root)
    stem = Path(L.target_nb).stem
    functions = {f"test_{name}" for name, spec in registry().items() if spec.kind == "function"}
    blank = {k: v[0] for k, v in grades["vierge"][stem].items() if k in functions}
    faked = {k: v[0] for k, v in grades["silencieux"][stem].items() if k in functions}
    assert blank and all(score == 0 for score in blank.values()), blank
    assert faked and all(score > 0 for score in faked.values()), faked


# --- a graded cell without a grader never falls back to in-kernel grading ------------------


def _graded(grade_id, points):
    cell = nbformat.v4.new_code_cell("# rien")
    cell.metadata["nbgrader"] = {
        "grade": True, "grade_id": grade_id, "locked": True, "points": points, "schema_version": 3, "solution": False, "task": False,
    }
    return cell


@pytest.mark.parametrize("grade_id, points, message", [
    ("test_inconnue", 1, "no grader"),
    ("verification_sigmoid", 1, "no grader"),
    ("test_sigmoid", 3, "scores out of 1"),
])
def test_graded_cell_without_its_grader_fails_loudly(grade_id, points, message):
    from grading_tests.nbgrader_plugin import GraderMismatch, TrustedGrades

    nb = nbformat.v4.new_notebook(cells=[_graded(grade_id, points)])
    with pytest.raises(GraderMismatch, match=message):
        TrustedGrades().preprocess(nb, {"nbgrader": {}})


def test_generate_assignment_refuses_an_unknown_graded_cell(tmp_path):
    root = harness.copy_course(tmp_path, release=False)
    path = sorted((root / "source" / ASSIGNMENT).glob("*.ipynb"))[0]
    nb = nbformat.read(str(path), as_version=4)
    nb.cells.append(_graded("test_fonction_sans_correcteur", 1))
    nbformat.write(nb, str(path))
    code, log, _ = harness.nbgrader(root, "generate_assignment", ASSIGNMENT, "--force", check=False)
    assert code != 0 and "test_fonction_sans_correcteur" in log and "no grader" in log
