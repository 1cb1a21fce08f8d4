"""No student content runs in the instructor's or the student's browser (issue 16).

One small class goes through the real tools: a hostile student whose
perceptron notebook carries every channel of :mod:`.payloads` (written
answer, added Markdown and code cells, outputs of every type, rich
reprs, cell magics, a widget, links that need a click, a hand-in
``nbgrader_config.py``), with hostile names in the gradebook and more
hostile ids beside it; and the correct demo student, who also added two
tables. ``python -m grading_tests.course autograde`` grades them (notebooks
run), ``nbgrader generate_feedback`` writes their pages, and JupyterLab is
started as ``make lab`` starts it. Chromium, with no network but loopback,
then opens what an instructor and a student open:

- the formgrader's list, grading and manage-students pages, and the pages
  that print a value of their URL;
- the hostile grading page, where the score boxes must be visible, on top,
  and save to the gradebook, and where each planted link is clicked;
- the feedback pages from disk, under ``/files/`` and in JupyterLab's HTML
  viewer (trusted, so that only the page's own CSP stands in the way);
- the autograded notebook in JupyterLab, trusted.

A vector *fires* when its script runs anywhere: its mark on a document, a
request to the loopback listener, or a file written through the REST API.
None may fire. The names of those that did are written to
``$RN_XSS_REPORT`` (JSON) when set: that is how the count on the code before
the fix was taken.
"""

import copy
import json
import os
import subprocess
import sys

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from grading_tests.course import register_students
from grading_tests.course.handins import ASSIGNMENT, read, solved, write_submission
from nbgrader_attacks import harness

from . import lab, payloads


pytestmark = pytest.mark.xdist_group("browser-hostile")

HOSTILE, CORRECT = "eleve_xss", "eleve_correct"
NOTEBOOK = "06_1_perceptron"
WRITTEN = "q_xor"
FIRED = {}  # view -> vectors whose mark was seen there


def _classgrade(root):
    env = dict(os.environ, PATH=os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")]))
    proc = subprocess.run(
        [sys.executable, "-m", "grading_tests.course", "autograde", ASSIGNMENT, "--workers", "2"],
        cwd=root, capture_output=True, text=True, timeout=900, env=env,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]


def build_class(scratch, port):
    """The course copy, autograded and with its feedback; (root, vectors planted in notebooks)."""
    root = harness.copy_course(scratch, release=True, submitted=False)
    for name in ("Makefile", "pyproject.toml"):
        (root / name).write_bytes((harness.REPO / name).read_bytes())
    release, source = root / "release" / ASSIGNMENT, root / "source" / ASSIGNMENT
    notebooks = {p.name: solved(read(p), read(source / p.name)) for p in sorted(release.glob("*.ipynb"))}
    name = f"{NOTEBOOK}.ipynb"
    write_submission(root / "submitted" / CORRECT / ASSIGNMENT, dict(notebooks, **{name: payloads.with_tables(copy.deepcopy(notebooks[name]))}))
    hostile, vectors = payloads.hostile_notebook(copy.deepcopy(notebooks[name]), WRITTEN, port, HOSTILE, ASSIGNMENT)
    write_submission(
        root / "submitted" / HOSTILE / ASSIGNMENT,
        dict(notebooks, **{f"{NOTEBOOK}.ipynb": hostile}),
        extra_files={"nbgrader_config.py": payloads.path_config()},
    )
    register_students(root, [CORRECT, HOSTILE])
    _classgrade(root)
    # Names and ids as `nbgrader db student add` may write them.
    from nbgrader.api import Gradebook

    ids = payloads.id_vectors(port)
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id="rn-fondamentaux-ch06") as gb:
        gb.update_or_create_student(HOSTILE, first_name=ids["id-first"], last_name=ids["id-last"])
        for vector in ("id-db-html", "id-db-js", "id-db-details", "id-db-api"):
            gb.update_or_create_student(ids[vector], first_name=ids[vector], last_name=ids[vector])
    harness.nbgrader(root, "generate_feedback", ASSIGNMENT, "--force")
    return root, list(dict.fromkeys(vectors + list(ids) + list(payloads.url_vectors(port, HOSTILE, ASSIGNMENT))))


@pytest.fixture(scope="module")
def listener():
    with payloads.Listener() as running:
        yield running


@pytest.fixture(scope="module")
def hostile_class(tmp_path_factory, listener):
    lab.require_browser()
    return build_class(tmp_path_factory.mktemp("classe-hostile"), listener.port)


