"""The student's path in a real JupyterLab 4, in headless Chromium.

The server is started as the release's LISEZMOI.md says (its jupyter_eleve/
settings), in a scratch copy of release/. The student opens each notebook,
types the reference's answer for one function, runs its visible check, saves
and clicks Validate.
"""

import json

import pytest

from . import lab
from .lab import notebook_cells

pytestmark = pytest.mark.xdist_group("browser-student")

NOTEBOOKS = sorted(p.name for p in lab.RELEASE.glob("*.ipynb"))
# The notebook and function the student answers: one function of the chapter.
ANSWERED = ("06_2_activations.ipynb", "relu")
INSTRUCTOR_COMMANDS = (
    "nbgrader:open-formgrader",
    "nbgrader:open-formgrader-local",
    "nbgrader:open-create-assignment",
    "nbgrader:open-assignment-list",
    "nbgrader:open-course-list",
)


def test_student_lab_shows_no_instructor_tooling(student_lab):
    session = student_lab
    assert "Nbgrader" not in session.menu_labels()
    present = [c for c in INSTRUCTOR_COMMANDS if session.has_command(c)]
    assert not present, f"instructor commands in the student's JupyterLab: {present}"
    assert not [t for t in session.sidebar_titles() if "Create Assignment" in t]
    # Nor on the server: the formgrader and the exchange's handlers are not loaded.
    for path in ("formgrader", "assignments", "formgraders"):
        with pytest.raises(Exception) as refused:
            session.server.get(path)
        assert getattr(refused.value, "code", None) == 404, f"/{path}: {refused.value}"
    assert "exchange directory" not in session.server.log()


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_each_notebook_opens_clean(student_lab, notebook):
    session = student_lab
    state = session.open_notebook(notebook)
    try:
        assert state["cells"] == len(notebook_cells(notebook))
        has_maths = any("$" in c.source for c in notebook_cells(notebook) if c.cell_type == "markdown")
        lab.wait(session.driver).until(
            lambda d: d.execute_script(
                lab._on_panel("w.node.querySelectorAll('.jp-RenderedMarkdown').length > 0 && (!arguments[1] || w.node.querySelectorAll('mjx-container').length > 0)"),
                notebook,
                has_maths,
            ),
            f"{notebook}: markdown or maths not rendered",
        )
        # The kernel has answered and JupyterLab has written its metadata: an
        # untouched notebook must still be unmodified (issue 10, point 4).
        assert not state["dirty"] and not session.dirty(notebook), f"{notebook} turned modified as soon as it opened"
        assert not session.tab_is_dirty(notebook)
    finally:
        session.close_notebook(notebook)


def test_student_answers_a_stub_checks_saves_and_validates(student_lab):
    session = student_lab
    notebook, function = ANSWERED
    folder = session.server.cwd
    session.open_notebook(notebook)
    try:
        answer, check, body = session.answer_and_check(notebook, function)
        assert "Traceback" not in session.cell_output_text(notebook, check)

        session.save(notebook)
        saved = json.loads((folder / notebook).read_text("utf-8"))["cells"][answer]["source"]
        assert body in "".join(saved), "the typed answer is not in the saved notebook"

        session.toolbar_button(notebook, "Validate").click()
        title, report = session.dialog_text()
        assert title and report.strip(), "Validate showed an empty dialog"
        # Other functions are still stubs: the report names one, in a few lines, without a traceback.
        assert "sigmoid" in report, report[:2000]
        assert "Traceback (most recent call last)" not in report, f"Validate's report holds a traceback ({len(report)} characters):\n{report[:2000]}"
        session.close_dialog()
    finally:
        session.close_notebook(notebook)
