"""The committed release/: up to date, free of answers, and it runs.

``release/06_reseaux_de_neurones`` is what students get. It must be exactly
what ``nbgrader generate_assignment`` makes of ``source/`` today; it must not
contain a solution, a hidden check, a mark scheme, or any way to the
reference or the graders; its stubs must raise NotImplementedError and every
other cell must run; and ``nbgrader validate`` must work on it.
"""

import ast
import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from traitlets.config import Config

import reference_impl
from grading_tests.course import generate_release
from grading_tests.course.handins import ASSIGNMENT
from grading_tests.runner import registry, grade_submission
from nbgrader_attacks.harness import REPO, copy_course

RELEASE = REPO / "release" / ASSIGNMENT
SOURCE = REPO / "source" / ASSIGNMENT
NOTEBOOKS = sorted(p.name for p in SOURCE.glob("*.ipynb"))
STUB_LINES = {"# VOTRE CODE ICI", "raise NotImplementedError()", "VOTRE RÉPONSE ICI"}
FORBIDDEN_TEXT = [
    "BEGIN SOLUTION",
    "END SOLUTION",
    "BEGIN HIDDEN TESTS",
    "END HIDDEN TESTS",
    "BEGIN MARK SCHEME",
    "MARK SCHEME",
    "reference_impl",
    "grading_tests",
]


def _files(folder):
    """The files of a release folder, as paths relative to it (the student's Jupyter settings are a subfolder)."""
    return sorted(str(p.relative_to(folder)) for p in Path(folder).rglob("*") if p.is_file())


def _nb(path):
    return nbformat.read(str(path), as_version=4)


def _meta(cell):
    return cell.metadata.get("nbgrader", {})


def test_release_is_what_generate_assignment_makes(tmp_path):
    root = copy_course(tmp_path, release=False)
    generate_release(root, scratch_db=True)
    fresh = root / "release" / ASSIGNMENT
    assert _files(fresh) == _files(RELEASE)
    for name in _files(fresh):
        path, committed = fresh / name, RELEASE / name
        if path.suffix == ".ipynb":
            # Nothing volatile in nbgrader's output (checksums are md5 of the
            # cells); compared as JSON so that formatting alone never matters.
            assert json.loads(path.read_text("utf-8")) == json.loads(committed.read_text("utf-8")), (
                f"release/{ASSIGNMENT}/{path.name} is out of date: run `python -m grading_tests.course release`"
            )
        else:
            assert path.read_bytes() == committed.read_bytes(), f"{name} differs from source/"


@pytest.mark.parametrize("name", _files(RELEASE))
def test_release_mentions_no_answer_nor_the_graders(name):
    text = (RELEASE / name).read_text("utf-8")
    for needle in FORBIDDEN_TEXT:
        assert needle not in text, f"{name} contains {needle!r}"


def _solution_lines(source):
    lines, inside = [], False
    for line in source.split("\n"):
        if "BEGIN SOLUTION" in line:
            inside = True
        elif "END SOLUTION" in line:
            inside = False
        elif inside and line.strip() and not line.strip().startswith("#"):
            lines.append(line.strip())
    return lines


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_answer_cells_hold_only_the_stub(name):
    source = {_meta(c).get("grade_id"): c for c in _nb(SOURCE / name).cells}
    for cell in _nb(RELEASE / name).cells:
        meta = _meta(cell)
        if not meta.get("solution"):
            continue
        original = source[meta["grade_id"]].source
        for line in _solution_lines(original):
            assert line not in cell.source.split("\n") and line not in [l.strip() for l in cell.source.split("\n")], (
                f"{name}, {meta['grade_id']}: solution line {line!r} left in the release"
            )
        if cell.cell_type == "code":
            # What remains is the signature, the docstring, comments and the stub.
            tree = ast.parse(cell.source)
            for node in tree.body:
                body = node.body if isinstance(node, ast.FunctionDef) else [node]
                if isinstance(node, ast.FunctionDef) and body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                    body = body[1:]
                for statement in body:
                    assert isinstance(statement, ast.Raise) and "NotImplementedError" in ast.unparse(statement), (
                        f"{name}, {meta['grade_id']}: code left in an answer cell: {ast.unparse(statement)[:80]}"
                    )


def _bodies(tree):
    """{function name: ast dump of its body without docstring} of every def in tree."""
    found = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                body = body[1:]
            if body:
                found.setdefault(node.name, []).append(ast.dump(ast.Module(body=body, type_ignores=[])))
    return found


def _reference_bodies():
    bodies = {}
    package = Path(reference_impl.__file__).parent
    for path in package.glob("*.py"):
        for name, dumps in _bodies(ast.parse(path.read_text("utf-8"))).items():
            bodies.setdefault(name, set()).update(dumps)
    for name in NOTEBOOKS:
        for cell in _nb(SOURCE / name).cells:
            if _meta(cell).get("solution") and cell.cell_type == "code":
                cleaned = "\n".join(l for l in cell.source.split("\n") if "SOLUTION" not in l)
                for fname, dumps in _bodies(ast.parse(cleaned)).items():
                    bodies.setdefault(fname, set()).update(dumps)
    return bodies


def _code_of(path):
    if path.suffix == ".py":
        return [path.read_text("utf-8")]
    return ["\n".join(re.sub(r"^(\s*)([%!])", r"\1# \2", l) for l in c.source.split("\n")) for c in _nb(path).cells if c.cell_type == "code"]


