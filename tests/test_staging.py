"""Hand-ins staged as clean copies before nbgrader reads them (``grading_tests/nbgrader_plugin/staging.py``).

Unit tests of :func:`staging.rebuild` (metadata edits, ids, broken JSON,
odd cells) and :func:`staging.stage` (links, FIFOs, folders, timestamps,
extra files), then one real ``nbgrader autograde`` run in which hostile
hand-ins come before a correct one.
"""

import copy
import json
import os
import threading
from pathlib import Path

import nbformat
import pytest

from grading_tests.nbgrader_plugin import staging
from grading_tests.course.handins import ASSIGNMENT
from nbgrader_attacks import harness


REPO = Path(__file__).resolve().parents[1]
RELEASE_DIR = REPO / "release"
CORRECT_DIR = REPO / "submitted" / "eleve_correct" / ASSIGNMENT
NOTEBOOK = "06_2_activations.ipynb"
TIMESTAMP = "2025-03-14 18:00:00.000000 UTC"


@pytest.fixture(scope="module")
def release():
    return nbformat.read(str(RELEASE_DIR / ASSIGNMENT / NOTEBOOK), as_version=4)


@pytest.fixture(scope="module")
def correct_bytes():
    return (CORRECT_DIR / NOTEBOOK).read_bytes()


@pytest.fixture
def student(correct_bytes):
    """The correct student's notebook as plain JSON, to be edited by each test."""
    return json.loads(correct_bytes)


def _meta(cell):
    return (cell.get("metadata") or {}).get("nbgrader") or {}


def _by_id(cells, grade_id):
    found = [c for c in cells if _meta(c).get("grade_id") == grade_id]
    assert len(found) == 1, (grade_id, len(found))
    return found[0]


def _answers(nb):
    return {_meta(c)["grade_id"]: _source(c) for c in nb["cells"] if _meta(c).get("solution")}


def _source(cell):
    source = cell["source"]
    return "".join(source) if isinstance(source, list) else source


def _rebuild(data, release):
    raw = data if isinstance(data, (bytes, str)) else json.dumps(data).encode()
    nb, notes = staging.rebuild(raw, release)
    _assert_clean(nb, release, notes)
    return nb, notes


def _assert_clean(nb, release, notes):
    """Valid; the release's cells, in order, with the release's metadata; added cells bare."""
    nbformat.validate(nb)
    nbformat.validate(nbformat.reads(nbformat.writes(nb), as_version=4))
    assert nb.metadata == release.metadata and (nb.nbformat, nb.nbformat_minor) == (release.nbformat, release.nbformat_minor)
    cells = list(nb.cells)
    if notes:
        notice = cells.pop(0)
        assert notice.cell_type == "markdown" and notice.metadata == {}
        assert notice.source.startswith('<div class="alert alert-danger">\n\n**Correction** : ce notebook')
        assert all(note in notice.source for note in notes)
    graded = [c for c in cells if "nbgrader" in c.metadata]
    assert [c.id for c in graded] == [c.id for c in release.cells]
    for cell, released in zip(graded, release.cells):
        assert cell.metadata == released.metadata and cell.cell_type == released.cell_type
        if not released.metadata.nbgrader.get("solution"):
            assert cell.source == released.source
    for cell in cells:
        if "nbgrader" not in cell.metadata:
            assert cell.metadata == {} and cell.cell_type in ("code", "markdown")
            assert cell.get("outputs", []) == [] and cell.get("execution_count") is None
    assert len({c.id for c in nb.cells}) == len(nb.cells)


# --- honest notebooks ----------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(p.name for p in CORRECT_DIR.glob("*.ipynb")))
def test_honest_notebook_is_kept_as_is(name):
    release = nbformat.read(str(RELEASE_DIR / ASSIGNMENT / name), as_version=4)
    raw = (CORRECT_DIR / name).read_bytes()
    nb, notes = _rebuild(raw, release)
    assert notes == []
    assert _answers(nb) == _answers(nbformat.reads(raw.decode(), as_version=4))


def test_release_itself_is_kept_as_is(release):
    nb, notes = _rebuild(nbformat.writes(release).encode(), release)
    assert notes == [] and nbformat.writes(nb) == nbformat.writes(release)


# --- metadata edits ----------------------------------------------------------------------------


def _edit(grade_id, **changes):
    def apply(data):
        meta = _meta(_by_id(data["cells"], grade_id))
        for key, value in changes.items():
            if value is KeyError:
                del meta[key]
            else:
                meta[key] = value
    return apply


def _to_graded_code(data):
    cell = _by_id(data["cells"], "q_vanishing")
    cell.update(cell_type="code", outputs=[], execution_count=None, source="2.0")
    _meta(cell).update(cell_type="code", grade=True, solution=False, locked=True, points=2)


