"""The class report on a synthetic class of 64, graded once by the real class command.

Each student is the release solved with the source's answers, with known
files of ``tests/bank/wrong/`` swapped in (each states its credit and the id
of the named mistake its grader must record, checked by tests/test_bank.py);
four are the untouched release ("no work" stubs). Who gets which file comes
from a fixed plan drawn once from each student's "ability" (so that the items
correlate, as in a real class), and every expected count below comes from
that plan, never from a run. Functions that call the student's other
functions (forward_pass, backward_pass, gradient_check, train_digits_model)
hold self-contained correct versions, so that a mistake costs only the
function where it is written and the counts stay known by construction.

Also in the class: three late hand-ins (a due date in the gradebook), written
answers graded by hand for eight students and pending for the rest, an extra file (an
anomaly), a hand-in whose write is refused (a failure row), and hostile ids
(markup, quotes, ampersands) that the page must print as text.
One class run (--no-execute, two workers) is shared by every test.
"""

import csv
import datetime
import html
import io
import json
import math
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bank_cases import BANK, headers
from grading_tests.course import bank
from grading_tests.course.demo_class import with_mistakes
from grading_tests.course.handins import ASSIGNMENT, answer_cell, notebook_names, read, solved, write_submission
from grading_tests.framework import KINDS
from nbgrader_attacks import harness
from test_class_autograde import classgrade, counts

SEED = 11
PLAN_SEED = 2026
STUBS = [f"eleve_vide_{i}" for i in range(1, 5)]
HOSTILE = ['<img src=x onerror=alert(1)>', 'a"b&c\'d']
STUDENTS = [f"eleve_{i:02d}" for i in range(58)] + HOSTILE
LATE = STUDENTS[:3]
WRITTEN = ("06_1_perceptron", "q_xor")
# The solved hand-ins hold the source's model answers, which wait for a manual grade (the stubs' blank
# answers score 0 automatically); eight of them are graded by hand after the run.
WRITTEN_GIVEN = {s: float(i % 3) for i, s in enumerate(STUDENTS[10:18])}
EXTRA_FILE = STUDENTS[5]
REFUSED_WRITE = "eleve_bloque"
# Self-contained correct versions: a mistake in relu, softmax, relu_derivative or numerical_gradient costs
# that function only (forward_pass, backward_pass and gradient_check would call them).
SELF_CONTAINED = {
    "forward_pass": "correct/forward_pass/column_major.py",
    "backward_pass": "correct/backward_pass/listing3.py",
    "gradient_check": "correct/gradient_check/inline_loop_float.py",
}
# A correct train_digits_model, trained three times per student by the grader: 15 epochs of Adam reach the
# 95 % target at the class's seed, in half the time of 30.
TRAIN_BODY = '''
    def forward(X, P):
        A, cache = X, {"A0": X}
        for l in range(1, 4):
            Z = A @ P[f"W{l}"].T + P[f"b{l}"]
            if l < 3:
                A = np.maximum(Z, 0)
            else:
                E = np.exp(Z - Z.max(axis=1, keepdims=True))
                A = E / E.sum(axis=1, keepdims=True)
            cache[f"Z{l}"], cache[f"A{l}"] = Z, A
        return cache

    X = np.asarray(X_train, dtype=float)
    y = np.asarray(y_train)
    Y = np.eye(10)[y.astype(int)] if y.ndim == 1 else y.astype(float)
    rng = np.random.default_rng(0)
    dims = [X.shape[1], 128, 64, 10]
    P = {}
    for l in range(1, 4):
        P[f"W{l}"] = rng.standard_normal((dims[l], dims[l - 1])) * np.sqrt(2 / dims[l - 1])
        P[f"b{l}"] = np.zeros((1, dims[l]))
    M = {k: np.zeros_like(v) for k, v in P.items()}
    V = {k: np.zeros_like(v) for k, v in P.items()}
    t = 0
    for epoch in range(15):
        order = rng.permutation(X.shape[0])
        for start in range(0, len(order), 32):
            batch = order[start:start + 32]
            cache = forward(X[batch], P)
            dZ = (cache["A3"] - Y[batch]) / len(batch)
            t += 1
            for l in range(3, 0, -1):
                grads = {f"W{l}": dZ.T @ cache[f"A{l - 1}"], f"b{l}": dZ.sum(axis=0, keepdims=True)}
                if l > 1:
                    dZ = (dZ @ P[f"W{l}"]) * (cache[f"Z{l - 1}"] > 0)
                for k, g in grads.items():
                    M[k] = 0.9 * M[k] + 0.1 * g
                    V[k] = 0.999 * V[k] + 0.001 * g * g
                    P[k] = P[k] - 1e-3 * (M[k] / (1 - 0.9**t)) / (np.sqrt(V[k] / (1 - 0.999**t)) + 1e-8)
    return P
'''