def test_no_reference_body_anywhere_in_the_release():
    reference = _reference_bodies()
    assert reference, "no reference function found"
    for path in (RELEASE / name for name in _files(RELEASE) if name.endswith((".py", ".ipynb"))):
        for code in _code_of(path):
            for name, dumps in _bodies(ast.parse(code)).items():
                leaked = set(dumps) & reference.get(name, set())
                assert not leaked, f"{path.name}: the body of {name} is the reference's"


def _assigned(source):
    """Names a cell would have defined at the top level, had it run."""
    try:
        tree = ast.parse("\n".join(re.sub(r"^(\s*)([%!])", r"\1# \2", l) for l in source.split("\n")))
    except SyntaxError:
        return set()
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        for sub in ast.walk(node) if not isinstance(node, (ast.FunctionDef, ast.ClassDef)) else []:
            if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                names.add(sub.id)
            elif isinstance(sub, ast.alias):
                names.add((sub.asname or sub.name).split(".")[0])
    return names


def _used(source):
    try:
        tree = ast.parse("\n".join(re.sub(r"^(\s*)([%!])", r"\1# \2", l) for l in source.split("\n")))
    except SyntaxError:
        return set()
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """The release notebooks run as a student would, in a copy of the folder."""
    folder = tmp_path_factory.mktemp("eleve") / ASSIGNMENT
    shutil.copytree(RELEASE, folder)
    results = {}
    for name in NOTEBOOKS:
        nb = _nb(folder / name)
        NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True, resources={"metadata": {"path": str(folder)}}).execute()
        results[name] = nb
    return results


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_only_the_stubs_fail(executed, name):
    missing = set()  # names that failed cells did not define, or left half-built
    for index, cell in enumerate(executed[name].cells):
        if cell.cell_type != "code":
            continue
        errors = [o for o in cell.outputs if o.output_type == "error"]
        for error in errors:
            trace = "\n".join(error.traceback)
            if error.ename == "NotImplementedError" or "NotImplementedError" in trace:
                continue
            if _used(cell.source) & missing:
                continue  # it works on what a failed cell left undefined or half-built
            pytest.fail(f"{name}, cell {index + 1}: {error.ename}: {error.evalue} (not caused by a stub)")
        if errors:
            # A question's stub raises before assigning its answer, whose name is
            # the cell's grade_id; the graded cell after it then meets a NameError.
            missing |= _assigned(cell.source) | {_meta(cell).get("grade_id")}


def test_answer_stubs_raise(executed):
    """A question's stub (a variable, no def) raises as soon as its cell runs."""
    raised = 0
    for name, nb in executed.items():
        for cell in nb.cells:
            if cell.cell_type == "code" and _meta(cell).get("solution"):
                if not any(isinstance(n, ast.FunctionDef) for n in ast.parse(cell.source).body):
                    assert any(o.output_type == "error" and o.ename == "NotImplementedError" for o in cell.outputs), cell.source
                    raised += 1
    assert raised > 0


def test_every_function_stub_raises_not_implemented():
    """The graders call each stub of the release: all raise NotImplementedError, all score 0."""
    report = grade_submission(RELEASE, seed=1, include_questions=True)
    for name, result in report["functions"].items():
        assert result["score"] == 0, name
        if registry()[name].kind == "function":
            assert any("NotImplementedError" in line for line in result["feedback"]), (name, result["feedback"])


def _validator(validate_all):
    from nbgrader.validator import Validator

    config = Config()
    config.Validator.validate_all = validate_all
    return Validator(config=config)


def test_validate_reports_on_the_release(tmp_path):
    """``nbgrader validate`` runs on every release notebook and reports what is left to do."""
    folder = tmp_path / ASSIGNMENT
    shutil.copytree(RELEASE, folder)
    # The course's setting (nbgrader_config.py): every locked cell counts, so the
    # visible checks that fail on a stub are reported, not only the graded cells.
    namespace = {"get_config": Config, "__file__": str(REPO / "nbgrader_config.py")}
    exec(compile((REPO / "nbgrader_config.py").read_text("utf-8"), "nbgrader_config.py", "exec"), namespace)
    assert namespace["c"].Validator.validate_all is True
    for name in NOTEBOOKS:
        results = _validator(True).validate(str(folder / name))
        assert set(results) == {"failed"}, (name, results.keys())
        reasons = [f["raw_error"] for f in results["failed"]]
        assert any(re.search(r"NotImplementedError|did not provide a response", r) for r in reasons), reasons
        # Short and in French: no trace through the course's helpers, one sentence
        # per failed cell (what is wrong, the hint, the equation).
        for failed in results["failed"]:
            text = re.sub(r"\x1b\[[0-9;]*m", "", failed["raw_error"])
            assert "verifications.py" not in text and "outils_cours.py" not in text, (name, text)
            if "verifier_" in failed["source"] or "NotImplementedError" in text:
                assert "Traceback" not in text and len(text.splitlines()) <= 4, (name, text)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_validate_passes_the_solutions(tmp_path, name):
    folder = tmp_path / ASSIGNMENT
    shutil.copytree(SOURCE, folder)
    assert _validator(True).validate(str(folder / name)) == {}