@pytest.fixture(scope="module")
def session(hostile_class, tmp_path_factory):
    root, _ = hostile_class
    scratch = tmp_path_factory.mktemp("navigateur-hostile")
    server = lab.instructor_server(root, scratch).start()
    driver = None
    try:
        driver = lab.chromium(scratch)
        yield lab.Lab(driver, server)
    finally:
        if driver is not None:
            driver.quit()
        server.stop()


# --- seeing a vector fire ------------------------------------------------------------------------

_SETTLED = """
const done = arguments[arguments.length - 1];
const ready = () => document.readyState === 'complete' && Array.from(document.images).every(i => i.complete);
const wait = () => ready() ? requestAnimationFrame(() => requestAnimationFrame(() => done(true))) : setTimeout(wait, 50);
wait();
"""
_MARKS = "return document.documentElement.getAttributeNames().filter(n => n.startsWith(arguments[0])).map(n => n.slice(arguments[0].length));"


def marks(driver, view):
    """Wait for the page (and its frames, images and handlers) to settle; record and return the vectors marked on it."""
    driver.execute_async_script(_SETTLED)
    seen = set(driver.execute_script(_MARKS, payloads.MARKER_ATTRIBUTE))
    FIRED.setdefault(view, set()).update(seen)
    return seen


def on_top_of(driver, element):
    """What the page shows at the centre of ``element`` (its outer HTML, cut)."""
    return driver.execute_script(
        "const r = arguments[0].getBoundingClientRect(); const e = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);"
        "return e ? e.outerHTML.slice(0, 300) : null;",
        element,
    )


def api_files(root):
    return sorted(p.name for p in root.glob("xss-*.txt"))


def open_page(session, path, view):
    session.driver.get(session.server.url(path))
    return marks(session.driver, view)


def _feedback(root, student, notebook=NOTEBOOK):
    return root / "feedback" / student / ASSIGNMENT / f"{notebook}.html"


def submission_id(session, student, notebook=NOTEBOOK):
    rows = session.server.get(f"formgrader/api/submitted_notebooks/{ASSIGNMENT}/{notebook}")
    return next(row["id"] for row in rows if row["student"] == student)


# --- the tests ---------------------------------------------------------------------------------------


def test_formgrader_pages_run_no_student_script(session, hostile_class):
    root, _ = hostile_class
    pages = [
        "formgrader/manage_assignments",
        "formgrader/gradebook",
        f"formgrader/gradebook/{ASSIGNMENT}",
        f"formgrader/gradebook/{ASSIGNMENT}/{NOTEBOOK}",
        f"formgrader/manage_submissions/{ASSIGNMENT}",
        "formgrader/manage_students",
        f"formgrader/manage_students/{HOSTILE}",
        f"formgrader/manage_students/{HOSTILE}/{ASSIGNMENT}",
        f"formgrader/submissions/{submission_id(session, HOSTILE)}/",
    ]
    seen = set()
    for path in pages:
        seen |= open_page(session, path, "formgrader")
    assert not seen, f"student script ran in the formgrader: {sorted(seen)}"
    assert not api_files(root), f"student script wrote through the REST API: {api_files(root)}"


def test_pages_that_print_their_url_run_nothing(session, hostile_class, listener):
    seen = set()
    for vector, path in payloads.url_vectors(listener.port, HOSTILE, ASSIGNMENT).items():
        if path.startswith("formgrader/api/"):
            # JSON under a sandbox CSP: no script at all, WebDriver's included. The
            # listener and the course root (last test) tell whether the id ran.
            session.driver.get(session.server.url(path))
            continue
        seen |= open_page(session, path, "formgrader (URL)")
    assert not seen, f"a formgrader URL ran script: {sorted(seen)}"


def test_nothing_useful_is_lost(session, hostile_class):
    root, _ = hostile_class
    driver = session.driver
    state = "return {png: document.querySelectorAll('#notebook img[src^=\"data:image/png\"]').length, tables: document.querySelectorAll('#notebook table').length, math: document.querySelectorAll('#notebook math').length};"
    open_page(session, f"formgrader/submissions/{submission_id(session, CORRECT)}/", "formgrader")
    shown = driver.execute_script(state)
    assert shown["png"] > 0 and shown["tables"] >= 2 and shown["math"] > 0, f"the correct student's grading page lost content: {shown}"
    driver.get(_feedback(root, CORRECT).as_uri())
    shown = driver.execute_script(state)
    assert shown["png"] > 0 and shown["tables"] >= 2 and shown["math"] > 0, f"the correct student's feedback lost content: {shown}"
    assert driver.find_elements(By.CSS_SELECTOR, "#notes tbody tr"), "the feedback page has no grade table"
    csp = driver.execute_script("const m = document.querySelector('meta[http-equiv=\"Content-Security-Policy\"]'); return m && m.content;")
    assert csp and "script-src 'none'" in csp, f"the feedback page's CSP allows script: {csp}"


