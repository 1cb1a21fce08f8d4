"""The student notebooks of source/06_reseaux_de_neurones.

Structure (nbgrader metadata, layout of each part, graded cells that match the
graders), solutions (the reference bodies, verbatim), what the release hides
(solutions and mark schemes), the helper modules shipped to students, and the
notebooks themselves: they run top to bottom, draw their figures, and get full
marks from the graders.
"""

from __future__ import annotations

import ast
import builtins
import copy
import inspect
import json
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbgrader.nbgraderformat import MetadataValidator
from nbgrader.preprocessors import ClearMarkScheme, ClearOutput, ClearSolutions

import reference_impl
from grading_tests import graders  # noqa: F401  (registers every grader)
from grading_tests.framework import GRADERS


ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = ROOT / "source" / "06_reseaux_de_neurones"
PYTHON = sys.executable

# The graded functions and questions of each notebook, in order.
CONTENTS = {
    "06_1_perceptron.ipynb": ["perceptron_update"],
    "06_2_activations.ipynb": [
        "sigmoid", "tanh", "relu", "leaky_relu",
        "sigmoid_derivative", "tanh_derivative", "relu_derivative", "leaky_relu_derivative",
        "derivee_sigmoid_en_0",
    ],
    "06_3_propagation.ipynb": ["softmax", "forward_pass", "nombre_parametres", "backward_pass"],
    "06_4_entrainement.ipynb": [
        "initialize_parameters", "dropout_forward", "adam_update", "numerical_gradient", "gradient_check",
        "train_digits_model", "nombre_parametres_digits", "iterations_par_epoch",
    ],
    "06_5_regularisation.ipynb": [],
}
# The six open questions of §17.1, manually graded, in the notebook that teaches them.
OPEN_QUESTIONS = {
    "06_1_perceptron.ipynb": ["q_xor"],
    "06_2_activations.ipynb": ["q_vanishing", "q_relu"],
    "06_3_propagation.ipynb": ["q_softmax_ce"],
    "06_4_entrainement.ipynb": ["q_init_zero", "q_batch_epoch"],
    "06_5_regularisation.ipynb": [],
}
# Figures each notebook draws when it runs (image outputs, at least).
FIGURES = {
    "06_1_perceptron.ipynb": 4,
    "06_2_activations.ipynb": 2,
    "06_3_propagation.ipynb": 3,
    "06_4_entrainement.ipynb": 4,  # + the misclassified digits, when there are any
    "06_5_regularisation.ipynb": 5,
}
FUNCTIONS = [n for names in CONTENTS.values() for n in names if n in dir(reference_impl)]
QUESTIONS = [n for names in CONTENTS.values() for n in names if n not in FUNCTIONS]


def _load(name):
    return nbformat.read(ASSIGNMENT / name, as_version=4)


NOTEBOOKS = {name: _load(name) for name in CONTENTS}


def _meta(cell):
    return cell.metadata.get("nbgrader", {})


def _cells(name, **wanted):
    return [c for c in NOTEBOOKS[name].cells if all(_meta(c).get(k) == v for k, v in wanted.items())]


def _by_id(name):
    return {_meta(c).get("grade_id"): (i, c) for i, c in enumerate(NOTEBOOKS[name].cells)}


def _notebook_of(item):
    return next(name for name, names in CONTENTS.items() if item in names)


# --------------------------------------------------------------- structure
def test_the_assignment_holds_exactly_these_notebooks():
    assert sorted(p.name for p in ASSIGNMENT.glob("*.ipynb")) == sorted(CONTENTS)


@pytest.mark.parametrize("name", CONTENTS)
def test_stored_without_outputs_with_stable_ids(name):
    nb = NOTEBOOKS[name]
    assert (nb.nbformat, nb.nbformat_minor) >= (4, 5)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    ids = [c.get("id") for c in nb.cells]
    assert all(ids) and len(set(ids)) == len(ids)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{name}, {cell.id}: outputs stored"
            assert cell.execution_count is None, f"{name}, {cell.id}: execution count stored"
    nbformat.validate(nb)