def _mistake_files():
    """{function: [bank file with a '# mistake:' header]}: the mistakes students may make."""
    files = {}
    for path in sorted((BANK / "wrong").glob("*/*.py")):
        if headers(path, "mistake"):
            files.setdefault(path.parent.name, []).append(f"wrong/{path.parent.name}/{path.name}")
    return files


def share_of(bank_file):
    """The share of the points a bank file scores, as it states it: its credit, else 0 (a named mistake)."""
    credit = headers(BANK / bank_file, "credit")
    return KINDS[credit[0]] if credit else 0.0


def mistake_of(bank_file):
    value = headers(BANK / bank_file, "mistake")[0]
    return None if value == "-" else value


def make_plan():
    """{student: {function: bank file}}: who makes which mistake, drawn once from a fixed seed."""
    files = _mistake_files()
    rng = np.random.default_rng(PLAN_SEED)
    ability = dict(zip(STUDENTS, rng.normal(0, 1.2, len(STUDENTS))))
    difficulty = dict(zip(sorted(files), rng.normal(-0.6, 0.7, len(files))))
    plan = {s: {} for s in STUDENTS}
    for s in STUDENTS:
        for f in sorted(files):
            if rng.random() < 1 / (1 + math.exp(-1.6 * (difficulty[f] - ability[s]))):
                plan[s][f] = files[f][rng.integers(len(files[f]))]
    for f, candidates in files.items():  # every file used at least once
        for candidate in candidates:
            if not any(p.get(f) == candidate for p in plan.values()):
                plan[next(s for s in STUDENTS if f not in plan[s])][f] = candidate
    return plan


def _with_body(source, name, text):
    import ast

    node = bank._definition(ast.parse(text), name)
    start, end = bank._body_lines(node)
    body = text.split("\n")[start:end]
    target = bank._definition(ast.parse(source), name)
    s, e = bank._body_lines(target)
    lines = source.split("\n")
    return "\n".join(lines[:s] + body + lines[e:])


def build_class(root, plan):
    rel, src = root / "release" / ASSIGNMENT, root / "source" / ASSIGNMENT
    release = {n: read(rel / n) for n in notebook_names(rel)}
    base = {n: solved(release[n], read(src / n)) for n in release}
    base = with_mistakes(base, SELF_CONTAINED.items(), near_miss=False)
    for nb in base.values():
        try:
            cell = answer_cell(nb, "train_digits_model")
        except KeyError:
            continue
        signature = cell.source.split("def train_digits_model", 1)[1].split(":", 1)[0]
        cell.source = _with_body(cell.source, "train_digits_model",
                                 f"import numpy as np\n\n\ndef train_digits_model{signature}:{TRAIN_BODY}")
    submitted = root / "submitted"
    for s in STUDENTS:
        nbs = with_mistakes(base, plan[s].items(), near_miss=False)
        stamp = "2025-03-16 09:30:00.000000 UTC" if s in LATE else "2025-03-14 18:00:00.000000 UTC"
        extra = {"notes.txt": "brouillon"} if s == EXTRA_FILE else None
        write_submission(submitted / s / ASSIGNMENT, nbs, timestamp=stamp, extra_files=extra)
    for s in STUBS + [REFUSED_WRITE]:
        write_submission(submitted / s / ASSIGNMENT, release)
    (root / "autograded").mkdir(exist_ok=True)
    (root / "autograded" / REFUSED_WRITE).write_text("pas un dossier")  # the driver refuses to write there