@pytest.mark.parametrize("grade_id, edit, keys", [
    ("sigmoid", _edit("sigmoid", schema_version=4), ["schema_version"]),
    ("setup", _edit("setup", schema_version=99), ["schema_version"]),
    ("sigmoid", _edit("sigmoid", schema_version="3"), ["schema_version"]),
    ("sigmoid", _edit("sigmoid", grade=True, points=5), ["grade", "points"]),
    ("tanh", _edit("tanh", grade=1), ["grade"]),
    ("test_sigmoid", _edit("test_sigmoid", solution=True), ["solution"]),
    ("test_tanh", _edit("test_tanh", solution=True, locked=False), ["solution", "locked"]),
    ("q_vanishing", _to_graded_code, ["solution", "locked", "cell_type", "type de la cellule"]),
    ("test_relu", _edit("test_relu", points=1000), ["points"]),
    ("test_relu", _edit("test_relu", points="1"), ["points"]),
    ("test_leaky_relu", _edit("test_leaky_relu", locked=KeyError), ["locked"]),
    ("setup", _edit("setup", locked=KeyError, task=True), ["locked", "task"]),
    ("relu", _edit("relu", cell_type="markdown"), ["cell_type"]),
])
def test_metadata_edits_are_undone(release, student, grade_id, edit, keys):
    answers = _answers(student)
    edit(student)
    nb, notes = _rebuild(student, release)
    expected = f"métadonnées nbgrader modifiées dans la cellule « {grade_id} » ({', '.join(keys)}) : remises comme distribuées"
    assert expected in notes
    kept = _answers(nb)
    for name, source in answers.items():
        if name == "q_vanishing" and grade_id == "q_vanishing":
            assert kept[name] == "2.0"  # the text is kept, as the written answer it is
        else:
            assert kept[name] == source


def test_equal_points_spelled_differently_are_not_an_edit(release, student):
    _meta(_by_id(student["cells"], "test_sigmoid"))["points"] = 1.0
    assert _rebuild(student, release)[1] == []


def test_student_metadata_never_survives(release, student):
    student["metadata"] = {"kernelspec": {"name": "bash", "display_name": "x", "language": "bash"}, "nbgrader": {"x": 1}}
    for cell in student["cells"]:
        cell["metadata"]["tags"] = ["raise-exception"]
        cell["metadata"]["jupyter"] = {"source_hidden": True}
        if cell["cell_type"] == "code":
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "1.0\n"}]
            cell["execution_count"] = 3
    nb, notes = _rebuild(student, release)
    assert notes == []
    text = nbformat.writes(nb)
    assert "raise-exception" not in text and "source_hidden" not in text and "bash" not in text
    assert all(c.get("outputs", []) == [] for c in nb.cells)


# --- ids: repeated, unknown, deleted -------------------------------------------------------------


def test_repeated_id_is_kept_as_a_plain_cell(release, student):
    cells = student["cells"]
    first = _by_id(cells, "sigmoid")
    twin = copy.deepcopy(first)
    twin["source"] = "def sigmoid(z):\n    return 0.0"
    forged = copy.deepcopy(_by_id(cells, "test_sigmoid"))
    forged["source"] = "1.0"
    cells.extend([twin, forged])
    nb, notes = _rebuild(student, release)
    assert "identifiant « sigmoid » en double : cellule gardée comme cellule ordinaire, non notée" in notes
    assert "identifiant « test_sigmoid » en double : cellule gardée comme cellule ordinaire, non notée" in notes
    assert _by_id(nb.cells, "sigmoid").source == _source(first)
    plain = [c for c in nb.cells if "nbgrader" not in c.metadata and c.cell_type == "code"]
    assert [c.source for c in plain] == [twin["source"], "1.0"]
    assert nb.cells[-2:] == plain  # after the last release cell, where the student put them


def test_unknown_id_is_kept_as_a_plain_cell(release, student):
    bonus = {
        "cell_type": "code", "execution_count": None, "outputs": [], "source": "50.0",
        "metadata": {"nbgrader": {
            "grade": True, "grade_id": "test_bonus", "locked": True, "points": 50, "schema_version": 3, "solution": False,
        }},
    }
    nameless = {"cell_type": "markdown", "source": "note", "metadata": {"nbgrader": {"grade": True, "points": 3}}}
    student["cells"][5:5] = [bonus, nameless]
    nb, notes = _rebuild(student, release)
    assert "identifiant « test_bonus » inconnu : cellule gardée comme cellule ordinaire, non notée" in notes
    assert any("sans identifiant" in note for note in notes)
    assert "test_bonus" not in {_meta(c).get("grade_id") for c in nb.cells}
    # Right after the release cell that preceded them in the hand-in.
    anchor = next(i for i, c in enumerate(nb.cells) if c.get("id") == student["cells"][4]["id"])
    assert [c.source for c in nb.cells[anchor + 1 : anchor + 3]] == ["50.0", "note"]


@pytest.mark.parametrize("deleted, note", [
    ("test_tanh", "cellule notée « test_tanh » supprimée : rétablie"),
    ("q_relu", "cellule notée « q_relu » supprimée : rétablie"),
    ("tanh", "cellule de réponse « tanh » supprimée : rétablie comme distribuée"),
    ("setup", "cellule distribuée supprimée : rétablie"),
])
def test_deleted_cells_are_put_back(release, student, deleted, note):
    student["cells"] = [c for c in student["cells"] if _meta(c).get("grade_id") != deleted]
    nb, notes = _rebuild(student, release)
    assert note in notes
    assert _by_id(nb.cells, deleted).source == _by_id(release.cells, deleted).source


def test_everything_deleted_gives_the_release(release):
    nb, notes = _rebuild({"cells": [], "metadata": {}}, release)
    assert len(nb.cells) == len(release.cells) + 1 and len(notes) <= staging.NOTES_PER_NOTEBOOK
    assert notes[-1].startswith("… et ")


def test_reordered_cells_come_back_in_release_order(release, student):
    sigmoid = _by_id(student["cells"], "sigmoid")
    student["cells"].remove(sigmoid)
    student["cells"].append(sigmoid)
    nb, notes = _rebuild(student, release)
    assert notes == [] and _by_id(nb.cells, "sigmoid").source == _source(sigmoid)