@pytest.mark.parametrize("name", CONTENTS)
def test_nbgrader_metadata_is_valid_and_everything_provided_is_read_only(name):
    nb = copy.deepcopy(NOTEBOOKS[name])
    MetadataValidator().validate_nb(nb)
    for cell in nb.cells:
        meta = _meta(cell)
        assert meta.get("schema_version") == 3, f"{name}, {cell.id}: no nbgrader metadata"
        if not meta["solution"]:
            assert meta["locked"], f"{name}, {cell.id}: provided cell not read-only"


def test_graded_code_cells_match_registered_graders():
    seen = []
    for name in CONTENTS:
        for cell in _cells(name, grade=True):
            if cell.cell_type != "code":
                continue
            grade_id = _meta(cell)["grade_id"]
            assert grade_id.startswith("test_"), grade_id
            target = grade_id[len("test_"):]
            assert target in GRADERS, f"{name}: no grader for {grade_id}"
            assert _meta(cell)["points"] == GRADERS[target].points, f"{grade_id}: points differ from the grader's"
            assert _meta(cell)["locked"] and not _meta(cell)["solution"]
            seen.append(target)
    assert sorted(seen) == sorted(GRADERS), "every grader has exactly one graded cell"
    assert len(seen) == len(set(seen))


def test_graded_test_cells_hold_only_the_visible_check():
    """The score comes from the graders; the cell itself only reruns the visible
    check, so that Validate (and nbgrader without the course's plug-in) fails
    on a stub instead of passing an empty cell."""
    for name in CONTENTS:
        for cell in _cells(name, grade=True):
            if cell.cell_type == "code":
                source = cell.source
                code = [line for line in source.splitlines() if line.strip() and not line.startswith("#")]
                target = _meta(cell)["grade_id"][len("test_"):]
                expected = f"verifier_{target}(" if GRADERS[target].kind == "function" else f'verifier_reponse("{target}", {target})'
                assert len(code) == 1 and code[0].startswith(expected), source
                assert "grading_tests" not in source and "reference_impl" not in source
                assert "HIDDEN TESTS" not in source


@pytest.mark.parametrize("function", FUNCTIONS)
def test_each_graded_function_has_its_part_in_the_house_layout(function):
    name = _notebook_of(function)
    cells = NOTEBOOKS[name].cells
    i, solution = _by_id(name)[function]
    header, check, graded = cells[i - 1], cells[i + 1], cells[i + 2]
    points = GRADERS[function].points
    match = re.match(r"## Partie \d+ — .+ \((\d+) points?\)", header.source)
    assert header.cell_type == "markdown" and match, header.source[:80]
    assert float(match.group(1)) == points
    assert "§" in header.source, "the part links the chapter's section"
    assert _meta(solution) == {"grade": False, "grade_id": function, "locked": False, "schema_version": 3, "solution": True, "task": False}
    assert check.cell_type == "code" and f"verifier_{function}({function}" in check.source
    assert _meta(check)["locked"] and not _meta(check)["grade"] and not _meta(check)["solution"]
    assert _meta(graded) == {
        "grade": True, "grade_id": f"test_{function}", "locked": True, "points": points,
        "schema_version": 3, "solution": False, "task": False,
    }
    assert "hors du notebook" in graded.source and "aléatoires" in graded.source


@pytest.mark.parametrize("question", QUESTIONS)
def test_each_question_is_answered_in_a_solution_cell_before_its_graded_cell(question):
    name = _notebook_of(question)
    ids = _by_id(name)
    i, solution = ids[question]
    j, graded = ids[f"test_{question}"]
    assert j == i + 1 and _meta(solution)["solution"]
    tree = ast.parse(solution.source)
    assigned = [t.id for node in tree.body if isinstance(node, ast.Assign) for t in node.targets if isinstance(t, ast.Name)]
    assert assigned == [question]


# -------------------------------------------------------------- solutions
def _function_node(source, function):
    tree = ast.parse(source)
    nodes = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == function]
    assert len(nodes) == 1, f"{function} defined {len(nodes)} times"
    return nodes[0]