def report(root, *args):
    proc = subprocess.run([sys.executable, "-m", "grading_tests.course", "report", ASSIGNMENT, *args], cwd=root,
                          capture_output=True, text=True, timeout=600,
                          env=dict(os.environ, PATH=os.pathsep.join([os.path.dirname(sys.executable), os.environ["PATH"]])))
    return proc.returncode, proc.stdout, proc.stderr


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """(course root, plan, class command's stdout): the synthetic class graded, its report built in rapport/."""
    from nbgrader.api import Gradebook

    root = harness.copy_course(tmp_path_factory.mktemp("rapport"), release=True)
    harness.gradebook_assignment(root)
    db_url = f"sqlite:///{root / 'gradebook.db'}"
    with Gradebook(db_url, "rn-fondamentaux-ch06") as gb:
        gb.update_or_create_assignment(ASSIGNMENT, duedate=datetime.datetime(2025, 3, 15))  # UTC, as nbgrader keeps it
    plan = make_plan()
    build_class(root, plan)
    code, out, err = classgrade(root, "--workers", "2", "--seed", str(SEED), "--no-execute", "--timeout", "600", timeout=3000)
    assert code == 0, out + err[-4000:]
    with Gradebook(db_url, "rn-fondamentaux-ch06") as gb:
        for s, score in WRITTEN_GIVEN.items():
            grade = gb.find_grade(WRITTEN[1], WRITTEN[0], ASSIGNMENT, s)
            grade.manual_score = score
        gb.db.commit()
    harness.nbgrader(root, "generate_feedback", ASSIGNMENT, f"--student={STUDENTS[0]}")
    code, stdout, stderr = report(root, "--out", "rapport")
    assert code == 0, stdout + stderr
    return root, plan, out


def _json(root):
    return json.loads((root / "rapport" / "rapport_classe.json").read_text(encoding="utf-8"))


def test_the_class_command_ran_the_class_and_ends_with_the_report_command(graded):
    root, plan, out = graded
    assert counts(out)["notés"] == len(STUDENTS) + len(STUBS) and counts(out)["échecs"] == 1
    assert out.rstrip().splitlines()[-2].endswith(f"python -m grading_tests.course report {ASSIGNMENT}")


def test_every_count_is_the_one_built_in(graded):
    root, plan, _ = graded
    data = _json(root)
    n = len(STUDENTS) + len(STUBS)
    assert data["summary"]["n"] == n
    items = {item["function"]: item for item in data["items"]}
    for function, item in items.items():
        files = {s: plan[s].get(function) for s in STUDENTS}
        expected = {}
        for s, f in files.items():
            if f and mistake_of(f):
                expected.setdefault(mistake_of(f), []).append(s)
        got = {m["id"]: sorted(m["students"]) for m in item["mistakes"]}
        assert got == {k: sorted(v) for k, v in expected.items()}, function
        for m in item["mistakes"]:
            assert m["count"] == len(m["students"]) and m["share"] == pytest.approx(m["count"] / n)
        zeros = len(STUBS) + sum(1 for f in files.values() if f and share_of(f) == 0)
        full = sum(1 for f in files.values() if f is None)
        near = sum(1 for f in files.values() if f and headers(BANK / f, "credit") == ["near_miss"])
        no_work = len(STUBS) + sum(1 for f in files.values() if f and headers(BANK / f, "credit") == ["no_work"])
        assert round(item["zero"] * n) == zeros, function
        assert round(item["full"] * n) == full, function
        assert round(item["near_miss"] * n) == near, function
        assert round(item["no_work"] * n) == no_work, function
    assert sum(len(i["mistakes"]) for i in data["items"]) >= 25  # the class makes many different mistakes
    per_student = {st["id"]: st for st in data["students"]}
    for s in STUDENTS:
        assert sorted(per_student[s]["mistakes"]) == sorted(mistake_of(f) for f in plan[s].values() if mistake_of(f))