def test_added_cells_follow_the_cell_before_them(release, student):
    cells = student["cells"]
    index = cells.index(_by_id(cells, "tanh"))
    helper = {
        "cell_type": "code", "id": "x", "metadata": {"tags": ["t"]}, "execution_count": 7,
        "outputs": [{"output_type": "stream", "name": "stdout", "text": "x"}], "source": ["def aide(z):\n", "    return z\n"],
    }
    remark = {"cell_type": "markdown", "id": "intro", "metadata": {}, "source": "Ma remarque"}
    cells[index + 1 : index + 1] = [helper, remark]
    cells.insert(0, {"cell_type": "markdown", "metadata": {}, "source": "En tête"})
    nb, notes = _rebuild(student, release)
    assert notes == []
    assert nb.cells[0].source == "En tête"
    at = nb.cells.index(_by_id(nb.cells, "tanh"))
    assert [c.source for c in nb.cells[at + 1 : at + 3]] == ["def aide(z):\n    return z\n", "Ma remarque"]
    assert nb.cells[at + 2].id != "intro"  # a student's id never clashes with the release's


# --- broken notebooks ------------------------------------------------------------------------------


@pytest.mark.parametrize("raw, reason", [
    (b'{"cells": [ pas du JSON', "JSONDecodeError"),
    (b"\xff\xfe\x00{", "UnicodeDecodeError"),
    (b"[1, 2, 3]", "pas un objet JSON"),
    (b'"un texte"', "pas un objet JSON"),
    (b'{"cells": {"0": {}}}', "pas de liste de cellules"),
    (b'{"cells": "x"}', "pas de liste de cellules"),
    (b'{"metadata": {}}', "pas de liste de cellules"),
    (b"[" * 100_000, "RecursionError"),
    (b'{"cells": [], "n": ' + b"9" * 5000 + b"}", "ValueError"),
    (b"", "JSONDecodeError"),
])
def test_unreadable_notebook_becomes_the_release(release, raw, reason):
    nb, notes = _rebuild(raw, release)
    assert notes == [f"notebook illisible ({reason}) : remplacé par la version distribuée"]
    assert "**Correction** : ce notebook" in nb.cells[0].source
    assert _answers(nb) == _answers(release)


def test_nothing_read_becomes_the_release(release):
    nb, notes = _rebuild(None, release)
    assert len(notes) == 1 and _answers(nb) == _answers(release)


@pytest.mark.parametrize("source, kept", [
    (["def sigmoid(z):\n", "    return z\n"], "def sigmoid(z):\n    return z\n"),
    (["def sigmoid(z):\n", 5], None),
    ([None], None),
    (42, None),
    ({"a": "b"}, None),
    ("def sigmoid(z):\n    return '\ud800'", "def sigmoid(z):\n    return '?'"),
])
def test_answer_source_forms(release, student, source, kept):
    _by_id(student["cells"], "sigmoid")["source"] = source
    nb, notes = _rebuild(json.dumps(student).encode(), release)
    if kept is None:
        assert "contenu illisible dans la cellule de réponse « sigmoid » : réponse ignorée" in notes
        assert _by_id(nb.cells, "sigmoid").source == _by_id(release.cells, "sigmoid").source
    else:
        assert notes == [] and _by_id(nb.cells, "sigmoid").source == kept


@pytest.mark.parametrize("cell, note", [
    ({"cell_type": "raw", "metadata": {}, "source": "brut"}, "cellule brute (raw) ajoutée : supprimée"),
    ({"cell_type": "heading", "metadata": {}, "source": "x", "level": 1}, "cellule de type inconnu « heading » : supprimée"),
    ({"cell_type": "<script>", "source": "x"}, "cellule de type inconnu « ?script? » : supprimée"),
    ({"cell_type": None, "source": "x"}, "cellule de type inconnu « None » : supprimée"),
    ({"cell_type": "code", "source": [1]}, "cellule ajoutée au contenu illisible : supprimée"),
    (42, "cellule illisible (pas un objet JSON) : ignorée"),
    ([], "cellule illisible (pas un objet JSON) : ignorée"),
])
def test_odd_added_cells_are_dropped(release, student, cell, note):
    student["cells"].insert(3, cell)
    student["cells"].insert(8, copy.deepcopy(cell))
    nb, notes = _rebuild(student, release)
    assert notes == [f"{note} (×2)"]
    assert len(nb.cells) == len(release.cells) + 1


def test_a_flood_of_one_character_cells_is_cut_to_a_bounded_notebook(release, student):
    """20 MB of one-character cells (600 000 of them): the first MAX_ADDED_CELLS are kept, the rest counted."""
    from grading_tests.nbgrader_plugin.notebook_rebuild import MAX_ADDED_CELLS

    one = json.dumps({"cell_type": "code", "source": "x"})
    text = json.dumps(student)
    count = (staging.MAX_NOTEBOOK_BYTES - len(text) - 4096) // (len(one) + 1)
    raw = text.replace('"cells": [', '"cells": [' + ",".join([one] * count) + ",", 1).encode()
    assert len(raw) <= staging.MAX_NOTEBOOK_BYTES and count > 500_000
    nb, notes = _rebuild(raw, release)
    added = [c for c in nb.cells if "nbgrader" not in c.metadata][1:]  # the notice first
    assert len(added) == MAX_ADDED_CELLS and all(c.source == "x" for c in added)
    assert f"{count - MAX_ADDED_CELLS} cellule(s) ajoutée(s) au-delà des {MAX_ADDED_CELLS} gardées : supprimée(s)" in notes
    assert _answers(nb) == _answers(_rebuild(text, release)[0])  # the answers are all there