def test_grading_inputs_stay_visible_on_top_and_save(session, hostile_class):
    root, _ = hostile_class
    driver = session.driver
    open_page(session, f"formgrader/submissions/{submission_id(session, HOSTILE)}/", "formgrader")
    box = lab.wait(driver).until(lambda d: next(iter(d.find_elements(By.ID, WRITTEN)), None), f"no score box {WRITTEN}")
    assert box.is_displayed(), "a written answer hid the score box"
    # In view (the page's own script may scroll meanwhile), nothing else is at its centre.
    on_top = "arguments[0].scrollIntoView({block: 'center'}); const r = arguments[0].getBoundingClientRect();"
    on_top += "return document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2) === arguments[0];"
    try:
        lab.wait(driver, 10).until(lambda d: d.execute_script(on_top, box))
    except Exception as exc:
        raise AssertionError(f"something covers the score box: {on_top_of(driver, box)}") from exc
    answer = driver.find_element(By.XPATH, f"//*[@id='{WRITTEN}']/ancestor::div[contains(@class, 'nbgrader_cell')]")
    boxed = answer.find_elements(By.CSS_SELECTOR, ".panel-body .eleve")
    assert boxed and payloads.SPOOF_TEXT in boxed[0].text, "the student's answer is not shown inside a box marked as the hand-in's"
    lab.wait(driver).until(lambda d: "needs_manual_grade" in box.get_attribute("class"), f"{WRITTEN} is not shown as to be graded")
    box.clear()
    box.send_keys("1", Keys.TAB)
    lab.wait(driver).until(lambda d: "needs_manual_grade" not in box.get_attribute("class"), "the score was not saved")
    assert harness.grades(root)[HOSTILE][NOTEBOOK][WRITTEN][1] == 1.0


def test_feedback_pages_run_nothing_from_disk_files_and_lab(session, hostile_class):
    root, _ = hostile_class
    driver, page = session.driver, _feedback(root, HOSTILE)
    driver.get(page.as_uri())
    seen = marks(driver, "feedback (file://)")
    seen |= open_page(session, f"files/{page.relative_to(root).as_posix()}", "feedback (/files/)")
    session.open_lab()
    driver.execute_script(
        "window.jupyterapp.commands.execute('docmanager:open', {path: arguments[0], factory: 'HTML Viewer'});",
        page.relative_to(root).as_posix(),
    )
    frame = lab.wait(driver).until(lambda d: next(iter(d.find_elements(By.CSS_SELECTOR, ".jp-HTMLViewer iframe")), None), "the HTML viewer did not open")
    driver.execute_script("window.jupyterapp.commands.execute('htmlviewer:trust-html');")
    lab.wait(driver).until(lambda d: "allow-scripts" in (frame.get_attribute("sandbox") or ""), "the HTML viewer did not trust the page")
    driver.switch_to.frame(frame)
    try:
        seen |= marks(driver, "feedback (JupyterLab)")
    finally:
        driver.switch_to.default_content()
    seen |= marks(driver, "feedback (JupyterLab)")
    assert not seen, f"student script ran in a feedback page: {sorted(seen)}"


def test_autograded_notebook_trusted_in_lab_runs_nothing(session, hostile_class):
    root, _ = hostile_class
    driver = session.driver
    path = f"autograded/{HOSTILE}/{ASSIGNMENT}/{NOTEBOOK}.ipynb"
    session.open_lab()
    driver.execute_async_script(
        """
        const [path, done] = [arguments[0], arguments[arguments.length - 1]];
        const app = window.jupyterapp;
        app.commands.execute('docmanager:open', {path, factory: 'Notebook', kernel: {name: null}}).then(async w => {
          await w.context.ready;
          for (const cell of w.content.widgets) cell.model.trusted = true;
          done(true);
        }, e => done(String(e)));
        """,
        path,
    )
    seen = marks(driver, "autograded notebook (JupyterLab)")
    assert not seen, f"student script ran in JupyterLab: {sorted(seen)}"


