"""JupyterLab 4 in headless Chromium, for the browser tests and the screenshots.

Everything here is real: a JupyterLab server started on loopback (the
student's command from ``LISEZMOI.md``, or the instructor's ``make lab``)
with scratch Jupyter folders, Debian's ``chromium`` driven by its
``chromedriver`` through selenium. Chromium runs with no network: every host
name but loopback fails to resolve and every other connection goes to a
proxy that does not exist, so a page that needs a CDN shows it.

Waits are explicit (WebDriverWait on the DOM, or JupyterLab's own promises
through ``window.jupyterapp``, which ``--LabApp.expose_app_in_browser`` sets);
nothing sleeps to synchronise.
"""

from __future__ import annotations

import ast
import glob
import inspect
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
ASSIGNMENT = "06_reseaux_de_neurones"
RELEASE = REPO / "release" / ASSIGNMENT

# Generous: the machine is shared, and a wait ends as soon as its condition holds.
START_TIMEOUT = 120  # seconds for a JupyterLab server to answer
UI_TIMEOUT = 60  # seconds for the page to show something
RUN_TIMEOUT = 180  # seconds for a kernel or nbgrader (Validate runs the notebook)

BROWSER_NAMES = ("chromium", "chromium-browser")
DRIVER_NAMES = ("chromedriver",)
# JupyterLab settings of the scratch settings folder: no news or update toast over the page.
QUIET_SETTINGS = {"@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False}}


def find_browser():
    """(chromium, chromedriver) paths, or None when either is missing."""
    browser = next((p for p in map(shutil.which, BROWSER_NAMES) if p), None)
    driver = next((p for p in map(shutil.which, DRIVER_NAMES) if p), None)
    return (browser, driver) if browser and driver else None


MISSING_BROWSER = (
    "no chromium and chromedriver on PATH: the browser tests did not run. "
    "Install them with `apt-get install chromium chromium-driver` (Debian), as .ci/run does."
)


def in_ci():
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def require_browser():
    """In a test: skip it when no browser is installed, fail it under ``CI=true``."""
    import pytest

    if find_browser() is None:
        if in_ci():
            pytest.fail(f"CI=true and {MISSING_BROWSER}", pytrace=False)
        pytest.skip(MISSING_BROWSER)


# --- the JupyterLab server -------------------------------------------------------------


def scratch_jupyter_env(scratch):
    """Environment variables giving JupyterLab scratch config, data, runtime and settings folders."""
    scratch = Path(scratch)
    folders = {
        "JUPYTER_CONFIG_DIR": scratch / "config",
        "JUPYTER_DATA_DIR": scratch / "data",
        "JUPYTER_RUNTIME_DIR": scratch / "runtime",
        "JUPYTERLAB_SETTINGS_DIR": scratch / "settings",
        "JUPYTERLAB_WORKSPACES_DIR": scratch / "workspaces",
        "IPYTHONDIR": scratch / "ipython",
    }
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    for name, value in QUIET_SETTINGS.items():
        path = folders["JUPYTERLAB_SETTINGS_DIR"] / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value), encoding="utf-8")
    return {name: str(path) for name, path in folders.items()}


def lab_args(token):
    """The options every test server gets: loopback, a port the system picks, a token."""
    args = [
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        "--ServerApp.port=0",
        f"--IdentityProvider.token={token}",
        "--LabApp.expose_app_in_browser=True",
    ]
    if os.geteuid() == 0:  # CI runs as root
        args.append("--allow-root")
    return args