def test_hostile_names_are_shown_harmlessly(release, student):
    cell = {"cell_type": "code", "source": "", "metadata": {"nbgrader": {"grade_id": "</div><img src=x onerror=alert(1)>\n\t" + "a" * 200}}}
    student["cells"].append(cell)
    nb, notes = _rebuild(student, release)
    (note,) = notes
    assert "<" not in note and "\n" not in note and "\t" not in note
    assert len(note.split("« ")[1].split(" »")[0]) == staging.NAME_CHARS


def test_older_release_format_gets_no_cell_ids(release, student):
    old = nbformat.from_dict(copy.deepcopy(release))
    old.nbformat_minor = 4
    for cell in old.cells:
        del cell["id"]
    student["cells"].append({"cell_type": "code", "id": "z", "metadata": {}, "source": "1"})
    student["cells"].append({"cell_type": "raw", "metadata": {}, "source": "1"})
    nb, notes = staging.rebuild(json.dumps(student).encode(), old)
    nbformat.validate(nb)
    assert all("id" not in c for c in nb.cells) and notes


# --- staging hand-ins ------------------------------------------------------------------------------


def _handin(base, name="eleve", files=None, timestamp=TIMESTAMP):
    """base/submitted/<name>/<assignment>/ with ``files`` {name: bytes}; returns the folder."""
    folder = base / "submitted" / name / ASSIGNMENT
    folder.mkdir(parents=True)
    for filename, data in (files or {}).items():
        (folder / filename).write_bytes(data)
    if timestamp is not None:
        (folder / "timestamp.txt").write_text(timestamp, encoding="utf-8")
    return folder


def _stage(base, students=("eleve",), seconds=30):
    """Stage in a daemon thread: a hand-in that made the staging block fails the test, never hangs it."""
    root = base / "depots"
    root.mkdir(exist_ok=True)
    result = {}

    def run():
        result["anomalies"] = staging.stage(base / "submitted", RELEASE_DIR, [(s, ASSIGNMENT) for s in students], root)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), "staging blocked"
    anomalies = result["anomalies"]
    for anomaly in anomalies:
        assert "erreur interne" not in anomaly.message, anomaly
        assert len(anomaly.line().split("\t")) == 3 and "\n" not in anomaly.line()
    for path in root.rglob("*"):
        assert not path.is_symlink() and (path.is_dir() or path.is_file())
        if path.suffix == ".ipynb":
            nbformat.validate(nbformat.read(str(path), as_version=4))
    return root, anomalies


def _messages(anomalies, notebook=None):
    return [a.message for a in anomalies if notebook is None or a.notebook == notebook]


def _staged(root, name="eleve"):
    return sorted(p.name for p in (root / name / ASSIGNMENT).iterdir())


def _release_nb(name=NOTEBOOK):
    return nbformat.read(str(RELEASE_DIR / ASSIGNMENT / name), as_version=4)


def test_honest_handin_is_staged_whole_and_quietly(tmp_path):
    folder = _handin(tmp_path, files={p.name: p.read_bytes() for p in CORRECT_DIR.iterdir() if p.suffix == ".ipynb"})
    # What Jupyter and the release leave next to the notebooks is not worth a note.
    (folder / ".ipynb_checkpoints").mkdir()
    (folder / ".ipynb_checkpoints" / f"{NOTEBOOK[:-6]}-checkpoint.ipynb").write_text("{")
    (folder / "outils_cours.py").write_text("raise SystemExit('remplacé')\n")
    root, anomalies = _stage(tmp_path)
    assert anomalies == []
    names = sorted(p.name for p in CORRECT_DIR.glob("*.ipynb"))
    assert _staged(root) == names + ["timestamp.txt"]
    for name in names:
        staged = nbformat.read(str(root / "eleve" / ASSIGNMENT / name), as_version=4)
        assert _answers(staged) == _answers(nbformat.read(str(CORRECT_DIR / name), as_version=4))


def test_absent_notebooks_stay_absent(tmp_path, correct_bytes):
    _handin(tmp_path, files={NOTEBOOK: correct_bytes})
    root, anomalies = _stage(tmp_path)
    assert anomalies == [] and _staged(root) == [NOTEBOOK, "timestamp.txt"]


def _assert_replaced(root, anomalies, reason, name=NOTEBOOK):
    staged = nbformat.read(str(root / "eleve" / ASSIGNMENT / name), as_version=4)
    assert "**Correction** : ce notebook" in staged.cells[0].source
    assert _answers(staged) == _answers(_release_nb(name))
    assert f"notebook illisible ({reason}) : remplacé par la version distribuée" in _messages(anomalies, name)


def test_folder_named_like_a_notebook(tmp_path, correct_bytes):
    folder = _handin(tmp_path, files={"06_1_perceptron.ipynb": correct_bytes})
    (folder / NOTEBOOK).mkdir()
    (folder / NOTEBOOK / "x").write_text("x")
    root, anomalies = _stage(tmp_path)
    _assert_replaced(root, anomalies, "dossier")


def test_fifo_notebook_is_never_opened(tmp_path, correct_bytes):
    folder = _handin(tmp_path)
    os.mkfifo(folder / NOTEBOOK)
    root, anomalies = _stage(tmp_path)
    _assert_replaced(root, anomalies, "tube nommé (FIFO)")


