"""Take the PNGs of docs/screenshots/ with the browser tests' helpers (``make screenshots``).

Each step a newcomer goes through, in headless Chromium on a real JupyterLab:
the student's notebook, a visible check that passes, Validate's report, the
formgrader grading a written answer, and a feedback page opened offline.
Each PNG is reduced to 256 colours so that it stays small.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image  # noqa: E402  (matplotlib's dependency)
from selenium.webdriver.common.by import By  # noqa: E402

from browser import lab  # noqa: E402

OUT = lab.REPO / "docs" / "screenshots"
NOTEBOOK, FUNCTION = "06_2_activations.ipynb", "relu"
WIDTH, HEIGHT = 1200, 760


def save(driver, name):
    path = lab.screenshot(driver, OUT / name)
    Image.open(path).convert("RGB").quantize(colors=256).save(path, optimize=True)
    print(f"{path.relative_to(lab.REPO)}: {path.stat().st_size // 1024} KB")


def student(scratch):
    server = lab.student_server(scratch).start()
    driver = lab.chromium(scratch, WIDTH, HEIGHT)
    try:
        session = lab.Lab(driver, server)
        session.open_lab()
        session.open_notebook(NOTEBOOK)
        save(driver, "eleve-notebook.png")
        _, check, _ = session.answer_and_check(NOTEBOOK, FUNCTION)
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", session.cell(NOTEBOOK, check))
        save(driver, "eleve-verification.png")
        session.save(NOTEBOOK)
        session.toolbar_button(NOTEBOOK, "Validate").click()
        session.dialog_text()
        save(driver, "eleve-validate.png")
        session.close_dialog()
        session.close_notebook(NOTEBOOK)
    finally:
        driver.quit()
        server.stop()


def instructor(scratch):
    course = lab.prepared_course(scratch)
    server = lab.instructor_server(course, Path(scratch) / "jupyter").start()
    driver = lab.chromium(scratch, WIDTH, HEIGHT)
    try:
        session = lab.Lab(driver, server)
        session.open_lab()
        session.menu_item("Nbgrader", "Formgrader")
        frame = lab.wait(driver).until(lambda d: d.find_element(By.CSS_SELECTOR, "iframe[src*='formgrader']"))
        driver.switch_to.frame(frame)
        lab.wait(driver).until(lambda d: any(lab.ASSIGNMENT in r.text for r in d.find_elements(By.CSS_SELECTOR, "tbody tr")))
        driver.switch_to.default_content()
        save(driver, "enseignant-formgrader.png")
        driver.switch_to.frame(frame)
        for link in ("Manual Grading", lab.ASSIGNMENT, lab.INSTRUCTOR_NOTEBOOK):
            lab.wait(driver).until(lambda d: next((e for e in d.find_elements(By.LINK_TEXT, link) if e.is_displayed()), None)).click()
        lab.wait(driver).until(lambda d: d.find_elements(By.CSS_SELECTOR, "tbody td.name a"))
        next(a for a in driver.find_elements(By.CSS_SELECTOR, "tbody td.name a") if a.is_displayed()).click()
        answer = next(
            c.metadata["nbgrader"]["grade_id"]
            for c in lab.notebook_cells(f"{lab.INSTRUCTOR_NOTEBOOK}.ipynb")
            if c.cell_type == "markdown" and c.metadata.get("nbgrader", {}).get("grade")
        )
        written = lab.wait(driver).until(lambda d: d.find_element(By.ID, answer))
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", written)
        driver.switch_to.default_content()
        save(driver, "enseignant-correction.png")
        driver.get(lab.feedback_page(course).as_uri())
        lab.wait(driver).until(lambda d: d.execute_script("return document.readyState") == "complete")
        save(driver, "retour.png")
    finally:
        driver.quit()
        server.stop()


def main():
    if lab.find_browser() is None:
        raise SystemExit(lab.MISSING_BROWSER)
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="rn-captures-") as scratch:
        for step, folder in ((student, "eleve"), (instructor, "enseignant")):
            (Path(scratch) / folder).mkdir()
            step(Path(scratch) / folder)


if __name__ == "__main__":
    main()
