"""What the graders read from a notebook."""

import nbformat

from grading_tests.runner import grade_submission
from grading_tests.submission import notebook_cells


def _cell(source, nbgrader=None):
    cell = nbformat.v4.new_code_cell(source)
    if nbgrader is not None:
        cell.metadata["nbgrader"] = dict(nbgrader, schema_version=3)
    return cell


SOLUTION = {"grade": False, "grade_id": "relu", "locked": False, "solution": True, "task": False}
PROVIDED = {"grade": False, "grade_id": "setup", "locked": True, "solution": False, "task": False}


def _notebook(tmp_path, cells):
    path = tmp_path / "nb.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=cells), str(path))
    return path


def test_answer_cells_and_cells_the_student_added_are_read_not_the_course_cells(tmp_path):
    path = _notebook(
        tmp_path,
        [
            _cell("print('course cell')", PROVIDED),
            _cell("def _positive_part(z):\n    return np.maximum(z, 0.0)"),  # added by the student
            _cell("def relu(z):\n    return _positive_part(z)", SOLUTION),
        ],
    )
    assert [index for index, _ in notebook_cells(path)] == [1, 2]
    result = grade_submission(path, seed=3, names=["relu"])["functions"]["relu"]
    assert result["score"] == result["max_score"], result["feedback"]


def test_a_helper_in_a_course_cell_is_not_part_of_the_answer(tmp_path):
    path = _notebook(
        tmp_path,
        [
            _cell("def _positive_part(z):\n    return np.maximum(z, 0.0)", PROVIDED),
            _cell("def relu(z):\n    return _positive_part(z)", SOLUTION),
        ],
    )
    result = grade_submission(path, seed=3, names=["relu"])["functions"]["relu"]
    assert result["score"] == 0 and "NameError" in " ".join(result["feedback"])


def test_magics_are_commented_out_keeping_line_numbers(tmp_path):
    path = _notebook(tmp_path, [_cell("%matplotlib inline\n!ls\ndef relu(z):\n    return np.maximum(z, 0)", SOLUTION)])
    (index, source), = notebook_cells(path)
    assert source.splitlines()[:2] == ["# %matplotlib inline", "# !ls"]
    assert grade_submission(path, seed=1, names=["relu"])["functions"]["relu"]["score"] == 1