def test_symlinked_notebook_is_not_followed(tmp_path, correct_bytes):
    target = tmp_path / "ailleurs.ipynb"
    target.write_bytes(correct_bytes)
    folder = _handin(tmp_path)
    (folder / NOTEBOOK).symlink_to(target)
    (folder / "06_1_perceptron.ipynb").symlink_to(tmp_path / "absent.ipynb")  # dangling
    root, anomalies = _stage(tmp_path)
    _assert_replaced(root, anomalies, "lien symbolique, non suivi")
    _assert_replaced(root, anomalies, "lien symbolique, non suivi", "06_1_perceptron.ipynb")


def test_device_notebook_is_never_opened(tmp_path):
    folder = _handin(tmp_path)
    try:
        os.mknod(folder / NOTEBOOK, 0o600 | 0o020000, os.makedev(1, 5))  # /dev/zero
    except PermissionError:
        pytest.skip("mknod needs privileges here")
    root, anomalies = _stage(tmp_path)
    _assert_replaced(root, anomalies, "fichier de périphérique")


def test_oversized_notebook_is_not_read(tmp_path):
    folder = _handin(tmp_path)
    with open(folder / NOTEBOOK, "wb") as f:
        f.truncate(staging.MAX_NOTEBOOK_BYTES + 1)  # sparse: nothing to read if it were read
    root, anomalies = _stage(tmp_path)
    _assert_replaced(root, anomalies, "trop gros : 20.0 Mo, au plus 20.0 Mo")


@pytest.mark.parametrize("kind", ["student", "assignment"])
def test_symlinked_folder_is_not_followed(tmp_path, correct_bytes, kind):
    real = _handin(tmp_path, name="vrai", files={NOTEBOOK: correct_bytes})
    if kind == "student":
        (tmp_path / "submitted" / "eleve").symlink_to(real.parent)
        expected = "dossier de l'élève illisible (lien symbolique, non suivi) : aucun fichier lu"
    else:
        (tmp_path / "submitted" / "eleve").mkdir()
        (tmp_path / "submitted" / "eleve" / ASSIGNMENT).symlink_to(real)
        expected = "dossier du devoir illisible (lien symbolique, non suivi) : aucun fichier lu"
    root, anomalies = _stage(tmp_path)
    assert _messages(anomalies, "-") == [expected]
    # One released notebook, scored 0, so that nbgrader still gives the student a row.
    first = sorted(p.name for p in (RELEASE_DIR / ASSIGNMENT).glob("*.ipynb"))[0]
    assert _staged(root) == [first]
    _assert_placeholder(root, anomalies, first)


def _assert_placeholder(root, anomalies, first):
    staged = nbformat.read(str(root / "eleve" / ASSIGNMENT / first), as_version=4)
    assert _answers(staged) == _answers(_release_nb(first)) and "**Correction** : ce notebook" in staged.cells[0].source
    assert any("version distribuée notée à la place" in m for m in _messages(anomalies, first))


def test_student_entry_that_is_a_file(tmp_path):
    (tmp_path / "submitted").mkdir()
    (tmp_path / "submitted" / "eleve").write_text("x")
    root, anomalies = _stage(tmp_path)
    assert _messages(anomalies, "-") == ["dossier de l'élève illisible (pas un dossier) : aucun fichier lu"]


def test_handin_without_any_release_notebook(tmp_path, correct_bytes):
    folder = _handin(tmp_path, files={"x.ipynb": correct_bytes})
    (folder / "y.ipynb").mkdir()
    root, anomalies = _stage(tmp_path)
    messages = _messages(anomalies, "-")
    assert "non pris en compte (fichier) : « x.ipynb »" in messages
    assert "non pris en compte (dossier) : « y.ipynb »" in messages
    first = sorted(p.name for p in (RELEASE_DIR / ASSIGNMENT).glob("*.ipynb"))[0]
    assert _staged(root) == [first, "timestamp.txt"]
    _assert_placeholder(root, anomalies, first)


# --- timestamps ------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, staged", [
    ("2025-03-14 18:00:00.000000 UTC", "2025-03-14 18:00:00.000000 UTC"),
    ("2025-03-14 19:30:00+01:00\n", "2025-03-14 18:30:00.000000 UTC"),
    ("2025-03-14T19:30:00+01:00", "2025-03-14 18:30:00.000000 UTC"),
    ("  2025-03-14 18:00:00  ", "2025-03-14 18:00:00.000000 UTC"),
])
def test_valid_timestamp_is_normalised(tmp_path, correct_bytes, text, staged):
    _handin(tmp_path, files={NOTEBOOK: correct_bytes}, timestamp=text)
    root, anomalies = _stage(tmp_path)
    assert anomalies == []
    assert (root / "eleve" / ASSIGNMENT / "timestamp.txt").read_text().strip() == staged
    from nbgrader.utils import parse_utc

    assert parse_utc(staged) == parse_utc(text.strip())


@pytest.mark.parametrize("data, reason", [
    (b"pas une date", "« pas une date » n'est pas une date"),
    (b"2025-03-14 18:00:00 /etc/localtime", "n'est pas une date"),  # dateutil would open that path
    (b"2025-03-14 18:00:00 ../../../x", "n'est pas une date"),
    (b"2025-13-45 99:99:99", "n'est pas une date"),
    (b"99999999999999999999999", "n'est pas une date"),
    (b"\xff\xfe2025", "pas du texte UTF-8"),
    (b"", "vide"),
    (b"   \n", "vide"),
    (b"2" * 2000, f"trop gros : 2000 octets, au plus {staging.MAX_TIMESTAMP_BYTES} octets"),
])
def test_bad_timestamp_is_left_out(tmp_path, correct_bytes, data, reason):
    folder = _handin(tmp_path, files={NOTEBOOK: correct_bytes}, timestamp=None)
    (folder / "timestamp.txt").write_bytes(data)
    root, anomalies = _stage(tmp_path)
    (message,) = _messages(anomalies)
    assert message.startswith("timestamp.txt ignoré (") and reason in message and message.endswith(": date de remise inconnue")
    assert _staged(root) == [NOTEBOOK]