def _gradebook_matrix(root, functions):
    db = sqlite3.connect(f"file:{root / 'gradebook.db'}?mode=ro", uri=True)
    rows = db.execute(
        """SELECT sa.student_id, bc.name, COALESCE(g.manual_score, g.auto_score, 0) FROM grade g
           JOIN submitted_notebook sn ON g.notebook_id = sn.id JOIN submitted_assignment sa ON sn.assignment_id = sa.id
           JOIN base_cell bc ON g.cell_id = bc.id WHERE bc.name LIKE 'test_%'"""
    ).fetchall()
    students = sorted({r[0] for r in rows})
    index = {f"test_{f}": j for j, f in enumerate(functions)}
    x = np.zeros((len(students), len(functions)))
    for s, cell, score in rows:
        x[students.index(s), index[cell]] = score
    return x


def test_alpha_and_discriminations_match_an_independent_computation(graded):
    root, _, _ = graded
    data = _json(root)
    functions = [i["function"] for i in data["items"]]
    x = _gradebook_matrix(root, functions)
    k = x.shape[1]
    alpha = k / (k - 1) * (1 - np.var(x, axis=0, ddof=1).sum() / np.var(x.sum(axis=1), ddof=1))
    assert data["summary"]["alpha"] == pytest.approx(alpha, abs=1e-9)
    assert data["summary"]["sem"] == pytest.approx(np.std(x.sum(axis=1), ddof=1) * np.sqrt(1 - max(alpha, 0)), abs=1e-9)
    for j, item in enumerate(data["items"]):
        rest = x.sum(axis=1) - x[:, j]
        if np.std(x[:, j]) == 0:
            assert item["discrimination"] is None
            continue
        r = np.corrcoef(x[:, j], rest)[0, 1]
        assert item["discrimination"] == pytest.approx(r, abs=1e-9), item["function"]
        half = 1.959963984540054 / np.sqrt(len(x) - 3)
        assert item["discrimination_low"] == pytest.approx(np.tanh(np.arctanh(r) - half), abs=1e-9)
        assert ("à revoir" in item["flags"]) == (r < 0.2 and item["facility"] < 0.95)
    assert 0.5 < alpha < 1  # the plan's items correlate, as a real class's do


def test_written_answers_late_hand_ins_anomalies_and_failures(graded):
    root, _, _ = graded
    data = _json(root)
    written = next(w for w in data["written"] if w["name"] == WRITTEN[1])
    assert (written["graded"], written["pending"]) == (len(WRITTEN_GIVEN) + len(STUBS), len(STUDENTS) - len(WRITTEN_GIVEN))
    assert sorted(written["scores"]) == sorted(list(WRITTEN_GIVEN.values()) + [0.0] * len(STUBS))
    assert sorted(l["student"] for l in data["late"]) == sorted(LATE)
    assert all(l["seconds"] == 33.5 * 3600 for l in data["late"])
    assert any(a["student"] == EXTRA_FILE for a in data["anomalies"])
    assert [f["student"] for f in data["failures"]] == [REFUSED_WRITE]
    assert REFUSED_WRITE not in [st["id"] for st in data["students"]]


def test_csv_holds_the_per_function_figures(graded):
    root, _, _ = graded
    data = _json(root)
    rows = list(csv.DictReader(io.StringIO((root / "rapport" / "rapport_classe.csv").read_text(encoding="utf-8"))))
    assert [r["fonction"] for r in rows] == [i["function"] for i in data["items"]]
    for row, item in zip(rows, data["items"]):
        assert float(row["moyenne"]) == pytest.approx(item["mean"], abs=1e-6)
        for m in item["mistakes"]:
            assert f"{m['id']}={m['count']}" in row["erreurs_nommees"]
    assert not any(s in (root / "rapport" / "rapport_classe.csv").read_text() for s in STUDENTS)


def test_the_page_prints_ids_as_text_and_links_feedback(graded):
    root, _, _ = graded
    page = (root / "rapport" / "rapport_classe.html").read_text(encoding="utf-8")
    assert "<script" not in page.lower() and "script-src 'none'" in html.unescape(page)
    assert HOSTILE[0] not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert str(root) not in page and "/tmp/" not in page
    href = f"../feedback/{STUDENTS[0]}/{ASSIGNMENT}/06_1_perceptron.html"
    assert f'href="{href}"' in page and (root / "rapport" / href).resolve().is_file()


