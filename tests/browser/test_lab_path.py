"""The formgrader works in a JupyterLab started as ``.venv/bin/jupyter lab``, the venv not on PATH.

nbgrader runs ``alembic`` from PATH when it creates the gradebook. Started
without the venv's ``bin`` on PATH, the formgrader used to hang on
"Loading, please wait..." for good; ``nbgrader_config.py`` now puts the bin
folder of the Python that reads it first. The course copy here has no
gradebook yet, so opening the formgrader is what creates it.
"""

import os
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By

from nbgrader_attacks import harness

from . import lab


pytestmark = pytest.mark.xdist_group("browser-path")


@pytest.fixture(scope="module")
def bare_lab(tmp_path_factory):
    lab.require_browser()
    root = harness.copy_course(tmp_path_factory.mktemp("cours-sans-path"), release=True)
    scratch = tmp_path_factory.mktemp("navigateur-sans-path")
    path = os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep) if p and Path(p).resolve() != lab.BIN.resolve())
    server = lab.LabServer([str(lab.BIN / "jupyter"), "lab", *lab.lab_args("{token}")], root, scratch, env={"PATH": path})
    assert not (root / "gradebook.db").exists()
    server.start()
    driver = None
    try:
        driver = lab.chromium(scratch)
        yield root, lab.Lab(driver, server), path
    finally:
        if driver is not None:
            driver.quit()
        server.stop()


def test_formgrader_lists_the_assignment_without_the_venv_on_path(bare_lab):
    root, session, path = bare_lab
    assert not any((Path(p) / "alembic").exists() for p in path.split(os.pathsep)), "an alembic is on the server's PATH"
    session.driver.get(session.server.url("formgrader/manage_assignments"))
    lab.wait(session.driver).until(
        lambda d: any(harness.ASSIGNMENT in r.text for r in d.find_elements(By.CSS_SELECTOR, "#main-table tr")),
        "the formgrader did not list the assignment (still loading?)",
    )
    assert (root / "gradebook.db").exists()