@pytest.mark.parametrize("kind, reason", [
    ("fifo", "tube nommé (FIFO)"),
    ("symlink", "lien symbolique, non suivi"),
    ("folder", "dossier"),
])
def test_timestamp_that_is_not_a_file(tmp_path, correct_bytes, kind, reason):
    folder = _handin(tmp_path, files={NOTEBOOK: correct_bytes}, timestamp=None)
    if kind == "fifo":
        os.mkfifo(folder / "timestamp.txt")
    elif kind == "symlink":
        (tmp_path / "vraie_date.txt").write_text(TIMESTAMP)
        (folder / "timestamp.txt").symlink_to(tmp_path / "vraie_date.txt")
    else:
        (folder / "timestamp.txt").mkdir()
    root, anomalies = _stage(tmp_path)
    assert _messages(anomalies) == [f"timestamp.txt ignoré ({reason}) : date de remise inconnue"]
    assert _staged(root) == [NOTEBOOK]


def test_missing_timestamp_is_not_an_anomaly(tmp_path, correct_bytes):
    _handin(tmp_path, files={NOTEBOOK: correct_bytes}, timestamp=None)
    root, anomalies = _stage(tmp_path)
    assert anomalies == [] and _staged(root) == [NOTEBOOK]


# --- extra files -------------------------------------------------------------------------------------


def test_extra_files_are_listed_never_copied(tmp_path, correct_bytes):
    folder = _handin(tmp_path, files={NOTEBOOK: correct_bytes, "numpy.py": b"raise SystemExit", "aide.so": b"x"})
    (folder / "grading_tests").mkdir()
    (folder / "grading_tests" / "runner.py").write_text("x")
    (folder / "lien").symlink_to("/etc/passwd")
    os.mkfifo(folder / "tube")
    root, anomalies = _stage(tmp_path)
    assert _messages(anomalies, "-") == [
        "non pris en compte (fichier) : « aide.so »",
        "non pris en compte (dossier) : « grading_tests »",
        "non pris en compte (lien symbolique, non suivi) : « lien »",
        "non pris en compte (fichier) : « numpy.py »",
        "non pris en compte (tube nommé (FIFO)) : « tube »",
    ]
    assert _staged(root) == [NOTEBOOK, "timestamp.txt"]


def test_many_extra_files_are_counted(tmp_path, correct_bytes):
    folder = _handin(tmp_path, files={NOTEBOOK: correct_bytes})
    for i in range(25):
        (folder / f"f{i:02d}.txt").write_text("x")
    (folder / ("b" * 200)).write_text("x")
    (folder / "a\tb\nc<d>").write_text("x")
    root, anomalies = _stage(tmp_path)
    messages = _messages(anomalies, "-")
    assert len(messages) == staging.LISTED_EXTRAS + 1
    assert messages[-1] == "non pris en compte : 17 autre(s) entrée(s) du dossier"
    assert "non pris en compte (fichier) : « a?b?c?d? »" in messages
    long_name = next(m for m in messages if "bbb" in m)
    assert len(long_name.split("« ")[1].split(" »")[0]) == staging.NAME_CHARS
    assert _staged(root) == [NOTEBOOK, "timestamp.txt"]


def test_several_students_in_one_call(tmp_path, correct_bytes):
    _handin(tmp_path, name="a", files={NOTEBOOK: b"{"})
    _handin(tmp_path, name="b", files={NOTEBOOK: correct_bytes}, timestamp="x")
    _handin(tmp_path, name="c", files={NOTEBOOK: correct_bytes})
    root, anomalies = _stage(tmp_path, students=("a", "b", "c"))
    assert {a.student for a in anomalies} == {"a", "b"}
    assert {p.name for p in root.iterdir()} == {"a", "b", "c"}


# --- the instructor's report -------------------------------------------------------------------------


def test_report_keeps_other_students_and_replaces_a_planted_link(tmp_path):
    folder = tmp_path / "autograded"
    first = [staging.Anomaly("a", "-", "ancienne"), staging.Anomaly("b", NOTEBOOK, "de b")]
    staging.write_report(folder, first, {"a", "b"})
    assert (folder / "anomalies.txt").read_text().splitlines() == ["a\t-\tancienne", f"b\t{NOTEBOOK}\tde b"]
    victim = tmp_path / "victime.txt"
    victim.write_text("intact")
    content = (folder / "anomalies.txt").read_text()
    (folder / "anomalies.txt").unlink()
    victim_link = folder / "anomalies.txt"
    victim_link.symlink_to(victim)
    staging.write_report(folder, [staging.Anomaly("a", "-", "nouvelle\tligne")], {"a"})
    assert victim.read_text() == "intact"
    assert not victim_link.is_symlink()
    # The link was not read either: b's line of the first report is gone with it.
    assert (folder / "anomalies.txt").read_text().splitlines() == ["a\t-\tnouvelle ligne"]
    (folder / "anomalies.txt").write_text(content)
    staging.write_report(folder, [], {"a"})
    assert (folder / "anomalies.txt").read_text().splitlines() == [f"b\t{NOTEBOOK}\tde b"]


