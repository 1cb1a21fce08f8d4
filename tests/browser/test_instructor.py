"""The instructor's path in a real JupyterLab 4, and a feedback page, in headless Chromium.

A copy of the course holds one demo student, autograded by the course's own
cycle code; JupyterLab is started with ``make lab`` (the documented command)
in that copy. The instructor opens the formgrader from the Nbgrader menu,
grades the written answers of one notebook and must see its "needs manual
grade" flag clear. The student's feedback page is then opened with no
network: its maths must render.
"""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from grading_tests.course.demo_class import STUDENTS
from nbgrader_attacks import harness

from . import lab

pytestmark = pytest.mark.xdist_group("browser-instructor")

NOTEBOOK = lab.INSTRUCTOR_NOTEBOOK
STUDENT = lab.INSTRUCTOR_STUDENT


def _written_answers():
    """{grade_id: points} of the written answers (manually graded markdown answers) of the notebook."""
    answers = {}
    for cell in lab.notebook_cells(f"{NOTEBOOK}.ipynb"):
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "markdown" and meta.get("solution") and meta.get("grade"):
            answers[meta["grade_id"]] = float(meta["points"])
    return answers


def _visible(driver, by, value, what):
    return lab.wait(driver).until(lambda d: next((e for e in d.find_elements(by, value) if e.is_displayed()), None), what)


def _student_row(driver):
    """The student's row of the formgrader's list of submissions of the notebook, once loaded."""
    last, first = STUDENTS[STUDENT][1], STUDENTS[STUDENT][0]
    name = f"{last}, {first}"

    def row(d):
        for cell in d.find_elements(By.CSS_SELECTOR, "tbody td.name"):
            if any(a.get_attribute("textContent") == name for a in cell.find_elements(By.CSS_SELECTOR, "a")):
                return cell.find_element(By.XPATH, "..")
        return None

    return lab.wait(driver).until(row, f"{name} is not in the submissions of {NOTEBOOK}")


def _needs_manual_grade(row):
    return row.find_element(By.CSS_SELECTOR, ".needs-manual-grade").get_attribute("data-search") == "needs manual grade"


def test_instructor_grades_the_written_answers_and_the_flag_clears(instructor_lab, instructor_course):
    session, driver = instructor_lab, instructor_lab.driver
    assert "Nbgrader" in session.menu_labels()
    session.menu_item("Nbgrader", "Formgrader")
    frame = _visible(driver, By.CSS_SELECTOR, "iframe[src*='formgrader']", "the formgrader did not open")
    driver.switch_to.frame(frame)
    try:
        # Manage Assignments lists the assignment (the gradebook was reached: alembic was on PATH).
        lab.wait(driver).until(
            lambda d: any(lab.ASSIGNMENT in r.text for r in d.find_elements(By.CSS_SELECTOR, "tbody tr")),
            f"the formgrader does not list {lab.ASSIGNMENT}",
        )
        _visible(driver, By.LINK_TEXT, "Manual Grading", "no Manual Grading link").click()
        _visible(driver, By.LINK_TEXT, lab.ASSIGNMENT, f"{lab.ASSIGNMENT} not in Manual Grading").click()
        _visible(driver, By.LINK_TEXT, NOTEBOOK, f"{NOTEBOOK} not in {lab.ASSIGNMENT}").click()
        row = _student_row(driver)
        assert _needs_manual_grade(row), f"{STUDENT}'s {NOTEBOOK} is not waiting for a manual grade before grading"

        next(a for a in row.find_elements(By.CSS_SELECTOR, "td.name a") if a.is_displayed()).click()
        answers = _written_answers()
        assert answers, f"{NOTEBOOK} has no written answer"
        for grade_id, points in answers.items():
            score = _visible(driver, By.ID, grade_id, f"no score box for {grade_id}")
            lab.wait(driver).until(
                lambda d: "needs_manual_grade" in score.get_attribute("class"), f"{grade_id} is not shown as to be graded"
            )
            score.clear()
            score.send_keys(f"{points:g}", Keys.TAB)
            # The box loses its mark once the gradebook has saved the score.
            lab.wait(driver).until(
                lambda d: "needs_manual_grade" not in score.get_attribute("class"), f"the score of {grade_id} was not saved"
            )
        _visible(driver, By.LINK_TEXT, NOTEBOOK, "no way back to the notebook's submissions").click()
        row = _student_row(driver)
        pending = {cell for cell, (_, _, needs) in harness.grades(instructor_course)[STUDENT][NOTEBOOK].items() if needs}
        assert not _needs_manual_grade(row), (
            f"{STUDENT}'s {NOTEBOOK} still needs manual grading once its written answers {sorted(answers)} are graded; "
            f"the gradebook still waits for {sorted(pending)}"
        )
        assert not pending
    finally:
        driver.switch_to.default_content()


def test_feedback_maths_renders_offline(instructor_lab, instructor_course):
    driver = instructor_lab.driver
    page = lab.feedback_page(instructor_course)
    assert page.exists(), f"no feedback page {page}"
    driver.get(page.as_uri())
    lab.wait(driver).until(lambda d: d.execute_script("return document.readyState") == "complete")
    assert NOTEBOOK in driver.title or NOTEBOOK in driver.page_source
    # Wait for MathJax to finish typesetting, if the page has a MathJax that loaded.
    engine = driver.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        const mj = window.MathJax;
        if (mj && mj.startup && mj.startup.promise) {
          mj.startup.promise.then(() => (mj.typesetPromise ? mj.typesetPromise() : null)).then(() => done('mathjax 3'), e => done('mathjax 3 failed: ' + e));
        } else if (mj && mj.Hub && mj.Hub.Queue) {
          mj.Hub.Queue(() => done('mathjax 2'));
        } else {
          done('no mathjax');
        }
        """
    )
    state = lab.math_state(driver)
    assert state["rendered"] > 0, f"no maths rendered in {page.name} without network ({engine}); raw TeX: {state['raw']}"
    assert not state["raw"], f"TeX left as text in {page.name} ({engine}): {state['raw']}"
