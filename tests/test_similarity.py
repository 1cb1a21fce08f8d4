"""The similarity report on a synthetic class of 49 with planted copies, run once by the real command.

The class (``tests/similarity_class.py``): 40 independent students, each
function written in one of the bank's independent ways (half the class
writes each short function as the model answer), and 9 planted copies, three
of each kind (renamed; cells reordered and comments added; one function
rewritten). Which pairs are copies comes from how the class was built. The
gradebook holds the named mistakes each bank file states. One copier's id
and its source's code carry the browser payloads of the security issue.
"""

import csv
import html
import io
import itertools
import os
import shutil
import subprocess
import sys

import pytest
from markupsafe import escape as markup_escape

import similarity_class as sc
from browser import payloads
from grading_tests.course.__main__ import main
from grading_tests.course.handins import ASSIGNMENT
from grading_tests.course.similarity import DEFAULT_THRESHOLD, normalize
from grading_tests.course.similarity.score import COMMON_SHARE
from grading_tests.nbgrader_plugin.student_ids import shown
from nbgrader_attacks import harness

SEED = 3
INDEPENDENTS = 40
PORT = 9  # nothing listens there: a payload that ran could not report anyway, the page's DOM tells
HOSTILE_ID = "<img src=x onerror=document.documentElement.setAttribute('data-xss-id','1')>"
QUOTES_ID = "a\"b&c'd"
CODE_VECTORS = payloads.html_vectors("code", PORT)


def similarity(root, *args):
    proc = subprocess.run([sys.executable, "-m", "grading_tests.course", "similarity", *args], cwd=root,
                          capture_output=True, text=True, timeout=600,
                          env=dict(os.environ, PATH=os.pathsep.join([os.path.dirname(sys.executable), os.environ["PATH"]])))
    return proc.returncode, proc.stdout, proc.stderr


def _payload_lines():
    """Lines of code that carry every HTML vector: as comments, and in a string the code keeps."""
    lines = [f"    # {vector}" for vector in CODE_VECTORS.values()]
    joined = " ".join(CODE_VECTORS.values()).replace("\\", "\\\\").replace('"', '\\"')
    return "\n".join(lines + [f'    _note = "</pre>{joined}"'])


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """(course root, plan, report folder, the command's stderr): the class built and the report written once."""
    tmp = tmp_path_factory.mktemp("similarite")
    root = harness.copy_course(tmp)
    plan = sc.make_plan(root, INDEPENDENTS, 3, seed=SEED, ids=["copie_a", HOSTILE_ID, "copie_c", QUOTES_ID])
    hostile_copy = plan.copies[1]
    assert hostile_copy[0] == HOSTILE_ID and hostile_copy[2] == "reordered"
    sc.build_class(root, plan, extra={hostile_copy[1]: {"sigmoid": _payload_lines()}})
    db_url = sc.gradebook(tmp / "gradebook.db", plan)
    code, out, err = similarity(root, ASSIGNMENT, "--out", "rapport", "--db-url", db_url)
    assert code == 0, out + err
    return root, plan, root / "rapport", err


def escape(text):
    """``text`` as the page's autoescaping writes it."""
    return str(markup_escape(text))


def _scores(folder):
    with open(folder / "similarite.csv", encoding="utf-8", newline="") as f:
        return {frozenset((r["eleve_a"], r["eleve_b"])): float(r["indice"]) for r in csv.DictReader(f)}


def _shown_pair(pair):
    return frozenset(shown(s) for s in pair)


def test_every_planted_pair_ranks_above_every_independent_pair(built):
    root, plan, out, _ = built
    scores = _scores(out)
    planted = {_shown_pair(p) for p in plan.planted()}
    assert len(planted) == 9
    others = [s for p, s in scores.items() if p not in planted]
    lowest = min(scores.get(p, 0.0) for p in planted)
    assert lowest > max(others), (lowest, max(others))
    for kind in sc.KINDS:  # each kind of disguise, not only the easiest
        assert any(k == kind for _, _, k, _ in plan.copies)