def test_exporter_without_autograde_parent_is_a_plain_notebook_exporter(release):
    from grading_tests.nbgrader_plugin import StagingNotebookExporter

    exporter = StagingNotebookExporter()
    assert exporter.staged_folders == [] and exporter.anomalies == []
    output, _ = exporter.from_notebook_node(release)
    assert nbformat.reads(output, as_version=4) == release


def test_exporter_stages_for_autograde_then_undoes_it(tmp_path, correct_bytes):
    """In process, nbgrader's conversion stubbed: what the exporter changes, and that it is undone."""
    import shutil

    from nbgrader.converters import Autograde
    from nbgrader.coursedir import CourseDirectory

    from grading_tests.nbgrader_plugin import StagingNotebookExporter

    shutil.copytree(RELEASE_DIR, tmp_path / "release")
    good = _handin(tmp_path, name="bon", files={NOTEBOOK: correct_bytes})
    bad = _handin(tmp_path, name="mauvais", files={NOTEBOOK: b"{"}, timestamp="x")
    (bad / "numpy.py").write_text("x")
    coursedir = CourseDirectory(root=str(tmp_path), assignment_id=ASSIGNMENT)
    converter = Autograde(coursedir=coursedir)
    converter.assignments = {str(good): [str(good / NOTEBOOK)], str(bad): [str(bad / NOTEBOOK), str(bad / "numpy.py")]}
    seen = []

    def convert_notebooks():
        seen.append(coursedir.submitted_directory)

    converter.convert_notebooks = convert_notebooks
    exporter = StagingNotebookExporter(parent=converter, config=converter.config)
    root = Path(coursedir.submitted_directory)
    assert root.is_absolute() and root.is_dir() and not str(root).startswith(str(tmp_path))
    assert converter.assignments == {
        str(root / "bon" / ASSIGNMENT): [str(root / "bon" / ASSIGNMENT / NOTEBOOK)],
        str(root / "mauvais" / ASSIGNMENT): [str(root / "mauvais" / ASSIGNMENT / NOTEBOOK)],
    }
    assert converter._format_source(ASSIGNMENT, "bon") == str(root / "bon" / ASSIGNMENT)
    assert {a.student for a in exporter.anomalies} == {"mauvais"}
    report = (tmp_path / "logs" / ASSIGNMENT / "anomalies.txt").read_text(encoding="utf-8").splitlines()
    assert len(report) == 3 and all(line.startswith("mauvais\t") for line in report)
    converter.convert_notebooks()
    assert seen == [str(root)]  # nbgrader's conversion ran on the staged copies
    assert coursedir.submitted_directory == "submitted" and not root.exists()
    assert "convert_notebooks" not in vars(converter)


def test_exporter_refuses_ids_outside_the_safe_set_and_leaves_them_untouched(tmp_path, correct_bytes):
    import shutil

    from nbgrader.converters import Autograde
    from nbgrader.coursedir import CourseDirectory

    from grading_tests.nbgrader_plugin import StagingNotebookExporter

    shutil.copytree(RELEASE_DIR, tmp_path / "release")
    ids = ["--help", "a\nb", "x\x1b[2K\rforgé", "x\ry", "eleve[1]"]
    folders = {s: _handin(tmp_path, name=s, files={NOTEBOOK: correct_bytes}) for s in ids}
    before = harness.tree_state(tmp_path / "submitted")
    coursedir = CourseDirectory(root=str(tmp_path), assignment_id=ASSIGNMENT)
    converter = Autograde(coursedir=coursedir)
    # What nbgrader lists: every folder but eleve[1], whose notebook glob matches nothing.
    converter.assignments = {str(f): [str(f / NOTEBOOK)] for s, f in folders.items() if s != "eleve[1]"}
    converter.convert_notebooks = lambda: None
    exporter = StagingNotebookExporter(parent=converter, config=converter.config)
    root = Path(coursedir.submitted_directory)
    assert converter.assignments == {str(root / "--help" / ASSIGNMENT): [str(root / "--help" / ASSIGNMENT / NOTEBOOK)]}
    report = (tmp_path / "logs" / ASSIGNMENT / "anomalies.txt").read_text(encoding="utf-8").splitlines()
    firsts = [line.split("\t")[0] for line in report]
    assert sorted(firsts) == sorted(["a\\x0ab", "x\\x1b[2K\\x0dforgé", "x\\x0dy", "eleve[1]"]), report
    assert all("identifiant d'élève refusé" in line for line in report)
    assert {a.student for a in exporter.anomalies} == set(ids) - {"--help"}
    converter.convert_notebooks()
    assert harness.tree_state(tmp_path / "submitted") == before


# --- end to end: nbgrader autograde -----------------------------------------------------------------
# Self-contained (harness, nbformat and the graders' registry only), so it
# also runs against a course without the staging.

E2E_SEED = 4242
E2E_TIMEOUT = 8  # seconds per cell: plenty for 06_2's cells


def _e2e_solved():
    return json.loads((harness.REPO / "submitted" / "eleve_correct" / ASSIGNMENT / "06_2_activations.ipynb").read_bytes())