def _without_docstring(body):
    first = body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        return body[1:]
    return body


@pytest.mark.parametrize("function", FUNCTIONS)
def test_solution_is_the_reference_body_verbatim(function):
    name = _notebook_of(function)
    _, cell = _by_id(name)[function]
    mine = _function_node(cell.source, function)
    reference = _function_node(inspect.getsource(getattr(reference_impl, function)), function)
    assert ast.dump(mine.args) == ast.dump(reference.args), f"{function}: signature differs from the reference"
    assert mine.returns is None and not mine.decorator_list
    got = [ast.dump(s) for s in _without_docstring(mine.body)]
    expected = [ast.dump(s) for s in _without_docstring(reference.body)]
    assert got == expected, f"{function}: the body is not the reference's"
    docstring = ast.get_docstring(mine)
    assert docstring and "Paramètres" in docstring and "Renvoie" in docstring and "forme" in docstring


@pytest.mark.parametrize("function", FUNCTIONS)
def test_solution_cells_depend_only_on_numpy_and_graded_functions(function):
    _, cell = _by_id(_notebook_of(function))[function]
    tree = ast.parse(cell.source)
    assert len(tree.body) == 1, "the cell holds the function and nothing else"
    node = tree.body[0]
    assigned = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    assigned |= {a.arg for a in ast.walk(node) if isinstance(a, ast.arg)}
    loaded = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    free = loaded - assigned - set(dir(builtins))
    allowed = {"np"} | set(FUNCTIONS)
    assert free <= allowed, f"{function} reads {sorted(free - allowed)}"


# ------------------------------------------------------- open questions
@pytest.mark.parametrize("name", CONTENTS)
def test_open_questions_are_manual_answers_that_end_with_their_mark_scheme(name):
    """Each written answer follows its question (a locked read-only cell) and ends
    with its rubric. No 0-point task cell: nbgrader would flag every submission
    for manual grading forever."""
    assert not _cells(name, task=True), f"{name}: a task cell (nbgrader flags it for manual grading forever)"
    answers = [c for c in _cells(name, grade=True, solution=True) if c.cell_type == "markdown"]
    assert [_meta(c)["grade_id"] for c in answers] == OPEN_QUESTIONS[name]
    ids = _by_id(name)
    for answer in answers:
        grade_id = _meta(answer)["grade_id"]
        i, _ = ids[grade_id]
        question = NOTEBOOKS[name].cells[i - 1]
        assert _meta(answer)["points"] > 0 and not _meta(answer)["locked"]
        assert _meta(answer)["task"] is False
        assert question.cell_type == "markdown"
        assert _meta(question) == {
            "grade": False, "grade_id": f"question_{grade_id[2:]}", "locked": True,
            "schema_version": 3, "solution": False, "task": False,
        }
        assert "§17.1" in question.source and "MARK SCHEME" not in question.source
        # The rubric closes the answer cell, after the model answer: the release keeps
        # the stub, and autograde puts the rubric back under the student's answer.
        assert re.search(r"### END SOLUTION\n\n=== BEGIN MARK SCHEME ===.*Barème.*=== END MARK SCHEME ===\Z", answer.source, re.S)
        assert "### BEGIN SOLUTION" in answer.source


@pytest.mark.parametrize("name", CONTENTS)
def test_mark_schemes_only_close_written_answers(name):
    for cell in NOTEBOOKS[name].cells:
        if "MARK SCHEME" in cell.source:
            assert _meta(cell).get("grade_id", "").startswith("q_"), f"{name}: a mark scheme outside a written answer"


def test_six_open_questions_in_all():
    assert sum(len(v) for v in OPEN_QUESTIONS.values()) == 6


def _release(nb):
    """What nbgrader generate_assignment does to the text of the cells."""
    nb = copy.deepcopy(nb)
    resources = {}
    for preprocessor in (ClearSolutions(), ClearMarkScheme(enforce_metadata=False), ClearOutput()):
        nb, resources = preprocessor.preprocess(nb, resources)
    return nb