def test_independent_students_with_the_same_short_correct_functions_stay_below_the_threshold(built):
    root, plan, out, _ = built
    scores = _scores(out)
    copiers = {c for c, _, _, _ in plan.copies}
    independents = [s for s in plan.students if s not in copiers]
    alike = []
    for a, b in itertools.combinations(independents, 2):
        same = [f for f in sc.SHORT if plan.students[a][f] == plan.students[b][f] == sc.MODEL]
        if len(same) >= 4:
            alike.append((a, b))
    assert len(alike) >= 30  # the class is built so: half of it writes each short function alike
    for a, b in alike:
        assert scores.get(_shown_pair((a, b)), 0.0) < DEFAULT_THRESHOLD, (a, b)


def test_precision_and_recall_at_the_default_threshold(built):
    root, plan, out, _ = built
    scores = _scores(out)
    planted = {_shown_pair(p) for p in plan.planted()}
    flagged = {p for p, s in scores.items() if s >= DEFAULT_THRESHOLD}
    precision = len(flagged & planted) / len(flagged)
    recall = len(flagged & planted) / len(planted)
    print(f"\nsimilarity, class of {len(plan.students)}: {len(flagged)} pair(s) flagged, precision {precision:.3f}, "
          f"recall {recall:.3f}, lowest planted {min(scores[p] for p in planted):.3f}, "
          f"highest other {max(s for p, s in scores.items() if p not in planted):.3f}")
    assert recall == 1.0 and precision == 1.0


def _pair_block(page, a, b):
    a, b = escape(shown(a)), escape(shown(b))
    for block in page.split('<div class="pair">')[1:]:
        head = block.split("</h3>", 1)[0]
        if f"<code>{a}</code>" in head and f"<code>{b}</code>" in head:
            return block
    raise AssertionError(f"no block for {a} and {b}")


def test_the_page_shows_each_planted_pair_side_by_side_with_its_rare_shared_mistakes(built):
    root, plan, out, _ = built
    page = (out / "similarite.html").read_text(encoding="utf-8")
    assert "n'accuse personne" in html.unescape(page) and "<script" not in page.lower()
    assert "script-src 'none'" in html.unescape(page)
    counts = {}
    for row in plan.students.values():
        for f, variant in row.items():
            if sc.mistake_of(variant):
                counts[sc.mistake_of(variant)] = counts.get(sc.mistake_of(variant), 0) + 1
    cap = max(2, int(COMMON_SHARE * len(plan.students)))
    for copier, source, kind, rewritten in plan.copies:
        block = _pair_block(page, source, copier)
        assert block.count("<pre>") >= 2 * 5  # the matching functions, side by side
        same = {f for f in plan.students[copier] if plan.students[copier][f] == plan.students[source][f]}
        expected = {sc.mistake_of(plan.students[source][f]) for f in same} - {None}
        rare = {m for m in expected if counts[m] <= cap}
        for m in rare:
            assert f"erreur nommée {m}" in block, (copier, m)
        for m in expected - rare:
            assert f"erreur nommée {m}" not in block  # common mistakes are evidence of nothing


def test_the_page_and_csv_print_ids_and_code_as_text(built):
    root, plan, out, _ = built
    page = (out / "similarite.html").read_text(encoding="utf-8")
    assert HOSTILE_ID not in page and escape(HOSTILE_ID) in page
    assert escape(QUOTES_ID) in page and QUOTES_ID not in page
    for vector in CODE_VECTORS.values():
        assert vector not in page and escape(vector) in page
    assert str(root) not in page and "/tmp/" not in page
    text = (out / "similarite.csv").read_text(encoding="utf-8")
    assert next(csv.reader(io.StringIO(text))) == ["eleve_a", "eleve_b", "indice", "au_dessus_du_seuil"]