class LabServer:
    """A JupyterLab server in its own process group, stopped with its kernels."""

    def __init__(self, command, cwd, scratch, env=None):
        self.scratch = Path(scratch)
        self.token = secrets.token_hex(16)
        self.env = dict(os.environ)
        self.env.update(scratch_jupyter_env(self.scratch))
        self.env["PATH"] = os.pathsep.join([str(BIN), self.env.get("PATH", "")])
        self.env.update(env or {})
        self.command = [part.replace("{token}", self.token) for part in command]
        self.cwd = Path(cwd)
        self.log_path = self.scratch / "jupyterlab.log"
        self.process = None
        self.base_url = None

    def start(self):
        self._log = open(self.log_path, "w", encoding="utf-8")
        self.process = subprocess.Popen(
            self.command, cwd=self.cwd, env=self.env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.base_url = self._wait_until_up()
        return self

    def _wait_until_up(self):
        from selenium.webdriver.support.wait import WebDriverWait

        runtime = self.env["JUPYTER_RUNTIME_DIR"]

        def answering(_):
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterLab stopped (exit {self.process.returncode}):\n{self.log()}")
            for info in glob.glob(os.path.join(runtime, "jpserver-*.json")):
                try:
                    data = json.loads(Path(info).read_text("utf-8"))
                    url = f"http://127.0.0.1:{data['port']}/"
                    self.get("api/status", base=url)
                    return url
                except (OSError, ValueError, KeyError):
                    continue
            return False

        return WebDriverWait(None, START_TIMEOUT, poll_frequency=0.25, ignored_exceptions=()).until(
            answering, f"JupyterLab did not answer within {START_TIMEOUT} s; log: {self.log_path}"
        )

    def url(self, path="lab"):
        return f"{self.base_url}{path}?token={self.token}"

    def _request(self, method, path, base=None):
        request = urllib.request.Request(f"{base or self.base_url}{path}", method=method)
        request.add_header("Authorization", f"token {self.token}")
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def get(self, path, base=None):
        return self._request("GET", path, base)

    def log(self):
        try:
            return self.log_path.read_text("utf-8", "replace")[-4000:]
        except OSError:
            return ""

    def stop(self):
        """Shut every kernel down, then the server; kill the process group if it lingers."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            for kernel in self.get("api/kernels") or []:
                self._request("DELETE", f"api/kernels/{kernel['id']}")
            self._request("POST", "api/shutdown")
            self.process.wait(timeout=30)
        except (OSError, ValueError, subprocess.TimeoutExpired):
            pass
        finally:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait()
            self._log.close()


def student_server(scratch):
    """A scratch copy of the release, started with the command of its LISEZMOI.md."""
    folder = Path(scratch) / "eleve" / ASSIGNMENT
    shutil.copytree(REPO / "release" / ASSIGNMENT, folder)
    env = {"JUPYTER_CONFIG_PATH": str(folder / "jupyter_eleve")}
    return LabServer([str(BIN / "jupyter"), "lab", *lab_args("{token}")], folder, Path(scratch) / "jupyter-eleve", env)


def instructor_server(root, scratch):
    """``make lab`` in the course root ``root``, with this venv."""
    make = shutil.which("make")
    venv = BIN.parent
    args = " ".join(lab_args("{token}"))
    command = [make, "-s", "-C", str(root), f"VENV={venv}", "-o", str(venv / ".installed"), "lab", f"LAB_ARGS={args}"]
    return LabServer(command, root, scratch)


# --- the course, prepared for the instructor ----------------------------------------------

INSTRUCTOR_NOTEBOOK = "06_1_perceptron"  # one written answer: grading it clears this notebook's flag
INSTRUCTOR_STUDENT = "eleve_correct"


def prepared_course(scratch):
    """A copy of the course with one demo student autograded and its feedback written.

    The course's own cycle code, restricted to one notebook and one student,
    without running the notebooks (``--ConfinedExecute.enabled=False``: the
    grades and the flags are the same, they never come from the kernel).
    """
    if str(REPO / "tests") not in sys.path:  # the screenshots script runs outside pytest
        sys.path.insert(0, str(REPO / "tests"))
    from grading_tests.course import cycle
    from nbgrader_attacks import harness

    root = harness.copy_course(scratch, release=True, submitted=True)
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy2(REPO / name, root / name)
    only = f"--CourseDirectory.notebook_id={INSTRUCTOR_NOTEBOOK}"
    cycle.nbgrader(root, "generate_assignment", ASSIGNMENT, "--force", only)
    cycle.register_students(root, [INSTRUCTOR_STUDENT])
    student = f"--student={INSTRUCTOR_STUDENT}"
    cycle.nbgrader(root, "autograde", ASSIGNMENT, "--force", student, only, "--ConfinedExecute.enabled=False")
    cycle.nbgrader(root, "generate_feedback", ASSIGNMENT, "--force", student, only)
    return root


def feedback_page(root):
    return Path(root) / "feedback" / INSTRUCTOR_STUDENT / ASSIGNMENT / f"{INSTRUCTOR_NOTEBOOK}.html"


# --- the release's notebooks and the reference ------------------------------------------------


def notebook_cells(notebook):
    """The cells of a release notebook."""
    return nbformat.read(str(RELEASE / notebook), as_version=4).cells


def cell_index(notebook, grade_id):
    """The index of the cell with nbgrader ``grade_id`` in a release notebook."""
    for i, cell in enumerate(notebook_cells(notebook)):
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            return i
    raise KeyError(f"no cell {grade_id!r} in {notebook}")


def reference_body(function):
    """The one statement of the reference implementation's body (its docstring left out)."""
    import reference_impl

    tree = ast.parse(inspect.getsource(getattr(reference_impl, function)))
    body = [s for s in tree.body[0].body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    assert len(body) == 1, f"the reference {function} is not one statement"
    return ast.unparse(body[0])


def check_message(folder, notebook, function):
    """What the notebook's visible check prints for the reference function, run by the course's own code."""
    check = notebook_cells(notebook)[cell_index(notebook, f"verif_{function}")].source
    code = (
        "import reference_impl, verifications\n"
        f"namespace = dict(vars(verifications), {function}=reference_impl.{function})\n"
        f"exec(compile({check!r}, 'check', 'exec'), namespace)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=folder, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip(), proc.stdout + proc.stderr
    return proc.stdout.strip().splitlines()[0]


# --- Chromium ------------------------------------------------------------------------------


def chromium(scratch, width=1280, height=900):
    """A headless Chromium with no network but loopback."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    found = find_browser()
    if found is None:
        raise RuntimeError(MISSING_BROWSER)
    browser, driver = found
    os.environ.setdefault("SE_OFFLINE", "true")  # selenium never fetches a driver or a browser
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for arg in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root
        "--disable-dev-shm-usage",
        "--disable-gpu",
        f"--window-size={width},{height}",
        f"--user-data-dir={Path(scratch) / 'chromium-profile'}",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--lang=fr-FR",
        # No network: names other than loopback do not resolve, other connections hit a closed port.
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
        "--proxy-server=http://127.0.0.1:9",
    ):
        options.add_argument(arg)
    service = Service(executable_path=driver, log_output=str(Path(scratch) / "chromedriver.log"))
    browser = webdriver.Chrome(options=options, service=service)
    browser.set_script_timeout(RUN_TIMEOUT)
    return browser


def wait(driver, timeout=UI_TIMEOUT):
    """An explicit wait; an element re-rendered under a condition (DataTables rows, say) is polled again."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.support.wait import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.2, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException))


def screenshot(driver, path):
    """Save a PNG of the window; return its path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(path))
    return path


# --- JupyterLab in the page ------------------------------------------------------------------

def _on_panel(expression):
    """JavaScript that finds the notebook panel of ``arguments[0]`` as ``w`` and returns ``expression``."""
    return (
        "const path = arguments[0]; const app = window.jupyterapp; if (!app) return null;"
        "for (const w of app.shell.widgets('main')) {"
        "  if (w.context && w.context.path === path && w.content && w.content.widgets) return (" + expression + ");"
        "}"
        "return null;"
    )


_CLOSE = """
const [path, done] = [arguments[0], arguments[arguments.length - 1]];
let panel = null;
for (const w of window.jupyterapp.shell.widgets('main')) if (w.context && w.context.path === path) panel = w;
if (!panel) { done(false); } else {
  panel.sessionContext.shutdown().finally(() => { panel.context.model.dirty = false; panel.dispose(); done(true); });
}
"""

# Resolves once the notebook's kernel has answered kernel_info and its spec is
# known: JupyterLab writes language_info and kernelspec into the metadata then.
_READY = """
const [path, done] = [arguments[0], arguments[arguments.length - 1]];
(async () => {
  const app = window.jupyterapp;
  let panel = null;
  for (const w of app.shell.widgets('main')) if (w.context && w.context.path === path) panel = w;
  await panel.context.ready;
  await panel.sessionContext.ready;
  const kernel = panel.sessionContext.session.kernel;
  await kernel.info;
  await kernel.spec;
  await panel.revealed;
  return {dirty: panel.context.model.dirty, cells: panel.content.widgets.length, kernel: kernel.name};
})().then(done, e => done({error: String(e && e.stack || e)}));
"""


class Lab:
    """One browser on one JupyterLab server."""

    def __init__(self, driver, server):
        self.driver = driver
        self.server = server

    def open_lab(self):
        self.driver.get(self.server.url("lab"))
        self.wait_app()

    def wait_app(self):
        wait(self.driver).until(
            lambda d: d.execute_script("return !!(window.jupyterapp && document.querySelector('#jp-main-dock-panel'))"),
            "JupyterLab did not start in the page",
        )
        self.driver.execute_async_script("const done = arguments[0]; window.jupyterapp.restored.then(() => done(true));")

    # --- the file browser and notebooks ---

    def double_click_file(self, name):
        from selenium.webdriver.common.action_chains import ActionChains
        from selenium.webdriver.common.by import By

        def shown(d):
            return next((e for e in d.find_elements(By.CSS_SELECTOR, ".jp-DirListing-item") if e.is_displayed() and e.text.split("\n")[0].strip() == name), None)

        item = wait(self.driver).until(shown, f"{name} is not in the file browser")
        ActionChains(self.driver).double_click(item).perform()

    def is_open(self, path):
        return bool(self.driver.execute_script(_on_panel("true"), path))

    def open_notebook(self, path):
        """Open ``path`` from the file browser; wait for its kernel; return what _READY reports."""
        self.double_click_file(path)
        wait(self.driver).until(lambda d: self.is_open(path), f"{path} did not open")
        state = self.driver.execute_async_script(_READY, path)
        if "error" in state:
            raise AssertionError(f"{path}: the notebook or its kernel did not get ready: {state['error']}")
        return state

    def dirty(self, path):
        return self.driver.execute_script(_on_panel("w.context.model.dirty"), path)

    def tab_is_dirty(self, path):
        """The notebook's tab shows the 'modified' dot (the class JupyterLab puts on it)."""
        return self.driver.execute_script(_on_panel("w.title.className.includes('jp-mod-dirty')"), path)

    def cell(self, path, index):
        return self.driver.execute_script(_on_panel("w.content.widgets[arguments[1]].node"), path, index)

    def cell_source(self, path, index):
        return self.driver.execute_script(
            _on_panel("w.content.widgets[arguments[1]].model.sharedModel.getSource()"), path, index
        )

    def cell_output_text(self, path, index):
        return self.driver.execute_script(
            _on_panel("(w.content.widgets[arguments[1]].node.querySelector('.jp-OutputArea') || {innerText: ''}).innerText"),
            path,
            index,
        )

    def close_notebook(self, path):
        """Shut the kernel down and close the tab without a save dialog (test clean-up)."""
        self.driver.execute_async_script(_CLOSE, path)

    def replace_stub(self, path, index, body):
        """Type ``body`` (one line) in place of the stub that ends answer cell ``index``, as a student would."""
        from selenium.webdriver.common.action_chains import ActionChains
        from selenium.webdriver.common.by import By
        from selenium.webdriver.common.keys import Keys

        source = self.cell_source(path, index)
        lines = source.rstrip("\n").split("\n")
        if len(lines) < 2 or "VOTRE CODE ICI" not in lines[-2] or "NotImplementedError" not in lines[-1]:
            raise AssertionError(f"cell {index} of {path} does not end with the stub:\n{source}")
        if "\n" in body:
            raise ValueError("replace_stub types one line")
        editor = self.cell(path, index).find_element(By.CSS_SELECTOR, ".cm-content")
        editor.click()
        keys = ActionChains(self.driver)
        keys.key_down(Keys.CONTROL).send_keys(Keys.END).key_up(Keys.CONTROL)
        # From the end of the raise line to the start of the comment's text:
        # Shift+Home stops after the indentation, Shift+Up keeps the column.
        keys.key_down(Keys.SHIFT).send_keys(Keys.HOME).send_keys(Keys.UP).key_up(Keys.SHIFT)
        keys.send_keys(body).perform()
        indent = lines[-2][: len(lines[-2]) - len(lines[-2].lstrip())]
        expected = "\n".join(lines[:-2] + [indent + body])
        wait(self.driver).until(
            lambda d: self.cell_source(path, index).rstrip("\n") == expected,
            f"the typed answer did not land in cell {index}: {self.cell_source(path, index)!r}",
        )

    def answer_and_check(self, notebook, function):
        """Type the reference's body of ``function`` into its stub, run the setup, answer and check cells.

        Waits for the check's success message (what the course's own check
        prints for the reference); returns (answer index, check index, body).
        """
        expected = check_message(self.server.cwd, notebook, function)
        body = reference_body(function)
        setup = next(i for i, c in enumerate(notebook_cells(notebook)) if c.cell_type == "code")
        answer, check = cell_index(notebook, function), cell_index(notebook, f"verif_{function}")
        self.replace_stub(notebook, answer, body)
        for index in (setup, answer, check):
            self.run_cell(notebook, index)
        self.wait_output(notebook, check, expected)
        return answer, check, body

    def run_cell(self, path, index):
        """Select cell ``index`` by its prompt and press Shift+Enter."""
        from selenium.webdriver.common.action_chains import ActionChains
        from selenium.webdriver.common.by import By
        from selenium.webdriver.common.keys import Keys

        node = self.cell(path, index)
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", node)
        node.find_element(By.CSS_SELECTOR, ".jp-InputPrompt").click()
        ActionChains(self.driver).key_down(Keys.SHIFT).send_keys(Keys.ENTER).key_up(Keys.SHIFT).perform()

    def wait_output(self, path, index, expected, timeout=RUN_TIMEOUT):
        try:
            wait(self.driver, timeout).until(lambda d: expected in self.cell_output_text(path, index))
        except Exception as exc:
            raise AssertionError(
                f"cell {index} of {path} never showed {expected!r}; it shows:\n{self.cell_output_text(path, index)[:3000]}"
            ) from exc

    def save(self, path):
        from selenium.webdriver.common.action_chains import ActionChains
        from selenium.webdriver.common.keys import Keys

        ActionChains(self.driver).key_down(Keys.CONTROL).send_keys("s").key_up(Keys.CONTROL).perform()
        wait(self.driver).until(lambda d: not self.dirty(path), f"{path} is still modified after Ctrl+S")

    def toolbar_button(self, path, label):
        from selenium.webdriver.common.by import By

        panel = self.driver.execute_script(_on_panel("w.node"), path)
        return wait(self.driver).until(
            lambda d: next(
                (
                    (item.find_elements(By.CSS_SELECTOR, "button, jp-button") or [item])[0]
                    for item in panel.find_elements(By.CSS_SELECTOR, ".jp-Toolbar > .jp-Toolbar-item")
                    if item.text.strip() == label and item.is_displayed()
                ),
                None,
            ),
            f"no {label!r} button in the toolbar of {path}",
        )

    def dialog_text(self, timeout=RUN_TIMEOUT):
        """Wait for a JupyterLab dialog; return (title, body text)."""
        from selenium.webdriver.common.by import By

        dialog = wait(self.driver, timeout).until(
            lambda d: next((e for e in d.find_elements(By.CSS_SELECTOR, ".jp-Dialog-content") if e.is_displayed()), None),
            "no dialog appeared",
        )
        header = dialog.find_elements(By.CSS_SELECTOR, ".jp-Dialog-header")
        body = dialog.find_elements(By.CSS_SELECTOR, ".jp-Dialog-body")
        return (header[0].text if header else ""), (body[0].text if body else dialog.text)

    def close_dialog(self):
        from selenium.webdriver.common.by import By

        for button in self.driver.find_elements(By.CSS_SELECTOR, ".jp-Dialog-footer button"):
            if button.is_displayed():
                button.click()
                break
        wait(self.driver).until(lambda d: not d.find_elements(By.CSS_SELECTOR, ".jp-Dialog-content"), "the dialog did not close")

    # --- the instructor's tools, as JupyterLab shows them ---

    def menu_labels(self):
        from selenium.webdriver.common.by import By

        return [e.text for e in self.driver.find_elements(By.CSS_SELECTOR, "#jp-menu-panel .lm-MenuBar-itemLabel")]

    def menu_item(self, menu, item):
        """Open ``menu`` of the menu bar and click its entry ``item``."""
        from selenium.webdriver.common.by import By

        def labelled(selector, label):
            return lambda d: next(
                (e for e in d.find_elements(By.CSS_SELECTOR, selector) if e.is_displayed() and e.text.strip() == label), None
            )

        wait(self.driver).until(labelled("#jp-menu-panel .lm-MenuBar-item", menu), f"no menu {menu!r}").click()
        wait(self.driver).until(labelled(".lm-Menu .lm-Menu-item", item), f"no entry {item!r} in the menu {menu!r}").click()

    def has_command(self, command):
        return self.driver.execute_script("return window.jupyterapp.commands.hasCommand(arguments[0]);", command)

    def sidebar_titles(self):
        from selenium.webdriver.common.by import By

        tabs = self.driver.find_elements(By.CSS_SELECTOR, ".jp-SideBar .lm-TabBar-tab")
        return [(t.get_attribute("title") or t.text or "") for t in tabs]


# --- feedback pages -----------------------------------------------------------------------------

# Text that still holds TeX between dollars once maths has rendered, outside code.
RAW_MATH = r"(\$\$[^$]+\$\$|\$[^$\s][^$\n]*?\\[A-Za-z]+[^$\n]*?\$|\$[^$\s][^$\n]{0,40}\$)"

_MATH_STATE = """
const rendered = document.querySelectorAll('mjx-container, math, .MathJax, .MathJax_CHTML, .MathJax_SVG, .katex').length;
const copy = document.body.cloneNode(true);
copy.querySelectorAll('pre, code, script, style, textarea, mjx-container, math, .MathJax, .MathJax_Preview, .katex, .highlight, .output_area, .jp-OutputArea, .output_subarea').forEach(e => e.remove());
const raw = (copy.textContent.match(new RegExp(arguments[0], 'g')) || []).slice(0, 5);
return {rendered, raw};
"""


def math_state(driver):
    """{rendered: number of typeset maths elements, raw: up to 5 pieces of TeX left as text}."""
    return driver.execute_script(_MATH_STATE, RAW_MATH)