def _click(driver, element):
    """Scroll to ``element`` and click it as a person would; False while the page's own script still scrolls."""
    from selenium.common.exceptions import ElementClickInterceptedException

    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
    try:
        element.click()
    except ElementClickInterceptedException:
        return False
    return True


_UNCLEANED = """
const [html, code] = arguments;
const box = document.createElement('div');
box.innerHTML = html;  // markup as if the sanitizer had let it through
document.body.appendChild(box);
const s = document.createElement('script');
s.textContent = code;  // an inline script, as a template bug would write it
document.body.appendChild(s);
"""


def test_the_csp_alone_stops_what_a_sanitizer_bug_would_let_through(session, hostile_class, listener):
    """Defence in depth: markup that was never cleaned, put in the grading page and a feedback page."""
    root, _ = hostile_class
    driver, seen = session.driver, set()
    for view, open_it in (
        ("formgrader", lambda: open_page(session, f"formgrader/submissions/{submission_id(session, HOSTILE)}/", "formgrader")),
        ("feedback", lambda: driver.get(_feedback(root, HOSTILE).as_uri())),
    ):
        open_it()
        vectors = payloads.html_vectors(f"csp-{view}", listener.port)
        html = "".join(v for k, v in vectors.items() if not k.endswith("-script"))
        driver.execute_script(_UNCLEANED, html, payloads.script(f"csp-{view}-script", listener.port))
        seen |= marks(driver, f"CSP alone ({view})")
    assert not seen, f"the page's CSP let uncleaned markup run: {sorted(seen)}"


def test_clicking_the_students_links_runs_nothing(session, hostile_class):
    """Last but one: on the code before the fix, a click reconfigures the formgrader."""
    root, _ = hostile_class
    driver, page = session.driver, f"formgrader/submissions/{submission_id(session, HOSTILE)}/"
    seen = set()
    for vector, (text, _) in payloads.click_links(0, HOSTILE, ASSIGNMENT).items():
        seen |= open_page(session, page, "formgrader (click)")
        link = lab.wait(driver).until(
            # the link as planted, or once cleaned, the text left where it was
            lambda d: next(iter(d.find_elements(By.XPATH, f"//a[normalize-space()='{text}'] | //*[text()[normalize-space()='{text}']]")), None),
            f"the link {text} is not shown",
        )
        handles = set(driver.window_handles)
        lab.wait(driver).until(lambda d: _click(d, link), f"{text} could not be clicked")
        for handle in [h for h in driver.window_handles if h not in handles] or [driver.current_window_handle]:
            driver.switch_to.window(handle)
            seen |= marks(driver, "formgrader (click)")
        for handle in driver.window_handles[1:]:
            driver.switch_to.window(handle)
            driver.close()
        driver.switch_to.window(driver.window_handles[0])
    # The same URL followed from anywhere else (a mail, another page): refused by the server.
    driver.get(session.server.url(f"formgrader?path=submitted/{HOSTILE}/{ASSIGNMENT}"))
    seen |= marks(driver, "formgrader (click)")
    assert not seen, f"a click ran student script: {sorted(seen)}"
    assert not api_files(root), f"a click wrote in the course root: {api_files(root)}"


def test_no_vector_fired_anywhere(hostile_class, listener):
    """Last: every view's marks, the listener (any frame, any origin), the course root."""
    root, vectors = hostile_class
    fired = set(listener.fired).union(*FIRED.values()) | {name[len("xss-") : -len(".txt")] for name in api_files(root)}
    fired -= {name for name in fired if name.startswith("csp-")}  # injected by the test above, counted there
    assert fired <= set(vectors), f"marks of no planted vector: {sorted(fired - set(vectors))}"
    report = {"vectors": len(vectors), "fired": sorted(fired), "by_view": {k: sorted(v) for k, v in FIRED.items()}, "listener": sorted(listener.fired), "api_files": api_files(root)}
    if os.environ.get("RN_XSS_REPORT"):
        with open(os.environ["RN_XSS_REPORT"], "w", encoding="utf-8") as out:
            json.dump(report, out, indent=1)
    assert len(vectors) >= 50  # at least 5 per channel: see payloads
    assert not fired, f"{len(fired)} of {len(vectors)} vectors fired: {json.dumps(report, indent=1)}"