def test_bad_input_gets_a_clear_error_and_nothing_written(graded, tmp_path):
    root, _, _ = graded
    db = tmp_path / "copie.db"
    shutil.copy2(root / "gradebook.db", db)
    con = sqlite3.connect(db)
    con.execute("DELETE FROM rn_ch06_grader_results WHERE student IN (?, ?)", (STUDENTS[0], STUDENTS[1]))
    con.commit()
    con.close()
    code, out, err = report(root, "--db-url", f"sqlite:///{db}", "--out", str(tmp_path / "a"))
    assert code == 2 and "2 élève(s) sans résultats détaillés" in err and "--force" in err and not (tmp_path / "a").exists()
    code, out, err = report(root, "--db-url", f"sqlite:///{db}", "--out", str(tmp_path / "b"), "--force")
    assert code == 0, err
    forced = json.loads((tmp_path / "b" / "rapport_classe.json").read_text())
    assert sorted(forced["without_results"]) == sorted(STUDENTS[:2])
    assert all(STUDENTS[0] not in m["students"] for i in forced["items"] for m in i["mistakes"])
    # A gradebook whose graded cells are not the course's.
    shutil.copy2(root / "gradebook.db", db)
    con = sqlite3.connect(db)
    con.execute("UPDATE grade_cells SET max_score = 7 WHERE id = (SELECT id FROM base_cell WHERE name = 'test_relu')")
    con.commit()
    con.close()
    code, out, err = report(root, "--db-url", f"sqlite:///{db}", "--out", str(tmp_path / "c"))
    assert code == 2 and "ne correspond pas au cours" in err and not (tmp_path / "c").exists()
    # An empty class: the assignment, and nobody graded (every submission removed).
    shutil.copy2(root / "gradebook.db", db)
    con = sqlite3.connect(db)
    for table in ("grade", "comment", "submitted_notebook", "submitted_assignment"):
        con.execute(f"DELETE FROM {table}")
    con.commit()
    con.close()
    code, out, err = report(root, "--db-url", f"sqlite:///{db}", "--out", str(tmp_path / "e"))
    assert code == 2 and "classe vide" in err and not (tmp_path / "e").exists()
    # A gradebook without the assignment at all.
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{tmp_path / 'autre.db'}"):
        pass
    code, out, err = report(root, "--db-url", f"sqlite:///{tmp_path / 'autre.db'}", "--out", str(tmp_path / "d"))
    assert code == 2 and "ne correspond pas au cours" in err and not (tmp_path / "d").exists()


def test_the_page_opens_offline_in_chromium(graded, tmp_path):
    """No script, no network, figures and maths drawn, readable at a phone's width."""
    from browser import lab

    lab.require_browser()
    root, _, _ = graded
    page = root / "rapport" / "rapport_classe.html"
    driver = lab.chromium(tmp_path, 390, 844)
    try:
        driver.get(page.as_uri())
        lab.wait(driver).until(lambda d: d.execute_script("return document.readyState") == "complete")
        state = driver.execute_script("""
            const imgs = [...document.images];
            const maths = [...document.querySelectorAll('math')];
            return {scripts: document.scripts.length, resources: performance.getEntriesByType('resource').length,
                    images: imgs.length, drawn: imgs.filter(i => i.complete && i.naturalWidth > 0 && i.src.startsWith('data:image/svg+xml')).length,
                    maths: maths.length, mathsDrawn: maths.filter(m => m.getBoundingClientRect().width > 20).length,
                    overflow: document.documentElement.scrollWidth - window.innerWidth, alerted: window.__alerted || null};
        """)
        assert state["scripts"] == 0 and state["resources"] == 0 and state["alerted"] is None, state
        assert state["images"] >= 3 and state["drawn"] == state["images"], state
        assert state["maths"] >= 3 and state["mathsDrawn"] == state["maths"], state
        assert state["overflow"] <= 1, state  # nothing wider than a phone: wide tables scroll in their box
        shot = os.environ.get("RN_REPORT_SCREENSHOT")
        if shot:
            driver.set_window_size(1200, 1600)
            lab.screenshot(driver, Path(shot))
    finally:
        driver.quit()