@pytest.mark.parametrize("name", CONTENTS)
def test_release_hides_solutions_model_answers_and_rubrics(name):
    released = _release(NOTEBOOKS[name])
    text = "\n".join(c.source for c in released.cells)
    for marker in ["BEGIN SOLUTION", "END SOLUTION", "MARK SCHEME", "Barème", "pour le correcteur"]:
        assert marker not in text, f"{name}: {marker!r} reaches the students"
    for function in CONTENTS[name]:
        if function in FUNCTIONS:
            _, cell = _by_id(name)[function]
            i = NOTEBOOKS[name].cells.index(cell)
            node = _function_node(released.cells[i].source, function)
            body = _without_docstring(node.body)
            assert len(body) == 1 and isinstance(body[0], ast.Raise), f"{function}: the release keeps code"
            assert ast.get_docstring(node), f"{function}: the release lost its docstring"
    for original, cell in zip(NOTEBOOKS[name].cells, released.cells):
        if _meta(original).get("grade_id", "").startswith("question_"):
            assert cell.source.strip() and "§17.1" in cell.source, "the question itself stays"


# -------------------------------------------------------- helper modules
def _defined_functions(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.name: n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}


@pytest.mark.parametrize("module", ["outils_cours.py", "verifications.py"])
def test_helper_modules_hold_no_solution(module):
    path = ASSIGNMENT / module
    source = path.read_text(encoding="utf-8")
    assert "reference_impl" not in source and "grading_tests" not in source
    defined = _defined_functions(path)
    assert not set(defined) & set(FUNCTIONS), "a graded function is defined in a shipped module"
    reference_bodies = {
        f: [ast.dump(s) for s in _without_docstring(_function_node(inspect.getsource(getattr(reference_impl, f)), f).body)]
        for f in FUNCTIONS
    }
    for node in defined.values():
        body = [ast.dump(s) for s in _without_docstring(node.body)]
        for function, reference in reference_bodies.items():
            assert body != reference, f"{module}: {node.name} is the reference {function}"


def test_charger_fonctions_loads_solution_cells_and_survives_unfinished_ones(tmp_path, capsys):
    sys.path.insert(0, str(ASSIGNMENT))
    try:
        from outils_cours import charger_fonctions
    finally:
        sys.path.remove(str(ASSIGNMENT))
    namespace = {}
    names = charger_fonctions(ASSIGNMENT / "06_2_activations.ipynb", namespace)
    assert {"sigmoid", "relu", "leaky_relu_derivative", "derivee_sigmoid_en_0"} <= set(names)
    assert np.allclose(namespace["relu"](np.array([-1.0, 2.0])), [0.0, 2.0])
    assert "8 fonction(s) faite(s)" in capsys.readouterr().out

    stub = tmp_path / "06_2_activations.ipynb"
    nbformat.write(_release(NOTEBOOKS["06_2_activations.ipynb"]), stub)
    namespace = {}
    charger_fonctions(stub, namespace)
    out = capsys.readouterr().out
    assert "pas encore faite (NotImplementedError)" in out  # the question cell, not yet answered
    # The stubs are named as still to do, not counted as loaded; the question by its variable.
    assert "0 fonction(s) faite(s) : aucune ; 8 encore à faire" in out, out
    assert "sigmoid, tanh, relu, leaky_relu, sigmoid_derivative" in out, out
    assert "la cellule de derivee_sigmoid_en_0 : pas encore faite" in out, out
    assert "cellule 9" not in out
    with pytest.raises(NotImplementedError):
        namespace["sigmoid"](0.0)


# ------------------------------------------------------- French text
FRENCH = {"le", "la", "les", "de", "des", "du", "un", "une", "est", "et", "pour", "dans", "sur", "avec", "vos", "votre", "chaque", "par", "pas", "qui", "que", "au", "aux"}
ENGLISH = {"the", "and", "with", "which", "returns", "parameters", "shape", "of"}