def test_normalisation_sees_through_renaming_layout_comments_and_constants():
    a = 'def f(z, alpha=0.01):\n    """Doc."""\n    out = np.where(z > 0, z, alpha * z)  # ReLU\n    return out * (1 / 2)\n'
    b = "def f(x, a=0.01):\n    # comment\n    y = np.where(x > 0,\n                 x, a * x)\n    return y * 0.5\n"
    c = "def f(z, alpha=0.01):\n    return np.maximum(z, alpha * z)\n"
    prints = [normalize.fingerprints(normalize.tokens_of(normalize.units(s, {"f"}, "f")["f"])) for s in (a, b, c)]
    assert prints[0] == prints[1] and prints[0] != prints[2]
    unit = normalize.units("def f(:\n    pass\n", {"f"}, "cellule")["cellule"]
    assert unit.tree is None and "comparée comme texte" in unit.note


def _small_course(tmp_path, plan_students):
    root = harness.copy_course(tmp_path)
    plan = sc.make_plan(root, plan_students, 0, seed=1)
    sources = sc.build_class(root, plan)
    return root, plan, sources


def test_bad_input_gets_a_clear_message_and_nothing_written(tmp_path, monkeypatch, capsys):
    """The command's own main, in this process (the module's fixture ran it as a process)."""
    root, plan, _ = _small_course(tmp_path, 4)
    monkeypatch.chdir(root)

    def similarity(root, *args):
        code = main(["similarity", *args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    a, b, c, d = sorted(plan.students)
    # A hand-in whose notebooks are not notebooks.
    for nb in (root / "submitted" / a / ASSIGNMENT).glob("*.ipynb"):
        nb.write_bytes(b"\x00pas du JSON {")
    # An answer that does not parse, handed in by two students: compared as text, the copy still found.
    for student in (b, c):
        sc.build_class(root, sc.Plan({student: plan.students[b]}), extra={student: {"backward_pass": "    x = (\n"}})
    code, out, err = similarity(root, ASSIGNMENT, "--out", "r1")
    assert code == 0, err
    assert "n'est pas un notebook lisible" in err and shown(a) in err
    page = html.unescape((root / "r1" / "similarite.html").read_text(encoding="utf-8"))
    assert "n'est pas un notebook lisible" in page and "backward_pass : réponse non analysable" in page
    assert "comparée comme texte" in page
    assert "pas de carnet de notes" in page  # no gradebook: the code alone, and the page says so
    assert _scores(root / "r1")[frozenset((b, c))] >= DEFAULT_THRESHOLD
    (root / "fichier.txt").write_text("x")
    for args, message in [
        ((ASSIGNMENT, "--threshold", "-1"), "seuil invalide"),
        ((ASSIGNMENT, "--threshold", "nan"), "seuil invalide"),
        (("devoir_inconnu",), "devoir inconnu"),
        ((ASSIGNMENT, "--db-url", f"sqlite:///{tmp_path / 'absent.db'}"), "pas de carnet de notes"),
        ((ASSIGNMENT, "--out", "fichier.txt"), "n'est pas un dossier"),
    ]:
        code, out, err = similarity(root, *args, *(() if "--out" in args else ("--out", "r2")))
        assert code == 2 and message in err and "Aucun fichier écrit" in err, (args, err)
        assert not (root / "r2").exists() and (root / "fichier.txt").read_text() == "x"
    # A class of one: the other hand-ins removed.
    for student in (a, c, d):
        shutil.rmtree(root / "submitted" / student)
    code, out, err = similarity(root, ASSIGNMENT, "--out", "r3")
    assert code == 2 and "classe d'un seul élève" in err and not (root / "r3").exists()


def test_the_page_opens_offline_in_chromium_with_every_payload_as_text(built, tmp_path):
    """No script, no request, the histogram drawn, the hostile id and code as text, readable at a phone's width."""
    from browser import lab

    lab.require_browser()
    root, plan, out, _ = built
    driver = lab.chromium(tmp_path, 390, 844)
    try:
        driver.get((out / "similarite.html").as_uri())
        lab.wait(driver).until(lambda d: d.execute_script("return document.readyState") == "complete")
        state = driver.execute_script("""
            const imgs = [...document.images];
            const marked = [...document.querySelectorAll('*')].filter(e => [...e.attributes].some(a => a.name.startsWith('data-xss-')));
            return {scripts: document.scripts.length, resources: performance.getEntriesByType('resource').length,
                    images: imgs.length, drawn: imgs.filter(i => i.complete && i.naturalWidth > 0 && i.src.startsWith('data:image/svg+xml')).length,
                    foreign: document.querySelectorAll('svg, iframe, object, embed, math, details[ontoggle], style:not(head style)').length,
                    marked: marked.length + (document.documentElement.getAttributeNames().some(n => n.startsWith('data-xss-')) ? 1 : 0),
                    text: document.body.innerText, pres: document.querySelectorAll('.side pre').length,
                    overflow: document.documentElement.scrollWidth - window.innerWidth};
        """)
        assert state["scripts"] == 0 and state["resources"] == 0 and state["marked"] == 0, state["marked"]
        assert state["images"] == 1 and state["drawn"] == 1 and state["foreign"] == 0
        assert HOSTILE_ID in state["text"] and QUOTES_ID in state["text"]
        for vector in CODE_VECTORS.values():
            assert vector in state["text"], vector
        assert state["pres"] >= 2 * 5 * len(plan.copies)
        assert state["overflow"] <= 1, state["overflow"]
        shot = os.environ.get("RN_SIMILARITY_SCREENSHOT")
        if shot:
            from pathlib import Path

            driver.set_window_size(1200, 1600)
            lab.screenshot(driver, Path(shot))
    finally:
        driver.quit()


def test_shared_rare_mistakes_and_identical_failures_count_and_common_ones_do_not(tmp_path):
    """Read from the gradebook's results table (nothing run), then weighed by rarity in a class of 12."""
    from sqlalchemy import create_engine

    from grading_tests.course.similarity.answers import Answers
    from grading_tests.course.similarity.mistakes import read_mistakes
    from grading_tests.course.similarity.score import explain, score_class
    from grading_tests.nbgrader_plugin import results_table

    students = [f"s{i:02d}" for i in range(12)]
    engine = create_engine(f"sqlite:///{tmp_path / 'gb.db'}")

    def row(function, mistake=None, hint=None, score=0.0):
        return {"function": function, "notebook": "-", "score": score, "max_score": 1.0, "stage": "values",
                "kind": None, "mistake": mistake, "hint": hint, "status": None}

    with engine.begin() as connection:
        results_table.ensure(connection)
        for i, s in enumerate(students):
            rows = [row("sigmoid", "sigmoid.common")]  # the whole class: evidence of nothing
            if s in ("s01", "s02"):
                rows += [row("softmax", "softmax.rare"), row("tanh", hint="renvoie 0.7616 au lieu de 0.4621")]
            rows.append(row("relu", score=1.0))
            results_table.replace(connection, ASSIGNMENT, s, rows)
    engine.dispose()
    found, note = read_mistakes(tmp_path, ASSIGNMENT, f"sqlite:///{tmp_path / 'gb.db'}", explicit=True)
    assert note is None and found["s01"] == found["s02"] and len(found["s01"]) == 3 and len(found["s03"]) == 1
    answers = []
    for i, s in enumerate(students):  # each student's code is their own: no fingerprint shared
        ans = Answers(s)
        ans.prints["relu"] = frozenset(range(100 * i, 100 * i + 20))
        answers.append(ans)
    scored, weight, share = score_class(answers, [found.get(s, set()) for s in students])
    assert [(students[p.a], students[p.b]) for p in scored.pairs] == [("s01", "s02")]
    pair = explain(scored.pairs[0], answers, [found.get(s, set()) for s in students], weight, share)
    kinds = sorted(feature[0] for feature, _ in pair.mistakes)
    assert kinds == ["nommée", "échec"] and pair.units == []
