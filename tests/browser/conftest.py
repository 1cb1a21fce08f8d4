"""Fixtures of the browser tests: one JupyterLab per role and session, a screenshot on failure.

No browser on PATH: the tests are skipped on a developer machine (and
``make test`` says so at the end, see tests/conftest.py); under ``CI=true``
they fail.
"""

import os
import re
from pathlib import Path

import pytest

from . import lab

SCREENSHOTS = Path(os.environ.get("RN_BROWSER_FAILURES", lab.REPO / "tests" / "browser" / "failures"))


def _session(server, scratch):
    """A Chromium on ``server``'s JupyterLab, opened; both stopped when the session ends."""
    driver = None
    try:
        driver = lab.chromium(scratch)
        session = lab.Lab(driver, server)
        session.open_lab()
        yield session
    finally:
        if driver is not None:
            driver.quit()
        server.stop()


@pytest.fixture(scope="session")
def student_lab(tmp_path_factory):
    """A student's JupyterLab on a scratch copy of the release, with its Chromium."""
    lab.require_browser()
    scratch = tmp_path_factory.mktemp("navigateur-eleve")
    yield from _session(lab.student_server(scratch).start(), scratch)


@pytest.fixture(scope="session")
def instructor_course(tmp_path_factory):
    """A copy of the course: one demo student autograded, its feedback generated."""
    lab.require_browser()
    return lab.prepared_course(tmp_path_factory.mktemp("navigateur-cours"))


@pytest.fixture(scope="session")
def instructor_lab(instructor_course, tmp_path_factory):
    """``make lab`` in that copy, with its Chromium."""
    scratch = tmp_path_factory.mktemp("navigateur-enseignant")
    yield from _session(lab.instructor_server(instructor_course, scratch).start(), scratch)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failed test, save the browser window; the failure report names the file."""
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    sessions = [v for v in getattr(item, "funcargs", {}).values() if isinstance(v, lab.Lab)]
    for session in sessions:
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", item.nodeid.split("::", 1)[-1])
        try:
            session.driver.switch_to.default_content()
            path = lab.screenshot(session.driver, SCREENSHOTS / f"{name}.png")
            text = f"screenshot: {path}"
        except Exception as exc:  # the browser itself may be what failed
            text = f"no screenshot ({type(exc).__name__}: {exc})"
        report.sections.append(("browser", f"{text}\nJupyterLab log: {session.server.log_path}"))