def _e2e_cell(data, grade_id):
    return next(c for c in data["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id)


def _e2e_handin(root, student, data, timestamp="2025-03-14 18:00:00.000000 UTC"):
    folder = root / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True)
    (folder / "06_2_activations.ipynb").write_text(json.dumps(data), encoding="utf-8")
    (folder / "timestamp.txt").write_text(timestamp, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def e2e(tmp_path_factory):
    root = harness.copy_course(tmp_path_factory.mktemp("mise_au_propre"))
    harness.gradebook_assignment(root)
    # Schema versions nbgrader does not know: SchemaTooNewError stops a stock run.
    data = _e2e_solved()
    _e2e_cell(data, "setup")["metadata"]["nbgrader"]["schema_version"] = 4
    _e2e_cell(data, "sigmoid")["metadata"]["nbgrader"]["schema_version"] = 99
    _e2e_handin(root, "a_schema", data)
    # Grading flags edited, a written answer turned into a graded code cell.
    data = _e2e_solved()
    _e2e_cell(data, "sigmoid")["metadata"]["nbgrader"].update(grade=True, points=1)
    _e2e_cell(data, "test_tanh")["metadata"]["nbgrader"]["solution"] = True
    _e2e_cell(data, "test_relu")["metadata"]["nbgrader"]["points"] = 1000
    del _e2e_cell(data, "test_leaky_relu")["metadata"]["nbgrader"]["locked"]
    written = _e2e_cell(data, "q_vanishing")
    written.update(cell_type="code", outputs=[], execution_count=None, source="2.0")
    written["metadata"]["nbgrader"].update(cell_type="code", grade=True, solution=False, locked=True)
    _e2e_handin(root, "b_drapeaux", data)
    # A timestamp that is not a date.
    _e2e_handin(root, "c_horodatage", _e2e_solved(), timestamp="rendu en retard, désolé")
    # Folders named like notebooks: a released one (nbgrader would open it) and another.
    folder = _e2e_handin(root, "d_dossier", _e2e_solved())
    for name in ("06_1_perceptron.ipynb", "brouillon.ipynb"):
        (folder / name).mkdir()
        (folder / name / "notes.txt").write_text("x", encoding="utf-8")
    # And the correct student, after all of them.
    _e2e_handin(root, "z_correct", _e2e_solved())
    code, log, _ = harness.nbgrader(
        root, "autograde", ASSIGNMENT, "--force", f"--Execute.timeout={E2E_TIMEOUT}", f"--TrustedGrades.seed={E2E_SEED}", check=False
    )
    return root, code, log


E2E_STUDENTS = ["a_schema", "b_drapeaux", "c_horodatage", "d_dossier", "z_correct"]


def test_e2e_hostile_handins_do_not_stop_nbgrader(e2e):
    root, code, log = e2e
    assert code == 0, log[-5000:]
    grades = harness.grades(root)
    assert set(E2E_STUDENTS) <= set(grades), sorted(grades)


@pytest.mark.parametrize("student", E2E_STUDENTS)
def test_e2e_honest_answers_keep_their_marks(e2e, student):
    from grading_tests.runner import registry

    root, _, log = e2e
    recorded = harness.grades(root).get(student, {}).get("06_2_activations")
    assert recorded, f"{student}: no gradebook row\n{log[-3000:]}"
    graders = registry()
    functions = [g for g in recorded if g.startswith("test_") and graders[g[len("test_"):]].kind == "function"]
    assert functions
    for grade_id in functions:
        auto, manual, needs = recorded[grade_id]
        assert auto == pytest.approx(graders[grade_id[len("test_"):]].points), (student, grade_id, recorded[grade_id])
        assert manual is None and not needs


def test_e2e_anomalies_name_each_problem(e2e):
    root, _, _ = e2e
    report = root / "logs" / ASSIGNMENT / "anomalies.txt"
    assert report.is_file(), "no logs/<assignment>/anomalies.txt"
    lines = [line.split("\t") for line in report.read_text(encoding="utf-8").splitlines()]
    assert all(len(fields) == 3 for fields in lines), lines

    def said(student, *needles):
        return any(s == student and all(n in message for n in needles) for s, _, message in lines)

    assert said("a_schema", "« setup »", "schema_version") and said("a_schema", "« sigmoid »", "schema_version")
    assert said("b_drapeaux", "« sigmoid »", "grade")
    assert said("b_drapeaux", "« test_tanh »", "solution")
    assert said("b_drapeaux", "« test_relu »", "points")
    assert said("b_drapeaux", "« test_leaky_relu »", "locked")
    assert said("b_drapeaux", "« q_vanishing »", "cell_type")
    assert said("c_horodatage", "timestamp.txt")
    assert said("d_dossier", "« brouillon.ipynb »")
    assert any(s == "d_dossier" and n == "06_1_perceptron.ipynb" and "(dossier)" in m for s, n, m in lines)
    assert not said("z_correct")


def test_e2e_student_sees_what_was_put_back(e2e):
    root, _, _ = e2e
    nb = harness.autograded(root, "b_drapeaux", "06_2_activations.ipynb")
    assert nb.cells[0].cell_type == "markdown" and "**Correction** : ce notebook" in nb.cells[0].source
    written = harness.cell(nb, "q_vanishing")
    assert written.cell_type == "markdown"
    assert written.source == harness.written_answer_as_autograded(root, "06_2_activations.ipynb", "q_vanishing", "2.0")
    assert not (root / "autograded" / "d_dossier" / ASSIGNMENT / "brouillon.ipynb").exists()
    replaced = harness.autograded(root, "d_dossier", "06_1_perceptron.ipynb")
    assert "**Correction** : ce notebook" in replaced.cells[0].source
    assert (root / "autograded" / "c_horodatage" / ASSIGNMENT).is_dir()
