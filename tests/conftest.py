"""Shared helpers of the test suite."""

import os
import sys

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
