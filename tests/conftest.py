"""Shared helpers of the test suite."""

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")
# nbgrader's Gradebook runs `alembic` from PATH when it creates a gradebook, in this
# process too: the venv's scripts come first, as they do for every nbgrader command.
os.environ["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])


def pytest_terminal_summary(terminalreporter):
    """Say loudly when the browser tests were skipped (no chromium or chromedriver)."""
    from browser.lab import MISSING_BROWSER

    skipped = [r for r in terminalreporter.stats.get("skipped", []) if MISSING_BROWSER in str(r.longrepr)]
    if skipped:
        terminalreporter.section("BROWSER TESTS SKIPPED", sep="!", red=True, bold=True)
        terminalreporter.line(f"{len(skipped)} browser test(s) skipped: {MISSING_BROWSER}", red=True, bold=True)


# --- scheduling under `make test` (pytest -n 2 --dist loadscope --no-loadscope-reorder) --------------
# Each module runs whole on one worker (loadscope), so its module-scoped set-up (an nbgrader run of a
# class, a JupyterLab, a PostgreSQL server) is made once. Modules go out in the order given here, by
# the worker seconds they took in a whole run (`--durations=0`, summed per module), the longest first,
# so a long one never starts last while the other worker idles; modules left out follow, in the
# order of collection. (`--dist loadgroup` would keep test_bank and test_seed_stability, which share
# the `bank_pass` session fixture, on one worker; with pytest-xdist 3.8 here its groups did not hold:
# every test was a group of its own, and each module's set-up was made on both workers.)
LONGEST_FIRST = [
    "test_class_report.py",
    "test_bank.py",
    "test_seed_stability.py",
    "test_hostile_handins.py",
    "test_class_autograde.py",
    "test_class_cluster.py",
    "test_kernel_lifecycle.py",
    "test_nbgrader_attacks.py",
    "test_class_every_folder.py",
    "test_pipeline.py",
    "browser/test_hostile_pages.py",
    "test_class_processes.py",
    "test_postgres_gradebook.py",
    "test_release.py",
    "test_notebooks.py",
    "test_stability.py",
    "test_staging.py",
    "test_late_autograde.py",
]
TESTS = Path(__file__).resolve().parent


def _module(item):
    return item.path.relative_to(TESTS).as_posix() if item.path.is_relative_to(TESTS) else str(item.path)


def pytest_collection_modifyitems(config, items):
    rank = {module: index for index, module in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(_module(item), len(rank)))  # stable: a module's order is kept


@pytest.fixture(scope="session")
def bank_pass(request):
    """Every bank file of ``wrong/`` and ``correct/`` graded by ``runner.grade_submission`` at its own
    seed (what ``test_bank`` asserts on) and, when ``test_seed_stability`` runs too, under the 19 seeds
    after it in the same sandbox (``bank_spread.bank_pass``): {file: ``bank_spread.Graded``}."""
    from bank_spread import SEEDS, bank_pass

    stability = any(item.path.name == "test_seed_stability.py" for item in request.session.items)
    return bank_pass(SEEDS if stability else 1)


@pytest.fixture(scope="session")
def stock_demo_class(tmp_path_factory):
    """The demo class autograded by stock nbgrader (course plug-ins, notebooks not run, seed 7): the rows
    ``test_class_autograde`` and ``test_class_cluster`` compare the class command's with. Only read."""
    from test_class_autograde import NO_EXECUTE, course_copy, stock_autograde

    stock = course_copy(tmp_path_factory.mktemp("stock"))
    stock_autograde(stock, NO_EXECUTE)
    return stock