@pytest.mark.parametrize("name", CONTENTS)
def test_text_cells_are_french(name):
    for cell in NOTEBOOKS[name].cells:
        if cell.cell_type != "markdown":
            continue
        plain = re.sub(r"\$\$.*?\$\$", " ", cell.source.lower(), flags=re.S)
        plain = re.sub(r"\$[^$]*\$|`[^`]*`", " ", plain)
        words = re.findall(r"[a-zàâçéèêëîïôûùüÿœ']+", plain)
        if len(words) < 8:
            continue
        french = sum(w in FRENCH for w in words)
        english = sum(w in ENGLISH for w in words)
        assert french >= max(1, len(words) // 25) and english <= 1, f"{name}, {cell.id}: not French? {cell.source[:100]!r}"


@pytest.mark.parametrize("function", FUNCTIONS)
def test_docstrings_are_french(function):
    _, cell = _by_id(_notebook_of(function))[function]
    docstring = ast.get_docstring(_function_node(cell.source, function))
    assert "Parameters" not in docstring and "Returns" not in docstring


# ------------------------------------------------ running the notebooks
def _copy_assignment(tmp_path):
    folder = tmp_path / "06_reseaux_de_neurones"
    shutil.copytree(ASSIGNMENT, folder, ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
    return folder


def _execute(folder, name):
    result = subprocess.run(
        [PYTHON, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
         "--ExecutePreprocessor.timeout=120", "--stdout", name],
        cwd=folder, capture_output=True, text=True, timeout=600,
        env=dict(os.environ, PYTHONPATH=""),
    )
    return result


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    folder = _copy_assignment(tmp_path_factory.mktemp("execution"))
    # Two at a time: each kernel runs single-threaded BLAS.
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = dict(zip(CONTENTS, pool.map(lambda n: _execute(folder, n), CONTENTS)))
    return results


@pytest.mark.parametrize("name", CONTENTS)
def test_notebook_runs_top_to_bottom_and_draws_its_figures(executed, name):
    result = executed[name]
    assert result.returncode == 0, result.stderr[-3000:]
    nb = nbformat.reads(result.stdout, as_version=4)
    images = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        outputs = cell.outputs
        errors = [o for o in outputs if o.output_type == "error"]
        assert not errors, f"{cell.id}: {errors[0].ename}: {errors[0].evalue}"
        stderr = "".join(o.text for o in outputs if o.output_type == "stream" and o.name == "stderr")
        assert not stderr, f"{cell.id} writes to stderr:\n{stderr}"
        cell_images = sum("image/png" in o.get("data", {}) for o in outputs)
        if cell.id.startswith("figure") and cell.id != "figure-mal-classes":
            assert cell_images >= 1, f"{cell.id}: no figure"
        images += cell_images
        if cell.id.startswith("verif"):
            text = "".join(o.get("text", "") for o in outputs)
            assert text.startswith("✓"), f"{cell.id}: {text!r}"
        if cell.id == "bilan":  # every check above passed: the summary says so
            text = "".join(o.get("text", "") for o in outputs)
            assert "Toutes les vérifications de ce notebook passent" in text and "- " not in text, text
    assert images >= FIGURES[name]


def test_digits_model_reaches_the_goal_in_the_notebook(executed):
    nb = nbformat.reads(executed["06_4_entrainement.ipynb"].stdout, as_version=4)
    cell = next(c for c in nb.cells if c.id == "evaluation")
    text = "".join(o.get("text", "") for o in cell.outputs)
    accuracy = float(re.search(r"précision sur le test (\d+\.\d)%", text).group(1))
    assert accuracy > 95.0, text


# ---------------------------------------------------------- grading
def test_source_notebooks_get_full_marks_from_the_command_line():
    result = subprocess.run(
        [PYTHON, "-m", "grading_tests", str(ASSIGNMENT), "--json", "--seed", "20240601"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout)
    functions = report["functions"]
    assert sorted(functions) == sorted(n for n, g in GRADERS.items() if g.kind == "function")
    for function, entry in functions.items():
        assert entry["score"] == entry["max_score"], f"{function}:\n" + "\n".join(entry["feedback"])


def test_source_notebooks_answer_the_questions_right():
    from grading_tests.runner import grade_submission

    report = grade_submission(ASSIGNMENT, seed=0, names=QUESTIONS, include_questions=True)
    for question, entry in report["functions"].items():
        assert entry["score"] == entry["max_score"], f"{question}:\n" + "\n".join(entry["feedback"])


# ------------------------------------------------- verifications.py
def _verify(folder, *names):
    return subprocess.run(
        [PYTHON, "verifications.py", *names], cwd=folder, capture_output=True, text=True, timeout=600,
        env=dict(os.environ, PYTHONPATH=""),
    )


def test_verifications_command_passes_on_the_source_notebooks(tmp_path):
    folder = _copy_assignment(tmp_path)
    result = _verify(folder)
    assert result.returncode == 0, result.stdout + result.stderr
    for names in CONTENTS.values():
        for function in names:
            if function in FUNCTIONS:
                assert f"✓ {function} :" in result.stdout
    assert "Tout est vérifié." in result.stdout


def test_verifications_command_fails_on_a_release(tmp_path):
    folder = _copy_assignment(tmp_path)
    for name in CONTENTS:
        nbformat.write(_release(NOTEBOOKS[name]), folder / name)
    result = _verify(folder)
    assert result.returncode != 0
    assert "… sigmoid : pas encore fait (NotImplementedError)." in result.stdout
    assert "Bilan 06_2_activations.ipynb : 0 réussie(s), 0 en échec, 8 pas encore faite(s)." in result.stdout
    # One notebook done, checked on its own: it passes while the others are stubs.
    shutil.copy(ASSIGNMENT / "06_1_perceptron.ipynb", folder / "06_1_perceptron.ipynb")
    result = _verify(folder, "06_1_perceptron.ipynb")
    assert result.returncode == 0, result.stdout


def test_verifications_command_survives_a_notebook_that_exits(tmp_path):
    folder = _copy_assignment(tmp_path)
    nb = copy.deepcopy(NOTEBOOKS["06_1_perceptron.ipynb"])
    _, cell = next((i, c) for i, c in enumerate(nb.cells) if _meta(c).get("grade_id") == "perceptron_update")
    cell.source = "import os\nos._exit(3)"
    nbformat.write(nb, folder / "06_1_perceptron.ipynb")
    result = _verify(folder, "06_1_perceptron.ipynb", "06_2_activations.ipynb")
    assert result.returncode != 0
    assert "06_1_perceptron.ipynb : la vérification s'est arrêtée (code 3)" in result.stdout
    assert "Bilan 06_2_activations.ipynb : 8 réussie(s)" in result.stdout


def _verifications():
    sys.path.insert(0, str(ASSIGNMENT))
    try:
        import verifications
    finally:
        sys.path.remove(str(ASSIGNMENT))
    return verifications


@pytest.mark.parametrize("function", [f for f in FUNCTIONS if f != "train_digits_model"])
def test_visible_checks_accept_the_reference(function, capsys):
    getattr(_verifications(), f"verifier_{function}")(getattr(reference_impl, function))
    assert capsys.readouterr().out.startswith(f"✓ {function} :")


def _no_mean_backward(y_true, cache, parameters):
    m = y_true.shape[0]
    return {k: v * m for k, v in reference_impl.backward_pass(y_true, cache, parameters).items()}


def _adam_without_bias_correction(parameters, grads, m, v, t, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8):
    new_p, new_m, new_v = {}, {}, {}
    for name, theta in parameters.items():
        g = grads["d" + name]
        new_m["d" + name] = beta1 * m["d" + name] + (1 - beta1) * g
        new_v["d" + name] = beta2 * v["d" + name] + (1 - beta2) * g**2
        new_p[name] = theta - learning_rate * new_m["d" + name] / (np.sqrt(new_v["d" + name]) + epsilon)
    return new_p, new_m, new_v


def _relative_to_numeric_only(f, theta, grad_analytic, epsilon):
    numeric = reference_impl.numerical_gradient(f, theta, epsilon)
    return float(np.linalg.norm(numeric - grad_analytic) / np.linalg.norm(numeric))


def test_the_summary_counts_what_the_checks_found_function_by_function(capsys):
    verifications = _verifications()
    verifications.RESULTATS.clear()

    def stub(z):
        raise NotImplementedError()

    verifications.verifier_relu(reference_impl.relu)
    with pytest.raises(NotImplementedError):
        verifications.verifier_sigmoid(stub)
    with pytest.raises(AssertionError):
        verifications.verifier_tanh(lambda z: np.asarray(z, dtype=float))
    capsys.readouterr()
    verifications.bilan("06_2_activations.ipynb")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Notebook 2/5 (06_2_activations.ipynb) : 1/8 fonction(s) réussie(s)."
    assert "  - sigmoid : pas encore faite" in lines and "  - tanh : en échec" in lines
    assert "  - leaky_relu : pas encore vérifiée (exécutez sa cellule de vérification)" in lines
    assert not any("relu :" in line and "leaky" not in line for line in lines[1:])
    # Fixed and checked again: counted.
    verifications.verifier_tanh(reference_impl.tanh)
    verifications.bilan("06_2_activations.ipynb")
    assert "2/8 fonction(s) réussie(s)" in capsys.readouterr().out
    verifications.RESULTATS.clear()


@pytest.mark.parametrize("name", [n for n in CONTENTS if n != "06_5_regularisation.ipynb"])
def test_each_notebook_with_functions_ends_with_its_summary(name):
    last = NOTEBOOKS[name].cells[-1]
    assert _meta(last)["grade_id"] == "bilan" and _meta(last)["locked"] and last.cell_type == "code"
    assert last.source.strip().endswith(f'bilan("{name}")')


# (function checked, wrong implementation, piece of the message that names the mistake)
MISTAKES = [
    ("relu_derivative", lambda z: (np.asarray(z) >= 0).astype(float), "0 en z = 0"),
    ("sigmoid_derivative", lambda z: np.asarray(z) * (1 - np.asarray(z)), "l'argument est z, pas σ(z)"),
    ("leaky_relu", lambda z, alpha=0.01: np.where(np.asarray(z) > 0, z, 0.01 * np.asarray(z)), "utilisez l'argument alpha"),
    ("softmax", lambda Z: np.exp(Z) / np.sum(np.exp(Z), axis=0, keepdims=True), "axe des classes"),
    ("backward_pass", _no_mean_backward, "1/m"),
    ("initialize_parameters", reference_impl.initialization.initialize_parameters_xavier, "Xavier"),
    ("adam_update", _adam_without_bias_correction, "correction de biais"),
    ("dropout_forward", lambda A, keep_prob=0.5, training=True, rng=None: (A, np.ones(A.shape, bool)) if training else (A, None),
     "A * mask / keep_prob"),
    # Listing 7's denominator without ‖ana‖.
    ("gradient_check", lambda f, theta, grad_analytic, epsilon=1e-7: _relative_to_numeric_only(f, theta, grad_analytic, epsilon), "1/3"),
]


@pytest.mark.parametrize("function,wrong,message", MISTAKES, ids=[m[0] for m in MISTAKES])
def test_visible_checks_reject_a_named_mistake(function, wrong, message):
    with pytest.raises(AssertionError) as error:
        getattr(_verifications(), f"verifier_{function}")(wrong)
    assert message in str(error.value), str(error.value)


# ------------------------------------------------ opening without changes
@pytest.mark.parametrize("folder", ["source", "release"])
def test_notebooks_carry_the_language_info_the_kernel_reports(folder):
    """JupyterLab writes the kernel's language_info into a notebook it opens: a
    notebook that already carries it opens clean (not "modified")."""
    from ipykernel.ipkernel import IPythonKernel

    expected = {k: v for k, v in IPythonKernel.language_info.items() if k != "version"}
    for path in sorted((ROOT / folder / "06_reseaux_de_neurones").glob("*.ipynb")):
        info = dict(nbformat.read(path, as_version=4).metadata.get("language_info", {}))
        version = info.pop("version", "")
        assert info == expected, f"{folder}/{path.name}: language_info {info}"
        assert re.fullmatch(r"3\.\d+\.\d+", version), f"{folder}/{path.name}: version {version!r}"
