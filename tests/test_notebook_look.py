"""Grading looks like a notebook to the student's code (issue 18, class 5).

Code that can tell a grading from a notebook can behave well only when graded
(an Adam that works in place, a θ left perturbed). The grading worker shows
the student's code what a notebook kernel shows it (``grading_tests/_notebook.py``;
the choice and its limits are in docs/instructor.md). A submission here
reports what it sees from inside one graded call.
"""

import json
import os
import re

import pytest

from grading_tests import confine
from grading_tests.sandbox import Sandbox

PROBE = '''
import builtins, json, os, sys

def probe():
    caller = sys._getframe(1)
    main = sys.modules["__main__"]
    shell = get_ipython() if hasattr(builtins, "get_ipython") else None
    seen = {
        "name": __name__,
        "main_is_this_module": main.__dict__ is globals(),
        "main_file": getattr(main, "__file__", None),
        "caller": [caller.f_code.co_name, caller.f_code.co_filename, caller.f_globals is globals()],
        "own_file": probe.__code__.co_filename,
        "argv": sys.argv,
        "shell_namespace_is_this_module": shell is not None and shell.user_ns is globals(),
        "environment": sorted(os.environ),
        "modules": sorted(sys.modules),
        "stack_files": [],
    }
    frame = caller
    while frame is not None:
        seen["stack_files"].append(frame.f_code.co_filename)
        frame = frame.f_back
    return [ord(c) for c in json.dumps(seen)]
'''
CELL_FILE = re.compile(r"/ipykernel_\d+/\d+\.py$")


@pytest.fixture(scope="module")
def seen():
    # nbgrader sets this flag while it autogrades; the student's code may not see it.
    os.environ["NBGRADER_EXECUTION"] = "autograde"
    try:
        with Sandbox([PROBE]) as sandbox:
            outcome = sandbox.call("probe")
    finally:
        del os.environ["NBGRADER_EXECUTION"]
    assert outcome.ok, outcome.error
    return json.loads("".join(map(chr, outcome.value)))


def test_the_cells_run_in_main_as_in_a_kernel(seen):
    assert seen["name"] == "__main__"
    assert seen["main_is_this_module"]
    assert seen["main_file"] is None


def test_the_caller_is_a_notebook_cell(seen):
    name, filename, same_globals = seen["caller"]
    assert name == "<module>" and same_globals
    assert CELL_FILE.search(filename), filename
    assert CELL_FILE.search(seen["own_file"]), seen["own_file"]


def test_argv_is_an_ipykernels(seen):
    launcher, flag, connection = seen["argv"]
    assert launcher.endswith("ipykernel_launcher.py") and flag == "-f"
    assert re.search(r"kernel-[0-9a-f-]+\.json$", connection)


def test_get_ipython_answers_on_the_cells_namespace(seen):
    assert seen["shell_namespace_is_this_module"]


def test_the_environment_is_the_course_kernels_without_nbgraders_flag(seen):
    kernel = set(confine.environment("/tmp", dict(os.environ, NBGRADER_EXECUTION="autograde")))
    assert "NBGRADER_EXECUTION" not in seen["environment"]
    assert set(seen["environment"]) == kernel - {"NBGRADER_EXECUTION"}


def test_no_module_is_named_after_the_grading(seen):
    telling = [m for m in seen["modules"] if re.search(r"grading|confine|wire|_worker|_notebook|sandbox", m)]
    assert telling == []
